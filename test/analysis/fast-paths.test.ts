/**
 * The allocation-free readings the large-node paths use, against the general parsers they stand in for:
 * on any text they answer, they must answer what the general parser does, and leave to it what they do not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, isPortRangeAt, parseNatAddress, parsePortRange, portRangeAt, rangeContains } from '../../src/analysis/netfilter/index.js';
import { hostV4, natTargetV4 } from '../../src/analysis/netfilter/rule-fields.js';
import { parseCidr, type Cidr } from '../../src/model/net.js';

/** Texts built from the characters these readings care about, plus a few they must refuse. */
function textOf(chars: string[], maxLength: number): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...chars), { maxLength }).map((parts) => parts.join(''));
}

const PORT_TEXT = textOf(['0', '1', '5', '6', '9', '65535', '70000', ':', '-', '/', ' ', 'x'], 8);
const OCTET = fc.constantFrom('0', '1', '00', '010', '127', '255', '256', '1000', '');
const ADDRESS_TEXT = fc.oneof(
  textOf(['0', '1', '2', '5', '9', '10', '127', '255', '256', '.', ':', '-', '/', '32', '[', ']', 'a', ' '], 12),
  fc
    .tuple(OCTET, OCTET, OCTET, OCTET, fc.constantFrom('', '/32', '/24', '/032', '/', ':80', ':80-90', ':', ':99999', '-10.0.0.2:80', ' ', 'x'))
    .map(([a, b, c, d, rest]) => `${a}.${b}.${c}.${d}${rest}`),
);

/** parsePortRange as it read before it learnt to read in place (slices and Number). */
function referencePortRange(text: string, separator: string): { from: number; to: number } | undefined {
  const number = (t: string): number | undefined => (t.length === 0 || t.length > 5 || !/^[0-9]+$/.test(t) || Number(t) > 65535 ? undefined : Number(t));
  const at = text.indexOf(separator);
  if (at === -1) {
    const n = number(text);
    return n === undefined ? undefined : { from: n, to: n };
  }
  const lo = at === 0 ? 0 : number(text.slice(0, at));
  const hi = at === text.length - 1 ? 65535 : number(text.slice(at + 1));
  return lo === undefined || hi === undefined || lo > hi ? undefined : { from: lo, to: hi };
}

describe('port ranges read in place', () => {
  it('read as the slicing parser did, from any offset', () => {
    fc.assert(
      fc.property(PORT_TEXT, fc.constantFrom(':', '-'), fc.nat(4), (text, separator, offset) => {
        const from = Math.min(offset, text.length);
        const expected = referencePortRange(text.slice(from), separator);
        expect(portRangeAt(text, from, separator)).toEqual(expected);
        expect(isPortRangeAt(text, from, separator)).toBe(expected !== undefined);
        if (from === 0) expect(parsePortRange(text, separator)).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('hostV4', () => {
  it('reads "a.b.c.d" and "a.b.c.d/32" as parseCidr does, and nothing else', () => {
    fc.assert(
      fc.property(ADDRESS_TEXT, (text) => {
        const value = hostV4(text);
        const cidr = parseCidr(text);
        if (value !== -1) expect(cidr).toEqual({ family: 4, network: BigInt(value), prefixLen: 32 });
        // Left to parseCidr only in forms iptables-save does not print.
        else if (cidr?.family === 4 && cidr.prefixLen === 32) expect(text).toMatch(/\/0|\s/);
      }),
      { numRuns: 3000 },
    );
    expect(hostV4('10.96.0.10/32')).toBe(0x0a60000a);
    expect(hostV4('10.96.0.10')).toBe(0x0a60000a);
    expect(hostV4('10.96.0.0/24')).toBe(-1);
    expect(hostV4('10.96.0.10/032')).toBe(-1);
  });
});

describe('natTargetV4', () => {
  it('reads the address parseNatAddress reads, where it reads one', () => {
    fc.assert(
      fc.property(ADDRESS_TEXT, (text) => {
        const value = natTargetV4(text);
        if (value === undefined) return;
        const parsed = parseNatAddress(text);
        expect(parsed?.address).toEqual({ family: 4, network: BigInt(value), prefixLen: 32 });
      }),
      { numRuns: 3000 },
    );
    expect(natTargetV4('10.244.3.73:8080')).toBe(0x0af40349);
    expect(natTargetV4('10.244.3.73:8080-8081')).toBe(0x0af40349);
    expect(natTargetV4('10.244.3.73:99999')).toBeUndefined();
  });
});

describe('isLoopbackAddress', () => {
  const LOOPBACK: Cidr[] = [parseCidr('127.0.0.0/8') as Cidr, parseCidr('::1/128') as Cidr];

  it('is rangeContains(127.0.0.0/8 or ::1/128, the block)', () => {
    const blocks = [
      ...['127.0.0.1', '127.255.255.255', '128.0.0.0', '126.255.255.255', '127.0.0.0/8', '127.0.0.0/7', '127.1.0.0/16', '0.0.0.0/0', '10.0.0.1'],
      ...['::1', '::2', '::/0', '::1/127', '::1/128', 'fd00::1'],
    ].map((text) => parseCidr(text, text.includes(':') ? 6 : 4) as Cidr);
    for (const block of blocks) {
      const expected = rangeContains(LOOPBACK[block.family === 4 ? 0 : 1] as Cidr, block);
      expect(isLoopbackAddress(block), `${block.network}/${block.prefixLen}`).toBe(expected);
    }
  });
});
