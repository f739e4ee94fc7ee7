/**
 * Generated rulesets rendered in nft's text syntax parse back to the model they were rendered from.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clippedPrefix } from '../../src/parse/common.js';
import { renderRuleset } from '../../src/parse/nft-render.js';
import { parseNftText } from '../../src/parse/nft-text.js';
import type { NftBaseChain, NftChain, NftExpr, NftFamily, NftRule, NftRuleset, NftStatement, NftTable, NftValue } from '../../src/parse/nft-types.js';

const lower = 'abcdefghijklmnopqrstuvwxyz';
const ident = fc
  .tuple(fc.constantFrom(...lower.split('')), fc.string({ unit: fc.constantFrom(...`${lower}ABCXYZ0123456789_-`.split('')), maxLength: 12 }))
  .map(([a, b]) => a + b);
const ifname = fc.string({ unit: fc.constantFrom(...`${lower}0123456789.-*`.split('')), minLength: 1, maxLength: 10 });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const num = fc.nat(65535).map((value): NftValue => ({ kind: 'number', value }));
const addr: fc.Arbitrary<NftValue> = fc.oneof(
  ipv4.map((value): NftValue => ({ kind: 'string', value })),
  fc.tuple(ipv4, fc.integer({ min: 1, max: 32 })).map(([a, len]): NftValue => ({ kind: 'prefix', addr: a, len })),
  fc.tuple(fc.nat(0xffff), fc.integer({ min: 1, max: 128 })).map(([h, len]): NftValue => ({ kind: 'prefix', addr: `fd00:${h.toString(16)}::`, len })),
  ident.map((name): NftValue => ({ kind: 'ref', name })),
);
const op = fc.constantFrom('==' as const, '!=' as const);

const match: fc.Arbitrary<NftStatement> = fc.oneof(
  fc.record({ kind: fc.constant('match' as const), left: fc.constantFrom<NftExpr>({ kind: 'payload', protocol: 'ip', field: 'saddr' }, { kind: 'payload', protocol: 'ip', field: 'daddr' }), op, right: addr }),
  fc.record({
    kind: fc.constant('match' as const),
    left: fc.constantFrom<NftExpr>({ kind: 'payload', protocol: 'tcp', field: 'dport' }, { kind: 'payload', protocol: 'th', field: 'sport' }),
    op: fc.constantFrom('==' as const, '!=' as const, '<' as const, '>=' as const),
    right: fc.oneof(num, fc.array(num, { minLength: 1, maxLength: 4 }).map((items): NftValue => ({ kind: 'set', items })), fc.tuple(num, num).map(([from, to]): NftValue => ({ kind: 'range', from, to }))),
  }),
  fc.record({
    kind: fc.constant('match' as const),
    left: fc.constantFrom<NftExpr>({ kind: 'meta', key: 'iifname' }, { kind: 'meta', key: 'oifname' }),
    op,
    right: ifname.map((value): NftValue => ({ kind: 'string', value })),
  }),
  fc.record({
    kind: fc.constant('match' as const),
    left: fc.constant<NftExpr>({ kind: 'ct', key: 'state' }),
    op: fc.constant('in' as const),
    right: fc.oneof(
      fc.constantFrom('new', 'invalid', 'untracked').map((value): NftValue => ({ kind: 'string', value })),
      fc.constant<NftValue>({ kind: 'set', items: [{ kind: 'string', value: 'established' }, { kind: 'string', value: 'related' }] }),
    ),
  }),
  fc.record({
    kind: fc.constant('match' as const),
    left: fc.nat(0xffff).map((m): NftExpr => ({ kind: 'binop', op: '&', left: { kind: 'meta', key: 'mark' }, right: { kind: 'number', value: m } })),
    op,
    right: num,
  }),
  fc.constant<NftStatement>({ kind: 'match', left: { kind: 'fib', flags: ['daddr'], result: 'type' }, op: '==', right: { kind: 'string', value: 'local' } }),
);

const other: fc.Arbitrary<NftStatement> = fc.oneof(
  fc.constant<NftStatement>({ kind: 'counter' }),
  fc.tuple(fc.nat(1e9), fc.nat(1e12)).map(([packets, bytes]): NftStatement => ({ kind: 'counter', packets, bytes })),
  fc.record({ kind: fc.constant('log' as const), prefix: fc.string({ maxLength: 12 }).filter((p) => !/[\\"\n\r]/.test(p)) }),
  fc.nat(0xffff).map((v): NftStatement => ({ kind: 'set', target: { kind: 'meta', key: 'mark' }, value: { kind: 'number', value: v } })),
);

const last: fc.Arbitrary<NftStatement> = fc.oneof(
  fc.constantFrom('accept' as const, 'drop' as const, 'return' as const, 'continue' as const).map((kind): NftStatement => ({ kind: 'verdict', verdict: { kind } })),
  fc.tuple(fc.constantFrom('jump' as const, 'goto' as const), ident).map(([kind, target]): NftStatement => ({ kind: 'verdict', verdict: { kind, target } })),
  fc.constant<NftStatement>({ kind: 'verdict', verdict: { kind: 'reject', with: 'icmpx admin-prohibited' } }),
  fc.constant<NftStatement>({ kind: 'nat', nat: 'masquerade' }),
  fc.tuple(ipv4, fc.integer({ min: 1, max: 65535 })).map(([a, p]): NftStatement => ({ kind: 'nat', nat: 'dnat', addr: { kind: 'string', value: a }, port: { kind: 'number', value: p } })),
  fc.tuple(fc.constantFrom('ip' as const, 'ip6' as const), ipv4).map(([family, a]): NftStatement => ({ kind: 'nat', nat: 'snat', family, addr: { kind: 'string', value: a } })),
  ident.map((name): NftStatement => ({ kind: 'vmap', key: { kind: 'meta', key: 'oifname' }, map: { kind: 'ref', name } })),
);

const rule: fc.Arbitrary<NftRule> = fc
  .tuple(fc.array(match, { maxLength: 3 }), fc.array(other, { maxLength: 2 }), fc.option(last, { nil: undefined }), fc.option(fc.string({ maxLength: 15 }).filter((c) => !/[\\"\n\r]/.test(c)), { nil: undefined }), fc.option(fc.nat(1000), { nil: undefined }))
  .filter(([m, o, l]) => m.length + o.length > 0 || l !== undefined)
  .map(([m, o, l, comment, handle]) => {
    const r: NftRule = { line: 0, text: '', statements: [...m, ...o, ...(l ? [l] : [])] };
    if (comment !== undefined) r.comment = comment;
    if (handle !== undefined) r.handle = handle;
    return r;
  });

const base: fc.Arbitrary<NftBaseChain> = fc.record({
  type: fc.constantFrom('filter' as const, 'nat' as const, 'route' as const),
  hook: fc.constantFrom('prerouting', 'input', 'forward', 'output', 'postrouting'),
  priority: fc.integer({ min: -400, max: 400 }),
  policy: fc.constantFrom('accept' as const, 'drop' as const),
});

const chain: fc.Arbitrary<NftChain> = fc.record({ name: ident, base: fc.option(base, { nil: undefined }), rules: fc.array(rule, { maxLength: 5 }) }).map((c) => {
  const out: NftChain = { name: c.name, line: 0, text: '', rules: c.rules };
  if (c.base) out.base = c.base;
  return out;
});

const table: fc.Arbitrary<NftTable> = fc
  .record({ family: fc.constantFrom<NftFamily>('ip', 'ip6', 'inet', 'bridge', 'netdev', 'arp'), name: ident, chains: fc.uniqueArray(chain, { selector: (c) => c.name, maxLength: 4 }), managed: fc.boolean() })
  .map((t) => {
    const out: NftTable = { family: t.family, name: t.name, line: 0, chains: t.chains, sets: [], flowtables: [], objects: [] };
    if (t.managed) out.managedBy = 'iptables-nft';
    return out;
  });

const ruleset: fc.Arbitrary<NftRuleset> = fc.uniqueArray(table, { selector: (t) => `${t.family} ${t.name}`, maxLength: 3 }).map((tables) => ({ tables }));

/** The model without positions and evidence texts. */
function bare(rs: NftRuleset): unknown {
  return JSON.parse(JSON.stringify(rs, (k, v: unknown) => (k === 'line' || k === 'text' ? undefined : v))) as unknown;
}

describe('nft text round trip', () => {
  it('generated rulesets rendered as text parse back to the same model, each rule at its own line', () => {
    fc.assert(
      fc.property(ruleset, (rs) => {
        const text = renderRuleset(rs);
        const parsed = parseNftText({ source: 'gen', text });
        expect(bare(parsed.value)).toEqual(bare(rs));
        expect(parsed.notes.filter((n) => n.dropped)).toEqual([]);
        const lines = text.split('\n');
        for (const t of parsed.value.tables) for (const c of t.chains) for (const r of c.rules) expect(lines[r.line - 1]?.trim().startsWith(clippedPrefix(r.text))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
