import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalCidr,
  cidrContains,
  cidrOverlaps,
  formatAddress,
  networkOf,
  parseCidr,
  parseIPv4,
  parseIPv6,
  textCidrContains,
  textCidrOverlaps,
} from '../../src/model/net.js';

describe('address parsing', () => {
  it('parses IPv4 and rejects look-alikes', () => {
    expect(parseIPv4('192.0.2.1')).toBe(0xc0000201);
    expect(parseIPv4('256.0.0.1')).toBeUndefined();
    expect(parseIPv4('1.2.3')).toBeUndefined();
    expect(parseIPv4('1.2.3.4.5')).toBeUndefined();
    expect(parseIPv4('a.b.c.d')).toBeUndefined();
  });

  it('parses IPv6 with ::, zones and embedded IPv4', () => {
    expect(parseIPv6('::1')).toBe(1n);
    expect(parseIPv6('fe80::1%eth0')).toBe((0xfe80n << 112n) | 1n);
    expect(parseIPv6('::ffff:192.0.2.1')).toBe((0xffffn << 32n) | 0xc0000201n);
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIPv6('1::2::3')).toBeUndefined();
  });

  it('reads IPv6 as the plain reference reading does, valid or not', () => {
    const group = fc.stringMatching(/^[0-9a-fA-F]{1,5}$/);
    const v4 = fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((p) => p.join('.'));
    const shaped = fc
      .tuple(fc.array(group, { maxLength: 9 }), fc.option(fc.nat(9)), fc.option(v4), fc.option(fc.constantFrom('%eth0', '%', '%1')))
      .map(([groups, gap, tail, zone]) => {
        const parts: string[] = [...groups];
        if (tail !== null) parts.push(tail);
        let text = parts.join(':');
        if (gap !== null) {
          const cut = parts.slice(0, Math.min(gap, parts.length)).join(':').length;
          text = `${text.slice(0, cut)}::${text.slice(cut).replace(/^:/, '')}`;
        }
        return text + (zone ?? '');
      });
    const noise = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFg:.%/ '.split('')), maxLength: 46 });
    fc.assert(
      fc.property(fc.oneof(shaped, noise), (text) => {
        expect(parseIPv6(text)).toBe(referenceParseIPv6(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('normalises every notation found in iptables-save and ip output', () => {
    expect(canonicalCidr('172.17.0.1/16')).toBe('172.17.0.0/16');
    expect(canonicalCidr('127.0.0.1')).toBe('127.0.0.1/32');
    expect(canonicalCidr('10.0.0.0/255.0.0.0')).toBe('10.0.0.0/8');
    expect(canonicalCidr('10.0.0.0/255.0.255.0')).toBeUndefined();
    expect(canonicalCidr('default', 6)).toBe('::/0');
    expect(canonicalCidr('2001:db8::1/64')).toBe('2001:db8::/64');
    expect(canonicalCidr('10.0.0.0/33')).toBeUndefined();
    expect(networkOf('198.51.100.7', 24)).toBe('198.51.100.0/24');
  });
});

describe('set relations', () => {
  it('contains and overlaps within a family only', () => {
    expect(textCidrContains('172.16.0.0/12', '172.17.0.0/16')).toBe(true);
    expect(textCidrContains('172.17.0.0/16', '172.16.0.0/12')).toBe(false);
    expect(textCidrOverlaps('172.17.0.0/16', '172.16.0.0/12')).toBe(true);
    expect(textCidrOverlaps('192.0.2.0/24', '198.51.100.0/24')).toBe(false);
    expect(textCidrOverlaps('::/0', '0.0.0.0/0')).toBe(false);
  });

  const v4 = fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 })).map(([a, len]) => `${formatAddress(4, BigInt(a))}/${len}`);
  const v6 = fc.tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 })).map(([a, len]) => `${formatAddress(6, a)}/${len}`);

  it('formats and parses back to the same network (IPv4 and IPv6)', () => {
    fc.assert(
      fc.property(fc.oneof(v4, v6), (text) => {
        const cidr = parseCidr(text);
        expect(cidr).toBeDefined();
        const again = parseCidr(canonicalCidr(text) as string);
        expect(again).toEqual(cidr);
      }),
    );
  });

  it('overlap is symmetric and implied by containment', () => {
    fc.assert(
      fc.property(v4, v4, (a, b) => {
        const x = parseCidr(a)!;
        const y = parseCidr(b)!;
        expect(cidrOverlaps(x, y)).toBe(cidrOverlaps(y, x));
        if (cidrContains(x, y)) expect(cidrOverlaps(x, y)).toBe(true);
      }),
    );
  });
});

/** The straightforward reading of an IPv6 address (split on "::" and ":"), which parseIPv6 must match. */
function referenceParseIPv6(text: string): bigint | undefined {
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
