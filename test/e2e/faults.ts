/**
 * The faults the audit suite reproduces on the healthy lab, each with what it does to traffic
 * (checked with bounded probes before auditing) and the finding netaudit must report for it.
 */
import { existsSync } from 'node:fs';
import { dockerRules, savedForm } from './docker-ruleset.js';
import type { Lab } from './lab.js';
import type { ProbeName } from './probes.js';
import { DOCKER_NETWORK, TOPOLOGY } from './topology.js';

const T = TOPOLOGY;
const RULES = dockerRules(DOCKER_NETWORK);
const C1_VETH = T.containers.c1.veth;
const MTU_ABOVE_UPLINK = 9000;
/** A /24 on the uplink inside docker0's /16: the host routes that part of the container subnet out of the uplink. */
const OVERLAPPING_ADDRESS = '172.18.0.200/24';
const LEFTOVER_PAIR = ['vethdead0a1', 'vethdead0b2'] as const;
const WRONG_SUBNET = '172.19.0.0/16';
/** A gateway address on the uplink that nobody holds: ARP for it goes unanswered. */
const SILENT_GATEWAY = '203.0.113.254';
/** The policy rule and table of the policy-routing fault (reset() removes both). */
export const FAULT_RULE_PRIORITY = 100;
export const FAULT_TABLE = 100;
/** The native nftables table of the nftables faults (reset() deletes it). */
export const FAULT_NFT_TABLE = 'netaudit_fault';
/** br_netfilter is in this kernel: bridged frames cross iptables FORWARD while bridge-nf-call-iptables is 1. */
export const BR_NETFILTER = existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables');

export interface ExpectedFinding {
  ruleId: string;
  subject: { kind: string; name: string; namespace: string };
  /**
   * One evidence item must quote this source at a line of the snapshot. Text sources: the evidence is
   * that line, and it matches `line`. JSON sources: the evidence renders (maybe clipped) an element
   * printed at that line, and what it shows of it matches `line`.
   */
  evidence: { source: string; line: RegExp };
  /** Rules disabled for this audit (`--disable`), e.g. to see the rule a more specific one suppresses. */
  disable?: string[];
}

