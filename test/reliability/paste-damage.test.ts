/**
 * Bug reports arrive damaged: Windows line endings, a byte-order mark, the shell prompt and the command
 * pasted above the output and a prompt below it, bytes that are not UTF-8 in comments. Every rule's failing
 * fixture, damaged each of these ways, must give the same findings as the clean one (evidence lines move
 * only by the lines pasted above an output).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import type { Finding } from '../../src/engine/types.js';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

const FIXTURES = path.join(PROJECT_ROOT, 'fixtures/rules');
const work = mkdtempSync(path.join(tmpdir(), 'netaudit-damage-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let catalog: RuleCatalog;
beforeAll(async () => {
  catalog = await loadRuleCatalog();
});

type Damage = (file: string, bytes: Buffer) => Buffer;

const PROMPT_ABOVE = (file: string) => `root@web-01:~# sudo ${path.basename(file).replace(/\.(txt|json)$/, '')} # pasted\n`;

const DAMAGES: Record<string, { damage: Damage; linesAbove: number }> = {
  'CRLF line endings': { damage: (_f, b) => Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'), linesAbove: 0 },
  'a UTF-8 byte-order mark': { damage: (_f, b) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]), linesAbove: 0 },
  'a prompt and the command above, a prompt below': {
    damage: (f, b) => Buffer.concat([Buffer.from(PROMPT_ABOVE(f)), b, Buffer.from(`${b.at(-1) === 10 ? '' : '\n'}root@web-01:~# \n`)]),
    linesAbove: 1,
  },
  'bytes that are not UTF-8 in a trailing comment': {
    damage: (f, b) => (f.endsWith('.txt') && !f.endsWith('ss-tlnp.txt') ? Buffer.concat([b, Buffer.from(b.at(-1) === 10 ? '' : '\n'), Buffer.from([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0xff, 0x0a])]) : b),
    linesAbove: 0,
  },
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

function key(f: Finding, shift: (source: string) => number): string {
  return JSON.stringify([f.ruleId, f.subject, f.evidence.map((e) => `${e.source}:${e.line + shift(e.source)}`)]);
}

async function findings(dir: string): Promise<Finding[]> {
  const loaded = await loadInput(dir);
  return (await runAudit(buildHost(loaded.snapshot), catalog, { input: dir })).findings;
}

const ruleIds = readdirSync(FIXTURES).filter((id) => !readdirSync(path.join(FIXTURES, id, 'fail')).includes('snapshot.json'));

describe.each(Object.entries(DAMAGES))('fixtures pasted with %s', (name, { damage, linesAbove }) => {
  it.each(ruleIds)('%s: the same findings as the clean fixture', async (id) => {
    const clean = path.join(FIXTURES, id, 'fail');
    const damaged = path.join(work, name.replace(/\W+/g, '-'), id);
    cpSync(clean, damaged, { recursive: true });
    for (const file of files(damaged)) {
      // Persisted sysctl files and the file sources under files/ are copies of files, not pasted command output.
      if (file.includes(`${path.sep}sysctl.d${path.sep}`) || file.includes(`${path.sep}files${path.sep}`)) continue;
      writeFileSync(file, damage(file, readFileSync(file)));
    }
    // Every pasted output gains the line above it; the copied files (evidence labelled by their path) were not pasted.
    const shift = (source: string) => (source.startsWith('/') || /^netns:[^/]+\/[^/]+\//.test(source) ? 0 : linesAbove);
    const expected = (await findings(clean)).map((f) => key(f, shift)).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect((await findings(damaged)).map((f) => key(f, () => 0)).sort()).toEqual(expected);
  });
});
