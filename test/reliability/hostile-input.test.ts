/**
 * Hostile or oversized input through the whole CLI: exit 2 with one message for what cannot be read, and
 * reports of bounded size when an evidence line is enormous (a 5 MB comment must not become a 5 MB report).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPORT_TEXT_MAX } from '../../src/report/index.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { cli } from '../cli/run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile snapshots', () => {
  it('200,000 levels of nesting: exit 2, one message, nothing on stdout', async () => {
    const file = path.join(dir, 'deep.json');
    writeFileSync(file, `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    const run = await cli(['audit', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('deep.json');
  });

  it('"__proto__" keys: refused with the JSON path, nothing polluted', async () => {
    const file = path.join(dir, 'proto.json');
    writeFileSync(file, '{"schema":"netaudit/snapshot@1","__proto__":{"polluted":true}}');
    const run = await cli(['show', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('/__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('an enormous evidence line', () => {
  const input = path.join(dir, 'huge-comment');
  cpSync(path.join(PROJECT_ROOT, 'fixtures/rules/masquerade-missing/fail'), input, { recursive: true });
  const iptables = path.join(input, 'iptables-save.txt');
  const comment = `-m comment --comment "${'x'.repeat(5 * 1024 * 1024)}" -j MASQUERADE`;
  writeFileSync(iptables, readFileSync(iptables, 'utf8').replace('-j MASQUERADE', comment));

  for (const format of ['json', 'sarif', 'junit', 'text']) {
    it(`${format}: the finding is there, its evidence clipped`, async () => {
      const run = await cli(['audit', input, '--format', format]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('masquerade-missing');
      expect(run.stdout).toMatch(/more characters\)/);
      // The same report of the fixture as it was (its size grows with the catalog: SARIF describes every rule), plus clipped lines.
      const plain = await cli(['audit', path.join(PROJECT_ROOT, 'fixtures/rules/masquerade-missing/fail'), '--format', format]);
      expect(run.stdout.length).toBeLessThan(plain.stdout.length + 20 * REPORT_TEXT_MAX);
    });
  }
});