export interface Fault {
  id: string;
  title: string;
  apply(lab: Lab): void;
  /** What each probe must do with the fault in place: true = passes, false = fails. Omitted: not asserted. */
  probes: Partial<Record<ProbeName, boolean>>;
  /**
   * One finding per audit run; several when the same fault is audited with different rules disabled; none
   * for a fault only `trace` names so far (its probes are still traced).
   */
  expected(lab: Lab): ExpectedFinding | ExpectedFinding[];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const exactLine = (s: string): RegExp => new RegExp(`^(\\[\\d+:\\d+\\] )?${escape(s)}$`);
const ifnameIn = (name: string): RegExp => new RegExp(`"ifname": ?"${escape(name)}"`);
const sysctlLine = (key: string, value: number): RegExp => new RegExp(`^${escape(key)} = ${value}$`);
const FORWARD_DROP_POLICY = /^:FORWARD DROP \[\d+:\d+\]$/;
const host = (kind: string, name: string) => ({ kind, name, namespace: 'host' });

export const FAULTS: Fault[] = [
  {
    id: 'ip-forward-off',
    title: 'forwarding off globally (net.ipv4.ip_forward=0)',
    apply: (lab) => lab.sysctl('host', 'net.ipv4.ip_forward', 0),
    probes: { c1PingInternet: false, c1TcpInternet: false, publishedPort: false, c1TcpC2: true },
    expected: () => ({
      ruleId: 'ip-forward-disabled',
      subject: host('host', 'host'),
      evidence: { source: 'sysctl', line: sysctlLine('net.ipv4.ip_forward', 0) },
    }),
  },
  {
    id: 'uplink-forwarding-off',
    title: `forwarding off on the uplink only (net.ipv4.conf.${T.uplink}.forwarding=0): replies arriving on it are not forwarded`,
    apply: (lab) => lab.sysctl('host', `net.ipv4.conf.${T.uplink}.forwarding`, 0),
    probes: { c1PingInternet: false, c1TcpInternet: false, publishedPort: false, c1TcpC2: true },
    expected: () => ({
      ruleId: 'iface-forwarding-disabled',
      subject: host('interface', T.uplink),
      evidence: { source: 'sysctl', line: sysctlLine(`net.ipv4.conf.${T.uplink}.forwarding`, 0) },
    }),
  },
  {
    id: 'masquerade-missing',
    title: 'MASQUERADE for the bridge subnet deleted',
    apply: (lab) => lab.iptables('-D', RULES.masquerade),
    probes: { c1PingInternet: false, c1TcpInternet: false, publishedPort: true, c1TcpC2: true },
    expected: () => ({
      ruleId: 'masquerade-missing',
      subject: host('bridge-subnet', `${T.bridge}:${T.bridgeSubnet}`),
      // Outbound container traffic falls through to the POSTROUTING policy.
      evidence: { source: 'iptables-save', line: /^:POSTROUTING ACCEPT \[\d+:\d+\]$/ },
    }),
  },
  {
    id: 'masquerade-wrong-subnet',
    title: `MASQUERADE written for the wrong subnet (${WRONG_SUBNET})`,
    apply: (lab) => {
      lab.iptables('-D', RULES.masquerade);
      lab.iptables('-A', { ...RULES.masquerade, spec: ['-s', WRONG_SUBNET, ...RULES.masquerade.spec.slice(2)] });
    },
    probes: { c1PingInternet: false, c1TcpInternet: false, publishedPort: true, c1TcpC2: true },
    expected: () => ({
      ruleId: 'masquerade-missing',
      subject: host('bridge-subnet', `${T.bridge}:${T.bridgeSubnet}`),
      // The near miss: the rule that names the bridge but not its subnet.
      evidence: { source: 'iptables-save', line: exactLine(`-A POSTROUTING -s ${WRONG_SUBNET} ! -o ${T.bridge} -j MASQUERADE`) },
    }),
  },
  {
    id: 'dnat-missing',
    title: `DNAT of the published port ${T.publishedPort} deleted (the filter accept stays)`,
    apply: (lab) => lab.iptables('-D', RULES.dnat),
    probes: { publishedPort: false, c1TcpInternet: true },
    expected: () => ({
      ruleId: 'port-publish-incomplete',
      subject: host('published-port', `tcp/none->${T.containers.c1.address}:${T.serverPort}`),
      evidence: { source: 'iptables-save', line: exactLine(savedForm(RULES.publishAccept)) },
    }),
  },
  {
    id: 'publish-accept-missing',
    title: `FORWARD accept of the published port deleted from the filter DOCKER chain (the DNAT stays)`,
    apply: (lab) => lab.iptables('-D', RULES.publishAccept),
    probes: { publishedPort: false, c1TcpInternet: true },
    expected: () => ({
      ruleId: 'port-publish-incomplete',
      subject: host('published-port', `tcp/${T.publishedPort}->${T.containers.c1.address}:${T.serverPort}`),
      evidence: { source: 'iptables-save', line: exactLine(savedForm(RULES.dnat)) },
    }),
  },
  {
    id: 'forward-flushed',
    title: 'FORWARD flushed under policy DROP (a firewall reload that drops Docker\'s jumps)',
    apply: (lab) => lab.exec('host', ['iptables', '-F', 'FORWARD']),
    // Container to container is bridged: it crosses FORWARD only where br_netfilter is active, so it is not asserted.
    probes: { c1PingInternet: false, c1TcpInternet: false, publishedPort: false },
    expected: () => [
      {
        // On a Docker bridge the precise diagnosis is the lost jumps, which suppresses the generic rule…
        ruleId: 'docker-chains-missing',
        subject: host('bridge', T.bridge),
        evidence: { source: 'iptables-save', line: FORWARD_DROP_POLICY },
      },
      {
        // …which reports it when that rule is off (a daemon run with "iptables": false has no such chains).
        ruleId: 'forward-drop-without-accept',
        subject: host('bridge', T.bridge),
        evidence: { source: 'iptables-save', line: FORWARD_DROP_POLICY },
        disable: ['docker-chains-missing'],
      },
    ],
  },
  {
    id: 'outbound-accept-missing',
    title: `the FORWARD accept for traffic leaving ${T.bridge} (-i ${T.bridge} ! -o ${T.bridge}) deleted under policy DROP`,
    apply: (lab) => lab.iptables('-D', RULES.outboundAccept),
    // Replies of the published port leave the bridge too: in the classic layout only this rule accepts them.
    probes: { c1PingInternet: false, c1TcpInternet: false, c2PingInternet: false, publishedPort: false },
    expected: () => ({
      ruleId: 'forward-drop-without-accept',
      subject: host('bridge', T.bridge),
      evidence: { source: 'iptables-save', line: FORWARD_DROP_POLICY },
    }),
  },
  {
    id: 'docker-user-drop',
    title: `DROP in DOCKER-USER for traffic from the uplink, without an ESTABLISHED accept before it`,
    apply: (lab) => lab.iptables('-I', { table: 'filter', chain: 'DOCKER-USER', spec: ['-i', T.uplink, '-j', 'DROP'] }),
    probes: { c1PingInternet: false, c1TcpInternet: false, publishedPort: false, c1TcpC2: true },
    expected: () => ({
      ruleId: 'forward-established-missing',
      subject: host('bridge', T.bridge),
      evidence: { source: 'iptables-save', line: exactLine(`-A DOCKER-USER -i ${T.uplink} -j DROP`) },
    }),
  },
  {
    id: 'veth-nomaster',
    title: `c1's veth ${C1_VETH} taken off the bridge (nomaster)`,
    apply: (lab) => lab.ip('host', 'link', 'set', C1_VETH, 'nomaster'),
    probes: { c1PingInternet: false, c1TcpC2: false, publishedPort: false, c2PingInternet: true },
    expected: () => ({
      ruleId: 'veth-unattached',
      subject: host('veth', C1_VETH),
      evidence: { source: 'ip-link', line: ifnameIn(C1_VETH) },
    }),
  },
  {
    id: 'veth-down',
    title: `c1's veth ${C1_VETH} set down`,
    apply: (lab) => lab.ip('host', 'link', 'set', C1_VETH, 'down'),
    probes: { c1PingInternet: false, c1TcpC2: false, publishedPort: false, c2PingInternet: true },
    expected: () => ({
      ruleId: 'iface-down',
      subject: host('interface', C1_VETH),
      evidence: { source: 'ip-link', line: ifnameIn(C1_VETH) },
    }),
  },
  {
    id: 'bridge-down',
    title: `the bridge ${T.bridge} set down`,
    apply: (lab) => lab.ip('host', 'link', 'set', T.bridge, 'down'),
    probes: { c1PingInternet: false, c2PingInternet: false, c1TcpC2: false, publishedPort: false },
    expected: () => ({
      ruleId: 'bridge-down',
      subject: host('bridge', T.bridge),
      evidence: { source: 'ip-link', line: ifnameIn(T.bridge) },
    }),
  },
  {
    id: 'address-overlap',
    title: `${OVERLAPPING_ADDRESS} added to the uplink, overlapping ${T.bridge}'s ${T.bridgeSubnet}: replies to c1 leave by the uplink`,
    apply: (lab) => lab.ip('host', 'addr', 'add', OVERLAPPING_ADDRESS, 'dev', T.uplink),
    probes: { c1PingInternet: false, publishedPort: false, c1TcpC2: true },
    expected: () => ({
      ruleId: 'address-overlap',
      subject: host('interface', T.uplink),
      evidence: { source: 'ip-addr', line: ifnameIn(T.uplink) },
    }),
  },
  {
    id: 'no-default-route',
    title: 'host default route deleted',
    apply: (lab) => lab.ip('host', 'route', 'del', 'default'),
    // The internet is on the uplink's own subnet: the published port still answers; container egress does not.
    probes: { c1PingInternet: false, c1TcpInternet: false, publishedPort: true, c1TcpC2: true },
    expected: () => ({
      ruleId: 'default-route-missing',
      subject: host('host', 'host'),
      // The uplink is a veth into the "internet" namespace, as on a nested host: its address is the evidence.
      evidence: { source: 'ip-addr', line: ifnameIn(T.uplink) },
    }),
  },
  {
    id: 'mtu-mismatch',
    title: `${T.bridge} and its veths at MTU ${MTU_ABOVE_UPLINK}, above the uplink's ${T.mtu}`,
    apply: (lab) => {
      for (const c of ['c1', 'c2'] as const) lab.ip('host', 'link', 'set', T.containers[c].veth, 'mtu', String(MTU_ABOVE_UPLINK));
      lab.ip('host', 'link', 'set', T.bridge, 'mtu', String(MTU_ABOVE_UPLINK));
    },
    // Latent: small packets and TCP (its MSS follows the smallest MTU on each side) still pass.
    probes: { c1PingInternet: true, c1TcpInternet: true, publishedPort: true, c1TcpC2: true },
    expected: () => ({
      ruleId: 'mtu-mismatch',
      subject: host('interface', T.bridge),
      evidence: { source: 'ip-link', line: ifnameIn(T.bridge) },
    }),
  },
  {
    id: 'veth-orphan',
    title: `a leftover veth pair ${LEFTOVER_PAIR.join('/')} in the host, in no bridge and no namespace`,
    apply: (lab) => lab.ip('host', 'link', 'add', LEFTOVER_PAIR[0], 'type', 'veth', 'peer', 'name', LEFTOVER_PAIR[1]),
    probes: { c1PingInternet: true, publishedPort: true, c1TcpC2: true },
    expected: (lab) => {
      // Reported once per pair, on the end with the lower ifindex.
      const links = JSON.parse(lab.ip('host', '-j', 'link', 'show').stdout) as { ifname: string; ifindex: number }[];
      const ends = links.filter((l) => (LEFTOVER_PAIR as readonly string[]).includes(l.ifname)).sort((a, b) => a.ifindex - b.ifindex);
      const first = ends[0]?.ifname ?? LEFTOVER_PAIR[0];
      return {
        ruleId: 'veth-orphan',
        subject: host('veth', first),
        evidence: { source: 'ip-link', line: ifnameIn(first) },
      };
    },
  },
  {
    id: 'veth-peer-down',
    title: `c2's end of its veth set down inside the container: the host end ${T.containers.c2.veth} loses carrier`,
    apply: (lab) => lab.ip('c2', 'link', 'set', T.containerIf, 'down'),
    probes: { c2PingInternet: false, c1PingInternet: true, publishedPort: true },
    expected: () => ({
      ruleId: 'veth-orphan',
      subject: host('veth', T.containers.c2.veth),
      evidence: { source: 'ip-link', line: ifnameIn(T.containers.c2.veth) },
    }),
  },
  {
    id: 'container-no-default-route',
    title: 'c1 without a default route',
    apply: (lab) => lab.ip('c1', 'route', 'del', 'default'),
    probes: { c1PingInternet: false, c1TcpInternet: false, publishedPort: false, c1TcpC2: true, c2PingInternet: true },
    expected: (lab) => ({
      ruleId: 'netns-default-route-missing',
      subject: { kind: 'namespace', name: lab.ns.c1, namespace: lab.ns.c1 },
      evidence: { source: `netns:${lab.ns.c1}/ip-addr`, line: ifnameIn(T.containerIf) },
    }),
  },
  {
    id: 'container-output-drop',
    title: "c1's own firewall drops what it sends (OUTPUT policy DROP inside the container)",
    apply: (lab) => lab.exec('c1', ['iptables', '-P', 'OUTPUT', 'DROP']),
    probes: { c1PingInternet: false, c1TcpInternet: false, publishedPort: false, c2PingInternet: true },
    expected: (lab) => ({
      ruleId: 'container-egress-blocked',
      subject: { kind: 'namespace', name: lab.ns.c1, namespace: lab.ns.c1 },
      evidence: { source: `netns:${lab.ns.c1}/iptables-save`, line: /^:OUTPUT DROP \[\d+:\d+\]$/ },
    }),
  },
  {
    id: 'gateway-silent',
    title: `default route via ${SILENT_GATEWAY}, which nobody answers ARP for: the neighbour entry fails`,
    apply: (lab) => lab.ip('host', 'route', 'replace', 'default', 'via', SILENT_GATEWAY, 'dev', T.uplink),
    // The published port's reply goes to the client on the uplink's own subnet, not through the gateway.
    probes: { c1PingInternet: false, c1TcpInternet: false, publishedPort: true, c1TcpC2: true },
    expected: () => ({
      ruleId: 'gateway-unreachable',
      subject: host('route', `0.0.0.0/0 dev ${T.uplink}`),
      evidence: { source: 'ip-neigh', line: new RegExp(`"dst": ?"${escape(SILENT_GATEWAY)}"`) },
    }),
  },
  {
    id: 'policy-blackhole',
    title: `a policy rule sending the container subnet to table ${FAULT_TABLE}, which holds a blackhole default`,
    apply: (lab) => {
      lab.ip('host', 'route', 'add', 'blackhole', 'default', 'table', String(FAULT_TABLE));
      lab.ip('host', 'rule', 'add', 'priority', String(FAULT_RULE_PRIORITY), 'from', T.bridgeSubnet, 'lookup', String(FAULT_TABLE));
    },
    // The published port's request is from the internet (main table); its reply, from c1, is blackholed.
    probes: { c1PingInternet: false, c1TcpInternet: false, publishedPort: false, c1TcpC2: true },
    expected: () => ({
      ruleId: 'policy-route-blackhole',
      subject: host('interface', T.bridge),
      evidence: { source: 'ip-rule', line: new RegExp(`"priority": ?${FAULT_RULE_PRIORITY}\\b`) },
    }),
  },
  {
    id: 'mangle-forward-drop',
    title: `a DROP in mangle FORWARD for traffic from ${T.bridge} to the uplink (filter FORWARD never sees it)`,
    apply: (lab) => lab.exec('host', ['iptables', '-t', 'mangle', '-A', 'FORWARD', '-i', T.bridge, '-o', T.uplink, '-j', 'DROP']),
    probes: { c1PingInternet: false, c1TcpInternet: false, c2PingInternet: false, publishedPort: false, c1TcpC2: true },
    expected: () => ({
      ruleId: 'path-egress-blocked',
      subject: host('bridge-subnet', `${T.bridge}:${T.bridgeSubnet}`),
      evidence: { source: 'iptables-save', line: exactLine(`-A FORWARD -i ${T.bridge} -o ${T.uplink} -j DROP`) },
    }),
  },
  {
    id: 'forward-reject-tcp-first',
    title: 'a REJECT of all TCP inserted first in filter FORWARD',
    apply: (lab) => lab.exec('host', ['iptables', '-I', 'FORWARD', '1', '-p', 'tcp', '-j', 'REJECT']),
    // Container to container is bridged: it crosses FORWARD where br_netfilter is active (then bridge-nf-call-iptables is 1 in a new namespace).
    probes: { c1PingInternet: true, c1TcpInternet: false, publishedPort: false, ...(BR_NETFILTER ? { c1TcpC2: false } : {}) },
    // The specific rule names it; path-egress-blocked then stays silent (one cause, one finding).
    expected: () => ({
      ruleId: 'forward-drop-without-accept',
      subject: host('bridge', T.bridge),
      evidence: { source: 'iptables-save', line: exactLine('-A FORWARD -p tcp -j REJECT --reject-with icmp-port-unreachable') },
    }),
  },
  {
    id: 'published-target-not-listening',
    title: `c1's server stopped: the published port's DNAT target ${T.containers.c1.address}:${T.serverPort} has no listener`,
    apply: (lab) => lab.stopContainerServer('c1'),
    probes: { publishedPort: false, c1PingInternet: true, c1TcpInternet: true },
    expected: () => ({
      ruleId: 'path-ingress-blocked',
      subject: host('published-port', `tcp/${T.publishedPort}->${T.containers.c1.address}:${T.serverPort}`),
      // No socket on the port at all: the refusal quotes no line; the finding quotes the path's drop.
      evidence: { source: 'iptables-save', line: /DNAT --to-destination/ },
    }),
  },
  {
    id: 'fwmark-blackhole',
    title: `c1's traffic marked 0x1 in mangle PREROUTING, and a policy rule sending fwmark 0x1 to table ${FAULT_TABLE}, which holds a blackhole default`,
    apply: (lab) => {
      lab.exec('host', ['iptables', '-t', 'mangle', '-A', 'PREROUTING', '-s', T.containers.c1.address, '-j', 'MARK', '--set-mark', '0x1']);
      lab.ip('host', 'route', 'add', 'blackhole', 'default', 'table', String(FAULT_TABLE));
      lab.ip('host', 'rule', 'add', 'priority', String(FAULT_RULE_PRIORITY), 'fwmark', '0x1', 'lookup', String(FAULT_TABLE));
    },
    // Only the marked container loses the internet; the mark decides the route.
    probes: { c1PingInternet: false, c1TcpInternet: false, c2PingInternet: true, c1TcpC2: true },
    // c1's own connection dies at the host's policy rule: the container rule names it (the subnet as a whole is not marked).
    expected: (lab) => ({
      ruleId: 'container-egress-blocked',
      subject: { kind: 'namespace', name: lab.ns.c1, namespace: lab.ns.c1 },
      evidence: { source: 'ip-rule', line: new RegExp(`"priority": ?${FAULT_RULE_PRIORITY}\\b`) },
    }),
  },
  ...(BR_NETFILTER
    ? [
        {
          id: 'bridge-nf-call-off-reject',
          title: 'the same REJECT first in FORWARD with net.bridge.bridge-nf-call-iptables=0: bridged traffic between containers skips iptables',
          apply: (lab: Lab) => {
            lab.sysctl('host', 'net.bridge.bridge-nf-call-iptables', 0);
            lab.exec('host', ['iptables', '-I', 'FORWARD', '1', '-p', 'tcp', '-j', 'REJECT']);
          },
          probes: { c1TcpC2: true, c1TcpInternet: false, publishedPort: false },
          expected: () => ({
            ruleId: 'forward-drop-without-accept',
            subject: host('bridge', T.bridge),
            evidence: { source: 'iptables-save', line: exactLine('-A FORWARD -p tcp -j REJECT --reject-with icmp-port-unreachable') },
          }),
        } satisfies Fault,
      ]
    : []),
  {
    id: 'nft-forward-policy-drop',
    title: `a native nftables table (inet ${FAULT_NFT_TABLE}) with a forward base chain of policy drop: Docker's iptables accepts end only their own base chain`,
    apply: (lab) =>
      lab.exec('host', ['nft', '-f', '-'], `table inet ${FAULT_NFT_TABLE} {\n  chain forward {\n    type filter hook forward priority 10; policy drop;\n  }\n}\n`),
    probes: { c1PingInternet: false, c1TcpInternet: false, publishedPort: false, ...(BR_NETFILTER ? { c1TcpC2: false } : {}) },
    expected: () => [
      {
        ruleId: 'forward-accept-overridden',
        subject: host('bridge-subnet', `${T.bridge}:${T.bridgeSubnet}`),
        evidence: { source: 'nft-ruleset', line: /^chain forward \{ type filter hook forward priority 10; policy drop; \}$/ },
      },
      {
        ruleId: 'path-egress-blocked',
        subject: host('bridge-subnet', `${T.bridge}:${T.bridgeSubnet}`),
        evidence: { source: 'nft-ruleset', line: /^chain forward \{ type filter hook forward priority 10; policy drop; \}$/ },
        disable: ['forward-accept-overridden'],
      },
    ],
  },
];
