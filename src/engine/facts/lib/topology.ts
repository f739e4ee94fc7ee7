/**
 * Namespace-wide indexes the host-side facts share, each built once per audit through the cache:
 * default routes and uplinks, routes by device, veth ends by interface, the namespaces attached to each
 * bridge, CIDR indexes of addresses and bridge subnets.
 */
import { isLinkLocal, parseCidr } from '../../../model/net.js';
import type { Address, Bridge, Interface, Namespace, Route, VethEnd } from '../../../model/types.js';
import type { FactEnv } from '../registry.js';
import { CidrIndex } from './cidr-index.js';
import { L2_UPLINK_KINDS } from './names.js';

const KEY = 'topology:';

/** Route types that carry traffic somewhere (unreachable, blackhole, prohibit, throw do not). */
export function isForwardingRoute(route: Route): boolean {
  return route.type === 'unicast';
}

/**
 * The family a route really has. `ip route show table all` prints IPv6 routes too on current iproute2,
 * and they then arrive in the IPv4 source: an IPv6 destination or gateway tells them apart.
 */
export function familyOf(route: Route): 4 | 6 {
  if (route.gateway?.includes(':') || route.nexthops.some((h) => h.gateway?.includes(':'))) return 6;
  if (!route.isDefault && route.dst.includes(':')) return 6;
  return route.family;
}

/** Default routes of a family in any table but local, of any type (an explicit `unreachable default` counts). */
export function defaultRoutes(env: FactEnv, ns: Namespace, family: 4 | 6): Route[] {
  return env.cache.perNamespace(ns, `${KEY}default${family}`, () => ns.routes.filter((r) => r.isDefault && r.table !== 'local' && familyOf(r) === family));
}

/** Devices of a route: its dev and its nexthops' devs. */
export function routeDevices(route: Route): string[] {
  const devs = new Set<string>();
  if (route.dev) devs.add(route.dev);
  for (const hop of route.nexthops) if (hop.dev) devs.add(hop.dev);
  return [...devs];
}

export function routeGateways(route: Route): string[] {
  const gws = new Set<string>();
  if (route.gateway) gws.add(route.gateway);
  for (const hop of route.nexthops) if (hop.gateway) gws.add(hop.gateway);
  return [...gws];
}

export interface Uplinks {
  /** Devices of unicast IPv4 default routes (any table but local), in route order. */
  devices: string[];
  routesByDevice: Map<string, Route[]>;
  /** The device of the main table's preferred (lowest metric) IPv4 default route. */
  primary?: Interface;
  primaryRoute?: Route;
}

export function uplinks(env: FactEnv, ns: Namespace): Uplinks {
  return env.cache.perNamespace(ns, `${KEY}uplinks`, () => {
    const routesByDevice = new Map<string, Route[]>();
    let primaryRoute: Route | undefined;
    for (const route of defaultRoutes(env, ns, 4)) {
      if (!isForwardingRoute(route)) continue;
      for (const dev of routeDevices(route)) {
        const list = routesByDevice.get(dev);
        if (list) list.push(route);
        else routesByDevice.set(dev, [route]);
      }
      if (route.table === 'main' && (!primaryRoute || (route.metric ?? 0) < (primaryRoute.metric ?? 0))) primaryRoute = route;
    }
    const result: Uplinks = { devices: [...routesByDevice.keys()], routesByDevice };
    if (primaryRoute) {
      result.primaryRoute = primaryRoute;
      const dev = routeDevices(primaryRoute)[0];
      const iface = dev !== undefined ? ns.interfaceByName.get(dev) : undefined;
      if (iface) result.primary = iface;
    }
    return result;
  });
}

/** Routes (any family, any table) by device. */
export function routesByDevice(env: FactEnv, ns: Namespace): Map<string, Route[]> {
  return env.cache.perNamespace(ns, `${KEY}routesByDevice`, () => {
    const map = new Map<string, Route[]>();
    for (const route of ns.routes) {
      for (const dev of routeDevices(route)) {
        const list = map.get(dev);
        if (list) list.push(route);
        else map.set(dev, [route]);
      }
    }
    return map;
  });
}

