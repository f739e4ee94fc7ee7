/**
 * Is the address a DNAT sends connections to there at all? Asked of a published port's target and of each
 * distinct DNAT target address: a container gone from its bridge, a FAILED neighbour, no route or a
 * blackhole route. Routed on through a gateway counts as reachable: this host cannot see past its next hop.
 */
import { parseCidr, type Cidr } from '../../model/net.js';
import type { Bridge, Evidence, Namespace } from '../../model/types.js';
import { addressKey, lookupRoute, ownAddressKeys } from '../topology.js';
import { isLoopbackAddress } from './addresses.js';

export interface TargetReachability {
  status: 'reachable' | 'unreachable' | 'unknown';
  reason?: string;
  /** Lines that show it: the neighbour entry, the blackhole route, the bridge. */
  evidence: Evidence[];
}

const DEAD_NEIGHBOUR_STATES = new Set(['FAILED', 'INCOMPLETE']);
const LIVE_NEIGHBOUR_STATES = new Set(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP']);
const DEAD_ROUTE_TYPES = new Set(['blackhole', 'unreachable', 'prohibit']);

/** A DNAT target as the check needs it. */
export interface TargetAddress {
  address: Cidr;
  /** How the reason names it: "172.17.0.2:80", "10.244.3.73". */
  label: string;
  /** The bridge whose subnet holds the address (bridgeContaining), known to the caller. */
  bridge: { bridge: Bridge; subnet: string } | undefined;
  /** Whether a Docker DNAT points there: asked only for an address in no bridge subnet, where that alone makes it unreachable (the Docker network was removed). */
  fromDocker: () => boolean;
}

/**
 * `routesKnown`: ip route was collected, so "no route" means no route. Neighbour entries are only used
 * when present: an absent entry proves nothing (they expire).
 */
export function checkTargetAddress(ns: Namespace, target: TargetAddress, routesKnown: boolean): TargetReachability {
  const { address, label, bridge: inBridge } = target;
  const key = addressKey(address);
  if (isLoopbackAddress(address) || ownAddressKeys(ns).has(key)) return { status: 'reachable', evidence: [] };
  const neighbour = neighbourIndex(ns).get(key);

  if (inBridge) {
    const { bridge, subnet } = inBridge;
    if (neighbour && DEAD_NEIGHBOUR_STATES.has(neighbourState(neighbour.state))) {
      return {
        status: 'unreachable',
        reason: `${label} is in ${bridge.name}'s subnet ${subnet}, but its neighbour entry is ${neighbourState(neighbour.state)}: nothing answers ARP for it`,
        evidence: neighbourEvidence(ns, neighbour, bridge.evidence),
      };
    }
    const { portsKnown, live } = bridgePorts(bridge);
    const liveNeighbour = neighbour && LIVE_NEIGHBOUR_STATES.has(neighbourState(neighbour.state));
    if (bridge.interface && portsKnown && !live && !liveNeighbour) {
      return {
        status: 'unreachable',
        reason: `${label} is in ${bridge.name}'s subnet ${subnet}, but ${bridge.name} has ${bridge.ports.length === 0 ? 'no ports' : 'no port that is up with a carrier'}: no container is attached`,
        evidence: bridge.evidence.slice(0, 2),
      };
    }
    return { status: 'reachable', evidence: [] };
  }

  if (ns.interfaces.length > 0 && target.fromDocker()) {
    return {
      status: 'unreachable',
      reason: `${label} is in no bridge subnet of this host: the Docker network it belonged to was removed or re-addressed`,
      evidence: [],
    };
  }
  if (!routesKnown) return { status: 'unknown', evidence: [] };
  const route = lookupRoute(ns, address);
  if (!route) {
    return { status: 'unreachable', reason: `no route covers ${label}, not even a default route`, evidence: [] };
  }
  if (DEAD_ROUTE_TYPES.has(route.type)) {
    return { status: 'unreachable', reason: `${label} is routed to a ${route.type} route (${route.dst})`, evidence: [route.evidence] };
  }
  if (neighbour && !route.gateway && DEAD_NEIGHBOUR_STATES.has(neighbourState(neighbour.state))) {
    return {
      status: 'unreachable',
      reason: `${label} is on-link via ${route.dev ?? 'its route'}, but its neighbour entry is ${neighbourState(neighbour.state)}`,
      evidence: neighbourEvidence(ns, neighbour, [route.evidence]),
    };
  }
  return { status: 'reachable', evidence: [] };
}

interface BridgePorts {
  /** Every port's interface is known (or there are none). */
  portsKnown: boolean;
  /** Some port is up with a carrier. */
  live: boolean;
}

const bridgePortsCache = new WeakMap<Bridge, BridgePorts>();

/** What the ports of a bridge say, once per bridge: a Kubernetes bridge has hundreds, and as many targets. */
function bridgePorts(bridge: Bridge): BridgePorts {
  let known = bridgePortsCache.get(bridge);
  if (!known) {
    known = {
      portsKnown: bridge.ports.length === 0 || bridge.ports.every((p) => p.interface !== undefined),
      live: bridge.ports.some((p) => p.interface && p.interface.adminUp && p.interface.carrier),
    };
    bridgePortsCache.set(bridge, known);
  }
  return known;
}

type Neighbour = Namespace['neighbours'][number];

const neighbourIndexes = new WeakMap<Namespace, Map<number | string, Neighbour>>();

/** The namespace's neighbour entries by addressKey (the last entry for an address wins). */
function neighbourIndex(ns: Namespace): Map<number | string, Neighbour> {
  let index = neighbourIndexes.get(ns);
  if (!index) {
    index = new Map();
    for (const n of ns.neighbours) {
      const cidr = parseCidr(n.dst);
      if (cidr) index.set(addressKey(cidr), n);
    }
    neighbourIndexes.set(ns, index);
  }
  return index;
}

/** Neighbour states print as a list (["STALE"], ["REACHABLE"]); the first is the state. */
function neighbourState(states: string[]): string {
  return (states[0] ?? '').toUpperCase();
}

function neighbourEvidence(ns: Namespace, neighbour: Neighbour, extra: Evidence[]): Evidence[] {
  const source = ns.sources.get('ip-neigh')?.label ?? 'ip-neigh';
  return [{ source, line: neighbour.line, text: neighbour.text }, ...extra];
}
