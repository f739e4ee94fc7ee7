/**
 * applyGate (src/gate/suppress.ts): a finding a baseline or a live waiver accepts moves to `suppressed` with
 * why, and out of the severity counts; an expired waiver accepts nothing and is counted, to be reported.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import type { AuditResult } from '../../src/engine/types.js';
import type { LoadedBaseline } from '../../src/gate/baseline.js';
import { namespaceIdentities, stableFingerprint } from '../../src/gate/identity.js';
import { applyGate, type ExpiredMatches, type Gate } from '../../src/gate/suppress.js';
import { loadWaivers } from '../../src/gate/waivers.js';
import type { Waiver } from '../../src/gate/files.js';
import { buildHost } from '../../src/model/build.js';
import type { Host } from '../../src/model/types.js';
import { loadInput } from '../../src/snapshot/load.js';
import { containerHost } from '../cli/gate-inputs.js';
import { DOCKER_HOST, TEST_RULES } from '../cli/run.js';

const TODAY = '2026-06-15';
let catalog: RuleCatalog;
let host: Host;
beforeAll(async () => {
  catalog = await loadRuleCatalog([TEST_RULES]);
  host = buildHost((await loadInput(DOCKER_HOST)).snapshot);
});

/** The Docker host fixture audited with the three test rules: syncookies (error), eth0's MTU (warning), somaxconn (info). */
function audit(): Promise<AuditResult> {
  return runAudit(host, catalog, { input: 'docker-host', only: ['test-error-syncookies', 'test-warning-mtu', 'test-info-somaxconn'] });
}

function waivers(...list: Waiver[]) {
  return loadWaivers(list, { file: 'waivers.json', path: '/waivers' }, catalog, TODAY);
}

const ids = (findings: readonly { ruleId: string; subject: { name: string } }[]) => findings.map((f) => `${f.ruleId} ${f.subject.name}`);

describe('applyGate', () => {
  it('leaves a result alone when the gate holds nothing', async () => {
    const result = await audit();
    const before = structuredClone(result);
    applyGate(result, namespaceIdentities(host), { waivers: [] }, new Map());
    expect(result).toEqual(before);
    expect(result.summary).toMatchObject({ errors: 1, warnings: 1, infos: 1, suppressed: 0 });
  });

  it('moves a finding the baseline holds to suppressed, out of the severity counts', async () => {
    const result = await audit();
    const identities = namespaceIdentities(host);
    const syncookies = result.findings.find((f) => f.ruleId === 'test-error-syncookies')!;
    const baseline: LoadedBaseline = { file: 'base.json', fingerprints: new Set([stableFingerprint(syncookies.ruleId, syncookies.subject, identities)]) };
    applyGate(result, identities, { baseline, waivers: [] }, new Map());
    expect(ids(result.findings)).toEqual(['test-warning-mtu eth0', 'test-info-somaxconn host']);
    expect(result.suppressed).toEqual([{ ...syncookies, suppression: { kind: 'baseline', justification: 'accepted in the baseline base.json', file: 'base.json' } }]);
    expect(result.summary).toMatchObject({ errors: 0, warnings: 1, infos: 1, suppressed: 1 });
  });

  it('accepts by rule id and a glob on the subject, with the waiver\'s reason and expiry', async () => {
    const result = await audit();
    const gate: Gate = {
      waivers: waivers(
        { rule: 'test-warning-mtu', subject: 'eth?', reason: 'jumbo frames on the storage network', expires: TODAY },
        { rule: 'test-error-syncookies', subject: 'docker*', reason: 'matches no subject of this rule' },
      ),
    };
    applyGate(result, namespaceIdentities(host), gate, new Map());
    expect(ids(result.findings)).toEqual(['test-error-syncookies host', 'test-info-somaxconn host']);
    expect(result.suppressed.map((f) => f.suppression)).toEqual([
      { kind: 'waiver', justification: 'jumbo frames on the storage network', file: 'waivers.json', expires: TODAY },
    ]);
    expect(result.summary).toMatchObject({ errors: 1, warnings: 0, infos: 1, suppressed: 1 });
  });

  it('prefers a live waiver (it has a reason) to the baseline', async () => {
    const result = await audit();
    const identities = namespaceIdentities(host);
    const fingerprints = new Set(result.findings.map((f) => stableFingerprint(f.ruleId, f.subject, identities)));
    applyGate(result, identities, { baseline: { file: 'base.json', fingerprints }, waivers: waivers({ rule: 'test-info-somaxconn', subject: '*', reason: 'default is fine' }) }, new Map());
    expect(result.findings).toEqual([]);
    expect(result.suppressed.map((f) => `${f.ruleId} ${f.suppression.kind}`).sort()).toEqual([
      'test-error-syncookies baseline',
      'test-info-somaxconn waiver',
      'test-warning-mtu baseline',
    ]);
    expect(result.summary).toMatchObject({ errors: 0, warnings: 0, infos: 0, suppressed: 3 });
  });

  it('lets an expired waiver accept nothing, counting what it would have matched', async () => {
    const result = await audit();
    const [expired, unused] = waivers(
      { rule: 'test-warning-mtu', subject: '*', reason: 'until the switch upgrade', expires: '2026-06-14' },
      { rule: 'test-error-syncookies', subject: 'nothing-like-this', reason: 'old', expires: '2020-01-01' },
    );
    expect(expired?.expired).toBe(true);
    const counts: ExpiredMatches = new Map();
    applyGate(result, namespaceIdentities(host), { waivers: [expired!, unused!] }, counts);
    expect(result.suppressed).toEqual([]);
    expect(result.summary).toMatchObject({ errors: 1, warnings: 1, infos: 1, suppressed: 0 });
    expect(counts.get(expired!)).toBe(1);
    expect(counts.has(unused!)).toBe(false);
  });

  it('matches a waiver\'s namespace glob against a container\'s identity, and its subject glob against a namespace subject\'s', async () => {
    const all = await loadRuleCatalog();
    const container = buildHost(containerHost(4242, ['nginx']));
    const identities = namespaceIdentities(container);
    const run = () => runAudit(container, all, { input: 'c', only: ['netns-default-route-missing'] });
    const load = (w: Waiver) => loadWaivers([w], { file: 'w.json', path: '/waivers' }, all, TODAY);

    for (const waiver of [
      { rule: 'netns-default-route-missing', subject: '*', namespace: 'container:nginx', reason: 'internal network' },
      { rule: 'netns-default-route-missing', subject: 'container:nginx', reason: 'internal network' },
      { rule: 'netns-default-route-missing', subject: 'pid:*', reason: 'any container' },
    ]) {
      const result = await run();
      applyGate(result, identities, { waivers: load(waiver) }, new Map());
      expect(result.findings, JSON.stringify(waiver)).toEqual([]);
      expect(result.suppressed).toHaveLength(1);
    }
    const result = await run();
    applyGate(result, identities, { waivers: load({ rule: 'netns-default-route-missing', subject: '*', namespace: 'container:redis', reason: 'another container' }) }, new Map());
    expect(result.findings).toHaveLength(1);
  });
});
