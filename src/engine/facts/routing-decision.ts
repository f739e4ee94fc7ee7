/**
 * Facts answered by the packet-path engine's routing stage (src/analysis/path: NamespaceView, Fib), never
 * by walking routes here:
 * - route facts: is a default route's gateway (each nexthop of a multipath default) a neighbour the kernel
 *   asked for and nobody answered (FAILED / INCOMPLETE in `ip neigh`);
 * - interface facts: does the routing decision (policy rules by priority, then tables) refuse the traffic of
 *   a routed bridge subnet, or of a container namespace's address, with a blackhole/unreachable/prohibit
 *   rule or route.
 */
import { bridgeSubnets } from '../../analysis/netfilter/index.js';
import { lookupError, type FibDecision } from '../../analysis/path/fib.js';
import type { NamespaceView } from '../../analysis/path/namespace-view.js';
import { formatAddress, formatCidr, isLinkLocal, parseAddress } from '../../model/net.js';
import type { PolicyRule } from '../../model/policy-rules.js';
import type { Evidence, Interface, Namespace, Route } from '../../model/types.js';
import { mergeEvidence } from './lib/evidence.js';
import { namespaceViewOf } from './lib/path-engine.js';
import { subjectMemo } from './lib/subject-memo.js';
import { usableAddresses } from './lib/topology.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const KEY = 'routing-decision:';

/* ---------- gateway-unreachable ---------- */

/** Neighbour states that mean the kernel resolved the gateway and got no answer. */
const UNANSWERED = ['FAILED', 'INCOMPLETE'];

interface DeadGateway {
  gateway: string;
  dev: string;
  state: string;
  evidence: Evidence;
}

/** The gateways of a default route (its via, or each nexthop's) whose neighbour entry on the route's device is FAILED or INCOMPLETE. */
function deadGateways(env: FactEnv, route: Route): DeadGateway[] {
  if (!route.isDefault || route.type !== 'unicast' || route.table === 'local') return [];
  const hops: { gateway: string; dev: string }[] = [];
  if (route.gateway && route.dev) hops.push({ gateway: route.gateway, dev: route.dev });
  for (const hop of route.nexthops) if (hop.gateway && hop.dev) hops.push({ gateway: hop.gateway, dev: hop.dev });
  if (hops.length === 0) return [];
  const view = namespaceViewOf(env);
  const out: DeadGateway[] = [];
  for (const hop of hops) {
    // No entry is no finding: entries expire, and a gateway nobody has used lately has none.
    const neigh = view.neighbour(hop.gateway, hop.dev);
    const state = neigh?.state.find((s) => UNANSWERED.includes(s));
    if (!neigh || !state) continue;
    out.push({ ...hop, state, evidence: view.evidence('ip-neigh', neigh.line, neigh.text) });
  }
  return out;
}

function deadGatewaysMemo(env: FactEnv, route: Route): DeadGateway[] {
  return subjectMemo(env, `${KEY}gw-memo`, route, () => deadGateways(env, route));
}

const routeFacts = defineFacts<Route>('route', [
  {
    name: 'gatewayUnanswered',
    type: 'boolean',
    description: 'A default route (or one nexthop of a multipath default) whose gateway\'s neighbour entry on the route\'s device is FAILED or INCOMPLETE: the kernel asked by ARP/ND and nobody answered. No entry at all is not counted (entries expire)',
    example: false,
    compute: (r, env) => deadGatewaysMemo(env, r).length > 0,
  },
  {
    name: 'unansweredGateways',
    type: 'string[]',
    description: 'Those gateways, as "<address> dev <device> (<state>)"',
    example: ['192.0.2.1 dev eth0 (FAILED)'],
    compute: (r, env) => deadGatewaysMemo(env, r).map((g) => `${g.gateway} dev ${g.dev} (${g.state})`),
  },
  {
    name: 'gatewayNeighbourEvidence',
    type: EVIDENCE_TYPE,
    description: 'The route line, then the ip neigh line of each unanswered gateway',
    compute: (r, env) => {
      const dead = deadGatewaysMemo(env, r);
      return dead.length === 0 ? [] : mergeEvidence(r.evidence, ...dead.map((g) => g.evidence));
    },
  },
]);

