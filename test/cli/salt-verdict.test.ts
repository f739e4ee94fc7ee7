/**
 * The salt format's verdict when an input of several could not be audited: the command exits 2, so Salt fails
 * the state, and the comment must say why, never "passed" on the inputs that were audited.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, PROJECT_ROOT } from './run.js';

const GOOD = path.join(PROJECT_ROOT, 'fixtures/rules/iface-forwarding-disabled/pass');
const MISSING = path.join(PROJECT_ROOT, 'fixtures/rules/no-such-snapshot.json');

describe('salt verdict with a bad input among several', () => {
  it('fails the state and names the input that could not be audited (exit 2, one JSON object)', async () => {
    const run = await cli(['audit', GOOD, MISSING, '--format', 'salt', '--fail-on', 'error']);
    expect(run.code).toBe(2);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
    const state = JSON.parse(run.stdout);
    expect(state.result).toBe(false);
    expect(state.comment).toMatch(/^netaudit FAILED \(fail on error\) on .*pass: 0 errors, .*; NOT verified: .*no-such-snapshot\.json/);
    expect(state.comment).not.toContain('passed');
    expect(state.problems).toHaveLength(1);
  });
});
