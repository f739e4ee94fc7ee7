/**
 * Issue 11, point 15: baselines and waivers. `netaudit baseline` writes the fingerprints of today's findings;
 * `audit --baseline` reports them as suppressed, not failing. Waivers (--waivers, and the .netaudit file
 * found from the working directory upward) accept findings by rule id and subject pattern with a required
 * reason and an optional expiry; an expired waiver stops suppressing and says so. JSON lists suppressed
 * findings under `suppressed` with the reason, SARIF as `suppressions`, text counts them.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/engine/types.js';
import { binaryIn, containerHost, errorLines, tempDir, writeJson } from './gate-inputs.js';
import { cli, DOCKER_HOST, rel, TEST_RULES } from './run.js';

const dir = tempDir('gate');
const HOST = rel(DOCKER_HOST);
/** The Docker host with two test rules: syncookies off (error, subject host) and eth0's MTU (warning). */
const RULES = ['--rules', rel(TEST_RULES), '--only', 'test-error-syncookies', '--only', 'test-warning-mtu'];
const HEX64 = /^[0-9a-f]{64}$/;

interface Baseline {
  schema: string;
  findings: { fingerprint: string; ruleId: string; namespace: string; subject: { kind: string; name: string }; message: string }[];
}

const json = (stdout: string) => JSON.parse(stdout) as AuditResult;
const ids = (findings: readonly { ruleId: string; subject: { name: string } }[]) => findings.map((f) => `${f.ruleId} ${f.subject.name}`);

