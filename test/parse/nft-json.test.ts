/**
 * `nft -j list ruleset`: evidence lines in compact and pretty output, and hostile JSON structures that
 * leave notes (with their JSON path) rather than crash.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseNftJson } from '../../src/parse/nft-json.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'nft');
const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');

describe('nft -j list ruleset', () => {
  it('compact output: every element on line 1, rules quoted in nft syntax', () => {
    const r = parseNftJson({ source: 'nft-ruleset', text: read('netavark.json') });
    const post = r.value.tables[0]!.chains.find((c) => c.name === 'POSTROUTING')!;
    expect(post.line).toBe(1);
    expect(post.text).toBe('chain POSTROUTING { type nat hook postrouting priority 100; policy accept; }');
    expect(post.rules[0]).toMatchObject({ line: 1, text: 'meta mark & 8192 == 8192 meta mark set meta mark & 4294959103 masquerade' });
    expect(r.notes).toEqual([]);
  });

  it('pretty output (jq): the line where each element starts', () => {
    const doc = JSON.parse(read('docker-bridges.json')) as { nftables: unknown[] };
    const text = JSON.stringify(doc, null, 2);
    const r = parseNftJson({ source: 'nft-ruleset', text });
    const lines = text.split('\n');
    const rules = r.value.tables[0]!.chains.flatMap((c) => c.rules);
    expect(rules.length).toBeGreaterThan(5);
    for (const rule of rules) expect(lines[rule.line]).toMatch(/^\s+"rule": \{/);
    expect(r.value.tables[0]!.line).toBe(lines.findIndex((l) => l.includes('"table": {')));
  });

  it('a broken document fails at its line; a wrong structure names the JSON path', () => {
    const text = read('docker-bridges.json').replace('"expr": [', '"expr": [,');
    expect(() => parseNftJson({ source: 's', text })).toThrow(ParseError);
    expect(() => parseNftJson({ source: 's', text: '{"nftables": {"table": 1}}' })).toThrow(/\/nftables/);
    const r = parseNftJson({ source: 's', text: '{"nftables": [{"table": {"family": "ip", "name": "t"}}, {"rule": {"family": "ip", "table": "t", "chain": "c", "expr": []}}, 7]}' });
    expect(r.notes.map((n) => n.message)).toEqual([
      '/nftables/1: rule of chain c, which is not listed before it; skipped',
      '/nftables/2: the number 7, not an object; skipped',
    ]);
    expect(r.notes.every((n) => n.dropped && n.line === 1)).toBe(true);
  });

  it('unknown statements and expressions are kept as text with a note', () => {
    const text = JSON.stringify({
      nftables: [
        { table: { family: 'inet', name: 't' } },
        { chain: { family: 'inet', table: 't', name: 'c', type: 'filter', hook: 'input', prio: 0, policy: 'drop' } },
        { rule: { family: 'inet', table: 't', chain: 'c', expr: [{ limit: { rate: 10, per: 'second' } }, { match: { op: '==', left: { osf: { key: 'name' } }, right: 'Linux' } }, { accept: null }] } },
      ],
    });
    const r = parseNftJson({ source: 's', text });
    const rule = r.value.tables[0]!.chains[0]!.rules[0]!;
    expect(rule.statements.map((s) => s.kind)).toEqual(['unknown', 'match', 'verdict']);
    expect(rule.text).toBe('{"limit":{"rate":10,"per":"second"}} {"osf":{"key":"name"}} Linux accept');
    expect(r.notes).toHaveLength(2);
    expect(r.notes.some((n) => n.dropped)).toBe(false);
  });

  it('element lines: brackets, commas, quotes and backslashes inside strings are not structure', () => {
    const tricky = ['a "quoted" [name], {x}', 'ends with a backslash \\', '\\"', 'line\nbreak', ''];
    const doc = {
      nftables: [
        { table: { family: 'ip', name: 't' } },
        { chain: { family: 'ip', table: 't', name: 'c', type: 'filter', hook: 'input', prio: 0, policy: 'accept' } },
        ...tricky.map((comment) => ({ rule: { family: 'ip', table: 't', chain: 'c', comment, expr: [{ accept: null }] } })),
      ],
    };
    const text = JSON.stringify(doc, null, 2);
    const lines = text.split('\n');
    const r = parseNftJson({ source: 'nft-ruleset', text });
    const rules = r.value.tables[0]!.chains[0]!.rules;
    expect(rules.map((rule) => rule.comment)).toEqual(tricky);
    for (const rule of rules) expect(lines[rule.line - 1]).toMatch(/^\s+\{$/);
    expect(lines[rules[0]!.line]).toMatch(/^\s+"rule": \{/);
    expect(r.notes).toEqual([]);
  });

  it('nesting deeper than the limit fails at its line, brackets inside strings not counted', () => {
    const deep = `${'['.repeat(70)}${']'.repeat(70)}`;
    const text = `{"nftables": [\n{"table": {"family": "ip", "name": "t"}},\n${deep}]}`;
    expect(() => parseNftJson({ source: 's', text })).toThrow(/nested deeper than 64/);
    try {
      parseNftJson({ source: 's', text });
    } catch (e) {
      expect((e as ParseError).location).toEqual({ source: 's', line: 3 });
    }
    const inString = `{"nftables": [{"table": {"family": "ip", "name": "${'['.repeat(70)}"}}]}`;
    expect(parseNftJson({ source: 's', text: inString }).value.tables[0]!.name).toBe('['.repeat(70));
  });

  it("rules go to the first chain of their name in their own table", () => {
    const text = JSON.stringify({
      nftables: [
        { table: { family: 'ip', name: 't' } },
        { table: { family: 'ip6', name: 't' } },
        { chain: { family: 'ip', table: 't', name: 'c' } },
        { chain: { family: 'ip', table: 't', name: 'c' } },
        { chain: { family: 'ip6', table: 't', name: 'c' } },
        { rule: { family: 'ip6', table: 't', chain: 'c', expr: [{ drop: null }] } },
        { rule: { family: 'ip', table: 't', chain: 'c', expr: [{ accept: null }] } },
        { rule: { family: 'ip', table: 't', expr: [{ accept: null }] } },
      ],
    });
    const r = parseNftJson({ source: 's', text });
    const [v4, v6] = r.value.tables;
    expect(v4!.chains.map((c) => c.rules.map((rule) => rule.text))).toEqual([['accept'], []]);
    expect(v6!.chains[0]!.rules.map((rule) => rule.text)).toEqual(['drop']);
    expect(r.notes.map((n) => n.message)).toEqual(['/nftables/7: rule of chain ?, which is not listed before it; skipped']);
  });

  it('any JSON inside {"nftables": [...]} gives a model and notes, never a crash', () => {
    const element = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ table: fc.record({ family: fc.constantFrom('ip', 'inet', 'x'), name: fc.constantFrom('t', 'u') }) }),
      fc.record({ chain: fc.record({ family: fc.constant('ip'), table: fc.constant('t'), name: fc.constant('c'), type: fc.jsonValue({ maxDepth: 1 }), prio: fc.jsonValue({ maxDepth: 1 }) }) }),
      fc.record({ rule: fc.record({ family: fc.constant('ip'), table: fc.constant('t'), chain: fc.constant('c'), expr: fc.array(fc.dictionary(fc.constantFrom('match', 'vmap', 'dnat', 'mangle', 'jump', 'reject', 'log', 'counter', 'xt', '&'), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 1 })) }) }),
      fc.record({ map: fc.record({ family: fc.constant('ip'), table: fc.constant('t'), name: fc.constant('m'), type: fc.jsonValue({ maxDepth: 2 }), map: fc.jsonValue({ maxDepth: 1 }), elem: fc.jsonValue({ maxDepth: 4 }) }) }),
    );
    fc.assert(
      fc.property(fc.array(element, { maxLength: 8 }), (els) => {
        const r = parseNftJson({ source: 's', text: JSON.stringify({ nftables: [{ table: { family: 'ip', name: 't' } }, { chain: { family: 'ip', table: 't', name: 'c' } }, ...els] }) });
        for (const t of r.value.tables) for (const c of t.chains) for (const rule of c.rules) expect(typeof rule.text).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
});