export const gatewayNeighbourModule: FactModule<Route> = { facts: routeFacts };

/* ---------- policy-route-blackhole ---------- */

/** Representative addresses beyond the host (TEST-NET-1, the IPv6 documentation prefix). */
const OUTSIDE: Record<4 | 6, bigint> = {
  4: (parseAddress('192.0.2.1') as { value: bigint }).value,
  6: (parseAddress('2001:db8::1') as { value: bigint }).value,
};

interface Refusal {
  description: string;
  evidence: Evidence[];
}

/** A policy rule as `ip rule` prints it: "100: from 172.17.0.0/16 lookup 100". */
function ruleText(rule: PolicyRule): string {
  const parts = [`${rule.priority}:`];
  if (rule.invert) parts.push('not');
  parts.push(`from ${rule.from ? formatCidr(rule.from) : 'all'}`);
  if (rule.to) parts.push(`to ${formatCidr(rule.to)}`);
  if (rule.iif !== undefined) parts.push(`iif ${rule.iif}`);
  if (rule.oif !== undefined) parts.push(`oif ${rule.oif}`);
  if (rule.fwmark !== undefined) parts.push(`fwmark 0x${rule.fwmark.toString(16)}${rule.fwmask !== undefined && rule.fwmask !== 0xffffffff ? `/0x${rule.fwmask.toString(16)}` : ''}`);
  parts.push(...rule.unmodelled);
  if (rule.action === 'lookup') parts.push(`lookup ${rule.table ?? '?'}`);
  else if (rule.action === 'goto') parts.push(`goto ${rule.gotoPriority ?? '?'}`);
  else parts.push(rule.action);
  return parts.join(' ');
}

/** What the refusal is, in words, and the lines that made it. */
function describeRefusal(view: NamespaceView, family: 4 | 6, decision: Extract<FibDecision, { outcome: 'refused' }>, what: string): Refusal {
  const { rule, route } = decision;
  const by = route
    ? `${route.type} route ${route.isDefault ? 'default' : route.dst} in table ${route.table}, found by policy rule "${ruleText(rule)}"`
    : `policy rule "${ruleText(rule)}"`;
  const assumed = view.policyRules(family).assumed;
  const note = assumed && route ? ' (ip rule not collected: the kernel\'s default rules assumed)' : '';
  const error = lookupError(decision);
  const effect =
    decision.refusal === 'blackhole'
      ? `dropped silently (a local sender gets "${error}")`
      : `refused with "${error}" (forwarded packets get an ICMP error)`;
  return {
    description: `${what} is caught by ${by}${note}: ${effect}`,
    // The default rules of an uncollected `ip rule` have no line to quote.
    evidence: mergeEvidence(rule.evidence.line > 0 ? rule.evidence : undefined, route?.evidence),
  };
}

/** A host address of the subnet other than the bridge's own: where the bridge's containers live. */
function memberOf(network: bigint, prefixLen: number, family: 4 | 6, own: Set<bigint>): bigint | undefined {
  const bits = family === 4 ? 32 : 128;
  if (prefixLen >= bits - 1) return undefined;
  for (const candidate of [network + 2n, network + 1n, network + 3n]) if (!own.has(candidate)) return candidate;
  return undefined;
}

/** The device the namespace's own traffic to the outside leaves by, as the Fib decides it. */
function uplinkDevice(view: NamespaceView, family: 4 | 6): string | undefined {
  const decision = view.fib(family).decide({ family, dst: OUTSIDE[family], iif: 'lo' });
  if (decision.outcome !== 'route') return undefined;
  return decision.route.dev ?? decision.route.nexthops.find((h) => h.dev)?.dev;
}

