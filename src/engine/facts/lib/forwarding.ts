/**
 * Does this namespace route traffic that is not its own, and through which interfaces?
 *
 * A namespace forwards when it is the gateway of a routed segment: a bridge with ports and an address of
 * its own, and no NIC/bond/VLAN port (a bridge that enslaves the uplink is an L2 extension of the LAN,
 * which needs no IP forwarding); routed veths to other namespaces (Calico-style /32 routes, no bridge);
 * collected namespaces whose default route leaves through a veth; NAT rules that send traffic elsewhere.
 * A plain server has none of these and must never be told to enable forwarding.
 *
 * `net.ipv4.conf.<if>.forwarding` is checked on the input interface, so the interfaces that carry
 * forwarded traffic are the routed bridges (container → world), the uplinks (replies and published
 * ports coming back) and the routed veths. A veth enslaved to a bridge is not one: its traffic enters
 * the IP layer through the bridge.
 */
import { parseAddress, parseCidr } from '../../../model/net.js';
import type { Bridge, Evidence, Interface, Namespace, NfRule, Ruleset } from '../../../model/types.js';
import type { FactEnv } from '../registry.js';
import {
  configuredRoutesVia,
  defaultRoutes,
  l2UplinkPorts,
  localAddresses,
  routeDevices,
  uplinks,
  usableAddresses,
} from './topology.js';

export interface ForwardingReason {
  text: string;
  evidence: Evidence[];
}

export interface ForwardingAnalysis {
  needed: boolean;
  reasons: ForwardingReason[];
  /** Interfaces whose input traffic is forwarded, with why. */
  carriers: Map<string, string>;
}

/** At most this many lines of evidence per reason: a Kubernetes node has hundreds of NAT rules. */
const EVIDENCE_PER_REASON = 3;

const NAT_TARGETS = new Set(['MASQUERADE', 'SNAT', 'DNAT', 'NETMAP']);

/** A bridge the namespace routes for: ports, an address of the family, no L2 uplink port. */
export function isRoutedBridge(bridge: Bridge, family: 4 | 6): boolean {
  if (bridge.ports.length === 0 || !bridge.interface) return false;
  if (usableAddresses(bridge.interface, family).length === 0) return false;
  return l2UplinkPorts(bridge).length === 0;
}

function natTargetAddress(rule: NfRule): string | undefined {
  const opt = rule.target?.options.find((o) => o.name === 'to-destination');
  const arg = opt?.args[0];
  if (!arg) return undefined;
  // 172.17.0.2:80, [fd00::2]:80, 10.0.0.1-10.0.0.9:80-90
  const bracket = /^\[([^\]]+)\]/.exec(arg);
  if (bracket) return bracket[1];
  const first = arg.split(/[-:]/)[0];
  return arg.includes('.') ? first : arg.split('-')[0];
}

function isLoopbackTarget(address: string | undefined): boolean {
  if (!address) return false;
  const cidr = parseCidr(address);
  if (!cidr) return false;
  return cidr.family === 4 ? (Number(cidr.network) >>> 24) === 127 : cidr.network === 1n;
}

/**
 * The first NAT rules that rewrite traffic the namespace forwards (REDIRECT, DNAT to itself or to
 * loopback, and source NAT of loopback traffic stay local). The scan stops at `limit`: a Kubernetes node has tens of thousands of DNAT rules,
 * and one is enough to know.
 */
/** The mark a `-m mark ! --mark V[/M] -j RETURN` requires of the packets that go on in its chain. */
function requiredMark(rule: NfRule): string | undefined {
  if (rule.target?.name !== 'RETURN') return undefined;
  for (const m of rule.matches) {
    if (m.module !== 'mark') continue;
    const option = m.options.find((o) => o.name === 'mark');
    if (option?.negated && option.args[0]) return option.args[0];
  }
  return undefined;
}

/**
 * Whether a rule in a chain that is hooked or jumped to sets `mark` (MARK --set-xmark/--set-mark/--or-mark).
 * The gated chain itself does not count: its MARK rules after the gate see only packets already marked
 * (kube-proxy clears the mark there with --set-xmark 0x4000/0x0).
 */
function markIsSet(ruleset: Ruleset, mark: string, gated: string): boolean {
  const value = mark.split('/')[0];
  for (const table of ruleset.tables.values()) {
    for (const chain of table.chains.values()) {
      if (chain.name === gated || (!chain.builtin && chain.referencedBy.length === 0)) continue;
      for (const rule of chain.rules) {
        if (rule.target?.name !== 'MARK') continue;
        if (rule.target.options.some((o) => o.args[0]?.split('/')[0] === value)) return true;
      }
    }
  }
  return false;
}

