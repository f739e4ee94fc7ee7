/**
 * Subject kind `host`: the machine as a whole, evaluated once, in the host namespace.
 */
import type { Evidence, Interface, Namespace } from '../../model/types.js';
import { lookupSysctl } from '../../model/sysctl.js';
import { mergeEvidence, summarise } from './lib/evidence.js';
import { forwardingAnalysis, forwardingAnalysis6, type ForwardingAnalysis } from './lib/forwarding.js';
import { kubernetesCniOwner } from './lib/names.js';
import { defaultRoutes, l2UplinkPorts, usableAddresses } from './lib/topology.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactEnv, type FactModule, type FactParams } from './registry.js';

const subjects = defineSubjects<Namespace>({
  kind: 'host',
  description: 'The host itself: one subject, in the host namespace',
  namespaces: 'host',
  enumerate: ({ namespace }) => [{ name: 'host', value: namespace }],
});

function sysctlNumber(ns: Namespace, key: string): number | undefined {
  return lookupSysctl(ns.sysctl, key).value;
}

function sysctlEvidence(ns: Namespace, ...keys: string[]): Evidence[] {
  return keys.flatMap((k) => {
    const e = ns.sysctl.entries.get(k)?.evidence;
    return e ? [e] : [];
  });
}

function keyParam(params: FactParams): string {
  return typeof params.key === 'string' ? params.key : '';
}

function reasonText(a: ForwardingAnalysis): string {
  const first = a.reasons[0];
  if (!first) return 'nothing on this host needs forwarding';
  return a.reasons.length > 1 ? `${first.text}; and ${a.reasons.length - 1} more reason${a.reasons.length > 2 ? 's' : ''}` : first.text;
}

/** Evidence of the first reasons, at most `max` lines. */
function reasonEvidence(a: ForwardingAnalysis, max = 4): Evidence[] {
  return mergeEvidence(...a.reasons.map((r) => r.evidence)).slice(0, max);
}

interface KubernetesSignals {
  signals: string[];
  evidence: Evidence[];
}

function kubernetesSignals(env: FactEnv, ns: Namespace): KubernetesSignals {
  return env.cache.perNamespace(ns, 'host:kubernetes', () => {
    const signals: string[] = [];
    const evidence: Evidence[] = [];
    const rulesets = [ns.netfilter.ipv4, ...ns.netfilter.backends.values()];
    for (const ruleset of rulesets) {
      if (!ruleset || signals.some((s) => s.startsWith('KUBE-'))) continue;
      for (const table of ruleset.tables.values()) {
        const chain = [...table.chains.values()].find((c) => c.name.startsWith('KUBE-'));
        if (chain) {
          signals.push(`${chain.name} chain (${table.name} table)`);
          evidence.push(chain.evidence);
          break;
        }
      }
    }
    const byOwner = new Map<string, Interface[]>();
    for (const iface of ns.interfaces) {
      const owner = kubernetesCniOwner(iface.name);
      if (!owner) continue;
      const list = byOwner.get(owner);
      if (list) list.push(iface);
      else byOwner.set(owner, [iface]);
    }
    for (const [owner, ifaces] of byOwner) {
      signals.push(`${owner} interface${ifaces.length > 1 ? 's' : ''} ${summarise(ifaces.map((i) => i.name), 2)}`);
      evidence.push((ifaces[0] as Interface).evidence);
    }
    return { signals, evidence };
  });
}

const BRIDGE_NF_KEY = 'net.bridge.bridge-nf-call-iptables';

/** br_netfilter is loaded when any net.bridge.bridge-nf-* key exists. */
function bridgeNetfilterLoaded(ns: Namespace): boolean {
  for (const key of ['net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables', 'net.bridge.bridge-nf-call-arptables']) {
    if (ns.sysctl.entries.has(key)) return true;
  }
  return false;
}

function conntrackMaxKey(ns: Namespace): string {
  return ns.sysctl.entries.has('net.netfilter.nf_conntrack_max') ? 'net.netfilter.nf_conntrack_max' : 'net.nf_conntrack_max';
}

const UPLINK_CANDIDATE_KINDS = new Set(['physical', 'bond', 'vlan']);

/**
 * The uplink of a nested host (a kind node, Docker-in-Docker, an LXC container running containers) is a
 * veth whose peer sits in the parent's namespace: an unbridged veth with a global address and its peer elsewhere.
 */
function isNestedUplink(ns: Namespace, iface: Interface): boolean {
  if (iface.kind !== 'veth' || iface.master !== undefined) return false;
  const peer = ns.veths.find((v) => v.interface === iface)?.peer;
  if (!peer) return false;
  return peer.resolved ? peer.namespace !== ns.name : peer.netnsId !== undefined || peer.netnsName !== undefined;
}

/**
 * Interfaces that connect the host to a network beyond it, up, with a global IPv4 address: NICs, bonds,
 * VLANs, bridges enslaving one, and the veth uplink of a nested host.
 */
