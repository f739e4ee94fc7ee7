/**
 * runAudit: skipped rules and their reasons, suppression, --only/--disable, passed entries, summary,
 * ordering, and facts computed lazily and once per subject.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { FACT_MODULES } from '../../src/engine/facts/index.js';
import { FactRegistry, type FactModule } from '../../src/engine/facts/registry.js';
import { InputError } from '../../src/errors.js';
import { buildHost } from '../../src/model/build.js';
import type { Host } from '../../src/model/types.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { loadInput } from '../../src/snapshot/load.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

const FIXTURES = path.join(PROJECT_ROOT, 'fixtures/rules');

async function snapshotOf(rule: string, side: 'fail' | 'pass'): Promise<Snapshot> {
  return (await loadInput(path.join(FIXTURES, rule, side))).snapshot;
}

function edit(snapshot: Snapshot, change: (s: Snapshot) => void): Host {
  const copy = structuredClone(snapshot);
  change(copy);
  return buildHost(copy);
}

let catalog: RuleCatalog;
beforeAll(async () => {
  catalog = await loadRuleCatalog();
});

describe('skipped rules', () => {
  it('skips a rule whose source failed, naming the namespace, the source and the reason', async () => {
    const host = edit(await snapshotOf('ip-forward-disabled', 'fail'), (s) => {
      const sysctl = s.namespaces[0]?.sources.sysctl;
      if (!sysctl) throw new Error('fixture without sysctl');
      Object.assign(sysctl, { status: 'failed', stdout: '', reason: 'permission denied' });
    });
    const result = await runAudit(host, catalog, { input: 'test' });
    expect(result.findings.filter((f) => f.ruleId === 'ip-forward-disabled')).toEqual([]);
    expect(result.passed.filter((p) => p.ruleId === 'ip-forward-disabled')).toEqual([]);
    const skip = result.skipped.find((s) => s.ruleId === 'ip-forward-disabled');
    expect(skip?.reason).toBe('namespace host: sysctl failed (permission denied)');
    expect(result.summary.unavailableSources).toContain('host/sysctl: failed (permission denied)');
  });

  it('skips on a source that was not collected, that the parser refused, or that is empty where it cannot be', async () => {
    const base = await snapshotOf('ip-forward-disabled', 'fail');
    const missing = edit(base, (s) => {
      delete (s.namespaces[0] as { sources: Record<string, unknown> }).sources['ip-link'];
    });
    let result = await runAudit(missing, catalog, { input: 'test', only: ['ip-forward-disabled'] });
    expect(result.skipped).toEqual([{ ruleId: 'ip-forward-disabled', reason: expect.stringMatching(/^namespace host: ip-link not collected/) }]);

    const garbage = edit(base, (s) => {
      Object.assign(s.namespaces[0]?.sources['ip-link'] ?? {}, { stdout: '[ { "ifindex": 1, "ifname": ' });
    });
    result = await runAudit(garbage, catalog, { input: 'test', only: ['ip-forward-disabled'] });
    expect(result.skipped[0]?.reason).toMatch(/^namespace host: ip-link unreadable \(/);

    const empty = edit(base, (s) => {
      Object.assign(s.namespaces[0]?.sources.sysctl ?? {}, { status: 'empty', stdout: '' });
    });
    result = await runAudit(empty, catalog, { input: 'test', only: ['ip-forward-disabled'] });
    expect(result.skipped[0]?.reason).toMatch(/^namespace host: sysctl empty, which sysctl -a never is/);
    expect(result.summary.rulesSkipped).toBe(1);
    expect(result.summary.rulesEvaluated).toBe(0);
  });

  it('skips a rule in one namespace and runs it in the others', async () => {
    const host = edit(await snapshotOf('netns-default-route-missing', 'fail'), (s) => {
      const db = s.namespaces.find((n) => n.name === 'db');
      Object.assign(db?.sources['ip-route'] ?? {}, { status: 'failed', stdout: '', reason: 'timed out after 10 s' });
    });
    const result = await runAudit(host, catalog, { input: 'test', only: ['netns-default-route-missing'] });
    expect(result.skipped).toEqual([{ ruleId: 'netns-default-route-missing', reason: 'namespace db: netns:db/ip-route failed (timed out after 10 s)' }]);
    expect(result.findings.map((f) => f.subject.namespace)).toEqual(['web']);
    expect(result.summary.rulesEvaluated).toBe(1);
  });

  it('says when a namespace rule had no namespace to run on, instead of passing silently', async () => {
    const host = buildHost(await snapshotOf('default-route-missing', 'fail'));
    const result = await runAudit(host, catalog, { input: 'test', only: ['netns-gateway-mismatch'] });
    expect(result.skipped).toEqual([{ ruleId: 'netns-gateway-mismatch', reason: expect.stringMatching(/no namespace other than the host's was collected/) }]);
  });

  it('skips sysctl-drift when the persisted files were not collected', async () => {
    const host = edit(await snapshotOf('sysctl-drift', 'fail'), (s) => {
      s.sysctlFiles = { status: 'not-collected', reason: 'collector without /etc access', files: [] };
    });
    const result = await runAudit(host, catalog, { input: 'test', only: ['sysctl-drift'] });
    expect(result.skipped[0]?.reason).toMatch(/persisted sysctl files .* not collected \(collector without \/etc access\)/);
  });
});

describe('suppression: one cause, one finding', () => {
  it('drops iface-forwarding-disabled where ip-forward-disabled fires, and only there', async () => {
    const host = buildHost(await snapshotOf('ip-forward-disabled', 'fail'));
    const all = await runAudit(host, catalog, { input: 'test' });
    expect(all.findings.map((f) => f.ruleId)).toEqual(['ip-forward-disabled']);
    // Without the cause, the per-interface noise is what remains: it was there and was suppressed.
    const without = await runAudit(host, catalog, { input: 'test', disable: ['ip-forward-disabled'] });
    expect(without.findings.filter((f) => f.ruleId === 'iface-forwarding-disabled').map((f) => f.subject.name)).toEqual(['docker0', 'eth0']);
    // Suppressed findings are not passes either.
    expect(all.passed.filter((p) => p.ruleId === 'iface-forwarding-disabled' && p.subject.namespace === 'host' && ['docker0', 'eth0'].includes(p.subject.name))).toEqual([]);
  });

  describe('with site rules', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-suppress-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const rule = (id: string, subject: string, conditions: unknown, suppressedBy: string[] = []) => ({
      id,
      title: id,
      severity: 'info',
      subject,
      requires: [],
      rationale: 'test',
      remediation: 'test',
      references: [],
      message: id,
      evidence: [],
      conditions,
      suppressedBy,
    });
    const write = (r: { id: string }) => writeFileSync(path.join(dir, `${r.id}.json`), JSON.stringify(r));
    mkdirSync(dir, { recursive: true });
    write(rule('site-one-veth', 'interface', { all: [{ fact: 'name', operator: 'equal', value: 'veth3c5a6e1' }] }));
    write(rule('site-any-iface', 'interface', { all: [] }, ['site-one-veth']));
    write(rule('site-host', 'host', { all: [] }));
    write(rule('site-iface-vs-host', 'interface', { all: [] }, ['site-host']));

    it('same subject kind: only the finding on the same subject is dropped', async () => {
      const cat = await loadRuleCatalog([dir]);
      const host = buildHost(await snapshotOf('netns-gateway-mismatch', 'fail'));
      const result = await runAudit(host, cat, { input: 'test', only: ['site-one-veth', 'site-any-iface'] });
      const names = result.findings.filter((f) => f.ruleId === 'site-any-iface').map((f) => `${f.subject.namespace}/${f.subject.name}`);
      expect(names).not.toContain('host/veth3c5a6e1');
      expect(names).toEqual(expect.arrayContaining(['host/vethb1f0d2a', 'host/eth0', 'host/docker0', 'web/eth0']));
    });

    it('another subject kind: every finding in the same namespace is dropped', async () => {
      const cat = await loadRuleCatalog([dir]);
      const host = buildHost(await snapshotOf('netns-gateway-mismatch', 'fail'));
      const result = await runAudit(host, cat, { input: 'test', only: ['site-host', 'site-iface-vs-host'] });
      const dropped = result.findings.filter((f) => f.ruleId === 'site-iface-vs-host');
      expect(dropped.length).toBeGreaterThan(0);
      expect(dropped.every((f) => f.subject.namespace !== 'host')).toBe(true);
    });
  });
});

describe('--only and --disable', () => {
  it('refuse unknown rule ids with an InputError', async () => {
    const host = buildHost(await snapshotOf('ip-forward-disabled', 'pass'));
    await expect(runAudit(host, catalog, { input: 'x', only: ['no-such-rule'] })).rejects.toThrow(InputError);
    await expect(runAudit(host, catalog, { input: 'x', disable: ['ip-forward-disabeld'] })).rejects.toThrow(/unknown rule id "ip-forward-disabeld" in --disable/);
  });

  it('select and remove rules', async () => {
    const host = buildHost(await snapshotOf('iface-down', 'fail'));
    const only = await runAudit(host, catalog, { input: 'x', only: ['iface-down', 'bridge-down'] });
    expect(only.rules.map((r) => r.id).sort()).toEqual(['bridge-down', 'iface-down']);
    expect(new Set(only.passed.map((p) => p.ruleId))).toEqual(new Set(['bridge-down', 'iface-down']));
    expect(only.findings.map((f) => f.subject.name)).toEqual(['eth1', 'eth2']);
    const disabled = await runAudit(host, catalog, { input: 'x', only: ['iface-down', 'bridge-down'], disable: ['iface-down'] });
    expect(disabled.rules.map((r) => r.id)).toEqual(['bridge-down']);
    expect(disabled.findings).toEqual([]);
  });
});

describe('result', () => {
  it('records a pass for every rule × subject evaluated without a finding, and counts', async () => {
    const host = buildHost(await snapshotOf('iface-down', 'fail'));
    const result = await runAudit(host, catalog, { input: 'fixtures/iface-down', only: ['iface-down'] });
    const interfaces = host.namespaces.reduce((n, ns) => n + ns.interfaces.length, 0);
    expect(result.passed.length + result.findings.length).toBe(interfaces);
    expect(result.summary).toMatchObject({ errors: 0, warnings: 2, infos: 0, rulesEvaluated: 1, rulesSkipped: 0, subjectsEvaluated: interfaces });
    expect(result.input).toBe('fixtures/iface-down');
    expect(result.schema).toBe('netaudit/report@1');
    const finding = result.findings[0];
    expect(finding).toMatchObject({ ruleId: 'iface-down', severity: 'warning', title: catalog.byId.get('iface-down')?.meta.title, remediation: catalog.byId.get('iface-down')?.meta.remediation });
    expect(finding?.message).toBe('eth1 is admin down but has 198.51.100.10/24');
    expect(finding?.evidence.map((e) => e.source)).toEqual(['ip-link', 'ip-addr']);
  });

  it('sorts findings by severity, rule id, namespace (host first) and subject', async () => {
    const host = buildHost(await snapshotOf('veth-orphan', 'fail'));
    const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-sort-'));
    const everything = {
      title: 't', severity: 'error', subject: 'interface', requires: [], rationale: 'r', remediation: 'r', references: [], message: 'm', evidence: [], conditions: { all: [] }, suppressedBy: [],
    };
    writeFileSync(path.join(dir, 'zz-site.json'), JSON.stringify({ ...everything, id: 'zz-site' }));
    writeFileSync(path.join(dir, 'aa-site.json'), JSON.stringify({ ...everything, id: 'aa-site', severity: 'info' }));
    const cat = await loadRuleCatalog([dir]);
    const result = await runAudit(host, cat, { input: 'x', only: ['zz-site', 'aa-site', 'veth-orphan'] });
    rmSync(dir, { recursive: true, force: true });
    const keys = result.findings.map((f) => `${f.severity}/${f.ruleId}/${f.subject.namespace}/${f.subject.name}`);
    const order = ['error', 'warning', 'info'];
    const sorted = [...keys].sort((a, b) => {
      const [sa, ra, na, xa] = a.split('/') as [string, string, string, string];
      const [sb, rb, nb, xb] = b.split('/') as [string, string, string, string];
      const ns = (n: string) => (n === 'host' ? '' : n);
      return order.indexOf(sa) - order.indexOf(sb) || (ra < rb ? -1 : ra > rb ? 1 : 0) || (ns(na) < ns(nb) ? -1 : ns(na) > ns(nb) ? 1 : 0) || (xa < xb ? -1 : xa > xb ? 1 : 0);
    });
    expect(keys).toEqual(sorted);
    expect(keys[0]?.startsWith('error/zz-site/host/')).toBe(true);
    expect(keys.at(-1)?.startsWith('info/aa-site/web/')).toBe(true);
  });
});

describe('facts', () => {
  it('are computed lazily and at most once per subject and parameters, however many rules ask', async () => {
    const calls = new Map<string, number>();
    const ids = new WeakMap<object, number>();
    let nextId = 0;
    const idOf = (subject: unknown): number => {
      const o = subject as object;
      if (!ids.has(o)) ids.set(o, ++nextId);
      return ids.get(o) as number;
    };
    const counted: FactModule<unknown>[] = FACT_MODULES.map((m) => {
      if (!m.facts) return m;
      const kind = m.facts.kind;
      return {
        ...m,
        facts: {
          kind,
          facts: m.facts.facts.map((f) => ({
            ...f,
            compute(subject: unknown, env, params) {
              const key = `${kind}/${idOf(subject)}/${f.name}/${JSON.stringify(params)}`;
              calls.set(key, (calls.get(key) ?? 0) + 1);
              return f.compute(subject, env, params);
            },
          })),
        },
      };
    });
    const registry = new FactRegistry(counted);
    const host = buildHost(await snapshotOf('ip-forward-disabled', 'fail'));
    const result = await runAudit(host, catalog, { input: 'x', registry });
    expect(result.findings.length).toBeGreaterThan(0);
    const repeated = [...calls].filter(([, n]) => n > 1);
    expect(repeated).toEqual([]);
    // Lazy: the interface facts no rule asks for were never computed.
    expect([...calls.keys()].some((k) => k.endsWith('/ipv6Addresses/{}'))).toBe(false);
  });
});
