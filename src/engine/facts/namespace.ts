/**
 * Subject kind `namespace`: every collected network namespace other than the host's (containers, named
 * netns), as a whole.
 */
import { parseCidr } from '../../model/net.js';
import type { Evidence, Namespace, Route } from '../../model/types.js';
import { mergeEvidence } from './lib/evidence.js';
import { addressIndex, defaultRoutes, familyOf, formatAddress, l2UplinkPorts, namespacesByBridge, peerBridge, routeDevices, usableAddresses } from './lib/topology.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const subjects = defineSubjects<Namespace>({
  kind: 'namespace',
  description: 'Every collected namespace other than the host\'s (named netns by name, containers as "pid:<pid>")',
  namespaces: 'others',
  enumerate: ({ namespace }) => [{ name: namespace.name, value: namespace }],
});

function ipv4Addresses(ns: Namespace) {
  return ns.interfaces.filter((i) => i.kind !== 'loopback').flatMap((i) => usableAddresses(i, 4));
}

function defaultRoute(env: FactEnv, ns: Namespace): Route | undefined {
  return defaultRoutes(env, ns, 4).find((r) => r.type === 'unicast' && r.table === 'main') ?? defaultRoutes(env, ns, 4).find((r) => r.type === 'unicast');
}

function gatewayOf(route: Route | undefined): string | undefined {
  return route?.gateway ?? route?.nexthops.find((h) => h.gateway)?.gateway;
}

/** Is the gateway on a link: inside a connected subnet, covered by a scope-link route, or marked onlink. */
function gatewayReachable(env: FactEnv, ns: Namespace, route: Route, gateway: string): boolean {
  if (route.flags?.includes('onlink')) return true;
  const cidr = parseCidr(gateway);
  if (!cidr) return false;
  if (addressIndex(env, ns).overlapping(cidr).length > 0) return true;
  return ns.routes.some((r) => {
    if (r.isDefault || r.table === 'local' || r.scope !== 'link' || familyOf(r) !== cidr.family) return false;
    const dst = parseCidr(r.dst, familyOf(r));
    return Boolean(dst && dst.prefixLen <= cidr.prefixLen && (cidr.network >> BigInt((cidr.family === 4 ? 32 : 128) - dst.prefixLen)) === dst.network >> BigInt((cidr.family === 4 ? 32 : 128) - dst.prefixLen));
  });
}

interface GatewayCheck {
  problem: string;
  evidence: Evidence[];
  bridge?: string;
}

function checkGateway(env: FactEnv, ns: Namespace): GatewayCheck {
  const route = defaultRoute(env, ns);
  const gateway = gatewayOf(route);
  if (!route || !gateway) return { problem: '', evidence: [] };
  if (!gatewayReachable(env, ns, route, gateway)) {
    const have = ipv4Addresses(ns).map(formatAddress);
    return {
      problem: `the default gateway ${gateway} is in none of the namespace's connected subnets (${have.join(', ') || 'no IPv4 address'}) and the route is not onlink: the kernel cannot resolve it`,
      evidence: mergeEvidence(route.evidence, ...ipv4Addresses(ns).map((a) => a.evidence)),
    };
  }
  const dev = routeDevices(route)[0];
  const iface = dev ? ns.interfaceByName.get(dev) : undefined;
  const attached = iface ? peerBridge(env, ns, iface) : undefined;
  if (!attached || !attached.bridge.interface) return { problem: '', evidence: [] };
  // A bridge that enslaves a NIC extends the LAN: the gateway lives there, not on the bridge.
  if (l2UplinkPorts(attached.bridge).length > 0) return { problem: '', evidence: [], bridge: attached.bridge.name };
  const bridgeAddrs = usableAddresses(attached.bridge.interface, 4);
  if (bridgeAddrs.length === 0) return { problem: '', evidence: [], bridge: attached.bridge.name };
  if (bridgeAddrs.some((a) => a.address === gateway)) return { problem: '', evidence: [], bridge: attached.bridge.name };
  // A router container on the same bridge is a legitimate gateway.
  const neighbours = namespacesByBridge(env, attached.namespace).get(attached.bridge.name) ?? [];
  if (neighbours.some((n) => n.namespace !== ns && n.namespace.interfaces.some((i) => i.addresses.some((a) => a.address === gateway)))) {
    return { problem: '', evidence: [], bridge: attached.bridge.name };
  }
  return {
    problem: `the default gateway ${gateway} is not an address of bridge ${attached.bridge.name} (${bridgeAddrs.map(formatAddress).join(', ')}), which ${dev ?? 'its interface'} is attached to through ${attached.outer.name}, nor of any collected namespace on that bridge`,
    evidence: mergeEvidence(route.evidence, ...bridgeAddrs.map((a) => a.evidence), attached.outer.evidence),
    bridge: attached.bridge.name,
  };
}

