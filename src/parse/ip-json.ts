/**
 * `ip -j link|addr|route|neigh` (iproute2 JSON, 2017 to today). Only known keys are read; key sets vary a lot
 * between versions, so every field but the identifying one is optional. An element missing its identifying
 * field is skipped with a note; a field of the wrong type is ignored with a note.
 */
import { DROPPED, type ParseInput, type ParseNote, type Parsed } from './common.js';
import { isJsonObject, JsonRecord, readJsonRecords, withoutPrototypes, type JsonObject } from './json-source.js';
import type { IpAddrEntry, IpAddrInfo, IpLinkEntry, IpNeighEntry, IpNextHop, IpRouteEntry } from './types.js';

/** Fields that `ip link` and `ip addr` share (both print the link part of each interface). */
interface LinkHeader {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu?: number;
  operstate?: string;
  master?: string;
}

/** Set an optional field only when the input had it, so records carry no `key: undefined`. */
function put<T, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

function readLinkHeader(r: JsonRecord, what: string): LinkHeader | undefined {
  const ifname = r.string('ifname');
  if (ifname === undefined) {
    r.note(`${what} without "ifname"; skipped`, DROPPED);
    return undefined;
  }
  let ifindex = r.integer('ifindex');
  if (ifindex === undefined) {
    // `ip -brief -j` omits it; 0 is never a real interface index, so nothing downstream can match it.
    r.note(`"${ifname}" has no "ifindex" (\`ip -brief\` output?); index recorded as 0`);
    ifindex = 0;
  }
  const header: LinkHeader = { ifindex, ifname, flags: r.strings('flags') ?? [] };
  put(header, 'mtu', r.integer('mtu'));
  put(header, 'operstate', r.string('operstate'));
  put(header, 'master', r.string('master'));
  return header;
}

function readLink(r: JsonRecord): IpLinkEntry | undefined {
  const header = readLinkHeader(r, 'link');
  if (!header) return undefined;
  const linkinfo = r.object('linkinfo');
  const infoData = linkinfo ? r.object('info_data', linkinfo) : undefined;
  const slaveData = linkinfo ? r.object('info_slave_data', linkinfo) : undefined;
  const entry: IpLinkEntry = { ...header, line: r.line, text: r.text };
  put(entry, 'link', r.string('link'));
  put(entry, 'linkIndex', r.integer('link_index'));
  put(entry, 'linkNetnsId', r.integer('link_netnsid'));
  put(entry, 'address', r.string('address'));
  put(entry, 'linkType', r.string('link_type'));
  if (linkinfo) {
    put(entry, 'kind', r.string('info_kind', linkinfo));
    put(entry, 'slaveKind', r.string('info_slave_kind', linkinfo));
    // Handed on as free-form records: detached from Object.prototype so any key a rule reads is input data.
    put(entry, 'infoData', infoData && withoutPrototypes(infoData));
    put(entry, 'slaveData', slaveData && withoutPrototypes(slaveData));
  }
  put(entry, 'alias', r.string('ifalias'));
  return entry;
}

function readAddrInfo(r: JsonRecord, ifname: string, info: JsonObject): IpAddrInfo | undefined {
  const family = r.string('family', info);
  if (family !== 'inet' && family !== 'inet6') {
    r.note(
      family === undefined
        ? `an address of "${ifname}" has no "family"; skipped`
        : `an address of "${ifname}" of family "${family}" (not IP) skipped`,
    );
    return undefined;
  }
  // iproute2 prints "local" for the interface's own address and "address" only for a point-to-point peer.
  const address = r.string('address', info);
  const local = r.string('local', info) ?? address;
  const prefixlen = r.integer('prefixlen', info);
  if (local === undefined || prefixlen === undefined) {
    r.note(`an ${family} address of "${ifname}" lacks "local" or "prefixlen"; skipped`, DROPPED);
    return undefined;
  }
  const addrInfo: IpAddrInfo = { family, local, prefixlen };
  put(addrInfo, 'address', address);
  if (address !== local) put(addrInfo, 'peer', address);
  put(addrInfo, 'scope', r.label('scope', info));
  put(addrInfo, 'broadcast', r.string('broadcast', info));
  put(addrInfo, 'label', r.string('label', info));
  put(addrInfo, 'dynamic', r.boolean('dynamic', info));
  put(addrInfo, 'mngtmpaddr', r.boolean('mngtmpaddr', info));
  put(addrInfo, 'validLifetime', finiteLifetime(r.integer('valid_life_time', info)));
  return addrInfo;
}

/** iproute2 prints an infinite lifetime (`forever` in text) as 4294967295 (INFINITY_LIFE_TIME). */
export const INFINITE_LIFETIME = 4294967295;

function finiteLifetime(seconds: number | undefined): number | undefined {
  return seconds === undefined || seconds >= INFINITE_LIFETIME || seconds < 0 ? undefined : seconds;
}

function readAddr(r: JsonRecord): IpAddrEntry | undefined {
  const header = readLinkHeader(r, 'interface');
  if (!header) return undefined;
  const addrs: IpAddrInfo[] = [];
  for (const item of r.array('addr_info') ?? []) {
    if (!isJsonObject(item)) {
      r.note(`an entry of "addr_info" of "${header.ifname}" is not an object; skipped`, DROPPED);
      continue;
    }
    // `ip -j addr` on some versions prints an empty {} per interface without addresses.
    if (Object.keys(item).length === 0) continue;
    const info = readAddrInfo(r, header.ifname, item);
    if (info) addrs.push(info);
  }
  return { ...header, addrs, line: r.line, text: r.text };
}