function refusals(env: FactEnv, iface: Interface): Refusal[] {
  const ns = env.namespace;
  const view = namespaceViewOf(env);
  const out: Refusal[] = [];
  const bridge = ns.bridgeByName.get(iface.name);
  if (bridge) {
    // A routed bridge subnet: forwarded out (from the bridge to the outside) and its replies (from the uplink back in).
    const own = new Set(iface.addresses.map((a) => parseAddress(a.address)?.value).filter((v): v is bigint => v !== undefined));
    for (const s of bridgeSubnets(bridge)) {
      if (isLinkLocal(s.cidr)) continue;
      const member = memberOf(s.cidr.network, s.cidr.prefixLen, s.family, own);
      if (member === undefined) continue;
      const fib = view.fib(s.family);
      const outside = OUTSIDE[s.family];
      const text = (v: bigint) => formatAddress(s.family, v);
      const outbound = fib.decide({ family: s.family, src: member, dst: outside, iif: bridge.name });
      if (outbound.outcome === 'refused') {
        out.push(describeRefusal(view, s.family, outbound, `${bridge.name} subnet ${s.subnet}: traffic from ${text(member)} (in by ${bridge.name}) to ${text(outside)}`));
      }
      const uplink = uplinkDevice(view, s.family);
      if (uplink === undefined || uplink === bridge.name) continue;
      const reply = fib.decide({ family: s.family, src: outside, dst: member, iif: uplink });
      if (reply.outcome === 'refused') {
        out.push(describeRefusal(view, s.family, reply, `${bridge.name} subnet ${s.subnet}: replies from ${text(outside)} (in by ${uplink}) to ${text(member)}`));
      }
    }
    return out;
  }
  if (ns === env.host.host || iface.kind === 'loopback') return out;
  // A container (or named) namespace: its own traffic from its address to the outside.
  for (const a of usableAddresses(iface)) {
    const src = parseAddress(a.address);
    if (!src) continue;
    const decision = view.fib(src.family).decide({ family: src.family, src: src.value, dst: OUTSIDE[src.family], iif: 'lo' });
    if (decision.outcome === 'refused') {
      out.push(describeRefusal(view, src.family, decision, `namespace ${ns.name}: traffic from ${a.address} on ${iface.name} to ${formatAddress(src.family, OUTSIDE[src.family])}`));
    }
  }
  return out;
}

function refusalsMemo(env: FactEnv, iface: Interface): Refusal[] {
  return subjectMemo(env, `${KEY}refusal-memo`, iface, () => refusals(env, iface));
}

const interfaceFacts = defineFacts<Interface>('interface', [
  {
    name: 'routingRefused',
    type: 'boolean',
    description: 'The routing decision (policy rules by priority, then tables; the kernel\'s default rules where `ip rule` was not collected) refuses traffic with a blackhole/unreachable/prohibit rule or route: for a bridge, traffic from its subnet to an outside address (192.0.2.1, 2001:db8::1) or the replies coming back by the uplink; for an interface of a container namespace, traffic from its address to the outside. Undecidable decisions (marks, unmodelled selectors) do not count',
    example: false,
    compute: (i, env) => refusalsMemo(env, i).length > 0,
  },
  {
    name: 'routingRefusal',
    type: 'string',
    description: 'Each refused direction in one sentence: the traffic, the rule or route that catches it, and the kernel\'s error (empty when none)',
    example: 'docker0 subnet 172.17.0.0/16: traffic from 172.17.0.2 (in by docker0) to 192.0.2.1 is caught by blackhole route 0.0.0.0/0 in table 100, found by policy rule 100 (...): dropped silently (a local sender gets "Invalid argument")',
    compute: (i, env) => refusalsMemo(env, i).map((r) => r.description).join('; '),
  },
  {
    name: 'routingRefusalEvidence',
    type: EVIDENCE_TYPE,
    description: 'The ip rule line of the deciding policy rule (when `ip rule` was collected), then the refusing route\'s line',
    compute: (i, env) => mergeEvidence(...refusalsMemo(env, i).map((r) => r.evidence)),
  },
]);

export const routingRefusalModule: FactModule<Interface> = { facts: interfaceFacts };