describe('netaudit baseline', () => {
  it('writes the fingerprints of today\'s findings to -o, and says so on stderr', async () => {
    const file = path.join(dir, 'baseline.json');
    const run = await cli(['baseline', HOST, ...RULES, '-o', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`netaudit: baseline of 2 finding(s) from 1 input(s) written to ${file}\n`);
    const baseline = JSON.parse(readFileSync(file, 'utf8')) as Baseline;
    expect(baseline.schema).toBe('netaudit/baseline@1');
    expect(baseline.findings.map((f) => [f.ruleId, f.namespace, f.subject])).toEqual([
      ['test-error-syncookies', 'host', { kind: 'host', name: 'host' }],
      ['test-warning-mtu', 'host', { kind: 'interface', name: 'eth0' }],
    ]);
    for (const f of baseline.findings) expect(f.fingerprint).toMatch(HEX64);
  });

  it('prints the baseline on stdout without -o, the same as the file', async () => {
    const file = path.join(dir, 'same.json');
    await cli(['baseline', HOST, ...RULES, '-o', file]);
    const run = await cli(['baseline', HOST, ...RULES]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(readFileSync(file, 'utf8'));
    expect(run.stderr).toBe('netaudit: baseline of 2 finding(s) from 1 input(s) written to stdout\n');
  });
});

describe('audit --baseline', () => {
  it('reports the findings the baseline holds as suppressed, not failing', async () => {
    const file = path.join(dir, 'accepted.json');
    await cli(['baseline', HOST, ...RULES, '-o', file]);
    expect((await cli(['audit', HOST, ...RULES])).code).toBe(1);

    const run = await cli(['audit', HOST, ...RULES, '--baseline', file, '--format', 'json', '--fail-on', 'info']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const report = json(run.stdout);
    expect(report.findings).toEqual([]);
    expect(ids(report.suppressed)).toEqual(['test-error-syncookies host', 'test-warning-mtu eth0']);
    for (const f of report.suppressed) expect(f.suppression).toEqual({ kind: 'baseline', justification: `accepted in the baseline ${file}`, file });
    expect(report.summary).toMatchObject({ errors: 0, warnings: 0, infos: 0, suppressed: 2 });
  });

  it('fails on a finding the baseline does not hold', async () => {
    const file = path.join(dir, 'mtu-only.json');
    await cli(['baseline', HOST, '--rules', rel(TEST_RULES), '--only', 'test-warning-mtu', '-o', file]);
    const run = await cli(['audit', HOST, ...RULES, '--baseline', file, '--format', 'json']);
    expect(run.code).toBe(1);
    const report = json(run.stdout);
    expect(ids(report.findings)).toEqual(['test-error-syncookies host']);
    expect(ids(report.suppressed)).toEqual(['test-warning-mtu eth0']);
  });

  it('holds across collections of a host whose container restarted under another pid', async () => {
    const monday = writeJson(path.join(dir, 'monday.json'), containerHost(4242, ['nginx', 'tini']));
    const tuesday = writeJson(path.join(dir, 'tuesday.json'), containerHost(5151, ['tini', 'nginx']));
    const file = path.join(dir, 'container-baseline.json');
    const only = ['--only', 'netns-default-route-missing'];
    expect((await cli(['baseline', monday, ...only, '-o', file])).code).toBe(0);
    const baseline = JSON.parse(readFileSync(file, 'utf8')) as Baseline;
    expect(baseline.findings.map((f) => [f.namespace, f.subject])).toEqual([['container:nginx+tini', { kind: 'namespace', name: 'container:nginx+tini' }]]);

    const unsuppressed = await cli(['audit', tuesday, ...only, '--fail-on', 'warning', '--format', 'json']);
    expect(unsuppressed.code).toBe(1);
    expect(ids(json(unsuppressed.stdout).findings)).toEqual(['netns-default-route-missing pid:5151']);
    const run = await cli(['audit', tuesday, ...only, '--baseline', file, '--fail-on', 'warning', '--format', 'json']);
    expect(run.code).toBe(0);
    expect(ids(json(run.stdout).suppressed)).toEqual(['netns-default-route-missing pid:5151']);
  });

  it('refuses a file that is not a baseline: exit 2, one message, no report', async () => {
    const report = path.join(dir, 'a-report.json');
    await cli(['audit', HOST, ...RULES, '--format', 'json', '-o', report]);
    const run = await cli(['audit', HOST, ...RULES, '--baseline', report]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^netaudit: ${report}: /[a-z]+: invalid baseline: [^\\n]+\\n$`));
  });
});

describe('audit --waivers', () => {
  it('requires a reason: exit 2, one message naming the file and the waiver, no report', async () => {
    const file = writeJson(path.join(dir, 'no-reason.json'), { waivers: [{ rule: 'test-warning-mtu', subject: 'eth*' }] });
    const run = await cli(['audit', HOST, ...RULES, '--waivers', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`netaudit: ${file}: /waivers/0/reason: invalid waiver file: "reason" is required\n`);
  });

  it('accepts findings by rule id and subject pattern, with the reason and expiry in the JSON report', async () => {
    const file = writeJson(path.join(dir, 'waivers.json'), {
      waivers: [
        { rule: 'test-warning-mtu', subject: 'eth*', reason: 'jumbo frames on the storage network', expires: '2999-12-31' },
        { rule: 'test-error-syncookies', subject: 'docker*', reason: 'matches no subject of this rule' },
      ],
    });
    const run = await cli(['audit', HOST, ...RULES, '--waivers', file, '--format', 'json', '--fail-on', 'warning']);
    expect(run.code).toBe(1);
    const report = json(run.stdout);
    expect(ids(report.findings)).toEqual(['test-error-syncookies host']);
    expect(report.suppressed.map((f) => [f.ruleId, f.subject.name, f.suppression])).toEqual([
      ['test-warning-mtu', 'eth0', { kind: 'waiver', justification: 'jumbo frames on the storage network', file, expires: '2999-12-31' }],
    ]);
    expect(report.summary).toMatchObject({ errors: 1, warnings: 0, suppressed: 1 });
  });

  it('an expired waiver stops suppressing and says so', async () => {
    const file = writeJson(path.join(dir, 'expired.json'), {
      waivers: [{ rule: 'test-warning-mtu', subject: 'eth0', reason: 'until the switch upgrade', expires: '2020-01-01' }],
    });
    const run = await cli(['audit', HOST, ...RULES, '--only', 'test-warning-mtu', '--waivers', file, '--format', 'json', '--fail-on', 'warning']);
    expect(run.code).toBe(1);
    const report = json(run.stdout);
    expect(report.suppressed).toEqual([]);
    expect(ids(report.findings)).toEqual(['test-error-syncookies host', 'test-warning-mtu eth0']);
    expect(run.stderr).toBe(`netaudit: note: ${file}: /waivers/0: waiver (rule test-warning-mtu on eth0) expired on 2020-01-01: 1 finding it matches counts again\n`);
  });
});

describe('the .netaudit file', () => {
  const repo = path.join(dir, 'repo');
  const nested = path.join(repo, 'hosts', 'web');
  const host = path.resolve(DOCKER_HOST);
  const rules = ['--rules', path.resolve(TEST_RULES), '--only', 'test-error-syncookies', '--only', 'test-warning-mtu'];
  writeJson(path.join(nested, 'placeholder.json'), {});

  it('is found from a nested working directory upward: its waivers and baseline (relative to it) apply', async () => {
    const baseline = path.join(repo, 'gate', 'baseline.json');
    mkdirSync(path.dirname(baseline), { recursive: true });
    const written = binaryIn(repo, ['baseline', host, '--rules', path.resolve(TEST_RULES), '--only', 'test-error-syncookies', '-o', baseline]);
    expect(written.stderr).toBe(`netaudit: baseline of 1 finding(s) from 1 input(s) written to ${baseline}\n`);
    expect(written.code).toBe(0);
    writeJson(path.join(repo, '.netaudit'), {
      baseline: 'gate/baseline.json',
      waivers: [{ rule: 'test-warning-mtu', subject: 'eth0', reason: 'jumbo frames' }],
    });

    const run = binaryIn(nested, ['audit', host, ...rules, '--format', 'json', '--fail-on', 'warning']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = json(run.stdout);
    expect(report.findings).toEqual([]);
    expect(report.suppressed.map((f) => [f.ruleId, f.suppression.kind, f.suppression.justification])).toEqual([
      ['test-error-syncookies', 'baseline', `accepted in the baseline ${baseline}`],
      ['test-warning-mtu', 'waiver', 'jumbo frames'],
    ]);

    const ignored = binaryIn(nested, ['audit', host, ...rules, '--format', 'json', '--fail-on', 'warning', '--no-config']);
    expect(ignored.code).toBe(1);
    expect(json(ignored.stdout).suppressed).toEqual([]);
  });

  it('a broken .netaudit is an error naming it, exit 2', async () => {
    const other = path.join(dir, 'other', 'deep');
    writeJson(path.join(dir, 'other', '.netaudit'), { waivers: [{ rule: 'test-warning-mtu', subject: 'eth0', reason: '' }] });
    writeJson(path.join(other, 'x.json'), {});
    const run = binaryIn(other, ['audit', host, ...rules]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(errorLines(run.stderr)).toEqual([`netaudit: ${path.join(dir, 'other', '.netaudit')}: /waivers/0/reason: invalid config file: must give a reason (it is blank)`]);
  });
});

describe('suppressed findings in SARIF and text', () => {
  const waivers = writeJson(path.join(dir, 'sarif-waivers.json'), { waivers: [{ rule: 'test-warning-mtu', subject: 'eth0', reason: 'jumbo frames' }] });

  it('SARIF: the result carries suppressions of kind external with the justification', async () => {
    const baseline = path.join(dir, 'sarif-baseline.json');
    await cli(['baseline', HOST, '--rules', rel(TEST_RULES), '--only', 'test-error-syncookies', '-o', baseline]);
    const run = await cli(['audit', HOST, ...RULES, '--waivers', waivers, '--baseline', baseline, '--format', 'sarif']);
    expect(run.code).toBe(0);
    const results = (JSON.parse(run.stdout) as { runs: { results: { ruleId: string; suppressions?: { kind: string; justification: string }[] }[] }[] }).runs[0]!.results;
    expect(results.map((r) => [r.ruleId, r.suppressions?.map((s) => [s.kind, s.justification])])).toEqual([
      ['test-error-syncookies', [['external', `accepted in the baseline ${baseline}`]]],
      ['test-warning-mtu', [['external', 'jumbo frames']]],
    ].sort());
  });

  it('text: counts them in the summary, without listing them', async () => {
    const run = await cli(['audit', HOST, ...RULES, '--waivers', waivers]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('1 finding suppressed by a baseline or waiver');
    expect(run.stdout).toMatch(/^1 error, 0 warnings, 0 info; .*; 1 suppressed \(waiver 1\)$/m);
    expect(run.stdout).not.toContain('test-warning-mtu on interface eth0');
  });
});
