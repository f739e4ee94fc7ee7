/**
 * The built binary (`npm run build` first; `npm test` does): exit codes, stdout/stderr separation.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { specForServices } from '../../src/bench/gen/cluster.js';
import { generateNode, writeSnapshot } from '../../src/bench/gen/node.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary, BINARY, DOCKER_HOST, rel, TEST_RULES } from './run.js';

const HOST = rel(DOCKER_HOST);
const RULES = rel(TEST_RULES);
const built = existsSync(BINARY);
if (!built) console.warn(`SKIP: ${rel(BINARY)} not built (run npm run build)`);

describe.skipIf(!built)('netaudit binary', () => {
  it('exits 1 on a finding at the threshold and 0 below it, report on stdout only', () => {
    const fail = binary(['audit', HOST, '--rules', RULES, '--only', 'test-warning-mtu', '--fail-on', 'warning']);
    expect(fail.code, fail.stderr).toBe(1);
    expect(fail.stdout).toContain('[warning] test-warning-mtu on interface eth0');
    const pass = binary(['audit', HOST, '--rules', RULES, '--only', 'test-warning-mtu']);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/1 warning, 0 info; 1 rule on \d+ subjects; 0 rules skipped\n$/);
  });

  it('has no colour when stdout is not a terminal', () => {
    const run = binary(['audit', HOST, '--rules', RULES, '--only', 'test-error-syncookies']);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('bad input: one message on stderr, nothing on stdout, exit 2', () => {
    const run = binary(['audit', 'no/such/input.json', '--format', 'salt']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^netaudit: .*no\/such\/input\.json/)]);
  });

  describe('a large output through a pipe', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-binary-'));
    const node = path.join(dir, 'node.json');
    beforeAll(() => writeSnapshot(node, generateNode(specForServices(300)).snapshot));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('is written out in full before the binary exits', () => {
      // Far more than a pipe holds (64 KiB): the rest is written while the reader drains it.
      const run = spawnSync(process.execPath, [BINARY, 'show', node, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.length).toBeGreaterThan(1_000_000);
      expect(() => JSON.parse(run.stdout)).not.toThrow();
    });

    it('to a reader that stops early (| head): no error, exit 0', async () => {
      const child = spawn(process.execPath, [BINARY, 'show', node, '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).toBe('');
      expect(code).toBe(0);
    });
  });

  it('unknown rule id: exit 2', () => {
    const run = binary(['audit', HOST, '--only', 'no-such-rule']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });

  it('salt: stdout is one JSON object', () => {
    const run = binary(['audit', HOST, '--rules', RULES, '--only', 'test-info-somaxconn', '--format', 'salt', '--fail-on', 'info']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ changed: false, result: false });
  });
});
