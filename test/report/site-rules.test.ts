/**
 * The example site rules of docs/facts.md are real: they load from a --rules directory and find what they say.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/engine/types.js';
import { SITE_RULE_EXAMPLES } from '../../src/report/site-rule-examples.js';
import { cli, DOCKER_HOST } from '../cli/run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-site-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('site rule examples in docs/facts.md', () => {
  it('load as user rules and fire on the host they describe', async () => {
    for (const { rule } of SITE_RULE_EXAMPLES) writeFileSync(path.join(dir, `${rule.id}.json`), JSON.stringify(rule, null, 2));
    const only = SITE_RULE_EXAMPLES.flatMap(({ rule }) => ['--only', rule.id]);
    const run = await cli(['audit', DOCKER_HOST, '--rules', dir, ...only, '--format', 'json', '--fail-on', 'none']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as AuditResult;
    expect(report.findings.map((f) => [f.ruleId, f.subject.name, f.evidence.map((e) => `${e.source}:${e.line}`)])).toEqual([
      ['site-mtu-max-9000', 'eth0', ['ip-link:1']],
      ['site-tcp-syncookies', 'host', ['sysctl:29']],
    ]);
    // lo (MTU 65536) is excluded by the rule's kind condition and passes: JUnit lists it as a passing testcase.
    const junit = await cli(['audit', DOCKER_HOST, '--rules', dir, '--only', 'site-mtu-max-9000', '--format', 'junit', '--fail-on', 'none']);
    expect(junit.stdout).toMatch(/<testcase classname="site-mtu-max-9000" name="interface lo"[^>]*\/>/);
  });
});
