/**
 * The Salt integration's own tests (integrations/salt/tests, Python unittest, no Salt needed): the execution
 * and state modules loaded as Salt's loader loads them, run against the built CLI and real snapshots. Run
 * here so that `npm test` covers them; skipped, visibly, where python3 is missing.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from '../e2e/netaudit.js';
import { PROJECT_ROOT } from '../cli/run.js';

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const hasPython = python.status === 0;
if (!hasPython) console.warn('SKIP Salt module tests: python3 is not installed (integrations/salt/tests need it)');

describe.skipIf(!hasPython)('Salt modules (python3 -m unittest, integrations/salt/tests)', () => {
  it('pass their unit tests without Salt installed', () => {
    ensureBuilt();
    const run = spawnSync('python3', ['-m', 'unittest', '-v', 'test_netaudit'], {
      cwd: path.join(PROJECT_ROOT, 'integrations/salt/tests'),
      encoding: 'utf8',
      env: { ...process.env, NETAUDIT_CLI: path.join(PROJECT_ROOT, 'dist/cli/main.js'), NETAUDIT_NODE: process.execPath, PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 120_000,
    });
    // unittest reports on stderr: the whole of it when something fails.
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/\nRan (\d+) tests in [\d.]+s\n\nOK\n/);
    expect(Number(/Ran (\d+) tests/.exec(run.stderr)?.[1])).toBeGreaterThanOrEqual(13);
  });
});
