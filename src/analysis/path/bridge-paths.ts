/**
 * The packets of a bridge subnet's everyday traffic, as the engine sees them, and the hooks they cross:
 *  - a container's new connection to an outside address, arriving on the bridge and routed out (FORWARD,
 *    then source NAT in POSTROUTING);
 *  - the outside's reply, arriving on the device that connection left by (FORWARD, conntrack ESTABLISHED);
 *  - a container's new connection to a service of the host on the bridge's address (INPUT).
 * The container is an address of the subnet no interface of the namespace holds; the outside address is a
 * documentation address the namespace routes by a default route (policy rules included).
 */
import { cidrContains, parseAddress, parseCidr, type Cidr } from '../../model/net.js';
import type { Namespace } from '../../model/types.js';
import type { BridgeSubnet } from '../netfilter/bridge-traffic.js';
import type { PathEngine } from './engine.js';
import { askHook, type HookAnswer } from './hook-question.js';
import type { NamespaceView } from './namespace-view.js';
import type { ChainContext, ConnectionView } from './packet.js';
import type { Packet, Protocol } from './types.js';

/** Addresses outside any host (documentation ranges): the first one routed by a default route is used. */
const OUTSIDE: Record<4 | 6, string[]> = { 4: ['198.51.100.1', '203.0.113.1', '192.0.2.1'], 6: ['2001:db8:ffff::1', '2001:db8::1'] };
const CLIENT_PORT = 40000;
/** A representative HTTPS connection: what containers do most. */
const EGRESS_PORT = 443;

export interface BridgeFlow {
  subnet: BridgeSubnet;
  /** Where a container on the bridge sends from. */
  client: bigint;
  /** The outside address it connects to, and the device the namespace routes it out by. */
  outside: bigint;
  uplink: string;
}

/**
 * An outside address the namespace routes by a default route for a packet from `iif`, with that route's
 * device. It stands for the internet at large, so an address no filter rule names by -s/-d is preferred: an
 * admin's trusted network (`! -s 198.51.100.0/24 -j DROP`) is not where most of the world is.
 */
export function outsideDestination(view: NamespaceView, family: 4 | 6, iif: string, src?: bigint): { address: bigint; dev: string } | undefined {
  const fib = view.fib(family);
  const named = namedNetworks(view, family);
  let fallback: { address: bigint; dev: string } | undefined;
  for (const text of OUTSIDE[family]) {
    const address = parseAddress(text);
    if (!address) continue;
    const query = src === undefined ? { family, dst: address.value, iif, mark: 0 } : { family, dst: address.value, src, iif, mark: 0 };
    const decision = fib.decide(query);
    if (decision.outcome !== 'route' || !decision.route.isDefault) continue;
    const dev = decision.route.dev ?? decision.route.nexthops[0]?.dev;
    if (dev === undefined) continue;
    const host: Cidr = { family, network: address.value, prefixLen: family === 4 ? 32 : 128 };
    if (!named.some((cidr) => cidrContains(cidr, host))) return { address: address.value, dev };
    fallback ??= { address: address.value, dev };
  }
  return fallback;
}

const FILTERING_TABLES = ['raw', 'mangle', 'filter'];
const namedByView = new WeakMap<NamespaceView, Map<4 | 6, Cidr[]>>();

/** The networks the filtering tables' rules name by -s or -d (negated or not), once per namespace and family. */
function namedNetworks(view: NamespaceView, family: 4 | 6): Cidr[] {
  let byFamily = namedByView.get(view);
  if (!byFamily) namedByView.set(view, (byFamily = new Map()));
  let named = byFamily.get(family);
  if (!named) {
    named = [];
    const ruleset = family === 4 ? view.ns.netfilter.ipv4 : view.ns.netfilter.ipv6;
    for (const table of FILTERING_TABLES) {
      // The chains packets reach (built-in ones and what they jump to): a rule no packet meets names nothing.
      const nfTable = ruleset?.tables.get(table);
      const queue = [...(nfTable?.chains.values() ?? [])].filter((c) => c.builtin);
      const seen = new Set(queue);
      for (let i = 0; i < queue.length; i++) {
        for (const rule of queue[i]!.rules) {
          for (const field of [rule.source, rule.destination]) {
            const cidr = field ? parseCidr(field.value) : undefined;
            if (cidr && cidr.family === family && cidr.prefixLen > 0) named.push(cidr);
          }
          const next = rule.jumpChain;
          if (next && !seen.has(next)) {
            seen.add(next);
            queue.push(next);
          }
        }
      }
    }
    byFamily.set(family, named);
  }
  return named;
}

/**
 * Where a container on the bridge sends from: the address in the subnet of the first port (in the bridge's
 * order) whose veth leads into a collected namespace, so that the answer is about a real container's
 * traffic (a rule may single it out by address); else an address of the subnet no interface of the
 * namespace holds.
 */
