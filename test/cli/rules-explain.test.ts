import { describe, expect, it } from 'vitest';
import { FACT_DOCS } from '../../src/engine/facts/index.js';
import { cli, rel, TEST_RULES } from './run.js';

const RULES = rel(TEST_RULES);

describe('netaudit rules', () => {
  it('lists built-in rules and those of --rules as a table', async () => {
    const run = await cli(['rules', '--rules', RULES]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+SEVERITY\s+SUBJECT\s+TITLE$/);
    const row = lines.find((l) => l.startsWith('test-warning-mtu '));
    expect(row).toMatch(/^test-warning-mtu\s+warning\s+interface\s+Interface MTU above 9000 \[/);
    expect(lines.at(-1)).toMatch(/^\d+ rules$/);
  });

  it('prints the catalog as JSON', async () => {
    const run = await cli(['rules', '--format', 'json', '--rules', RULES]);
    const catalog = JSON.parse(run.stdout);
    expect(catalog.schema).toBe('netaudit/rules@1');
    const rule = catalog.rules.find((r: { id: string }) => r.id === 'test-error-syncookies');
    expect(rule).toMatchObject({ severity: 'error', subject: 'host', requires: ['sysctl'] });
    expect(new Set(catalog.rules.map((r: { id: string }) => r.id)).size).toBe(catalog.rules.length);
  });
});

describe('netaudit explain', () => {
  it('explains a rule: rationale, fix, references, conditions and the facts it reads', async () => {
    const run = await cli(['explain', 'test-error-syncookies', '--rules', RULES]);
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/^test-error-syncookies: TCP SYN cookies are off\n/);
    expect(out).toContain('severity error, subject host');
    expect(out).toContain('With net.ipv4.tcp_syncookies = 0 a SYN flood');
    expect(out).toContain('sysctl -w net.ipv4.tcp_syncookies=1');
    expect(out).toContain('https://docs.kernel.org/networking/ip-sysctl.html');
    expect(out).toContain('Fires when\n  all of:\n    sysctlNumber(key: "net.ipv4.tcp_syncookies") equal 0\n');
    const doc = FACT_DOCS.find((d) => d.subject === 'host' && d.name === 'sysctlNumber');
    expect(out).toContain(`  sysctlNumber (${doc?.type}): ${doc?.description}`);
    expect(out).toContain('  sysctlEvidence');
    expect(out).toContain('netaudit audit --disable test-error-syncookies INPUT');
  });

  it('rejects an unknown id with exit 2 and one message', async () => {
    const run = await cli(['explain', 'no-such-rule']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^netaudit: no rule with id no-such-rule/)]);
  });
});
