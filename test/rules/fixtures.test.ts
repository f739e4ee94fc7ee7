/**
 * Every rule in rules/ over its fixtures: the fail fixture yields exactly the findings pinned in its
 * expected.json (subject and evidence lines), the pass fixture none of that rule, neither fixture an
 * error from any other rule, and json-rules-engine itself gives the same answers as the compiled
 * evaluator on every rule × fixture subject.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import type { AuditResult } from '../../src/engine/types.js';
import { auditFixture, fixtureExists, pinned, readExpected, sortedByJson } from './fixture-helpers.js';

let catalog: RuleCatalog;
beforeAll(async () => {
  catalog = await loadRuleCatalog();
});

const builtIn = (await loadRuleCatalog()).rules.filter((r) => r.meta.origin === 'built-in' && !r.meta.deprecated);

function foreignErrors(result: AuditResult, ruleId: string): string[] {
  return result.findings.filter((f) => f.severity === 'error' && f.ruleId !== ruleId).map((f) => `${f.ruleId} on ${f.subject.kind} ${f.subject.namespace}/${f.subject.name}: ${f.message}`);
}

/** What both engines must agree on: every finding and every pass. */
function outcome(result: AuditResult): unknown {
  return { findings: result.findings, passed: result.passed, skipped: result.skipped };
}

describe.each(builtIn.map((r) => r.meta.id))('%s', (id) => {
  it.runIf(fixtureExists(id, 'fail'))('fail fixture: exactly the expected findings, no other rule\'s error', async () => {
    const result = await auditFixture(catalog, id, 'fail');
    const expected = readExpected(id);
    expect(expected.length, 'expected.json pins at least one finding').toBeGreaterThan(0);
    expect(sortedByJson(pinned(result, id))).toEqual(sortedByJson(expected));
    expect(foreignErrors(result, id)).toEqual([]);
  });

  it.runIf(fixtureExists(id, 'pass'))('pass fixture: no finding of this rule, no error at all', async () => {
    const result = await auditFixture(catalog, id, 'pass');
    expect(pinned(result, id)).toEqual([]);
    expect(result.passed.some((p) => p.ruleId === id), 'the rule was evaluated on the pass fixture').toBe(true);
    expect(foreignErrors(result, id)).toEqual([]);
  });

  it.runIf(fixtureExists(id, 'fail') && fixtureExists(id, 'pass'))('json-rules-engine gives the same answers as the compiled evaluator', async () => {
    for (const side of ['fail', 'pass'] as const) {
      const compiled = await auditFixture(catalog, id, side);
      const reference = await auditFixture(catalog, id, side, { engine: 'reference' });
      expect(outcome(reference), `${id}/${side}`).toEqual(outcome(compiled));
    }
  });
});
