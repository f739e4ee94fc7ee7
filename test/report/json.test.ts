import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/engine/types.js';
import { formatJson, formatJsonReports } from '../../src/report/json.js';
import { cleanResult, mixedResult, suppressedResult } from './results.js';

/** The same values with every object's keys in reverse order. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)])) as T;
  }
  return value;
}

describe('json report', () => {
  it('is exactly the AuditResult contract', () => {
    const result = mixedResult();
    const parsed = JSON.parse(formatJson(result)) as AuditResult;
    const { passed, ...contract } = result;
    expect(passed.length).toBeGreaterThan(0);
    // Passes are for JUnit; the JSON report counts them in its summary and does not list them.
    expect(parsed).toEqual(contract);
    expect(Object.keys(parsed)).toEqual(['schema', 'input', 'host', 'findings', 'suppressed', 'skipped', 'rules', 'summary']);
    expect(parsed.schema).toBe('netaudit/report@1');
    expect(Object.keys(parsed.findings[0] ?? {})).toEqual(['ruleId', 'severity', 'title', 'subject', 'message', 'evidence', 'remediation']);
    expect(Object.keys(parsed.findings[0]?.subject ?? {})).toEqual(['kind', 'name', 'namespace']);
    expect(Object.keys(parsed.findings[0]?.evidence[0] ?? {})).toEqual(['source', 'line', 'text']);
  });

  it('keeps the key order stable whatever order the objects were built in', () => {
    const result = mixedResult();
    expect(formatJson(reverseKeys(result))).toBe(formatJson(result));
  });

  it('prints several inputs as JSON Lines, one whole report per line', () => {
    const out = formatJsonReports([mixedResult(), cleanResult()]);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect((JSON.parse(lines[0] ?? '') as AuditResult).input).toBe('fixtures/example/snapshot.json');
    const { passed: _passed, ...clean } = cleanResult();
    expect(JSON.parse(lines[1] ?? '')).toEqual(clean);
  });

  it('lists suppressed findings apart, each with its suppression, and counts them in the summary only', () => {
    const result = suppressedResult();
    const parsed = JSON.parse(formatJson(result)) as AuditResult;
    expect(parsed.findings).toEqual([]);
    expect(parsed.suppressed.map((f) => [f.ruleId, f.suppression])).toEqual([
      ['ip-forward-disabled', { kind: 'baseline', justification: 'in the baseline netaudit-baseline.json', file: 'netaudit-baseline.json' }],
      ['rp-filter-strict', { kind: 'waiver', justification: 'the uplink is symmetric', file: '.netaudit', expires: '2027-01-31' }],
    ]);
    expect(parsed.suppressed[0]?.evidence).toEqual([{ source: 'sysctl', line: 3, text: 'net.ipv4.ip_forward = 0' }]);
    expect(parsed.summary).toMatchObject({ errors: 0, warnings: 0, suppressed: 2 });
  });

  it('marks the evidence line that proves a finding, and only that one', () => {
    const result = mixedResult();
    const docker = result.findings.find((f) => f.ruleId === 'docker-forward-drop')!;
    docker.evidence = [docker.evidence[1]!, { ...docker.evidence[0]!, primary: true }];
    const parsed = JSON.parse(formatJson(result)) as AuditResult;
    const evidence = parsed.findings.find((f) => f.ruleId === 'docker-forward-drop')!.evidence;
    expect(evidence.map((e) => e.primary)).toEqual([undefined, true]);
    expect(Object.keys(evidence[1] ?? {})).toEqual(['source', 'line', 'text', 'primary']);
  });
});
