/**
 * Mutation testing over the real corpus: truncate, duplicate, reorder and corrupt lines of real dumps.
 * Each mutant must either parse (tolerated damage is fine) or fail with the parser's own error,
 * located at its source and, where the damage is on a line, that line. Nothing else may escape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import type { ParseInput } from '../../src/parse/common.js';
import { parseBrctlShow } from '../../src/parse/brctl.js';
import { parseBridgeLink } from '../../src/parse/bridge-json.js';
import { parseIpAddr, parseIpLink, parseIpRoute } from '../../src/parse/ip-json.js';
import { parseIptablesSave } from '../../src/parse/iptables-save.js';
import { parseSysctl } from '../../src/parse/sysctl.js';
import { parseNftJson } from '../../src/parse/nft-json.js';
import { parseNftText } from '../../src/parse/nft-text.js';
import { expectScanAgrees } from './iptables-helpers.js';
import { CORPUS_KINDS, corpusFiles, readCorpus } from '../helpers/corpus.js';
import { mutate, mutation } from '../helpers/mutate-lines.js';

type Parser = (input: ParseInput) => unknown;

function parserFor(kind: string, name: string, text: string): Parser {
  if (kind === 'iptables') return parseIptablesSave;
  if (kind === 'nft') return text.trimStart().startsWith('{') ? parseNftJson : parseNftText;
  if (kind === 'sysctl') return parseSysctl;
  if (kind === 'bridge') return name.includes('brctl') || name.includes('linuxbridges') ? parseBrctlShow : parseBridgeLink;
  if (/route(?!2)/i.test(name)) return (input) => parseIpRoute(input, /ROUTE6|-6-/.test(name) ? 6 : 4);
  return text.includes('addr_info') ? parseIpAddr : parseIpLink;
}


describe('parsers under mutation of real dumps', () => {
  const files = CORPUS_KINDS.flatMap((kind) => corpusFiles(kind).map(([name]) => [kind, name] as const));
  const MUTANTS_PER_FILE = 25;

  it.each(files)(`%s/%s: ${MUTANTS_PER_FILE} mutants parse or fail with a located ParseError`, (kind, name) => {
    const text = readCorpus(kind, name);
    const lines = text.split('\n');
    const parse = parserFor(kind, name, text);
    const source = `${kind}/${name}`;
    fc.assert(
      fc.property(mutation, (m) => {
        const mutant = mutate(lines, m);
        if (kind === 'iptables' || kind === 'nft') expectScanAgrees(mutant, source);
        try {
          parse({ source, text: mutant });
        } catch (err) {
          if (!(err instanceof ParseError)) throw new Error(`${m.kind}: escaped ${String(err)}`);
          expect(err.location.source).toBe(source);
          // A refusal of JSON may be about the whole document; text parsers always name a line.
          if (kind === 'iptables' || kind === 'sysctl') expect(err.location.line, err.message).toBeGreaterThan(0);
        }
      }),
      { numRuns: MUTANTS_PER_FILE, seed: 20261125 },
    );
  });
});
