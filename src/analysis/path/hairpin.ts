/**
 * Hairpin and localhost connections to a published port: the connections that do not come from outside.
 *  - the container the port leads to, connecting to the host's own address and port (a service that calls
 *    itself by the public name, a healthcheck through the published port): the request comes up from the
 *    bridge and must go back down it, translated;
 *  - the host itself, connecting to 127.0.0.1 and the port (a reverse proxy or a probe on the host).
 * How they are served is the runtime's choice. Docker's userland proxy (the default) excludes its own bridge
 * and loopback from the DNAT (`-A DOCKER -i docker0 -j RETURN`, `-A OUTPUT ! -d 127.0.0.0/8 ...`), so both
 * reach a docker-proxy process listening on the host port through INPUT. Without it (`"userland-proxy":
 * false`) the DNAT takes them: the container's request needs hairpin mode on its bridge port when
 * br_netfilter handles the bridge, and the MASQUERADE of hairpin traffic so the reply comes back through the
 * host; the host's needs route_localnet on the bridge, since its source stays 127.0.0.1 until POSTROUTING.
 * kube-proxy's node ports on localhost are the same second case. The engine walks each connection, request
 * and reply, as the kernel runs it; the runtime's setting only explains the outcome.
 * IPv6 has no route_localnet, and the engine does not model ::1 leaving a device: the localhost case is IPv4.
 */
import { isLoopback } from '../../model/net.js';
import type { Namespace } from '../../model/types.js';
import type { PublishedPort } from '../netfilter/published-ports.js';
import { uplinkInterface } from '../topology.js';
import type { PathEngine } from './engine.js';
import { followConnection, type TraceResult } from './trace.js';
import type { Packet } from './types.js';

const CLIENT_PORT = 40000;
const LOCALHOST_V4 = 0x7f000001n;

export type HairpinKind = 'container' | 'localhost';

export interface HairpinConnection {
  kind: HairpinKind;
  /** The namespace that connects: the port's own container, or the port's namespace itself. */
  from: string;
  /** The connection as sent, with the source the sender chose. */
  packet: Packet;
  result: TraceResult;
}

/** The hairpin and localhost connections of a port that the snapshot lets the engine follow. */
export function hairpinConnections(engine: PathEngine, ns: Namespace, port: PublishedPort, walks = new Map<string, HairpinConnection>()): HairpinConnection[] {
  if (!port.dnat || !port.hostPorts || (port.protocol !== undefined && port.protocol !== 'tcp')) return [];
  const connections: HairpinConnection[] = [];
  const container = fromContainer(engine, ns, port);
  if (container) connections.push(container);
  const localhost = fromLocalhost(engine, ns, port, walks);
  if (localhost) connections.push(localhost);
  return connections;
}

/** The connections the kernel certainly refuses or drops. */
export function brokenHairpins(engine: PathEngine, ns: Namespace, port: PublishedPort, walks?: Map<string, HairpinConnection>): HairpinConnection[] {
  return hairpinConnections(engine, ns, port, walks).filter((c) => c.result.verdict === 'dropped');
}

function fromContainer(engine: PathEngine, ns: Namespace, port: PublishedPort): HairpinConnection | undefined {
  if (!port.hooks.includes('PREROUTING')) return undefined;
  const target = port.target.address;
  const owner = engine.host.namespaces.find((other) => other !== ns && engine.view(other).ownAddress(target.family, target.network) !== undefined);
  if (!owner) return undefined;
  const address = hostAddressFor(engine, ns, port);
  if (address === undefined) return undefined;
  const packet = request(port, address);
  const result = followConnection(engine, { namespace: owner.name, described: `namespace ${owner.name}` }, packet, false);
  return { kind: 'container', from: owner.name, packet: result.packet, result };
}

/**
 * Only for a port that leads to a container of this host (a bridge subnet's address): a DNAT to another
 * machine is a port forward for outside clients. One walk per host port: the DNATs of a load-balanced
 * service (kube-proxy's endpoints) share it.
 */
function fromLocalhost(engine: PathEngine, ns: Namespace, port: PublishedPort, walks: Map<string, HairpinConnection>): HairpinConnection | undefined {
  if (port.family !== 4 || !port.hooks.includes('OUTPUT') || !port.bridge) return undefined;
  const bound = port.hostAddress;
  if (bound && (bound.prefixLen !== 32 || !isLoopback(bound))) return undefined;
  const packet = request(port, bound ? bound.network : LOCALHOST_V4);
  if (!routedLocally(engine, ns, packet.dst)) return undefined;
  const key = `${ns.name}|${packet.dst}|${packet.dport}`;
  let walked = walks.get(key);
  if (!walked) {
    const result = followConnection(engine, { namespace: ns.name, described: `namespace ${ns.name}` }, packet, false);
    walked = { kind: 'localhost', from: ns.name, packet: result.packet, result };
    walks.set(key, walked);
  }
  return walked;
}

/**
 * The snapshot routes the loopback address locally: its local table was collected (`ip route show table all`).
 * Without it the lookup would fall to the default route, and the walk would describe a host that does not exist.
 */
function routedLocally(engine: PathEngine, ns: Namespace, address: bigint): boolean {
  const decision = engine.view(ns).fib(4).decide({ family: 4, dst: address, iif: 'lo', mark: 0 });
  return decision.outcome === 'route' && decision.route.type === 'local';
}

/** The host address a container asks for: the one the port is bound to, else the uplink's (the host's public name). */
function hostAddressFor(engine: PathEngine, ns: Namespace, port: PublishedPort): bigint | undefined {
  const view = engine.view(ns);
  if (port.hostAddress) {
    if (port.hostAddress.prefixLen !== (port.family === 4 ? 32 : 128)) return undefined;
    return view.ownAddress(port.family, port.hostAddress.network) && !isLoopback(port.hostAddress) ? port.hostAddress.network : undefined;
  }
  const uplink = uplinkInterface(ns, port.family);
  return uplink === undefined ? undefined : view.sourceFor(port.family, uplink, undefined);
}

function request(port: PublishedPort, dst: bigint): Packet {
  return { family: port.family, src: 0n, dst, protocol: 'tcp', sport: CLIENT_PORT, dport: port.hostPorts!.from, mark: 0 };
}
