/**
 * fixtures/corpus holds real dumps under their own licences: its lists, its files, its licence texts and
 * its SOURCES.md must agree, no file may carry a licence that forbids redistribution, and the npm package
 * must not ship them.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CORPUS_KINDS,
  NOT_VENDORED,
  PROJECT_ROOT,
  SHARED_CORPUS_DIR,
  VENDORED,
  VENDORED_CORPUS_DIR,
  missingCorpus,
  sharedCorpusPresent,
  type CorpusSource,
} from '../helpers/corpus.js';

/** The licences whose terms allow the files in an MIT project's repository, each with its text in LICENSES/. */
const REDISTRIBUTABLE = ['MIT', 'BSD-2-Clause', 'Apache-2.0', 'GPL-2.0', 'GPL-3.0', 'CC-BY-SA-3.0'];

/** Non-commercial terms, no licence at all, or text whose author never licensed it. */
const FORBIDDEN = /\bNC\b|NonCommercial|non-commercial|no licen[cs]e|none visible|unlicensed|issue text|all rights reserved/i;

const key = (s: CorpusSource): string => `${s.kind}/${s.file}`;
const sourcesMd = readFileSync(path.join(VENDORED_CORPUS_DIR, 'SOURCES.md'), 'utf8');

function listedFiles(kind: string): string[] {
  const dir = path.join(VENDORED_CORPUS_DIR, kind);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('fixtures/corpus', () => {
  it('lists every vendored file once, and every listed file is there with the bytes it was copied with', () => {
    expect(VENDORED.length).toBeGreaterThan(0);
    expect(new Set(VENDORED.map(key)).size).toBe(VENDORED.length);
    for (const kind of CORPUS_KINDS) {
      expect(listedFiles(kind), kind).toEqual(
        VENDORED.filter((s) => s.kind === kind)
          .map((s) => s.file)
          .sort(),
      );
    }
    expect(readdirSync(VENDORED_CORPUS_DIR).filter((f) => !(CORPUS_KINDS as readonly string[]).includes(f)).sort()).toEqual([
      '.gitattributes',
      'LICENSES',
      'SOURCES.md',
      'not-vendored.tsv',
      'sources.tsv',
    ]);
    for (const s of VENDORED) {
      const bytes = readFileSync(path.join(VENDORED_CORPUS_DIR, s.kind, s.file));
      expect(createHash('sha256').update(bytes).digest('hex'), key(s)).toBe(s.sha256);
    }
  });

  it('names each file’s origin: repository, path, commit, licence and copyright holder', () => {
    for (const s of VENDORED) {
      expect(s.repo, key(s)).toMatch(/^[\w.-]+\/[\w.-]+/);
      expect(s.path, key(s)).not.toBe('');
      expect(s.commit, key(s)).toMatch(/^[0-9a-f]{40}$/);
      expect(s.copyright, key(s)).toMatch(/\S/);
      expect(sourcesMd, `SOURCES.md names ${key(s)}`).toContain(`\`${key(s)}\``);
    }
  });

  it('vendors no file whose licence is non-commercial, missing or the author’s own', () => {
    for (const s of VENDORED) {
      expect(s.license, key(s)).not.toMatch(FORBIDDEN);
      for (const id of s.license.split(' OR ')) {
        expect(REDISTRIBUTABLE, `${key(s)}: ${id}`).toContain(id);
        expect(existsSync(path.join(VENDORED_CORPUS_DIR, 'LICENSES', `${id}.txt`)), `LICENSES/${id}.txt`).toBe(true);
      }
    }
  });

  it('keeps the rest outside, each with its reason, named in SOURCES.md', () => {
    const vendored = new Set(VENDORED.map(key));
    for (const s of NOT_VENDORED) {
      expect(vendored.has(key(s)), key(s)).toBe(false);
      expect(s.reason, key(s)).toMatch(/\S/);
      expect(sourcesMd, `SOURCES.md names ${key(s)}`).toContain(`\`${key(s)}\``);
    }
    expect(NOT_VENDORED.filter((s) => FORBIDDEN.test(s.license)).length).toBe(NOT_VENDORED.length);
  });

  it('says where a file that is not vendored comes from, and refuses a name listed nowhere', () => {
    const [first] = NOT_VENDORED;
    expect(first).toBeDefined();
    const reason = missingCorpus(first!.kind, first!.file);
    if (sharedCorpusPresent) expect(reason).toBe('');
    else expect(reason).toMatch(/not vendored \(licence forbids redistribution: see fixtures\/corpus\/SOURCES\.md\); put the corpus at \.\.\/shared\/corpus/);
    expect(missingCorpus(VENDORED[0]!.kind, VENDORED[0]!.file)).toBe('');
    expect(() => missingCorpus('iptables', 'no-such-dump')).toThrow(/not in fixtures\/corpus\/sources\.tsv nor not-vendored\.tsv/);
  });

  it('is not in the npm package', () => {
    const { files } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { files?: string[] };
    expect(files, 'package.json lists what the package ships').toBeDefined();
    expect(files!.filter((f) => /^(\.\/)?fixtures(\/|$)|^\*/.test(f))).toEqual([]);
  });
});

describe.skipIf(!sharedCorpusPresent)(`the shared corpus${sharedCorpusPresent ? '' : ` (absent at ${SHARED_CORPUS_DIR})`}`, () => {
  const shared = (): CorpusSource[] => {
    // Unlike the vendored lists, the shared one has no header row.
    const rows = readFileSync(path.join(SHARED_CORPUS_DIR, 'sources.tsv'), 'utf8').split('\n').filter((l) => l !== '');
    return rows.map((row) => {
      const [kind = '', file = '', repo = '', filePath = '', commit = '', license = ''] = row.split('\t');
      return { kind, file, repo, path: filePath, commit, license };
    });
  };

  it('is split exactly into the vendored files and the others', () => {
    const all = shared().map(key).sort();
    expect([...VENDORED, ...NOT_VENDORED].map(key).sort()).toEqual(all);
  });

  it('holds the same bytes and a redistributable licence for every vendored file', () => {
    const origin = new Map(shared().map((s) => [key(s), s]));
    for (const s of VENDORED) {
      expect(readFileSync(path.join(SHARED_CORPUS_DIR, s.kind, s.file)).equals(readFileSync(path.join(VENDORED_CORPUS_DIR, s.kind, s.file))), key(s)).toBe(true);
      expect(origin.get(key(s))?.license, key(s)).not.toMatch(FORBIDDEN);
      expect(origin.get(key(s))?.commit, key(s)).toBe(s.commit);
    }
  });
});
