/**
 * Issue 11, point 16: one bad input among many (a fleet gate audits fifty snapshots) no longer discards the
 * others: every good input is reported, each bad one gets its message on stderr, the exit code is 2.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/engine/types.js';
import { dockerHostCopy, errorLines, tempDir } from './gate-inputs.js';
import { cli, DOCKER_HOST, rel, TEST_RULES } from './run.js';

const dir = tempDir('fleet');
const HOST = rel(DOCKER_HOST);
const RULES = ['--rules', rel(TEST_RULES), '--only', 'test-error-syncookies', '--only', 'test-info-somaxconn'];
const second = dockerHostCopy(dir, 'web-02');
const missing = path.join(dir, 'web-03.json');
const broken = path.join(dir, 'web-04.json');
writeFileSync(broken, '{"schema": "netaudit/snapshot@1", "meta": {');
const empty = path.join(dir, 'web-05');
mkdirSync(empty);
const FLEET = [HOST, missing, second, broken, empty];

function expectBadInputsNamed(stderr: string): void {
  const lines = errorLines(stderr);
  expect(lines).toHaveLength(3);
  expect(lines[0]).toBe(`netaudit: ${missing}: cannot read: no such file or directory`);
  expect(lines[1]).toMatch(new RegExp(`^netaudit: ${broken}: `));
  expect(lines[2]).toMatch(new RegExp(`^netaudit: ${empty}: nothing was checked: `));
}

describe('several inputs, some bad', () => {
  it('json: one line per good input, each bad one named on stderr, exit 2', async () => {
    const run = await cli(['audit', ...FLEET, ...RULES, '--format', 'json', '--fail-on', 'none']);
    expect(run.code).toBe(2);
    const reports = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as AuditResult);
    expect(reports.map((r) => r.input)).toEqual([HOST, second]);
    for (const r of reports) expect(r.findings.map((f) => f.ruleId)).toEqual(['test-error-syncookies', 'test-info-somaxconn']);
    expectBadInputsNamed(run.stderr);
  });

  it('text: a report per good input and their total; exit 2 outranks the findings\' 1', async () => {
    const run = await cli(['audit', ...FLEET, ...RULES]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`netaudit report for ${HOST}\n`);
    expect(run.stdout).toContain(`netaudit report for ${second}\n`);
    expect(run.stdout).toMatch(/^Total over 2 inputs: 2 errors, /m);
    for (const bad of [missing, broken, empty]) expect(run.stdout).not.toContain(bad);
    expectBadInputsNamed(run.stderr);
  });

  it('sarif: one run per good input', async () => {
    const run = await cli(['audit', ...FLEET, ...RULES, '--format', 'sarif']);
    expect(run.code).toBe(2);
    const log = JSON.parse(run.stdout) as { runs: { results: { ruleId: string }[] }[] };
    expect(log.runs).toHaveLength(2);
    for (const r of log.runs) expect(r.results.map((x) => x.ruleId).sort()).toEqual(['test-error-syncookies', 'test-info-somaxconn']);
  });

  it('only bad inputs: no report at all, every one named, exit 2', async () => {
    const run = await cli(['audit', missing, broken, ...RULES, '--format', 'json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(errorLines(run.stderr)).toHaveLength(2);
  });

  it('netaudit baseline: the baseline of the good inputs is written, the bad ones named, exit 2', async () => {
    const file = path.join(dir, 'fleet-baseline.json');
    const run = await cli(['baseline', HOST, missing, second, ...RULES, '-o', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `netaudit: baseline of 2 finding(s) from 2 input(s) written to ${file}\n` + `netaudit: ${missing}: cannot read: no such file or directory\n`,
    );
    const baseline = JSON.parse(readFileSync(file, 'utf8')) as { findings: { ruleId: string }[] };
    expect(baseline.findings.map((f) => f.ruleId)).toEqual(['test-error-syncookies', 'test-info-somaxconn']);
  });
});