/**
 * NAT rules that rewrite forwarded traffic. A rule behind `-m mark ! --mark M -j RETURN` acts only on
 * packets carrying M: when nothing reachable sets M it never acts. kube-proxy writes such a skeleton into
 * ip6tables on every node, single-stack clusters included (KUBE-POSTROUTING, with KUBE-MARK-MASQ unused).
 */
export function forwardingNatRules(env: FactEnv, ns: Namespace, ruleset: Ruleset | undefined, limit = EVIDENCE_PER_REASON): NfRule[] {
  if (!ruleset) return [];
  return env.cache.perNamespace(ns, `forwarding:nat:${ruleset.label}:${limit}`, () => {
    const nat = ruleset.tables.get('nat');
    if (!nat) return [];
    const local = localAddresses(env, ns);
    const out: NfRule[] = [];
    for (const chain of nat.chains.values()) {
      let gatedByUnsetMark = false;
      for (const rule of chain.rules) {
        const mark = requiredMark(rule);
        if (mark !== undefined && !markIsSet(ruleset, mark, chain.name)) gatedByUnsetMark = true;
        if (gatedByUnsetMark) continue;
        const target = rule.target?.name;
        if (!target || !NAT_TARGETS.has(target)) continue;
        if (target === 'DNAT') {
          const to = natTargetAddress(rule);
          if (to && (isLoopbackTarget(to) || local.has(to))) continue;
        } else if (rule.source && !rule.source.negated && isLoopbackTarget(rule.source.value.split('/')[0])) {
          // Source NAT of loopback traffic never leaves the namespace: Docker's embedded DNS inside every
          // container on a user network (-s 127.0.0.11/32 -j SNAT --to-source :53).
          continue;
        }
        out.push(rule);
        if (out.length >= limit) return out;
      }
    }
    return out;
  });
}

function describeNat(rules: NfRule[], family: string): ForwardingReason {
  const first = rules[0] as NfRule;
  const more = rules.length > 1 ? ' (and others)' : '';
  return {
    text: `${family} NAT rules rewrite forwarded traffic: ${first.table}/${first.chain} -j ${first.target?.name ?? '?'}${more}`,
    evidence: rules.slice(0, EVIDENCE_PER_REASON).map((r) => r.evidence),
  };
}

/**
 * The namespace's device `dev` is a veth whose peer is in `host` and enters its IP layer (not enslaved, or
 * enslaved to a routed bridge), and no other reason covers it already. A peer on a bridge with a NIC port
 * is bridged onto the LAN.
 */
function routedThroughHost(host: Namespace, other: Namespace, dev: string, counted: Map<string, string>): boolean {
  const end = other.veths.find((v) => v.interface.name === dev);
  if (!end?.peer.resolved || end.peer.namespace !== host.name) return false;
  const peer = end.peer.interface;
  // Already a reason: its routed bridge or the routed veth itself.
  if (counted.has(peer.name) || (peer.master !== undefined && counted.has(peer.master))) return false;
  if (!peer.master) return true;
  const bridge = host.bridgeByName.get(peer.master);
  return Boolean(bridge && isRoutedBridge(bridge, 4));
}

export function forwardingAnalysis(env: FactEnv, ns: Namespace): ForwardingAnalysis {
  return env.cache.perNamespace(ns, 'forwarding:ipv4', () => analyse(env, ns));
}

