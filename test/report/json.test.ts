import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/engine/types.js';
import { formatJson, formatJsonReports } from '../../src/report/json.js';
import { cleanResult, mixedResult } from './results.js';

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
    expect(Object.keys(parsed)).toEqual(['schema', 'input', 'host', 'findings', 'skipped', 'rules', 'summary']);
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
});
