/**
 * How an iptables address criterion (-s, -d, iprange, conntrack --ctorigdst) relates to the
 * addresses of a packet class.
 */
import { parseCidr, type Cidr } from '../../model/net.js';
import type { AddressSpec } from './packet.js';
import type { Tri } from './tri.js';

const RESERVED_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/4', '240.0.0.0/4'].map(mustParse);
const GLOBAL_UNICAST_V6 = mustParse('2000::/3');
/** Blocks shorter than this may well hold "a typical internet host"; longer ones are specific. */
const BROAD_PREFIX = { 4: 8, 6: 16 } as const;

function mustParse(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`bad built-in CIDR ${text}`);
  return cidr;
}

export interface AddressRange {
  family: 4 | 6;
  first: bigint;
  last: bigint;
}

/** First and last address of a block (a host address allocates nothing). */
export function cidrRange(cidr: Cidr): AddressRange {
  const full = cidr.family === 4 ? 32 : 128;
  if (cidr.prefixLen === full) return { family: cidr.family, first: cidr.network, last: cidr.network };
  const size = 1n << BigInt(full - cidr.prefixLen);
  return { family: cidr.family, first: cidr.network, last: cidr.network + size - 1n };
}

/** The last address of a block (a host address allocates nothing). */
export function lastOf(cidr: Cidr): bigint {
  const full = cidr.family === 4 ? 32 : 128;
  return cidr.prefixLen === full ? cidr.network : cidr.network + (1n << BigInt(full - cidr.prefixLen)) - 1n;
}

/** outer contains inner. */
export function rangeContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || outer.prefixLen > inner.prefixLen) return false;
  return inner.network >= outer.network && lastOf(inner) <= lastOf(outer);
}

/** A block's test against address sets, with its bounds computed once (for compiled rule criteria). */
export function cidrMatcher(cidr: Cidr): (spec: AddressSpec | undefined) => Tri {
  if (cidr.prefixLen === 0) return (spec) => matchCidr(cidr, spec);
  const first = cidr.network;
  const last = lastOf(cidr);
  return (spec) => {
    if (!spec || !('cidr' in spec)) return matchCidr(cidr, spec);
    const p = spec.cidr;
    if (p.family !== cidr.family) return 'no';
    const pLast = p.prefixLen === (p.family === 4 ? 32 : 128) ? p.network : lastOf(p);
    if (p.network >= first && pLast <= last) return 'yes';
    return pLast < first || p.network > last ? 'no' : 'maybe';
  };
}

const LOOPBACK_V4 = mustParse('127.0.0.0/8');
const LOOPBACK_V6 = mustParse('::1/128');
const LOOPBACK_V4_LAST = lastOf(LOOPBACK_V4);
const LOOPBACK_V6_LAST = lastOf(LOOPBACK_V6);

export function isLoopbackAddress(cidr: Cidr): boolean {
  const v4 = cidr.family === 4;
  const loopback = v4 ? LOOPBACK_V4 : LOOPBACK_V6;
  // rangeContains(loopback, cidr) with the loopback's last address computed once: asked of every DNAT target.
  return loopback.prefixLen <= cidr.prefixLen && cidr.network >= loopback.network && lastOf(cidr) <= (v4 ? LOOPBACK_V4_LAST : LOOPBACK_V6_LAST);
}

/** "10.0.0.1-10.0.0.9" as printed by -m iprange. */
export function parseAddressRange(text: string): AddressRange | undefined {
  const dash = text.indexOf('-');
  const first = parseCidr(dash === -1 ? text : text.slice(0, dash));
  const last = parseCidr(dash === -1 ? text : text.slice(dash + 1));
  if (!first || !last || first.family !== last.family) return undefined;
  const full = first.family === 4 ? 32 : 128;
  if (first.prefixLen !== full || last.prefixLen !== full || first.network > last.network) return undefined;
  return { family: first.family, first: first.network, last: last.network };
}

function rangeRelation(rule: AddressRange, packet: AddressRange): Tri {
  if (rule.family !== packet.family) return 'no';
  if (packet.first >= rule.first && packet.last <= rule.last) return 'yes';
  if (packet.last < rule.first || packet.first > rule.last) return 'no';
  return 'maybe';
}

/** Does every address of `spec` lie in `range` (yes), none (no), or some (maybe)? Unknown spec: maybe. */
export function matchAddressRange(range: AddressRange, spec: AddressSpec | undefined): Tri {
  const whole = range.first === 0n && range.last === cidrRange({ family: range.family, network: 0n, prefixLen: 0 }).last;
  if (!spec) return whole ? 'yes' : 'maybe';
  if ('cidr' in spec) return rangeRelation(range, cidrRange(spec.cidr));
  if (whole) return 'yes';
  const internet = range.family === 4 ? undefined : cidrRange(GLOBAL_UNICAST_V6);
  if (internet && range.first <= internet.first && range.last >= internet.last) return 'yes';
  // A huge range that is not entirely reserved space may hold a typical internet host.
  const size = range.last - range.first + 1n;
  const broad = size >= 1n << BigInt((range.family === 4 ? 32 : 128) - BROAD_PREFIX[range.family]);
  return broad && !withinReserved(range) ? 'maybe' : 'no';
}

function withinReserved(range: AddressRange): boolean {
  if (range.family === 6) {
    const g = cidrRange(GLOBAL_UNICAST_V6);
    return range.last < g.first || range.first > g.last;
  }
  return RESERVED_V4.some((r) => {
    const b = cidrRange(r);
    return range.first >= b.first && range.last <= b.last;
  });
}

/** Does every address of `spec` lie in `cidr` (yes), none (no), or some (maybe)? */
export function matchCidr(cidr: Cidr, spec: AddressSpec | undefined): Tri {
  if (cidr.prefixLen === 0) return spec && 'cidr' in spec && spec.cidr.family !== cidr.family ? 'no' : 'yes';
  if (!spec) return 'maybe';
  if ('cidr' in spec) {
    const p = spec.cidr;
    if (p.family !== cidr.family) return 'no';
    if (rangeContains(cidr, p)) return 'yes';
    return rangeContains(p, cidr) ? 'maybe' : 'no';
  }
  if (cidr.family === 6) {
    if (rangeContains(cidr, GLOBAL_UNICAST_V6)) return 'yes';
    return cidr.prefixLen < BROAD_PREFIX[6] && rangeContains(GLOBAL_UNICAST_V6, cidr) ? 'maybe' : 'no';
  }
  if (cidr.prefixLen >= BROAD_PREFIX[4]) return 'no';
  return RESERVED_V4.some((r) => rangeContains(r, cidr)) ? 'no' : 'maybe';
}

/** Is this address in a private, loopback, link-local or otherwise non-internet block? */
export function isPrivateCidr(cidr: Cidr): boolean {
  if (cidr.family === 4) return RESERVED_V4.some((r) => rangeContains(r, cidr));
  return !rangeContains(GLOBAL_UNICAST_V6, cidr);
}
