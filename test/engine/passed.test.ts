/**
 * runAudit lists `passed` lazily, from which (subject, rule) pairs fired. Here it is checked against an
 * eager computation that evaluates every rule on every subject of its kind, namespace by namespace,
 * with nothing shared with the audit but the catalog, the fact modules and the condition compiler.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit, selectRules } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { cachingGetter, compileConditions } from '../../src/engine/evaluator.js';
import { FACT_REGISTRY } from '../../src/engine/facts/index.js';
import { createAuditCache, type FactEnv } from '../../src/engine/facts/registry.js';
import { unmetRequirement } from '../../src/engine/requirements.js';
import { buildHost } from '../../src/model/build.js';
import type { Host, Namespace } from '../../src/model/types.js';
import { loadInput } from '../../src/snapshot/load.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

const FIXTURES = path.join(PROJECT_ROOT, 'fixtures/rules');

let catalog: RuleCatalog;
beforeAll(async () => {
  catalog = await loadRuleCatalog();
});

function key(ruleId: string, subject: { kind: string; namespace: string; name: string }): string {
  return `${ruleId}\u0000${subject.kind}\u0000${subject.namespace}\u0000${subject.name}`;
}

/** Every (rule, subject) that a rule runs on and does not fire for, evaluated one pair at a time. */
function eagerPasses(host: Host): string[] {
  const cache = createAuditCache();
  const passes: string[] = [];
  for (const rule of selectRules(catalog, {})) {
    const kind = rule.meta.subject;
    const source = FACT_REGISTRY.subjectSource(kind);
    if (!source) continue;
    const scope = source.namespaces;
    const namespaces: Namespace[] = host.namespaces.filter((n) => (scope === 'all' ? true : scope === 'host' ? n === host.host : n !== host.host));
    const condition = compileConditions(rule.definition.conditions);
    for (const namespace of namespaces) {
      if (unmetRequirement(host, namespace, rule.meta.requires)) continue;
      const env: FactEnv = { host, namespace, cache };
      for (const instance of source.enumerate(env)) {
        const get = cachingGetter((name, params) => {
          const def = FACT_REGISTRY.fact(kind, name);
          if (!def) throw new Error(`unknown fact ${kind}.${name}`);
          return def.compute(instance.value, env, params);
        });
        if (!condition(get)) passes.push(key(rule.meta.id, { kind, namespace: namespace.name, name: instance.name }));
      }
    }
  }
  return passes.sort();
}

const snapshots = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => ['fail', 'pass'].map((side) => path.join(d.name, side)));

describe('passed, listed on first read', () => {
  it('has fixtures to check', () => {
    expect(snapshots.length).toBeGreaterThan(10);
  });

  it.each(snapshots)('equals the eager computation on %s', async (dir) => {
    const host = buildHost((await loadInput(path.join(FIXTURES, dir))).snapshot);
    const result = await runAudit(host, catalog, { input: dir });
    const listed = result.passed.map((p) => key(p.ruleId, p.subject)).sort();
    expect(listed).toEqual(eagerPasses(host));
  });

  it('lists nothing twice and nothing that is also a finding', async () => {
    const host = buildHost((await loadInput(path.join(FIXTURES, 'published-port-dropped', 'fail'))).snapshot);
    const result = await runAudit(host, catalog, { input: 'fixture' });
    const listed = result.passed.map((p) => key(p.ruleId, p.subject));
    expect(new Set(listed).size).toBe(listed.length);
    const found = new Set(result.findings.map((f) => key(f.ruleId, f.subject)));
    expect(result.findings.length).toBeGreaterThan(0);
    expect(listed.filter((k) => found.has(k))).toEqual([]);
  });
});
