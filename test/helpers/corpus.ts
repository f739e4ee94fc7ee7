/**
 * The real-world corpus. Its files whose licences allow redistribution are vendored in fixtures/corpus
 * (listed with origin and licence in its sources.tsv and SOURCES.md); the others stay in the shared corpus
 * beside the checkout (../shared/corpus, or the folder NETAUDIT_CORPUS names) and are listed in
 * fixtures/corpus/not-vendored.tsv. Tests read the vendored files always and the shared ones too where
 * present, each file once; a test that needs a file found in neither skips and says where it comes from.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = path.resolve(here, '../..');

export const VENDORED_CORPUS_DIR = path.join(PROJECT_ROOT, 'fixtures', 'corpus');
const DEFAULT_SHARED_CORPUS = '../shared/corpus';
export const SHARED_CORPUS_DIR = process.env.NETAUDIT_CORPUS ?? path.resolve(PROJECT_ROOT, DEFAULT_SHARED_CORPUS);
export const sharedCorpusPresent = existsSync(SHARED_CORPUS_DIR);

export const CORPUS_KINDS = ['iptables', 'nft', 'sysctl', 'ip-json', 'bridge'] as const;

/** One row of fixtures/corpus/sources.tsv or not-vendored.tsv, by column name. */
export type CorpusSource = Record<'kind' | 'file' | 'repo' | 'path' | 'commit' | 'license', string> & Record<string, string>;

export function readCorpusList(name: 'sources.tsv' | 'not-vendored.tsv'): CorpusSource[] {
  const [header = '', ...rows] = readFileSync(path.join(VENDORED_CORPUS_DIR, name), 'utf8').split('\n').filter((line) => line !== '');
  const columns = header.split('\t');
  return rows.map((row) => Object.fromEntries(row.split('\t').map((cell, i) => [columns[i] ?? `column ${i + 1}`, cell])) as CorpusSource);
}

export const VENDORED = readCorpusList('sources.tsv');
export const NOT_VENDORED = readCorpusList('not-vendored.tsv');
const notVendored = new Set(NOT_VENDORED.map((s) => `${s.kind}/${s.file}`));

function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => statSync(path.join(dir, f)).isFile());
}

const located = new Map<string, Map<string, string>>();

/** Name → path of every file of a kind; a vendored file wins over its (byte-identical) shared copy. */
function locate(kind: string): Map<string, string> {
  let files = located.get(kind);
  if (!files) {
    files = new Map();
    for (const dir of [path.join(VENDORED_CORPUS_DIR, kind), path.join(SHARED_CORPUS_DIR, kind)]) {
      for (const name of filesIn(dir)) if (!files.has(name)) files.set(name, path.join(dir, name));
    }
    located.set(kind, files);
  }
  return files;
}

/** Files of one corpus kind found here (vendored, plus the shared corpus where present), sorted, as [name, path]. */
export function corpusFiles(kind: string): [string, string][] {
  return [...locate(kind)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function readCorpus(kind: string, name: string): string {
  const file = locate(kind).get(name);
  if (file === undefined) throw new Error(`corpus file ${kind}/${name} is neither in ${VENDORED_CORPUS_DIR} nor in ${SHARED_CORPUS_DIR}`);
  return readFileSync(file, 'utf8');
}

/** The names of a kind a test must find: every vendored file, and the others where the shared corpus is present. */
export function expectedCorpusFiles(kind: string): string[] {
  const listed = [...VENDORED, ...(sharedCorpusPresent ? NOT_VENDORED : [])];
  return listed
    .filter((s) => s.kind === kind)
    .map((s) => s.file)
    .sort();
}

const WHERE_FROM =
  'not vendored (licence forbids redistribution: see fixtures/corpus/SOURCES.md); ' +
  `put the corpus at ${DEFAULT_SHARED_CORPUS} (or set NETAUDIT_CORPUS to its folder) to run them`;

/** What the shared corpus would add here: '' where it is present, else how many files and where they come from. */
export const CORPUS_SKIP_REASON = sharedCorpusPresent ? '' : `${NOT_VENDORED.length} files of the shared corpus ${WHERE_FROM}`;

let warned = false;

/**
 * Why a test needing these files of one kind cannot run here, or '' when it can; the first skip of a test
 * file also says so on stderr, where the default reporter shows it. A name listed nowhere is a mistake in
 * the test, not a reason to skip.
 */
export function missingCorpus(kind: string, ...names: string[]): string {
  const missing = names.filter((name) => !locate(kind).has(name));
  for (const name of missing) {
    if (!notVendored.has(`${kind}/${name}`)) throw new Error(`corpus file ${kind}/${name} is not in fixtures/corpus/sources.tsv nor not-vendored.tsv`);
  }
  if (missing.length === 0) return '';
  if (!warned) console.warn(`SKIP: tests that need ${CORPUS_SKIP_REASON || `files missing from ${SHARED_CORPUS_DIR}`}`);
  warned = true;
  const files = missing.map((name) => `${kind}/${name}`).join(', ');
  return sharedCorpusPresent ? `${files} missing from the shared corpus at ${SHARED_CORPUS_DIR}` : `needs ${files}, ${WHERE_FROM}`;
}

/** Skips the running test, with where the files come from, unless every named file can be read. */
export function skipWithoutCorpus(ctx: TestContext, kind: string, ...names: string[]): void {
  const reason = missingCorpus(kind, ...names);
  if (reason !== '') ctx.skip(reason);
}
