/**
 * Questions about a namespace's plumbing that the netfilter analyses need: which interface is the
 * uplink, which route carries an address, which bridge subnet holds it. Routes are looked up in
 * the local and main tables, in that order, as the default policy rules do.
 */
import { parseCidr, type Cidr } from '../model/net.js';
import { cidrRange, lastOf, type AddressRange } from './netfilter/addresses.js';
import type { Bridge, Namespace, Route } from '../model/types.js';

/** Default routes of the main table for a family, best (lowest metric) first. */
export function defaultRoutes(ns: Namespace, family: 4 | 6): Route[] {
  return ns.routes
    .filter((r) => r.family === family && r.isDefault && r.table === 'main' && r.type === 'unicast')
    .sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0));
}

const uplinkCache = new WeakMap<Namespace, Map<number, string | undefined>>();

/** The interface of the best default route (or of its first next hop). */
export function uplinkInterface(ns: Namespace, family: 4 | 6): string | undefined {
  let byFamily = uplinkCache.get(ns);
  if (!byFamily) uplinkCache.set(ns, (byFamily = new Map()));
  if (byFamily.has(family)) return byFamily.get(family);
  let found: string | undefined;
  for (const route of defaultRoutes(ns, family)) {
    found = route.dev ?? route.nexthops.find((h) => h.dev)?.dev;
    if (found) break;
  }
  byFamily.set(family, found);
  return found;
}

/** Routes of one table grouped by prefix length, longest first, each keyed by its network. */
interface PrefixTable {
  lengths: number[];
  /** The routes of lengths[i], by network. */
  buckets: Map<number | string, Route>[];
}

const LOOKUP_TABLES = ['local', 'main'];

/** Per namespace, per family (index 4 or 6): the tables of LOOKUP_TABLES, in that order, built on first use. */
const routeIndex = new WeakMap<Namespace, PrefixTable[][]>();

function lookupTables(ns: Namespace, family: 4 | 6): PrefixTable[] {
  let byFamily = routeIndex.get(ns);
  if (!byFamily) {
    byFamily = [];
    routeIndex.set(ns, byFamily);
  }
  return (byFamily[family] ??= LOOKUP_TABLES.map((table) => prefixTable(ns, family, table)));
}

function prefixTable(ns: Namespace, family: 4 | 6, table: string): PrefixTable {
  const byLength = new Map<number, Map<number | string, Route>>();
  for (const route of ns.routes) {
    if (route.family !== family || route.table !== table) continue;
    const dst = parseCidr(route.dst, family);
    if (!dst) continue;
    let bucket = byLength.get(dst.prefixLen);
    if (!bucket) {
      bucket = new Map();
      byLength.set(dst.prefixLen, bucket);
    }
    const key = addressKey(dst);
    const existing = bucket.get(key);
    if (!existing || (route.metric ?? 0) < (existing.metric ?? 0)) bucket.set(key, route);
  }
  const lengths = [...byLength.keys()].sort((a, b) => b - a);
  return { lengths, buckets: lengths.map((len) => byLength.get(len) as Map<number | string, Route>) };
}

/** The key of the address's network at a prefix length (IPv4 in plain numbers: no BigInt work per lookup). */
function maskedKey(address: Cidr, value4: number, prefixLen: number): number | string {
  if (address.family === 4) {
    const hostBits = 32 - prefixLen;
    return hostBits === 32 ? 0 : Math.floor(value4 / 2 ** hostBits) * 2 ** hostBits;
  }
  const hostBits = BigInt(128 - prefixLen);
  return `6|${(address.network >> hostBits) << hostBits}`;
}

/** Longest-prefix match for a host address in the local, then the main table; undefined when no route covers it. */
export function lookupRoute(ns: Namespace, address: Cidr): Route | undefined {
  const value4 = address.family === 4 ? Number(address.network) : 0;
  const tables = lookupTables(ns, address.family);
  // Indexed loops: asked once per DNAT target, thousands of times, and for...of allocates until V8 optimises it.
  for (let t = 0; t < tables.length; t++) {
    const { lengths, buckets } = tables[t] as PrefixTable;
    for (let i = 0; i < lengths.length; i++) {
      const route = (buckets[i] as Map<number | string, Route>).get(maskedKey(address, value4, lengths[i] as number));
      if (route) return route;
    }
  }
  return undefined;
}

interface SubnetEntry {
  bridge: Bridge;
  subnet: string;
  cidr: Cidr;
}

/** Bridge subnets with their bounds computed once: every published port asks, some of them twice. */
interface SubnetIndex {
  entries: SubnetEntry[];
  ranges: AddressRange[];
}

const subnetCache = new WeakMap<Namespace, SubnetIndex>();
const ownCache = new WeakMap<Namespace, Set<number | string>>();

/** A Map key for one address: a number for IPv4 (cheap), text for IPv6. */
export function addressKey(cidr: Cidr): number | string {
  return cidr.family === 4 ? Number(cidr.network) : `6|${cidr.network}`;
}

/** The bridge one of whose subnets holds the address. */
export function bridgeContaining(ns: Namespace, address: Cidr): { bridge: Bridge; subnet: string } | undefined {
  let index = subnetCache.get(ns);
  if (!index) {
    index = { entries: [], ranges: [] };
    for (const bridge of ns.bridges) {
      for (const subnet of bridge.subnets) {
        const cidr = parseCidr(subnet);
        if (!cidr) continue;
        index.entries.push({ bridge, subnet, cidr });
        index.ranges.push(cidrRange(cidr));
      }
    }
    subnetCache.set(ns, index);
  }
  const { entries, ranges } = index;
  // rangeContains(entry.cidr, address), with the subnet's bounds read rather than recomputed.
  let last: bigint | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as SubnetEntry;
    const range = ranges[i] as AddressRange;
    if (entry.cidr.family !== address.family || entry.cidr.prefixLen > address.prefixLen || address.network < range.first) continue;
    last ??= lastOf(address);
    if (last <= range.last) return entry;
  }
  return undefined;
}

/** Is this one of the namespace's own addresses? */
export function isOwnAddress(ns: Namespace, address: Cidr): boolean {
  return ownAddressKeys(ns).has(addressKey(address));
}

/** The addressKey of each of the namespace's own addresses. */
export function ownAddressKeys(ns: Namespace): ReadonlySet<number | string> {
  let own = ownCache.get(ns);
  if (!own) {
    own = new Set();
    for (const iface of ns.interfaces) {
      for (const a of iface.addresses) {
        const cidr = parseCidr(a.address);
        if (cidr) own.add(addressKey(cidr));
      }
    }
    ownCache.set(ns, own);
  }
  return own;
}

/** Docker's bridge names: docker0 and br-<first 12 hex digits of the network id>. */
export function isDockerBridgeName(name: string): boolean {
  return name === 'docker0' || /^br-[0-9a-f]{12}$/.test(name);
}
