/**
 * Questions about a namespace's plumbing that the netfilter analyses need: which interface is the
 * uplink, which route carries an address, which bridge subnet holds it. Routes are looked up in
 * the local and main tables, in that order, as the default policy rules do.
 */
import { cidrContains, parseCidr, type Cidr } from '../model/net.js';
import type { Bridge, Namespace, Route } from '../model/types.js';

/** Default routes of the main table for a family, best (lowest metric) first. */
export function defaultRoutes(ns: Namespace, family: 4 | 6): Route[] {
  return ns.routes
    .filter((r) => r.family === family && r.isDefault && r.table === 'main' && r.type === 'unicast')
    .sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0));
}

/** The interface of the best default route (or of its first next hop). */
export function uplinkInterface(ns: Namespace, family: 4 | 6): string | undefined {
  for (const route of defaultRoutes(ns, family)) {
    const dev = route.dev ?? route.nexthops.find((h) => h.dev)?.dev;
    if (dev) return dev;
  }
  return undefined;
}

/** Routes of one table grouped by prefix length, longest first, each keyed by its network. */
interface PrefixTable {
  lengths: number[];
  byLength: Map<number, Map<bigint, Route>>;
}

const routeIndex = new WeakMap<Namespace, Map<string, PrefixTable>>();

function prefixTable(ns: Namespace, family: 4 | 6, table: string): PrefixTable {
  let tables = routeIndex.get(ns);
  if (!tables) {
    tables = new Map();
    routeIndex.set(ns, tables);
  }
  const key = `${family}/${table}`;
  let index = tables.get(key);
  if (!index) {
    index = { lengths: [], byLength: new Map() };
    for (const route of ns.routes) {
      if (route.family !== family || route.table !== table) continue;
      const dst = parseCidr(route.dst, family);
      if (!dst) continue;
      let bucket = index.byLength.get(dst.prefixLen);
      if (!bucket) {
        bucket = new Map();
        index.byLength.set(dst.prefixLen, bucket);
      }
      const existing = bucket.get(dst.network);
      if (!existing || (route.metric ?? 0) < (existing.metric ?? 0)) bucket.set(dst.network, route);
    }
    index.lengths = [...index.byLength.keys()].sort((a, b) => b - a);
    tables.set(key, index);
  }
  return index;
}

function maskTo(address: Cidr, prefixLen: number): bigint {
  const bits = BigInt(address.family === 4 ? 32 : 128);
  const hostBits = bits - BigInt(prefixLen);
  return (address.network >> hostBits) << hostBits;
}

/** Longest-prefix match for a host address in the local, then the main table; undefined when no route covers it. */
export function lookupRoute(ns: Namespace, address: Cidr): Route | undefined {
  for (const table of ['local', 'main']) {
    const index = prefixTable(ns, address.family, table);
    for (const len of index.lengths) {
      const route = index.byLength.get(len)?.get(maskTo(address, len));
      if (route) return route;
    }
  }
  return undefined;
}

/** The bridge one of whose subnets holds the address. */
export function bridgeContaining(ns: Namespace, address: Cidr): { bridge: Bridge; subnet: string } | undefined {
  for (const bridge of ns.bridges) {
    for (const subnet of bridge.subnets) {
      const cidr = parseCidr(subnet);
      if (cidr && cidrContains(cidr, address)) return { bridge, subnet };
    }
  }
  return undefined;
}

/** Is this one of the namespace's own addresses? */
export function isOwnAddress(ns: Namespace, address: Cidr): boolean {
  return ns.interfaces.some((i) =>
    i.addresses.some((a) => {
      const own = parseCidr(a.address);
      return own !== undefined && own.family === address.family && own.network === address.network;
    }),
  );
}

/** Docker's bridge names: docker0 and br-<first 12 hex digits of the network id>. */
export function isDockerBridgeName(name: string): boolean {
  return name === 'docker0' || /^br-[0-9a-f]{12}$/.test(name);
}

/** A bridge that carries traffic of its own: it has ports (container or VM interfaces). */
export function bridgeHasPorts(bridge: Bridge): boolean {
  return bridge.ports.length > 0;
}
