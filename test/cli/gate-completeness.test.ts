/**
 * Issue 11, point 14: nothing checked is not a pass. An audit in which no rule could run exits 2 with one
 * message; --strict also fails on any skipped rule, any unreadable source and any parser note that dropped
 * input; without --strict, skips stay visible in the report and the exit code follows the findings.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/engine/types.js';
import { makeSnapshot } from '../helpers/snapshot.js';
import { dockerHostCopy, errorLines, IPTABLES_L, tempDir, writeJson } from './gate-inputs.js';
import { cli, DOCKER_HOST, rel, TEST_RULES } from './run.js';

const dir = tempDir('complete');
const HOST = rel(DOCKER_HOST);
const RULES = ['--rules', rel(TEST_RULES)];

describe('an audit in which nothing was checked', () => {
  it('an empty folder: exit 2, one message, no report', async () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const run = await cli(['audit', empty, '--fail-on', 'none']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^netaudit: ${empty}: nothing was checked: all \\d+ rules were skipped, because namespace host: ip-addr not collected \\(no ip-addr\\.json or ip-addr\\.txt in ${empty}\\); `));
  });

  it('wrong file names: exit 2, one message after the notes on the names', async () => {
    const wrong = path.join(dir, 'wrong-names');
    mkdirSync(wrong);
    writeFileSync(path.join(wrong, 'sysctl.txt'), 'net.ipv4.ip_forward = 1\n');
    writeFileSync(path.join(wrong, 'ip_link.json'), '[]\n');
    const run = await cli(['audit', wrong, '--format', 'json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`netaudit: note: ${wrong}: ${path.join(wrong, 'sysctl.txt')}: not a known raw-output file name, ignored`);
    expect(errorLines(run.stderr)).toHaveLength(1);
    expect(errorLines(run.stderr)[0]).toMatch(new RegExp(`^netaudit: ${wrong}: nothing was checked: `));
  });

  it('a non-root collection with every source denied: exit 2, the reason once', async () => {
    const denied = { status: 'failed' as const, reason: 'permission denied' };
    const snapshot = writeJson(
      path.join(dir, 'denied.json'),
      makeSnapshot({ sysctl: denied, 'ip-link': denied, 'ip-addr': denied, 'ip-route': denied, 'iptables-save': denied, 'brctl-show': denied, 'ss-tlnp': denied }),
    );
    const run = await cli(['audit', snapshot, '--fail-on', 'none']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(errorLines(run.stderr)).toHaveLength(1);
    expect(errorLines(run.stderr)[0]).toMatch(/nothing was checked: all \d+ rules were skipped, because .*namespace host: sysctl failed \(permission denied\)/);
    expect(errorLines(run.stderr)[0]!.split('sysctl failed (permission denied)')).toHaveLength(2);
  });

  it('only skipped rules selected: exit 2', async () => {
    const run = await cli(['audit', HOST, '--only', 'sysctl-drift', '--fail-on', 'none']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`netaudit: ${HOST}: nothing was checked: the one rule selected was skipped, because persisted sysctl files (/etc/sysctl.conf, /etc/sysctl.d) not collected (no sysctl.d/ in ${HOST})\n`);
  });
});

describe('--strict', () => {
  it('fails on a skipped rule, naming the rules and why; without it the skip is in the report and the run passes', async () => {
    // eth0's MTU can be checked; sysctl-drift needs the persisted sysctl files the fixture lacks, the netns
    // rules a namespace other than the host's.
    const args = [HOST, ...RULES, '--only', 'test-warning-mtu', '--only', 'sysctl-drift', '--only', 'netns-default-route-missing', '--only', 'netns-gateway-mismatch'];
    const relaxed = await cli(['audit', ...args, '--format', 'json', '--fail-on', 'none']);
    expect(relaxed.code).toBe(0);
    expect(relaxed.stderr).toBe('');
    expect((JSON.parse(relaxed.stdout) as AuditResult).skipped.map((s) => s.ruleId)).toEqual(['netns-default-route-missing', 'netns-gateway-mismatch', 'sysctl-drift']);
    const text = await cli(['audit', ...args, '--fail-on', 'none']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('rule sysctl-drift skipped: persisted sysctl files');

    const strict = await cli(['audit', ...args, '--format', 'json', '--fail-on', 'none', '--strict']);
    expect(strict.code).toBe(2);
    expect(JSON.parse(strict.stdout)).toEqual(JSON.parse(relaxed.stdout));
    expect(strict.stderr).toBe(
      `netaudit: --strict: ${HOST}: 2 rules skipped (netns-default-route-missing, netns-gateway-mismatch): no namespace other than the host's was collected (collect with --netns all)\n` +
        `netaudit: --strict: ${HOST}: rule skipped (sysctl-drift): persisted sysctl files (/etc/sysctl.conf, /etc/sysctl.d) not collected (no sysctl.d/ in ${HOST})\n`,
    );
  });

  it('fails on an unreadable source (which fails without it too)', async () => {
    const input = dockerHostCopy(dir, 'unreadable', { 'iptables-save.txt': IPTABLES_L });
    for (const extra of [[], ['--strict']]) {
      const run = await cli(['audit', input, ...RULES, '--only', 'test-warning-mtu', '--only', 'forward-drop-without-accept', '--fail-on', 'none', ...extra]);
      expect(run.code, extra.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^netaudit: unreadable source, its rules were skipped: .*iptables-save\.txt: line 1: /m);
    }
  });

  it('fails on a parser note that dropped input, not on one that only tolerated something', async () => {
    const dropped = dockerHostCopy(dir, 'dropped', { 'sysctl-a.txt': `${readFixture('sysctl-a.txt')}garbage from the terminal\n` });
    const tolerated = dockerHostCopy(dir, 'tolerated', { 'sysctl-a.txt': `${readFixture('sysctl-a.txt')}sysctl: permission denied on key 'fs.protected_regular'\n` });
    const args = [...RULES, '--only', 'test-warning-mtu', '--fail-on', 'none'];

    const relaxed = await cli(['audit', dropped, ...args]);
    expect(relaxed.code).toBe(0);
    expect(relaxed.stderr).toMatch(/^netaudit: note: .*sysctl: line \d+: not a "key = value" line, skipped: garbage from the terminal$/m);

    const strict = await cli(['audit', dropped, ...args, '--strict']);
    expect(strict.code).toBe(2);
    expect(errorLines(strict.stderr)).toEqual([expect.stringMatching(new RegExp(`^netaudit: --strict: ${dropped}: input dropped: sysctl: line \\d+: not a "key = value" line, skipped: garbage from the terminal$`))]);

    const noted = await cli(['audit', tolerated, ...args, '--strict']);
    expect(noted.stderr).toMatch(/^netaudit: note: .*sysctl error message skipped/m);
    expect(noted.code).toBe(0);
  });

  it('leaves the exit code to the findings when everything was checked', async () => {
    expect((await cli(['audit', HOST, ...RULES, '--only', 'test-error-syncookies', '--strict'])).code).toBe(1);
    const run = await cli(['audit', HOST, ...RULES, '--only', 'test-warning-mtu', '--strict']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });
});

function readFixture(name: string): string {
  return readFileSync(path.join(DOCKER_HOST, name), 'utf8');
}
