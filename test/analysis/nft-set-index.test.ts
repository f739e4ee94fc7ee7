/**
 * Named sets read through their index (single values hashed, prefixes and ranges kept apart) answer as the
 * element-by-element pass does: yes when an element holds the value, else maybe when one cannot be read,
 * else no; a dynamic set never says no.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidateEntries, holds, type Actual } from '../../src/analysis/path/nft-match.js';
import { parseAddress } from '../../src/model/net.js';
import { parseNftText } from '../../src/parse/nft-text.js';
import type { NftTable, NftValue } from '../../src/parse/nft-types.js';
import type { Tri } from '../../src/analysis/netfilter/tri.js';

function table(text: string): NftTable {
  return parseNftText({ source: 'inline.nft', text }).value.tables[0]!;
}

const addr4 = (text: string): Actual => ({ t: 'num', kind: 'addr4', v: parseAddress(text)!.value });
const port = (n: number): Actual => ({ t: 'num', kind: 'port', v: BigInt(n) });
const ref = (name: string): NftValue => ({ kind: 'ref', name });

/** The pass the index stands in for. */
function elementwise(a: Actual, t: NftTable, name: string): Tri {
  const set = t.sets.find((s) => s.name === name)!;
  let out: Tri = 'no';
  for (const e of set.elements) {
    const h = holds(a, e.key, t);
    if (h === 'yes') return 'yes';
    if (h === 'maybe') out = 'maybe';
  }
  return out;
}

const T = table(`table ip t {
  set ips { type ipv4_addr; flags interval; elements = { 10.96.0.1, 10.96.0.10, 192.168.0.0/16, 10.1.0.1-10.1.0.9 } }
  set ports { type inet_service; elements = { 22, https, 8000-8080 } }
  set odd { type inet_service; elements = { 22, no-such-service } }
  set seen { type ipv4_addr; flags dynamic,timeout; elements = { 10.0.0.1 } }
  set empty { type ipv4_addr; }
}`);

describe('named sets of literals, read through an index', () => {
  it('single addresses, prefixes and ranges', () => {
    expect(holds(addr4('10.96.0.10'), ref('ips'), T)).toBe('yes');
    expect(holds(addr4('10.96.0.2'), ref('ips'), T)).toBe('no');
    expect(holds(addr4('192.168.44.1'), ref('ips'), T)).toBe('yes');
    expect(holds(addr4('10.1.0.5'), ref('ips'), T)).toBe('yes');
    expect(holds(addr4('10.1.0.10'), ref('ips'), T)).toBe('no');
  });

  it('service names, an element that cannot be read, dynamic and empty sets', () => {
    expect(holds(port(443), ref('ports'), T)).toBe('yes');
    expect(holds(port(8042), ref('ports'), T)).toBe('yes');
    expect(holds(port(80), ref('ports'), T)).toBe('no');
    expect(holds(port(22), ref('odd'), T)).toBe('yes');
    expect(holds(port(23), ref('odd'), T)).toBe('maybe');
    expect(holds(addr4('10.0.0.2'), ref('seen'), T)).toBe('maybe');
    expect(holds(addr4('10.0.0.1'), ref('seen'), T)).toBe('yes');
    expect(holds(addr4('10.0.0.1'), ref('empty'), T)).toBe('no');
  });

  it('answers as the element-by-element pass for any value, asked in any order', () => {
    const value = fc.oneof(
      fc.constantFrom('10.96.0.1', '10.96.0.10', '192.168.0.0', '192.168.255.255', '10.1.0.1', '10.1.0.9', '10.1.0.10', '0.0.0.0').map(addr4),
      fc.integer({ min: 0, max: 0xffffffff }).map((n): Actual => ({ t: 'num', kind: 'addr4', v: BigInt(n) })),
      fc.integer({ min: 0, max: 65535 }).map(port),
      fc.constantFrom(22, 23, 443, 7999, 8000, 8080, 8081).map(port),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(value, fc.constantFrom('ips', 'ports', 'odd', 'seen', 'empty')), { maxLength: 20 }), (asks) => {
        for (const [a, name] of asks) {
          const expected = elementwise(a, T, name);
          const set = T.sets.find((s) => s.name === name)!;
          const dynamic = set.flags.includes('dynamic') || set.flags.includes('timeout');
          expect(holds(a, ref(name), T)).toBe(expected === 'no' && dynamic ? 'maybe' : expected);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('map entries that may hold a value (candidateEntries)', () => {
  const M = table(`table ip t {
  map svc { type ipv4_addr . inet_proto . inet_service : verdict; elements = { 10.96.0.10 . tcp . 53 : goto a, 10.96.0.10 . udp . 53 : goto b, 10.96.0.1 . tcp . https : goto c, 10.96.0.0/16 . tcp . 80 : goto d, 10.96.0.7 . tcp . no-such-service : goto e, 10.96.0.10 . tcp . 53 : goto f } }
}`);
  const entries = M.sets[0]!.elements.map((e) => ({ key: e.key, value: e.value! }));
  const tuple = (address: string, proto: number, p: number): Actual => ({ t: 'tuple', parts: [addr4(address), { t: 'num', kind: 'proto', v: BigInt(proto) }, port(p)] });

  /** The entries the one-by-one pass would not rule out, in map order. */
  const notRuledOut = (a: Actual): number[] => entries.flatMap((e, i) => (holds(a, e.key, M) === 'no' ? [] : [i]));

  it('are the exact keys and the keys that are not plain values, in map order', () => {
    expect(candidateEntries(entries, tuple('10.96.0.10', 6, 53))).toEqual([0, 3, 4, 5]);
    expect(candidateEntries(entries, tuple('10.96.0.1', 6, 443))).toEqual([2, 3, 4]);
    expect(candidateEntries(entries, tuple('192.0.2.1', 17, 53))).toEqual([3, 4]);
  });

  it('never leave out an entry the one-by-one pass finds', () => {
    const addresses = ['10.96.0.10', '10.96.0.1', '10.96.0.7', '10.96.1.2', '192.0.2.1'];
    fc.assert(
      fc.property(fc.constantFrom(...addresses), fc.constantFrom(6, 17), fc.constantFrom(53, 80, 443, 8080), (address, proto, p) => {
        const a = tuple(address, proto, p);
        const candidates = candidateEntries(entries, a)!;
        for (const i of notRuledOut(a)) expect(candidates).toContain(i);
        expect([...candidates].sort((x, y) => x - y)).toEqual(candidates);
      }),
    );
  });

  it('leave a value that is not numbers to the one-by-one pass', () => {
    expect(candidateEntries(entries, { t: 'str', kind: 'ifname', v: 'eth0' } as Actual)).toBeUndefined();
  });
});
