/**
 * The shared real-world corpus lives beside the checkout (../shared/corpus) and is never copied into
 * the project (licences vary). Tests that need it skip with a visible reason where it is absent.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = path.resolve(here, '../..');

export const CORPUS_DIR = process.env.NETAUDIT_CORPUS ?? path.resolve(PROJECT_ROOT, '../shared/corpus');

export const corpusAvailable = existsSync(CORPUS_DIR);

export const CORPUS_SKIP_REASON = `real-world corpus not found at ${CORPUS_DIR} (set NETAUDIT_CORPUS to its folder)`;

if (!corpusAvailable) {
  // Visible in every test run that imports this module.
  console.warn(`SKIP: ${CORPUS_SKIP_REASON}`);
}

/** Files of one corpus kind (iptables, sysctl, ip-json, bridge, nft), sorted, as [name, absolute path]. */
export function corpusFiles(kind: string): [string, string][] {
  const dir = path.join(CORPUS_DIR, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .sort()
    .map((f) => [f, path.join(dir, f)]);
}

export function readCorpus(kind: string, name: string): string {
  return readFileSync(path.join(CORPUS_DIR, kind, name), 'utf8');
}