function analyse(env: FactEnv, ns: Namespace): ForwardingAnalysis {
  const reasons: ForwardingReason[] = [];
  const carriers = new Map<string, string>();

  for (const bridge of ns.bridges) {
    if (!isRoutedBridge(bridge, 4) || !bridge.interface) continue;
    const ports = bridge.ports.map((p) => p.name);
    const subnets = bridge.subnets.filter((s) => !s.includes(':'));
    reasons.push({
      text: `bridge ${bridge.name} (${subnets.join(', ')}) routes traffic for ${ports.length} port${ports.length === 1 ? '' : 's'} (${ports.slice(0, 3).join(', ')}${ports.length > 3 ? ', …' : ''})`,
      evidence: [bridge.interface.evidence, ...bridge.ports.slice(0, EVIDENCE_PER_REASON - 1).flatMap((p) => (p.interface ? [p.interface.evidence] : p.evidence.slice(0, 1)))],
    });
    carriers.set(bridge.name, `bridge ${bridge.name} is the gateway of ${subnets.join(', ')}: container traffic enters the IP layer here`);
  }

  if (ns.kind === 'host') {
    const routed: Interface[] = [];
    // A nested host's uplink is a veth to its parent's namespace: it is the uplink, not a routed container.
    const uplinkDevices = new Set(uplinks(env, ns).devices);
    for (const end of ns.veths) {
      const iface = end.interface;
      if (iface.master || uplinkDevices.has(iface.name)) continue;
      const toOther = end.peer.resolved ? end.peer.namespace !== ns.name : iface.link?.netnsId !== undefined || iface.link?.netnsName !== undefined;
      if (!toOther) continue;
      if (usableAddresses(iface, 4).length === 0 && configuredRoutesVia(env, ns, iface.name).length === 0) continue;
      routed.push(iface);
      carriers.set(iface.name, `routed veth ${iface.name} to another namespace: its traffic is forwarded`);
    }
    if (routed.length > 0) {
      const first = routed[0] as Interface;
      reasons.push({
        text: `${routed.length} routed veth${routed.length === 1 ? '' : 's'} to other namespaces (${first.name}${routed.length > 1 ? ', …' : ''})`,
        evidence: routed.slice(0, EVIDENCE_PER_REASON).map((i) => i.evidence),
      });
    }

    for (const other of env.host.namespaces) {
      if (other === ns) continue;
      const viaVeth = defaultRoutes(env, other, 4).find((r) => routeDevices(r).some((d) => routedThroughHost(ns, other, d, carriers)));
      if (!viaVeth) continue;
      reasons.push({
        text: `namespace ${other.name} sends its default route through a veth to this host (${viaVeth.dst} via ${viaVeth.gateway ?? viaVeth.dev ?? '?'})`,
        evidence: [viaVeth.evidence],
      });
    }
  }

  const nat = forwardingNatRules(env, ns, ns.netfilter.ipv4);
  if (nat.length > 0) reasons.push(describeNat(nat, 'IPv4'));

  const needed = reasons.length > 0;
  if (needed) {
    for (const dev of uplinks(env, ns).devices) {
      if (!carriers.has(dev)) carriers.set(dev, `uplink ${dev} (default route): replies to forwarded and masqueraded traffic, and published ports, arrive here`);
    }
  } else carriers.clear();
  return { needed, reasons, carriers };
}

/** IPv6: bridges routing global IPv6 subnets, ip6tables NAT, or FORWARD accepts naming IPv6 prefixes. */
export function forwardingAnalysis6(env: FactEnv, ns: Namespace): ForwardingAnalysis {
  return env.cache.perNamespace(ns, 'forwarding:ipv6', () => {
    const reasons: ForwardingReason[] = [];
    const carriers = new Map<string, string>();
    for (const bridge of ns.bridges) {
      if (!isRoutedBridge(bridge, 6) || !bridge.interface) continue;
      const subnets = usableAddresses(bridge.interface, 6).map((a) => a.network);
      reasons.push({
        text: `bridge ${bridge.name} routes the IPv6 subnet ${subnets.join(', ')} for ${bridge.ports.length} port${bridge.ports.length === 1 ? '' : 's'}`,
        evidence: [bridge.interface.evidence, ...usableAddresses(bridge.interface, 6).slice(0, 1).map((a) => a.evidence)],
      });
      carriers.set(bridge.name, `bridge ${bridge.name} routes ${subnets.join(', ')}`);
    }
    const nat = forwardingNatRules(env, ns, ns.netfilter.ipv6);
    if (nat.length > 0) reasons.push(describeNat(nat, 'IPv6'));
    const accepts = ipv6ForwardAccepts(ns);
    if (accepts.length > 0) {
      reasons.push({
        text: `ip6tables FORWARD accepts traffic for IPv6 prefixes (${accepts[0]?.text ?? ''}${accepts.length > 1 ? ', …' : ''})`,
        evidence: accepts.slice(0, EVIDENCE_PER_REASON).map((r) => r.evidence),
      });
    }
    return { needed: reasons.length > 0, reasons, carriers };
  });
}

/**
 * ACCEPT rules in ip6tables' built-in FORWARD chain that name a source or destination prefix. Jumps to
 * Docker's chains are not counted: Docker installs them in ip6tables even when no network has IPv6.
 */
function ipv6ForwardAccepts(ns: Namespace): NfRule[] {
  const forward = ns.netfilter.ipv6?.tables.get('filter')?.chains.get('FORWARD');
  if (!forward) return [];
  return forward.rules.filter((r) => {
    if (r.target?.name !== 'ACCEPT') return false;
    const prefixes = [r.source, r.destination].filter((v) => v && !v.negated).map((v) => v?.value ?? '');
    return prefixes.some((p) => {
      const addr = parseAddress(p.split('/')[0] ?? '');
      return addr?.family === 6 && p !== '::/0';
    });
  });
}
