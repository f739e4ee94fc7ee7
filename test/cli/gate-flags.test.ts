/**
 * Issue 11, point 17: the same flags everywhere. -f/--format and -o/--output on every command that prints a
 * report or a listing (`audit -o report.sarif`); import, like collect, writes its snapshot to stdout without -o.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binaryIn, tempDir } from './gate-inputs.js';
import { cli, DOCKER_HOST, PROJECT_ROOT, rel, TEST_RULES } from './run.js';

const dir = tempDir('flags');
const HOST = rel(DOCKER_HOST);
const RULES = ['--rules', rel(TEST_RULES), '--only', 'test-error-syncookies'];

describe('-f and -o', () => {
  it('audit -o FILE -f sarif writes the log there and prints nothing; the exit code still follows the findings', async () => {
    const file = path.join(dir, 'report.sarif');
    const run = await cli(['audit', HOST, ...RULES, '-f', 'sarif', '-o', file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('');
    const log = JSON.parse(readFileSync(file, 'utf8')) as { version: string; runs: { results: { ruleId: string }[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.results.map((r) => r.ruleId)).toEqual(['test-error-syncookies']);
  });

  it('audit -o into a folder that does not exist: exit 2, one message naming the file', async () => {
    const file = path.join(dir, 'no', 'such', 'report.json');
    const run = await cli(['audit', HOST, ...RULES, '-f', 'json', '-o', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`netaudit: ${file}: cannot write the report: no such file or directory\n`);
  });

  it('show -f json -o FILE writes the host model there', async () => {
    const file = path.join(dir, 'model.json');
    const run = await cli(['show', HOST, '-f', 'json', '-o', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const printed = await cli(['show', HOST, '--format', 'json']);
    expect(readFileSync(file, 'utf8')).toBe(printed.stdout);
    expect(JSON.parse(printed.stdout)).toBeTypeOf('object');
  });

  it('rules -f json -o FILE writes the rule list there', async () => {
    const file = path.join(dir, 'rules.json');
    const run = await cli(['rules', '--rules', rel(TEST_RULES), '-f', 'json', '-o', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe((await cli(['rules', '--rules', rel(TEST_RULES), '--format', 'json'])).stdout);
    expect(readFileSync(file, 'utf8')).toContain('test-error-syncookies');
  });

  it('baseline -f json -o FILE; a baseline has no other format', async () => {
    const file = path.join(dir, 'baseline.json');
    const run = await cli(['baseline', HOST, ...RULES, '-f', 'json', '-o', file]);
    expect(run.code).toBe(0);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { schema: string }).schema).toBe('netaudit/baseline@1');
    const text = await cli(['baseline', HOST, ...RULES, '-f', 'text', '-o', path.join(dir, 'never.json')]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/option '-f, --format <format>' argument 'text' is invalid/);
    expect(existsSync(path.join(dir, 'never.json'))).toBe(false);
  });

  it('every command that prints a report or listing offers both flags; those that print a snapshot offer -o', async () => {
    for (const command of ['audit', 'show', 'rules', 'baseline']) {
      const help = (await cli([command, '--help'])).stdout;
      expect(help, command).toContain('-f, --format <format>');
      expect(help, command).toContain('-o, --output <file>');
    }
    for (const command of ['collect', 'import']) expect((await cli([command, '--help'])).stdout, command).toContain('-o, --output <file>');
  });
});

describe('import without -o', () => {
  it('writes the snapshot to stdout, which audit - reads', () => {
    const imported = binaryIn(PROJECT_ROOT, ['import', HOST]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(new RegExp(`^netaudit: imported \\d+ source file\\(s\\) from ${HOST} into stdout\\n`));
    expect((JSON.parse(imported.stdout) as { schema: string }).schema).toBe('netaudit/snapshot@1');

    const audited = binaryIn(PROJECT_ROOT, ['audit', '-', ...RULES, '-f', 'json'], imported.stdout);
    expect(audited.code).toBe(1);
    expect((JSON.parse(audited.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId)).toEqual(['test-error-syncookies']);
  });
});