function uplinkCandidates(ns: Namespace): Interface[] {
  return ns.interfaces.filter((iface) => {
    if (!iface.adminUp || usableAddresses(iface, 4).length === 0) return false;
    if (UPLINK_CANDIDATE_KINDS.has(iface.kind) || isNestedUplink(ns, iface)) return true;
    const bridge = iface.kind === 'bridge' ? ns.bridgeByName.get(iface.name) : undefined;
    return Boolean(bridge && l2UplinkPorts(bridge).some((p) => UPLINK_CANDIDATE_KINDS.has(p.kind)));
  });
}

const facts = defineFacts<Namespace>('host', [
  {
    name: 'hostname',
    type: 'string | undefined',
    description: 'Host name recorded by the collector',
    example: 'node-1',
    compute: (_ns, env) => env.host.meta.hostname,
  },
  {
    name: 'sysctlValue',
    type: 'string | undefined',
    description: 'The running value of any sysctl key, as sysctl -a prints it (tabs between multiple values); undefined when absent',
    example: '1',
    params: [{ name: 'key', description: 'The key as sysctl -a prints it, e.g. net.ipv4.tcp_syncookies', required: true }],
    compute: (ns, _env, params) => ns.sysctl.entries.get(keyParam(params))?.value,
  },
  {
    name: 'sysctlNumber',
    type: 'number | undefined',
    description: 'The running value of a numeric sysctl key; undefined when absent or not a number',
    example: 1,
    params: [{ name: 'key', description: 'The key as sysctl -a prints it', required: true }],
    compute: (ns, _env, params) => sysctlNumber(ns, keyParam(params)),
  },
  {
    name: 'sysctlEvidence',
    type: EVIDENCE_TYPE,
    description: 'The sysctl -a line of a key (empty when absent)',
    params: [{ name: 'key', description: 'The key as sysctl -a prints it', required: true }],
    compute: (ns, _env, params) => sysctlEvidence(ns, keyParam(params)),
  },
  {
    name: 'ipForward',
    type: 'number | undefined',
    description: 'net.ipv4.ip_forward (0 or 1); writing it sets every interface\'s net.ipv4.conf.<if>.forwarding',
    example: 0,
    compute: (ns) => sysctlNumber(ns, 'net.ipv4.ip_forward'),
  },
  {
    name: 'ipForwardEvidence',
    type: EVIDENCE_TYPE,
    description: 'The sysctl -a line of net.ipv4.ip_forward',
    compute: (ns) => sysctlEvidence(ns, 'net.ipv4.ip_forward'),
  },
  {
    name: 'forwardingNeeded',
    type: 'boolean',
    description:
      'The host routes IPv4 traffic that is not its own: a bridge with ports and its own address (and no NIC port), routed veths to other namespaces, a collected namespace whose default route leaves through a veth, or NAT rules (MASQUERADE, SNAT, DNAT to another host). False on a plain server.',
    example: true,
    compute: (ns, env) => forwardingAnalysis(env, ns).needed,
  },
  {
    name: 'forwardingReasons',
    type: 'string[]',
    description: 'Why the host forwards IPv4 traffic, one sentence per reason (empty when it does not)',
    example: ['bridge docker0 (172.17.0.0/16) routes traffic for 2 ports (veth1a2b3c, veth4d5e6f)'],
    compute: (ns, env) => forwardingAnalysis(env, ns).reasons.map((r) => r.text),
  },
  {
    name: 'forwardingReason',
    type: 'string',
    description: 'The first reason the host forwards IPv4 traffic, for messages',
    compute: (ns, env) => reasonText(forwardingAnalysis(env, ns)),
  },
  {
    name: 'forwardingNeededEvidence',
    type: EVIDENCE_TYPE,
    description: 'Lines that show the host forwards IPv4 traffic (bridge, veth, route or NAT rule lines; at most 4)',
    compute: (ns, env) => reasonEvidence(forwardingAnalysis(env, ns)),
  },
  {
    name: 'ipv6Forwarding',
    type: 'number | undefined',
    description: 'net.ipv6.conf.all.forwarding: IPv6 has no per-interface forwarding switch, this one decides',
    example: 0,
    compute: (ns) => sysctlNumber(ns, 'net.ipv6.conf.all.forwarding'),
  },
  {
    name: 'ipv6ForwardingEvidence',
    type: EVIDENCE_TYPE,
    description: 'The sysctl -a line of net.ipv6.conf.all.forwarding',
    compute: (ns) => sysctlEvidence(ns, 'net.ipv6.conf.all.forwarding'),
  },
  {
    name: 'ipv6ForwardingNeeded',
    type: 'boolean',
    description: 'The host routes IPv6 traffic: a bridge with ports and a global IPv6 subnet, ip6tables NAT rules, or ip6tables FORWARD accepts naming IPv6 prefixes',
    example: false,
    compute: (ns, env) => forwardingAnalysis6(env, ns).needed,
  },
  {
    name: 'ipv6ForwardingReason',
    type: 'string',
    description: 'The first reason the host forwards IPv6 traffic, for messages',
    compute: (ns, env) => reasonText(forwardingAnalysis6(env, ns)),
  },
  {
    name: 'ipv6ForwardingNeededEvidence',
    type: EVIDENCE_TYPE,
    description: 'Lines that show the host routes IPv6 traffic (at most 4)',
    compute: (ns, env) => reasonEvidence(forwardingAnalysis6(env, ns)),
  },
  {
    name: 'kubernetesNode',
    type: 'boolean',
    description: 'The host is a Kubernetes node: KUBE-* chains in iptables, or interfaces of a CNI plugin (cni0/cbr0, flannel.*, cali*, vxlan.calico, cilium_*, kube-ipvs0)',
    example: true,
    compute: (ns, env) => kubernetesSignals(env, ns).signals.length > 0,
  },
  {
    name: 'kubernetesSignals',
    type: 'string[]',
    description: 'What shows the host is a Kubernetes node',
    example: ['KUBE-SERVICES chain (nat table)', 'flannel interface flannel.1'],
    compute: (ns, env) => kubernetesSignals(env, ns).signals,
  },
  {
    name: 'kubernetesEvidence',
    type: EVIDENCE_TYPE,
    description: 'Lines that show the host is a Kubernetes node',
    compute: (ns, env) => kubernetesSignals(env, ns).evidence,
  },
  {
    name: 'bridgeNetfilterLoaded',
    type: 'boolean',
    description: 'The br_netfilter module is loaded (the net.bridge.bridge-nf-call-* keys exist)',
    example: true,
    compute: (ns) => bridgeNetfilterLoaded(ns),
  },
  {
    name: 'bridgeNfCallIptables',
    type: 'number | undefined',
    description: 'net.bridge.bridge-nf-call-iptables; undefined when absent (br_netfilter not loaded)',
    example: 1,
    compute: (ns) => sysctlNumber(ns, BRIDGE_NF_KEY),
  },
  {
    name: 'bridgeNfCallIptablesText',
    type: 'string',
    description: 'net.bridge.bridge-nf-call-iptables for messages: its value, or why it is absent',
    example: 'absent (the br_netfilter module is not loaded)',
    compute: (ns) => ns.sysctl.entries.get(BRIDGE_NF_KEY)?.value ?? 'absent (the br_netfilter module is not loaded)',
  },
  {
    name: 'bridgeNfEvidence',
    type: EVIDENCE_TYPE,
    description: 'The sysctl -a line of net.bridge.bridge-nf-call-iptables (empty when absent)',
    compute: (ns) => sysctlEvidence(ns, BRIDGE_NF_KEY),
  },
  {
    name: 'conntrackCount',
    type: 'number | undefined',
    description: 'net.netfilter.nf_conntrack_count: connections tracked right now',
    example: 65012,
    compute: (ns) => sysctlNumber(ns, 'net.netfilter.nf_conntrack_count'),
  },
  {
    name: 'conntrackMax',
    type: 'number | undefined',
    description: 'net.netfilter.nf_conntrack_max (or net.nf_conntrack_max): the table size',
    example: 65536,
    compute: (ns) => sysctlNumber(ns, conntrackMaxKey(ns)),
  },
  {
    name: 'conntrackUsagePercent',
    type: 'number | undefined',
    description: 'nf_conntrack_count as a percentage of nf_conntrack_max, rounded down to one decimal; undefined when either is absent',
    example: 99.2,
    compute: (ns) => {
      const count = sysctlNumber(ns, 'net.netfilter.nf_conntrack_count');
      const max = sysctlNumber(ns, conntrackMaxKey(ns));
      if (count === undefined || max === undefined || max <= 0) return undefined;
      return Math.floor((count * 1000) / max) / 10;
    },
  },
  {
    name: 'conntrackEvidence',
    type: EVIDENCE_TYPE,
    description: 'The sysctl -a lines of nf_conntrack_count and nf_conntrack_max',
    compute: (ns) => sysctlEvidence(ns, 'net.netfilter.nf_conntrack_count', conntrackMaxKey(ns)),
  },
  {
    name: 'defaultRoutePresent',
    type: 'boolean',
    description: 'An IPv4 default route exists in the main table, the one traffic without a policy rule uses (an explicit unreachable or blackhole default counts: it is a decision)',
    example: true,
    compute: (ns, env) => defaultRoutes(env, ns, 4).some((r) => r.table === 'main'),
  },
  {
    name: 'uplinkCandidates',
    type: 'string[]',
    description: 'Interfaces that could lead beyond the host: NICs, bonds, VLANs (or bridges enslaving one), and the unbridged veth uplink of a nested host whose peer is in another namespace, that are up with a global IPv4 address',
    example: ['eth0'],
    compute: (ns) => uplinkCandidates(ns).map((i) => i.name),
  },
  {
    name: 'uplinkCandidateEvidence',
    type: EVIDENCE_TYPE,
    description: 'The ip addr lines of the uplink candidates',
    compute: (ns) => mergeEvidence(...uplinkCandidates(ns).map((i) => usableAddresses(i, 4)[0]?.evidence ?? i.evidence)),
  },
]);

export const hostModule: FactModule<Namespace> = { subjects, facts };
