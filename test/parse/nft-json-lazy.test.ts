/**
 * The model's lazy read of `nft -j list ruleset` (NftJsonOptions.lateNotes): rules kept as their place in
 * the text and made on first use, elements found by nft's own separators. It must give the same ruleset,
 * the same notes (late ones once the rules are read) and, for a rule that turns out malformed, an error at
 * its line when it is read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeferredParseError, ParseError } from '../../src/errors.js';
import type { ParseNote } from '../../src/parse/common.js';
import { parseNftJson } from '../../src/parse/nft-json.js';
import type { NftRuleset } from '../../src/parse/nft-types.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'nft');
const fixtures = [
  ...readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f)),
  ...readdirSync(path.join(dir, 'lab')).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, 'lab', f)),
];

/** Every rule read (statements and text), as `show` and `--strict-parse` do. */
function readAll(ruleset: NftRuleset): void {
  for (const t of ruleset.tables) for (const c of t.chains) for (const r of c.rules) void [r.statements, r.text];
}

function both(text: string): { eager: ReturnType<typeof parseNftJson>; lazy: ReturnType<typeof parseNftJson>; late: ParseNote[] } {
  const eager = parseNftJson({ source: 'nft-ruleset', text });
  const late: ParseNote[] = [];
  const lazy = parseNftJson({ source: 'nft-ruleset', text }, { lateNotes: late });
  return { eager, lazy, late };
}

const byText = (notes: readonly ParseNote[]) => notes.map((n) => `${n.line} ${n.message}`).sort();

/** nft's own compact form of a document (one line, `": "` and `", "`), as `nft -j list ruleset` prints it. */
function nftPrinted(doc: unknown): string {
  return `${JSON.stringify(doc, null, 1).replace(/\n\s*/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']').replace(/\{ /g, '{').replace(/ \}/g, '}')}\n`;
}

describe('the lazy read of nft -j list ruleset', () => {
  it('gives the same ruleset and notes as the full parse, for every fixture', () => {
    expect(fixtures.length).toBeGreaterThan(10);
    for (const file of fixtures) {
      const { eager, lazy, late } = both(readFileSync(file, 'utf8'));
      readAll(lazy.value);
      expect(JSON.stringify(lazy.value), file).toBe(JSON.stringify(eager.value));
      expect(byText([...lazy.notes, ...late]), file).toEqual(byText(eager.notes));
    }
  });

  it('keeps the rules of nft\'s own layout for later, and reads pretty-printed JSON the same way', () => {
    const text = readFileSync(path.join(dir, 'kube-proxy.json'), 'utf8');
    const late: ParseNote[] = [];
    const lazy = parseNftJson({ source: 'nft-ruleset', text }, { lateNotes: late });
    const rules = lazy.value.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
    // Kept for later: the statements are not own data yet (a getter makes them).
    expect(rules.length).toBeGreaterThanOrEqual(20);
    expect(rules.every((r) => !Object.hasOwn(r, 'statements'))).toBe(true);
    const pretty = JSON.stringify(JSON.parse(text), null, 2);
    const again = both(pretty);
    readAll(again.lazy.value);
    expect(JSON.stringify(again.lazy.value)).toBe(JSON.stringify(again.eager.value));
  });

  it('reads any comment, table and chain name the same way, whatever they hold', () => {
    const base = JSON.parse(readFileSync(path.join(dir, 'docker-bridges.json'), 'utf8')) as { nftables: Record<string, Record<string, unknown>>[] };
    const tricky = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('}}, {"rule": {"family": "ip", "table": "x"', '"quoted"', 'back\\slash', 'tab\there', 'new\nline', 'é ☃ \u2028', ']}}', '{"xt": 1}'),
    );
    fc.assert(
      fc.property(fc.array(tricky, { minLength: 1, maxLength: 6 }), (comments) => {
        const doc = structuredClone(base);
        let k = 0;
        for (const el of doc.nftables) {
          const rule = el['rule'];
          if (rule && k < comments.length) rule['comment'] = comments[k++];
        }
        const { eager, lazy, late } = both(nftPrinted(doc));
        readAll(lazy.value);
        expect(JSON.stringify(lazy.value)).toBe(JSON.stringify(eager.value));
        expect(byText([...lazy.notes, ...late])).toEqual(byText(eager.notes));
      }),
      { numRuns: 150 },
    );
  });

  it('a rule holding an xt statement is read at once: its table is iptables-nft\'s', () => {
    const { eager, lazy } = both(readFileSync(path.join(dir, 'iptables-nft.json'), 'utf8'));
    const managed = (r: NftRuleset) => r.tables.filter((t) => t.managedBy === 'iptables-nft').map((t) => `${t.family} ${t.name}`);
    expect(managed(eager.value).length).toBeGreaterThan(0);
    expect(managed(lazy.value)).toEqual(managed(eager.value));
  });

  it('a malformed rule is an error at its line when it is read, as the full parse refuses the whole', () => {
    const text = readFileSync(path.join(dir, 'lab', 'docker-nftables.json'), 'utf8');
    const at = text.indexOf('"op": "=="', text.indexOf('{"rule"'));
    const broken = `${text.slice(0, at)}"op" "=="${text.slice(at + '"op": "=="'.length)}`;
    expect(() => parseNftJson({ source: 'nft-ruleset', text: broken })).toThrow(ParseError);
    const lazy = parseNftJson({ source: 'nft-ruleset', text: broken }, { lateNotes: [] });
    const rules = lazy.value.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
    const errors = rules.flatMap((r) => {
      try {
        void r.statements;
        return [];
      } catch (err) {
        return [err];
      }
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DeferredParseError);
    expect((errors[0] as DeferredParseError).describe()).toMatch(/^nft-ruleset: line 1: invalid JSON at \/nftables\/\d+: /);
  });

  it('a rule nested past the limit is an error when read, never a stack overflow', () => {
    const text = readFileSync(path.join(dir, 'netavark.json'), 'utf8');
    const deep = `${'{"concat": ['.repeat(80)}1${']}'.repeat(80)}`;
    const bomb = text.replace('"expr": [', `"expr": [{"match": {"op": "==", "left": ${deep}, "right": 1}}, `);
    const lazy = parseNftJson({ source: 'nft-ruleset', text: bomb }, { lateNotes: [] });
    const rule = lazy.value.tables.flatMap((t) => t.chains.flatMap((c) => c.rules))[0]!;
    expect(() => rule.statements).toThrow(/nested deeper than 64 levels/);
    expect(() => parseNftJson({ source: 'nft-ruleset', text: bomb })).toThrow(/nested deeper than 64 levels/);
  });

  it('a truncated document is refused at once, as by the full parse', () => {
    const text = readFileSync(path.join(dir, 'kube-proxy.json'), 'utf8');
    for (const cut of [0.3, 0.6, 0.95]) {
      const truncated = text.slice(0, Math.floor(text.length * cut));
      expect(() => parseNftJson({ source: 'nft-ruleset', text: truncated }, { lateNotes: [] })).toThrow(ParseError);
    }
  });
});