function gatewayCheck(env: FactEnv, ns: Namespace): GatewayCheck {
  return env.cache.perNamespace(ns, 'namespace:gateway', () => checkGateway(env, ns));
}

const facts = defineFacts<Namespace>('namespace', [
  { name: 'name', type: 'string', description: 'Namespace name (netns name, or "pid:<pid>" for a container)', example: 'pid:4242', compute: (ns) => ns.name },
  { name: 'namespaceKind', type: 'string', description: '"named" (ip netns) or "container"', example: 'container', compute: (ns) => ns.kind },
  { name: 'processes', type: 'string[]', description: 'Command names of processes in the namespace, when collected', example: ['nginx'], compute: (ns) => ns.processes ?? [] },
  {
    name: 'ipv4Addresses',
    type: 'string[]',
    description: 'IPv4 addresses of its interfaces other than loopback (link-local excluded)',
    example: ['172.17.0.2/16'],
    compute: (ns) => ipv4Addresses(ns).map(formatAddress),
  },
  { name: 'hasAddresses', type: 'boolean', description: 'Has an IPv4 address on an interface other than loopback', example: true, compute: (ns) => ipv4Addresses(ns).length > 0 },
  {
    name: 'hasAddressesUp',
    type: 'boolean',
    description: 'Has an IPv4 address on an interface other than loopback that is up (the kernel removes the routes of a down interface, so a missing route there is a consequence, not a cause)',
    example: true,
    compute: (ns) => ns.interfaces.some((i) => i.kind !== 'loopback' && i.adminUp && usableAddresses(i, 4).length > 0),
  },
  {
    name: 'addressEvidence',
    type: EVIDENCE_TYPE,
    description: 'The ip addr lines of those addresses',
    compute: (ns) => mergeEvidence(...ipv4Addresses(ns).map((a) => a.evidence)),
  },
  {
    name: 'defaultRoutePresent',
    type: 'boolean',
    description: 'An IPv4 default route exists in the main table (any type)',
    example: true,
    compute: (ns, env) => defaultRoutes(env, ns, 4).some((r) => r.table === 'main'),
  },
  { name: 'defaultGateway', type: 'string | undefined', description: 'Gateway of the IPv4 default route (main table first)', example: '172.17.0.1', compute: (ns, env) => gatewayOf(defaultRoute(env, ns)) },
  {
    name: 'defaultRouteEvidence',
    type: EVIDENCE_TYPE,
    description: 'The ip route line of the IPv4 default route',
    compute: (ns, env) => {
      const r = defaultRoute(env, ns);
      return r ? [r.evidence] : [];
    },
  },
  {
    name: 'attachedBridge',
    type: 'string | undefined',
    description: 'The bridge (in another namespace) that the veth of its default route is attached to',
    example: 'docker0',
    compute: (ns, env) => gatewayCheck(env, ns).bridge,
  },
  {
    name: 'gatewayMismatch',
    type: 'boolean',
    description:
      'The default gateway cannot work: it is in no connected subnet (nor a scope-link route, nor onlink), or it is not an address of the bridge the namespace\'s veth is attached to (nor of another collected namespace on that bridge)',
    example: false,
    compute: (ns, env) => gatewayCheck(env, ns).problem !== '',
  },
  { name: 'gatewayProblem', type: 'string', description: 'The gateway problem in one sentence (empty when none)', compute: (ns, env) => gatewayCheck(env, ns).problem },
  {
    name: 'gatewayEvidence',
    type: EVIDENCE_TYPE,
    description: 'The default route line and the address lines it is checked against',
    compute: (ns, env) => gatewayCheck(env, ns).evidence,
  },
]);

export const namespaceModule: FactModule<Namespace> = { subjects, facts };
