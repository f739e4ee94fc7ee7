/**
 * AuditResult values for the formatter tests: built by hand, independent of the engine.
 */
import type { AuditResult, Finding, RuleMeta, Severity, Subject } from '../../src/engine/types.js';
import { REPORT_SCHEMA_ID } from '../../src/engine/types.js';

export function rule(id: string, severity: Severity, subject: RuleMeta['subject'] = 'host', origin = 'built-in'): RuleMeta {
  return {
    id,
    title: `Title of ${id}`,
    severity,
    subject,
    rationale: `Why ${id} matters.`,
    remediation: `Fix ${id}.`,
    references: ['https://docs.kernel.org/networking/ip-sysctl.html'],
    requires: ['sysctl'],
    origin,
  };
}

export function finding(ruleId: string, severity: Severity, subject: Subject, evidence: Finding['evidence'], message = `${ruleId} fired`): Finding {
  return { ruleId, severity, title: `Title of ${ruleId}`, subject, message, evidence, remediation: `Fix ${ruleId}.` };
}

export const hostSubject: Subject = { kind: 'host', name: 'host', namespace: 'host' };

/** A realistic mixed result: two errors, a warning, an info, a skipped rule, an unavailable source. */
export function mixedResult(): AuditResult {
  const rules = [
    rule('ip-forward-disabled', 'error'),
    rule('docker-forward-drop', 'error', 'netfilter-chain'),
    rule('veth-no-master', 'warning', 'veth'),
    rule('rp-filter-strict', 'info', 'interface'),
    rule('published-port-unreachable', 'error', 'published-port'),
    rule('iface-forwarding-disabled', 'error', 'interface'),
  ];
  const findings: Finding[] = [
    finding('veth-no-master', 'warning', { kind: 'veth', name: 'veth1a2b3c', namespace: 'host' }, [
      { source: 'ip-link', line: 7, text: '{"ifindex":12,"ifname":"veth1a2b3c"}' },
    ]),
    finding('ip-forward-disabled', 'error', hostSubject, [{ source: 'sysctl', line: 812, text: 'net.ipv4.ip_forward = 0' }],
      'net.ipv4.ip_forward is 0 but docker0 has 2 ports'),
    finding('rp-filter-strict', 'info', { kind: 'interface', name: 'eth0', namespace: 'blue' }, [
      { source: 'netns:blue/sysctl', line: 40, text: 'net.ipv4.conf.eth0.rp_filter = 1' },
    ]),
    finding('docker-forward-drop', 'error', { kind: 'netfilter-chain', name: 'filter/FORWARD', namespace: 'host' }, [
      { source: 'iptables-save', line: 42, text: '[0:0] -A FORWARD -j DROP' },
      { source: 'iptables-save', line: 43, text: '[0:0] -A FORWARD -o docker0 -j DOCKER' },
    ]),
  ];
  return {
    schema: REPORT_SCHEMA_ID,
    input: 'fixtures/example/snapshot.json',
    host: { hostname: 'web-1', kernel: '6.1.0-18-amd64', collectedAt: '2025-03-01T10:00:00Z', collector: 'netaudit 0.1.0' },
    findings,
    suppressed: [],
    skipped: [{ ruleId: 'published-port-unreachable', reason: 'source iptables-save failed in namespace host: permission denied' }],
    passed: [
      { ruleId: 'iface-forwarding-disabled', subject: { kind: 'interface', name: 'eth0', namespace: 'host' } },
      { ruleId: 'iface-forwarding-disabled', subject: { kind: 'interface', name: 'docker0', namespace: 'host' } },
      { ruleId: 'veth-no-master', subject: { kind: 'veth', name: 'veth9f8e7d', namespace: 'host' } },
    ],
    rules,
    summary: {
      errors: 2,
      warnings: 1,
      infos: 1,
      rulesEvaluated: 5,
      rulesSkipped: 1,
      subjectsEvaluated: 7,
      suppressed: 0,
      unavailableSources: ['host/ip6tables-save: not collected'],
    },
  };
}

/** Nothing found and nothing missing. */
export function cleanResult(): AuditResult {
  return {
    schema: REPORT_SCHEMA_ID,
    input: 'clean/snapshot.json',
    host: { hostname: 'db-2' },
    findings: [],
    suppressed: [],
    skipped: [],
    passed: [{ ruleId: 'ip-forward-disabled', subject: hostSubject }],
    rules: [rule('ip-forward-disabled', 'error')],
    summary: { errors: 0, warnings: 0, infos: 0, rulesEvaluated: 1, rulesSkipped: 0, subjectsEvaluated: 1, suppressed: 0, unavailableSources: [] },
  };
}

/** The clean result with two findings accepted: one held by a baseline, one by a waiver with an expiry. */
export function suppressedResult(): AuditResult {
  const result = cleanResult();
  const eth0: Subject = { kind: 'interface', name: 'eth0', namespace: 'host' };
  result.rules.push(rule('rp-filter-strict', 'warning', 'interface'));
  result.suppressed = [
    {
      ...finding('ip-forward-disabled', 'error', hostSubject, [{ source: 'sysctl', line: 3, text: 'net.ipv4.ip_forward = 0' }]),
      suppression: { kind: 'baseline', justification: 'in the baseline netaudit-baseline.json', file: 'netaudit-baseline.json' },
    },
    {
      ...finding('rp-filter-strict', 'warning', eth0, [{ source: 'sysctl', line: 5, text: 'net.ipv4.conf.eth0.rp_filter = 1' }]),
      suppression: { kind: 'waiver', justification: 'the uplink is symmetric', file: '.netaudit', expires: '2027-01-31' },
    },
  ];
  result.passed = [];
  result.summary = { ...result.summary, suppressed: 2 };
  return result;
}
