/**
 * Captures a layout's ruleset from the kernel as parser fixtures (test/parse/fixtures/nft/lab/): `nft list
 * ruleset`, `nft -a list ruleset` and `nft -j list ruleset`, taken in the lab's host namespace right after
 * loading (counters still 0). Only when NETAUDIT_CAPTURE_NFT_FIXTURES=1: the saved files are what the parser
 * tests read, and a new kernel or nft version is a deliberate recapture, not a side effect of a test run.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import type { Lab } from './lab.js';

export const LAB_FIXTURE_DIR = path.join(PROJECT_ROOT, 'test', 'parse', 'fixtures', 'nft', 'lab');
export const captureRequested = process.env.NETAUDIT_CAPTURE_NFT_FIXTURES === '1';

/** The three listings of the host namespace's ruleset, by fixture file suffix. */
export function listRuleset(lab: Lab): Record<'nft' | 'nft-a.txt' | 'json', string> {
  return {
    nft: lab.exec('host', ['nft', 'list', 'ruleset']).stdout,
    'nft-a.txt': lab.exec('host', ['nft', '-a', 'list', 'ruleset']).stdout,
    json: lab.exec('host', ['nft', '-j', 'list', 'ruleset']).stdout,
  };
}

export function captureFixtures(lab: Lab, id: string): void {
  for (const [suffix, text] of Object.entries(listRuleset(lab))) writeFileSync(path.join(LAB_FIXTURE_DIR, `${id}.${suffix}`), text);
}
