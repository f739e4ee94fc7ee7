/**
 * Example site rules shown in docs/facts.md. They are real rules: test/report/site-rules.test.ts loads them
 * through the catalog from a --rules directory and runs them on a host, so the docs cannot show a rule that
 * does not work.
 */
import type { RuleFileInput } from '../engine/rule-file.js';

export interface SiteRuleExample {
  heading: string;
  explanation: string;
  rule: RuleFileInput;
}

export const SITE_RULE_EXAMPLES: SiteRuleExample[] = [
  {
    heading: 'Example: net.ipv4.tcp_syncookies must be 1',
    explanation:
      'A host rule reading one sysctl key through the `sysctlNumber` fact and its `key` parameter; ' +
      'the finding quotes the `sysctl -a` line through `sysctlEvidence` with the same parameter. ' +
      'Save it as `site-rules/site-tcp-syncookies.json`.',
    rule: {
      id: 'site-tcp-syncookies',
      title: 'TCP SYN cookies are off (site policy: net.ipv4.tcp_syncookies = 1)',
      severity: 'warning',
      subject: 'host',
      requires: ['sysctl'],
      rationale:
        'With net.ipv4.tcp_syncookies = 0 a SYN flood fills the listen backlog of every TCP service and ' +
        'legitimate clients are refused; with 1 the kernel answers with SYN cookies once a backlog overflows.',
      remediation:
        'sysctl -w net.ipv4.tcp_syncookies=1, and persist it: ' +
        "echo 'net.ipv4.tcp_syncookies = 1' > /etc/sysctl.d/90-site.conf",
      references: ['https://docs.kernel.org/networking/ip-sysctl.html'],
      message: 'net.ipv4.tcp_syncookies is 0: SYN cookies are disabled',
      evidence: [{ fact: 'sysctlEvidence', params: { key: 'net.ipv4.tcp_syncookies' } }],
      conditions: {
        all: [{ fact: 'sysctlNumber', params: { key: 'net.ipv4.tcp_syncookies' }, operator: 'equal', value: 0 }],
      },
    },
  },
  {
    heading: 'Example: no interface may have an MTU above 9000',
    explanation:
      'An interface rule, evaluated once per interface of every namespace. The loopback device (MTU 65536) ' +
      'is excluded by its `kind`. Save it as `site-rules/site-mtu-max-9000.json`.',
    rule: {
      id: 'site-mtu-max-9000',
      title: 'Interface MTU above 9000 (site policy: the fabric carries 9000-byte frames)',
      severity: 'warning',
      subject: 'interface',
      requires: ['ip-link'],
      rationale:
        'The switches of this site forward frames of at most 9000 bytes of payload. An interface with a larger MTU ' +
        'sends frames the fabric drops, and path MTU discovery only helps where ICMP gets through.',
      remediation: 'ip link set dev IFACE mtu 9000, and persist it in the interface configuration (netplan, systemd-networkd, ifupdown)',
      references: [],
      message: '{{name}} has MTU {{mtu}}',
      evidence: ['interfaceEvidence'],
      conditions: {
        all: [
          { fact: 'mtu', operator: 'greaterThan', value: 9000 },
          { fact: 'kind', operator: 'notEqual', value: 'loopback' },
        ],
      },
    },
  },
];
