/**
 * A trace: one connection's request through the collected host, and its reply back, from endpoints a person
 * names (`netns:NAME`, or an address that a collected namespace holds or that lies outside the host).
 * The verdict is `delivered` only when both directions get through (or the request alone with oneWay).
 */
import { formatAddress, parseAddress } from '../../model/net.js';
import type { Host, Namespace } from '../../model/types.js';
import type { TraceCause } from './cause.js';
import { PathEngine, type LegGoal } from './engine.js';
import type { Leg, Packet, Protocol, TraceVerdict } from './types.js';

export interface TraceQuery {
  from: string;
  to: string;
  protocol: Protocol;
  dport?: number;
  sport?: number;
  /** The interface an outside source arrives on; by default the one the host routes the source through. */
  in?: string;
  oneWay: boolean;
}

/** Where a leg starts: sent by a namespace, or arriving from outside on an interface of one. */
export interface Origin {
  namespace: string;
  iface?: string;
  address?: bigint;
  /** How the endpoint was read, for the heading: "namespace c1", "outside, arriving on eth0". */
  described: string;
}

export interface TraceResult {
  verdict: TraceVerdict;
  reason: string;
  packet: Packet;
  origin: Origin;
  request: Leg;
  reply?: Leg;
  /** The catalog's finding for the step where the packet died, when the caller looked it up (causeOf). */
  cause?: TraceCause;
}

/** A query the snapshot cannot answer as asked (an unknown namespace, mixed families): a usage error. */
export class TraceQueryError extends Error {}

const EPHEMERAL_PORT = 40000;
const NETNS_PREFIX = 'netns:';

export function trace(host: Host, query: TraceQuery, engine = new PathEngine(host)): TraceResult {
  const dst = destinationAddress(host, query.to);
  const origin = originOf(host, engine, query, dst);
  const packet: Packet = {
    family: dst.family,
    src: origin.address ?? 0n,
    dst: dst.value,
    protocol: query.protocol,
    mark: 0,
  };
  if (query.protocol === 'icmp') packet.icmpType = dst.family === 4 ? 8 : 128;
  else {
    packet.sport = query.sport ?? EPHEMERAL_PORT;
    if (query.dport === undefined) throw new TraceQueryError(`--dport is needed for ${query.protocol}`);
    packet.dport = query.dport;
  }

  return followConnection(engine, origin, packet, query.oneWay);
}

/**
 * A connection's request from `origin`, and unless `oneWay` its reply: the engine's answer that `trace` prints
 * and the path rules read. `packet.src` 0 lets a sending namespace choose its source address.
 */
export function followConnection(engine: PathEngine, origin: Origin, packet: Packet, oneWay: boolean): TraceResult {
  const connection = engine.connection();
  const start = origin.iface === undefined ? { namespace: origin.namespace } : { namespace: origin.namespace, iface: origin.iface };
  const request = connection.walk(start, packet, 'ORIGINAL', undefined);
  const sent = request.sent;
  if (oneWay || request.verdict !== 'delivered') {
    return { verdict: request.verdict, reason: legReason('request', request), packet: sent, origin, request };
  }

  const reply = connection.walk(replyStart(request), replyPacket(request.final), 'REPLY', senderGoal(origin, sent));
  const verdict: TraceVerdict = reply.verdict === 'delivered' ? 'delivered' : reply.verdict;
  const reason = verdict === 'delivered' ? `${request.reason}; ${reply.reason}` : legReason('reply', reply);
  return { verdict, reason, packet: sent, origin, request, reply };
}

function legReason(which: 'request' | 'reply', leg: Leg): string {
  return `the ${which} ${leg.verdict === 'dropped' ? 'is dropped' : leg.verdict === 'unknown' ? 'cannot be followed to the end' : 'gets through'}: ${leg.reason}`;
}

function replyStart(request: Leg): { namespace: string; iface?: string } {
  // A request that left the snapshot is answered from the world: the reply comes in where the request went out.
  if (request.leftSnapshot && request.leftThrough !== undefined) return { namespace: request.endNamespace, iface: request.leftThrough };
  return { namespace: request.endNamespace };
}

