import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/engine/types.js';
import { cli, DOCKER_HOST, rel, TEST_RULES } from './run.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'netaudit-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HOST = rel(DOCKER_HOST);
const RULES = rel(TEST_RULES);
const ERROR_RULE = 'test-error-syncookies';
const WARNING_RULE = 'test-warning-mtu';
const INFO_RULE = 'test-info-somaxconn';

/** Audit the Docker host fixture with only the given test rules. */
function audit(only: string[], ...extra: string[]) {
  return cli(['audit', HOST, '--rules', RULES, ...only.flatMap((id) => ['--only', id]), ...extra]);
}

function expectOneErrorLine(run: { stdout: string; stderr: string }, pattern: RegExp): void {
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^netaudit: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe('netaudit audit: exit codes', () => {
  it.each([
    [ERROR_RULE, 'error', 1],
    [ERROR_RULE, 'warning', 1],
    [ERROR_RULE, 'info', 1],
    [ERROR_RULE, 'none', 0],
    [WARNING_RULE, 'error', 0],
    [WARNING_RULE, 'warning', 1],
    [WARNING_RULE, 'info', 1],
    [WARNING_RULE, 'none', 0],
    [INFO_RULE, 'error', 0],
    [INFO_RULE, 'warning', 0],
    [INFO_RULE, 'info', 1],
    [INFO_RULE, 'none', 0],
  ])('a finding of %s with --fail-on %s exits %i', async (rule, failOn, expected) => {
    const run = await audit([rule], '--fail-on', failOn);
    expect(run.code, run.stderr).toBe(expected);
    expect(run.stdout).toContain(`${rule} on`);
  });

  it('fails on errors by default', async () => {
    expect((await audit([ERROR_RULE])).code).toBe(1);
    expect((await audit([WARNING_RULE])).code).toBe(0);
  });
});

describe('netaudit audit: rule selection', () => {
  it('--only runs just the named rules, --disable removes rules', async () => {
    const all = await audit([ERROR_RULE, WARNING_RULE, INFO_RULE], '--format', 'json');
    const ids = (run: typeof all) => [...new Set((JSON.parse(run.stdout) as AuditResult).findings.map((f) => f.ruleId))].sort();
    expect(ids(all)).toEqual([ERROR_RULE, INFO_RULE, WARNING_RULE]);
    const disabled = await audit([ERROR_RULE, WARNING_RULE, INFO_RULE], '--format', 'json', '--disable', ERROR_RULE);
    expect(ids(disabled)).toEqual([INFO_RULE, WARNING_RULE]);
    expect(disabled.code).toBe(0);
  });

  it('rejects an unknown rule id in --only or --disable with exit 2', async () => {
    expectOneErrorLine(await audit(['no-such-rule']), /unknown rule id "no-such-rule" in --only/);
    expectOneErrorLine(await cli(['audit', HOST, '--disable', 'no-such-rule']), /"no-such-rule" in --disable/);
  });
});

describe('netaudit audit: reports', () => {
  it('quotes the evidence lines of the input in the JSON report', async () => {
    const run = await audit([ERROR_RULE, WARNING_RULE], '--format', 'json');
    const report = JSON.parse(run.stdout) as AuditResult;
    expect(report.schema).toBe('netaudit/report@1');
    expect(report.input).toBe(HOST);
    const syncookies = report.findings.find((f) => f.ruleId === ERROR_RULE);
    expect(syncookies?.subject).toEqual({ kind: 'host', name: 'host', namespace: 'host' });
    expect(syncookies?.evidence).toEqual([{ source: 'sysctl', line: 29, text: 'net.ipv4.tcp_syncookies = 0' }]);
    const mtu = report.findings.filter((f) => f.ruleId === WARNING_RULE);
    expect(mtu.map((f) => f.subject.name)).toEqual(['eth0']);
    expect(mtu[0]?.message).toBe('eth0 has MTU 9001');
  });

  it('points SARIF results of a raw-output directory at the raw file and line', async () => {
    const run = await audit([ERROR_RULE], '--format', 'sarif');
    const result = JSON.parse(run.stdout).runs[0].results[0];
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe(`${HOST}/sysctl-a.txt`);
    expect(result.locations[0].physicalLocation.region.startLine).toBe(29);
  });

  it('prints exactly one JSON object for Salt, logs only on stderr', async () => {
    const run = await audit([ERROR_RULE], '--format', 'salt');
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
    const state = JSON.parse(run.stdout);
    expect(state).toMatchObject({ changed: false, result: false });
    expect(state.comment).toContain('netaudit FAILED');
    expect(run.code).toBe(1);
  });

  it('writes junit with passes included', async () => {
    const run = await audit([WARNING_RULE], '--format', 'junit', '--fail-on', 'none');
    expect(run.stdout).toMatch(/^<\?xml/);
    expect(run.stdout).toContain('<testcase classname="test-warning-mtu" name="interface eth0"');
    expect(run.stdout).toContain('<testcase classname="test-warning-mtu" name="interface docker0"');
  });

  it('writes the report to --output and nothing to stdout', async () => {
    const file = path.join(tmp, 'report.json');
    const run = await audit([ERROR_RULE], '--format', 'json', '--output', file);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(1);
    expect((JSON.parse(readFileSync(file, 'utf8')) as AuditResult).findings[0]?.ruleId).toBe(ERROR_RULE);
  });

  it('gives several inputs one JSON line each', async () => {
    const run = await cli(['audit', HOST, HOST, '--rules', RULES, '--only', INFO_RULE, '--format', 'json']);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect((JSON.parse(line) as AuditResult).findings[0]?.ruleId).toBe(INFO_RULE);
  });

  it('colours text only on a terminal without NO_COLOR', async () => {
    expect((await cli(['audit', HOST, '--rules', RULES, '--only', ERROR_RULE], { isTTY: true })).stdout).toContain('\u001b[');
    expect((await cli(['audit', HOST, '--rules', RULES, '--only', ERROR_RULE], { isTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
    expect((await audit([ERROR_RULE])).stdout).not.toContain('\u001b[');
  });
});

describe('netaudit audit: notes', () => {
  it('shows what the loader tolerated on stderr, leaving the report and exit code alone', async () => {
    const dir = path.join(tmp, 'pasted');
    cpSync(DOCKER_HOST, dir, { recursive: true });
    writeFileSync(path.join(dir, 'notes-from-the-ticket.txt'), 'the container cannot reach the internet\n');
    const run = await cli(['audit', dir, '--rules', RULES, '--only', WARNING_RULE]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^netaudit: note: .*notes-from-the-ticket\.txt: not a known raw-output file name, ignored/m);
    expect(run.stdout).not.toContain('notes-from-the-ticket');
    expect(run.stdout).toContain('[warning] test-warning-mtu on interface eth0');
  });
});

describe('netaudit audit: bad input', () => {
  it('a missing input: one message naming it, exit 2, nothing on stdout', async () => {
    const run = await cli(['audit', 'no/such/snapshot.json']);
    expect(run.code).toBe(2);
    expectOneErrorLine(run, /no\/such\/snapshot\.json/);
  });

  it('a broken snapshot: one message naming the file, exit 2, nothing on stdout', async () => {
    const file = path.join(tmp, 'broken.json');
    writeFileSync(file, '{"schema": "netaudit/snapshot@1", "meta": {');
    const run = await cli(['audit', file]);
    expect(run.code).toBe(2);
    expectOneErrorLine(run, /broken\.json/);
  });

  it('one bad input among good ones: the good one is reported, the bad one named on stderr, exit 2', async () => {
    const run = await cli(['audit', HOST, 'no/such/dir', '--rules', RULES, '--only', INFO_RULE, '--format', 'json', '--fail-on', 'none']);
    expect(run.code).toBe(2);
    // Several inputs give JSON Lines, one report a line, even when only one of them could be audited.
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0] ?? '') as AuditResult;
    expect(report.input).toBe(HOST);
    expect(report.findings.map((f) => f.ruleId)).toEqual([INFO_RULE]);
    expect(run.stderr).toBe('netaudit: no/such/dir: cannot read: no such file or directory\n');
  });

  it('a bad rule directory: exit 2 naming the file', async () => {
    const dir = path.join(tmp, 'bad-rules');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'broken-rule.json'), '{"id": "broken-rule", "severity": "fatal"}');
    const run = await cli(['audit', HOST, '--rules', dir]);
    expect(run.code).toBe(2);
    expectOneErrorLine(run, /broken-rule\.json/);
  });

  it('an unknown format or threshold is a usage error: exit 2, nothing on stdout', async () => {
    for (const args of [['--format', 'xml'], ['--fail-on', 'critical']]) {
      const run = await cli(['audit', HOST, ...args]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/error: option/);
    }
  });
});
