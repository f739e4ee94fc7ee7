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

export function parseIPv6(text: string): bigint | undefined {
  let body = text;
  const zone = body.indexOf('%');
  if (zone !== -1) body = body.slice(0, zone);
  if (body.length === 0 || body.length > 45) return undefined;
  let tailV4: number | undefined;
  const lastColon = body.lastIndexOf(':');
  if (lastColon === -1) return undefined;
  if (body.indexOf('.', lastColon) !== -1) {
    tailV4 = parseIPv4(body.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s.length === 0) return [];
    const groups: number[] = [];
    for (const g of s.split(':')) {
      if (g.length === 0 || g.length > 4 || !/^[0-9a-fA-F]+$/.test(g)) return undefined;
      groups.push(parseInt(g, 16));
    }
    return groups;
  };
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | BigInt(tailV4);
  return value;
}

export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, value: BigInt(v4) };
  const v6 = parseIPv6(text);
  if (v6 !== undefined) return { family: 6, value: v6 };
  return undefined;
}

function maskOf(family: 4 | 6, prefixLen: number): bigint {
  const bits = BigInt(family === 4 ? V4_BITS : V6_BITS);
  const len = BigInt(prefixLen);
  return ((1n << bits) - 1n) ^ ((1n << (bits - len)) - 1n);
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