function replyPacket(request: Packet): Packet {
  const reply: Packet = { family: request.family, src: request.dst, dst: request.src, protocol: request.protocol, mark: 0 };
  if (request.protocol === 'icmp') reply.icmpType = request.family === 4 ? 0 : 129;
  else {
    if (request.dport !== undefined) reply.sport = request.dport;
    if (request.sport !== undefined) reply.dport = request.sport;
  }
  return reply;
}

/** Where the reply must arrive, and the address and port it must come from: those the request was sent to. */
function senderGoal(origin: Origin, sent: Packet): LegGoal {
  const peer = sent.dport === undefined ? { address: sent.dst } : { address: sent.dst, port: sent.dport };
  if (origin.iface !== undefined) return { namespace: origin.namespace, interface: origin.iface, peer };
  return { namespace: origin.namespace, address: sent.src, peer };
}

/* ---------- endpoints ---------- */

function namespaceNamed(host: Host, spec: string): Namespace {
  const name = spec.slice(NETNS_PREFIX.length);
  const ns = name === 'host' ? host.host : host.namespaceByName.get(name);
  if (!ns) {
    const known = host.namespaces.map((n) => (n === host.host ? 'host' : n.name)).join(', ');
    throw new TraceQueryError(`no namespace ${name} in the snapshot (it holds: ${known})`);
  }
  return ns;
}

/** The address a `netns:NAME` destination is reached at: its first global address (IPv4 first). */
function primaryAddress(ns: Namespace): { family: 4 | 6; value: bigint } | undefined {
  for (const family of [4, 6] as const) {
    for (const iface of ns.interfaces) {
      if (iface.kind === 'loopback') continue;
      const address = iface.addresses.find((a) => a.family === family && a.scope !== 'host' && a.scope !== 'link');
      const parsed = address ? parseAddress(address.address) : undefined;
      if (parsed) return parsed;
    }
  }
  return undefined;
}

function destinationAddress(host: Host, to: string): { family: 4 | 6; value: bigint } {
  if (to.startsWith(NETNS_PREFIX)) {
    const ns = namespaceNamed(host, to);
    const address = primaryAddress(ns);
    if (!address) throw new TraceQueryError(`namespace ${ns.name} has no global address to send to`);
    return address;
  }
  const parsed = parseAddress(to);
  if (!parsed) throw new TraceQueryError(`--to ${to}: expected an address or netns:NAME`);
  return parsed;
}

function originOf(host: Host, engine: PathEngine, query: TraceQuery, dst: { family: 4 | 6 }): Origin {
  if (query.from.startsWith(NETNS_PREFIX)) {
    const ns = namespaceNamed(host, query.from);
    if (query.in !== undefined) throw new TraceQueryError('--in goes with a source outside the host, not a namespace');
    return { namespace: ns.name, described: `namespace ${ns.name}` };
  }
  const parsed = parseAddress(query.from);
  if (!parsed) throw new TraceQueryError(`--from ${query.from}: expected an address or netns:NAME`);
  if (parsed.family !== dst.family) throw new TraceQueryError(`--from ${query.from} and --to ${query.to} are not of one address family`);
  const owner = host.namespaces.find((ns) => engine.view(ns).ownAddress(parsed.family, parsed.value));
  if (owner && query.in === undefined) return { namespace: owner.name, address: parsed.value, described: `namespace ${owner.name}, from its address ${query.from}` };
  const iface = query.in ?? arrivalInterface(host, engine, parsed);
  if (!host.host.interfaceByName.has(iface)) throw new TraceQueryError(`--in ${iface}: the host has no such interface`);
  return { namespace: host.host.name, iface, address: parsed.value, described: `outside the host, arriving on ${iface}` };
}

/** The interface the host would route the source's address through: where a packet from it comes in. */
function arrivalInterface(host: Host, engine: PathEngine, src: { family: 4 | 6; value: bigint }): string {
  const decision = engine.view(host.host).fib(src.family).decide({ family: src.family, dst: src.value, iif: 'lo', mark: 0 });
  const dev = decision.outcome === 'route' ? (decision.route.dev ?? decision.route.nexthops[0]?.dev) : undefined;
  if (dev === undefined || dev === 'lo') {
    throw new TraceQueryError(`the host has no route towards ${formatAddress(src.family, src.value)} to tell which interface it arrives on: give --in IFACE`);
  }
  return dev;
}
