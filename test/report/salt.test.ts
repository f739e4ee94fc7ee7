import { describe, expect, it } from 'vitest';
import { formatSalt } from '../../src/report/salt.js';
import { cleanResult, mixedResult } from './results.js';

describe('salt report', () => {
  it('is exactly one JSON object on one line with changed, comment and result', () => {
    const out = formatSalt([mixedResult()], { failOn: 'error' });
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    const data = JSON.parse(out);
    expect(Object.keys(data).slice(0, 3)).toEqual(['changed', 'comment', 'result']);
    expect(data.changed).toBe(false);
    expect(data.result).toBe(false);
    expect(data.comment).toBe(
      'netaudit FAILED (fail on error) on fixtures/example/snapshot.json: 2 errors, 1 warning, 1 info; ' +
        'NOT fully checked: 1 rule skipped, 1 source unavailable',
    );
    expect(data.findings).toHaveLength(4);
    expect(data.findings[0]).toEqual({
      input: 'fixtures/example/snapshot.json',
      ruleId: 'veth-no-master',
      severity: 'warning',
      subject: 'veth veth1a2b3c',
      message: 'veth-no-master fired',
    });
  });

  it('passes when nothing reaches the threshold', () => {
    const noErrors = mixedResult();
    noErrors.findings = noErrors.findings.filter((f) => f.severity !== 'error');
    expect(JSON.parse(formatSalt([noErrors], { failOn: 'error' })).result).toBe(true);
    expect(JSON.parse(formatSalt([noErrors], { failOn: 'warning' })).result).toBe(false);
    expect(JSON.parse(formatSalt([mixedResult()], { failOn: 'none' })).result).toBe(true);
    const clean = JSON.parse(formatSalt([cleanResult()], { failOn: 'info' }));
    expect(clean).toMatchObject({ result: true, comment: 'netaudit passed (fail on info) on clean/snapshot.json: 0 errors, 0 warnings, 0 info' });
  });

  it('gives one verdict for several inputs: failed when any input fails', () => {
    const data = JSON.parse(formatSalt([cleanResult(), mixedResult()], { failOn: 'error' }));
    expect(data.result).toBe(false);
    expect(data.comment).toContain('on 2 inputs: 2 errors');
  });
});