export function containerAddress(view: NamespaceView, s: BridgeSubnet, engine?: PathEngine): bigint | undefined {
  for (const port of engine ? s.bridge.ports : []) {
    const peer = view.ns.veths.find((v) => v.interface === port.interface)?.peer;
    const peerView = peer?.resolved ? engine!.viewByName(peer.namespace) : undefined;
    const inside = peerView?.ns.interfaces
      .flatMap((i) => i.addresses)
      .find((a) => a.family === s.family && a.scope !== 'host' && a.scope !== 'link' && cidrContains(s.cidr, { family: s.family, network: parseAddress(a.address)?.value ?? -1n, prefixLen: s.family === 4 ? 32 : 128 }));
    const value = inside ? parseAddress(inside.address)?.value : undefined;
    if (value !== undefined) return value;
  }
  return freeAddress(view, s);
}

function freeAddress(view: NamespaceView, s: BridgeSubnet): bigint | undefined {
  const size = 1n << BigInt((s.family === 4 ? 32 : 128) - s.cidr.prefixLen);
  for (let offset = 2n; offset < size - 1n && offset < 16n; offset++) {
    const candidate = s.cidr.network + offset;
    if (!view.ownAddress(s.family, candidate)) return candidate;
  }
  return undefined;
}

/** The subnet's routed egress: undefined when the bridge has no port or its traffic is not routed out by another device. */
export function bridgeFlow(engine: PathEngine, ns: Namespace, s: BridgeSubnet): BridgeFlow | undefined {
  if (s.bridge.ports.length === 0) return undefined;
  const view = engine.view(ns);
  const client = containerAddress(view, s, engine);
  if (client === undefined) return undefined;
  const outside = outsideDestination(view, s.family, s.bridge.name, client);
  if (!outside || outside.dev === s.bridge.name) return undefined;
  return { subnet: s, client, outside: outside.address, uplink: outside.dev };
}

function connection(state: 'NEW' | 'ESTABLISHED'): ConnectionView {
  return { state, direction: state === 'NEW' ? 'ORIGINAL' : 'REPLY', dnat: false, snat: false };
}

function outbound(flow: BridgeFlow): Packet {
  return { family: flow.subnet.family, src: flow.client, dst: flow.outside, protocol: 'tcp', sport: CLIENT_PORT, dport: EGRESS_PORT, mark: 0 };
}

/**
 * The connection's first packet at `hook` (forward or postrouting), with the mark PREROUTING gave it: a mangle
 * rule may mark the bridge's traffic for a later chain to match.
 */
export function outboundAt(engine: PathEngine, ns: Namespace, flow: BridgeFlow, hook: 'forward' | 'postrouting'): HookAnswer {
  const view = engine.view(ns);
  const ctx: ChainContext = { in: flow.subnet.bridge.name, srcLocal: false, dstLocal: false, connection: connection('NEW') };
  return askHook(view, hook, markedAfterPrerouting(view, outbound(flow), ctx), { ...ctx, out: flow.uplink }, true, hook === 'forward');
}

/** The outside's reply crossing FORWARD on its way back to the container. */
export function replyAtForward(engine: PathEngine, ns: Namespace, flow: BridgeFlow): HookAnswer {
  const view = engine.view(ns);
  const reply: Packet = { family: flow.subnet.family, src: flow.outside, dst: flow.client, protocol: 'tcp', sport: EGRESS_PORT, dport: CLIENT_PORT, mark: 0 };
  const ctx: ChainContext = { in: flow.uplink, srcLocal: false, dstLocal: false, connection: connection('ESTABLISHED') };
  return askHook(view, 'forward', markedAfterPrerouting(view, reply, ctx), { ...ctx, out: flow.subnet.bridge.name }, false, true);
}

/** A container's new connection to the host at `hostAddress` (the bridge's own address), crossing INPUT. */
export function hostServiceAtInput(engine: PathEngine, ns: Namespace, s: BridgeSubnet, hostAddress: bigint, protocol: Protocol, port: number): HookAnswer | undefined {
  const view = engine.view(ns);
  const client = containerAddress(view, s, engine);
  if (client === undefined) return undefined;
  const packet: Packet = { family: s.family, src: client, dst: hostAddress, protocol, sport: CLIENT_PORT, dport: port, mark: 0 };
  const ctx: ChainContext = { in: s.bridge.name, srcLocal: false, dstLocal: true, connection: connection('NEW') };
  return askHook(view, 'input', markedAfterPrerouting(view, packet, ctx), ctx, true);
}

/** The packet as PREROUTING leaves its mark (its verdict is another question: the path rules ask it). */
function markedAfterPrerouting(view: NamespaceView, packet: Packet, ctx: ChainContext): Packet {
  return askHook(view, 'prerouting', packet, ctx, ctx.connection.state === 'NEW').packet;
}