/** "default" and CIDRs unchanged; a bare address becomes a host prefix (/32 or /128). */
export function normaliseRouteDst(dst: string): string {
  if (dst === 'default' || dst.includes('/')) return dst;
  return dst.includes(':') ? `${dst}/128` : `${dst}/32`;
}

function readNextHops(r: JsonRecord): IpNextHop[] {
  const hops: IpNextHop[] = [];
  for (const item of r.array('nexthops') ?? []) {
    if (!isJsonObject(item)) {
      r.note('an entry of "nexthops" is not an object; skipped', DROPPED);
      continue;
    }
    const hop: IpNextHop = {};
    put(hop, 'gateway', gatewayOf(r, item));
    put(hop, 'dev', r.string('dev', item));
    put(hop, 'weight', r.integer('weight', item));
    hops.push(hop);
  }
  return hops;
}

/** "gateway", or since iproute2 5.x a nexthop of the other family as "via": { family, host }. */
function gatewayOf(r: JsonRecord, from: JsonObject): string | undefined {
  const gateway = r.string('gateway', from);
  if (gateway !== undefined) return gateway;
  const via = r.object('via', from);
  return via ? r.string('host', via) : undefined;
}

/**
 * A route's own family, from its addresses: `ip -j route show table all` prints IPv6 routes too on
 * iproute2 5.x and later. A `via` next hop is not looked at: an IPv4 route may have an IPv6 one (RFC 5549).
 */
function routeFamily(r: JsonRecord, dst: string, fallback: 4 | 6): 4 | 6 {
  if (dst !== 'default') return dst.includes(':') ? 6 : 4;
  const hint = r.string('gateway') ?? r.string('prefsrc');
  return hint === undefined ? fallback : hint.includes(':') ? 6 : 4;
}

function readRoute(r: JsonRecord, family: 4 | 6): IpRouteEntry | undefined {
  const dst = r.string('dst');
  if (dst === undefined) {
    r.note('route without "dst"; skipped', DROPPED);
    return undefined;
  }
  // netplan adds a numeric "family" key to each route; it is not iproute2's and is ignored.
  const route: IpRouteEntry = {
    family: routeFamily(r, dst, family),
    dst: normaliseRouteDst(dst),
    type: r.label('type') ?? 'unicast',
    table: r.label('table') ?? 'main',
    flags: r.strings('flags') ?? [],
    nexthops: readNextHops(r),
    line: r.line,
    text: r.text,
  };
  put(route, 'gateway', gatewayOf(r, r.obj));
  put(route, 'dev', r.string('dev'));
  put(route, 'protocol', r.label('protocol'));
  put(route, 'scope', r.label('scope'));
  put(route, 'metric', r.integer('metric'));
  put(route, 'prefsrc', r.string('prefsrc'));
  put(route, 'expires', r.integer('expires'));
  return route;
}

function readNeigh(r: JsonRecord): IpNeighEntry | undefined {
  const dst = r.string('dst');
  if (dst === undefined) {
    r.note('neighbour without "dst"; skipped', DROPPED);
    return undefined;
  }
  // iproute2 prints the router flag as `"router": null` (a key without a value); a later proposal used true.
  const router = r.has('router') && r.obj['router'] !== false;
  const neigh: IpNeighEntry = { dst, state: r.strings('state') ?? [], router, line: r.line, text: r.text };
  put(neigh, 'dev', r.string('dev'));
  put(neigh, 'lladdr', r.string('lladdr'));
  return neigh;
}

function parseRecords<T>(
  input: ParseInput,
  command: string,
  read: (r: JsonRecord) => T | undefined,
): Parsed<T[]> {
  const notes: ParseNote[] = [];
  const value: T[] = [];
  for (const record of readJsonRecords(input, command, notes)) {
    const entry = read(record);
    if (entry !== undefined) value.push(entry);
  }
  return { value, notes };
}

export function parseIpLink(input: ParseInput): Parsed<IpLinkEntry[]> {
  return parseRecords(input, 'ip -j -d link show', readLink);
}

export function parseIpAddr(input: ParseInput): Parsed<IpAddrEntry[]> {
  return parseRecords(input, 'ip -j addr show', readAddr);
}

/**
 * `family` is what the source was collected for: routes whose addresses do not say (a default route
 * through a device) take it. Each route's own family comes from its addresses.
 */
export function parseIpRoute(input: ParseInput, family: 4 | 6): Parsed<IpRouteEntry[]> {
  const command = family === 6 ? 'ip -j -6 route show table all' : 'ip -j route show table all';
  const parsed = parseRecords(input, command, (r) => readRoute(r, family));
  if (family === 6) noteIPv4InIPv6Source(input, parsed);
  return parsed;
}

/** `ip -6` never prints IPv4 routes: IPv4 routes here mean the file is another command's output. */
function noteIPv4InIPv6Source(input: ParseInput, parsed: Parsed<IpRouteEntry[]>): void {
  const v4 = parsed.value.filter((route) => route.family === 4);
  const first = v4[0];
  if (first) {
    parsed.notes.push({
      source: input.source,
      line: first.line,
      message: `${v4.length} IPv4 route(s) in the output of \`ip -j -6 route\`: is this the right file?`,
    });
  }
}

export function parseIpNeigh(input: ParseInput): Parsed<IpNeighEntry[]> {
  return parseRecords(input, 'ip -j neigh show', readNeigh);
}