/** Unicast routes through a device outside the local table, excluding the kernel's connected routes. */
export function configuredRoutesVia(env: FactEnv, ns: Namespace, dev: string): Route[] {
  return (routesByDevice(env, ns).get(dev) ?? []).filter((r) => r.table !== 'local' && isForwardingRoute(r) && r.protocol !== 'kernel');
}

export function vethByInterface(env: FactEnv, ns: Namespace): Map<string, VethEnd> {
  return env.cache.perNamespace(ns, `${KEY}veths`, () => new Map(ns.veths.map((v) => [v.interface.name, v])));
}

/** Addresses that make an interface reachable at L3: not link-local, not host-scoped. */
export function usableAddresses(iface: Interface, family?: 4 | 6): Address[] {
  return iface.addresses.filter((a) => {
    if (family !== undefined && a.family !== family) return false;
    if (a.scope === 'host') return false;
    const cidr = parseCidr(a.network);
    return Boolean(cidr && !isLinkLocal(cidr));
  });
}

export function formatAddress(a: Address): string {
  return `${a.address}/${a.prefixLen}`;
}

/** A bridge port that extends the bridge onto another L2 network (NIC, bond, VLAN, VXLAN...). */
export function l2UplinkPorts(bridge: Bridge): Interface[] {
  return bridge.ports.flatMap((p) => (p.interface && L2_UPLINK_KINDS.has(p.interface.kind) ? [p.interface] : []));
}

export interface AttachedNamespace {
  namespace: Namespace;
  /** The namespace's end of the veth. */
  inner: Interface;
  /** The end attached to the bridge. */
  outer: Interface;
}

/**
 * For each bridge of `ns`, the collected namespaces whose veth peer is a port of it. Built from the veth
 * ends of the other namespaces (one pass), not by searching ports per namespace.
 */
export function namespacesByBridge(env: FactEnv, ns: Namespace): Map<string, AttachedNamespace[]> {
  return env.cache.perNamespace(ns, `${KEY}namespacesByBridge`, () => {
    const map = new Map<string, AttachedNamespace[]>();
    for (const other of env.host.namespaces) {
      if (other === ns) continue;
      for (const end of other.veths) {
        if (!end.peer.resolved || end.peer.namespace !== ns.name) continue;
        const master = end.peer.interface.master;
        if (!master || !ns.bridgeByName.has(master)) continue;
        const list = map.get(master);
        const entry = { namespace: other, inner: end.interface, outer: end.peer.interface };
        if (list) list.push(entry);
        else map.set(master, [entry]);
      }
    }
    return map;
  });
}

/** The bridge (in another namespace) an interface's veth peer is attached to, if any. */
export function peerBridge(env: FactEnv, ns: Namespace, iface: Interface): { bridge: Bridge; namespace: Namespace; outer: Interface } | undefined {
  const end = vethByInterface(env, ns).get(iface.name);
  if (!end || !end.peer.resolved) return undefined;
  const peerNs = env.host.namespaceByName.get(end.peer.namespace);
  const master = end.peer.interface.master;
  const bridge = master && peerNs ? peerNs.bridgeByName.get(master) : undefined;
  return bridge && peerNs ? { bridge, namespace: peerNs, outer: end.peer.interface } : undefined;
}

/** Index of the connected networks of every usable address in the namespace (payload: the address). */
export function addressIndex(env: FactEnv, ns: Namespace): CidrIndex<Address> {
  return env.cache.perNamespace(ns, `${KEY}addressIndex`, () => {
    const index = new CidrIndex<Address>();
    for (const iface of ns.interfaces) for (const a of usableAddresses(iface)) index.add(a.network, a);
    return index;
  });
}

/** Index of every bridge subnet of the namespace (payload: the bridge). */
export function bridgeSubnetIndex(env: FactEnv, ns: Namespace): CidrIndex<Bridge> {
  return env.cache.perNamespace(ns, `${KEY}bridgeSubnets`, () => {
    const index = new CidrIndex<Bridge>();
    for (const bridge of ns.bridges) for (const subnet of bridge.subnets) index.add(subnet, bridge);
    return index;
  });
}

/** Addresses of every interface in the namespace, by address text. */
export function localAddresses(env: FactEnv, ns: Namespace): Set<string> {
  return env.cache.perNamespace(ns, `${KEY}localAddresses`, () => new Set(ns.interfaces.flatMap((i) => i.addresses.map((a) => a.address))));
}
