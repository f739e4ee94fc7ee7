/**
 * IPv4/IPv6 addresses and CIDR blocks: parsing every notation that appears in real dumps
 * (bare addresses, /len, iptables' netmask form /255.255.0.0, IPv6 with ::, IPv4-mapped IPv6)
 * and the set relations the rules need. IPv4 uses numbers, IPv6 bigints.
 */

export interface Cidr {
  family: 4 | 6;
  /** Network address (host bits cleared). */
  network: bigint;
  prefixLen: number;
}

const V4_BITS = 32;
const V6_BITS = 128;

export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (part.length === 0 || part.length > 3) return undefined;
    let octet = 0;
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return undefined;
      octet = octet * 10 + c;
    }
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

const COLON = 0x3a;
const DOT = 0x2e;
/** The eight groups of the address being parsed (parsing is synchronous: one buffer serves every call). */
const groups = new Uint16Array(8);

/**
 * "2001:db8::1", "fe80::1%eth0" (the zone is dropped), "::ffff:192.0.2.1": one pass over the characters.
 * Groups have 1 to 4 hex digits, "::" stands for one or more zero groups and appears at most once, and a
 * dotted IPv4 address may stand for the last two groups.
 */
export function parseIPv6(text: string): bigint | undefined {
  const zone = text.indexOf('%');
  const end = zone === -1 ? text.length : zone;
  if (end === 0 || end > 45) return undefined;
  let count = 0;
  /** Where "::" stands, as the number of groups before it; -1 when there is none. */
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) return undefined;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    const start = i;
    let value = 0;
    for (let digit = hexValue(text.charCodeAt(i)); digit >= 0 && i < end; digit = hexValue(text.charCodeAt(++i))) value = value * 16 + digit;
    if (i < end && text.charCodeAt(i) === DOT) {
      // A dotted tail: the last two groups, ending the address.
      const v4 = count + 2 <= 8 ? parseIPv4(text.slice(start, end)) : undefined;
      if (v4 === undefined) return undefined;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (i === start || i - start > 4 || count === 8) return undefined;
    groups[count++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== COLON || ++i === end) return undefined;
    if (text.charCodeAt(i) === COLON) {
      if (gap !== -1) return undefined;
      gap = count;
      i++;
    }
  }
  const missing = 8 - count;
  if (gap === -1 ? missing !== 0 : missing < 1) return undefined;
  // Four 32-bit words: four BigInt conversions instead of eight shifts.
  let value = 0n;
  for (let word = 0; word < 4; word++) {
    const high = groupAt(2 * word, gap, missing);
    const low = groupAt(2 * word + 1, gap, missing);
    value = (value << 32n) | BigInt(high * 0x10000 + low);
  }
  return value;
}

/** Group k of the full address, the parsed groups spread around the `missing` zero groups at `gap`. */
function groupAt(k: number, gap: number, missing: number): number {
  if (gap === -1 || k < gap) return groups[k] as number;
  return k < gap + missing ? 0 : (groups[k - missing] as number);
}

/** The value of a hex digit's char code; -1 for any other. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, value: BigInt(v4) };
  const v6 = parseIPv6(text);
  if (v6 !== undefined) return { family: 6, value: v6 };
  return undefined;
}

/** Netmasks by prefix length, made on first use: every address and route of a large host asks for one. */
const MASKS: Record<4 | 6, bigint[]> = { 4: [], 6: [] };

function maskOf(family: 4 | 6, prefixLen: number): bigint {
  const known = MASKS[family][prefixLen];
  if (known !== undefined) return known;
  const bits = BigInt(family === 4 ? V4_BITS : V6_BITS);
  const len = BigInt(prefixLen);
  const mask = ((1n << bits) - 1n) ^ ((1n << (bits - len)) - 1n);
  MASKS[family][prefixLen] = mask;
  return mask;
}

/** Prefix length of a contiguous IPv4 netmask ("255.255.0.0" → 16), undefined if not contiguous. */
function netmaskToPrefix(mask: string): number | undefined {
  const value = parseIPv4(mask);
  if (value === undefined) return undefined;
  let len = 0;
  let bit = 31;
  while (bit >= 0 && (value & 2 ** bit) !== 0) {
    len++;
    bit--;
  }
  // Remaining bits must all be zero: value is exactly the top `len` bits.
  const expected = len === 0 ? 0 : 2 ** 32 - 2 ** (32 - len);
  return value === expected ? len : undefined;
}

/**
 * Parse "10.0.0.0/8", "10.1.2.3" (/32), "10.0.0.0/255.0.0.0", "fd00::/64", "default" (with a family),
 * "0/0". Host bits are cleared. Undefined when it is not an address.
 */
export function parseCidr(text: string, defaultFamily: 4 | 6 = 4): Cidr | undefined {
  const trimmed = text.trim();
  if (trimmed === 'default' || trimmed === 'any' || trimmed === '0/0') {
    return { family: defaultFamily, network: 0n, prefixLen: 0 };
  }
  const slash = trimmed.indexOf('/');
  const addrText = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const addr = parseAddress(addrText);
  if (!addr) return undefined;
  const bits = addr.family === 4 ? V4_BITS : V6_BITS;
  let prefixLen = bits;
  if (slash !== -1) {
    const lenText = trimmed.slice(slash + 1);
    if (/^\d{1,3}$/.test(lenText)) prefixLen = Number(lenText);
    else if (addr.family === 4) {
      const fromMask = netmaskToPrefix(lenText);
      if (fromMask === undefined) return undefined;
      prefixLen = fromMask;
    } else return undefined;
    if (prefixLen > bits) return undefined;
  }
  return { family: addr.family, network: addr.value & maskOf(addr.family, prefixLen), prefixLen };
}

export function formatAddress(family: 4 | 6, value: bigint): string {
  if (family === 4) {
    const n = Number(value);
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart === -1) return groups.join(':');
  const head = groups.slice(0, bestStart).join(':');
  const tail = groups.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatAddress(cidr.family, cidr.network)}/${cidr.prefixLen}`;
}

/** The network of an interface address: networkOf("172.17.0.1", 16) → "172.17.0.0/16". */
export function networkOf(address: string, prefixLen: number): string | undefined {
  const cidr = parseCidr(`${address}/${prefixLen}`);
  return cidr ? formatCidr(cidr) : undefined;
}

/** Normalise any accepted notation to canonical CIDR text; undefined when not an address. */
export function canonicalCidr(text: string, defaultFamily: 4 | 6 = 4): string | undefined {
  const cidr = parseCidr(text, defaultFamily);
  return cidr ? formatCidr(cidr) : undefined;
}

/** outer contains inner entirely (same family). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || outer.prefixLen > inner.prefixLen) return false;
  return (inner.network & maskOf(outer.family, outer.prefixLen)) === outer.network;
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** Convenience over text: false when either side is not an address. */
export function textCidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  return Boolean(o && i && cidrContains(o, i));
}

export function textCidrOverlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return Boolean(x && y && cidrOverlaps(x, y));
}

export function isLinkLocal(cidr: Cidr): boolean {
  const ll4 = parseCidr('169.254.0.0/16') as Cidr;
  const ll6 = parseCidr('fe80::/10') as Cidr;
  return cidrContains(cidr.family === 4 ? ll4 : ll6, cidr);
}

export function isLoopback(cidr: Cidr): boolean {
  const lo4 = parseCidr('127.0.0.0/8') as Cidr;
  const lo6 = parseCidr('::1/128') as Cidr;
  return cidrContains(cidr.family === 4 ? lo4 : lo6, cidr);
}
