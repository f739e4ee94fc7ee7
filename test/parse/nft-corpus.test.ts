/**
 * The real-world nft corpus (fixtures/corpus/nft, and ../shared/corpus/nft where present): every file
 * reads as nft text with nothing dropped, and its mutants parse or fail with a located ParseError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNftText } from '../../src/parse/nft-text.js';
import { corpusFiles, readCorpus } from '../helpers/corpus.js';
import { expectOnlyParseError } from './arbitrary-text.js';

const files = corpusFiles('nft').map(([name]) => name);

describe('nft corpus', () => {
  it.each(files)('%s: tables, chains and rules, nothing dropped', (name) => {
    const r = parseNftText({ source: `nft/${name}`, text: readCorpus('nft', name) });
    expect(r.value.tables.length).toBeGreaterThan(0);
    expect(r.value.tables.every((t) => t.chains.length > 0)).toBe(true);
    expect(r.notes.filter((n) => n.dropped)).toEqual([]);
    for (const t of r.value.tables) for (const c of t.chains) for (const rule of c.rules) expect(rule.line).toBeGreaterThan(0);
  });

  it.each(files)('%s: mutants parse or fail with a located ParseError', (name) => {
    const lines = readCorpus('nft', name).split('\n');
    const source = `nft/${name}`;
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.string({ unit: 'binary', maxLength: 12 }), fc.nat(), (at, off, junk, cut) => {
        const out = [...lines];
        const i = at % out.length;
        const l = out[i]!;
        out[i] = l.slice(0, off % (l.length + 1)) + junk + l.slice(off % (l.length + 1));
        expectOnlyParseError(source, () => parseNftText({ source, text: out.join('\n') }));
        expectOnlyParseError(source, () => parseNftText({ source, text: lines.slice(0, cut % lines.length).join('\n') }));
      }),
      { numRuns: 50, seed: 20261207 },
    );
  });
});
