/**
 * Issue 16, Done when: `netaudit diff` names the changed sysctl, rule and route and the finding the change
 * introduced, on real before/after snapshots of the namespace lab (and the reverse resolves it); two
 * collections of an untouched host differ in nothing; `audit --baseline` agrees with `diff` on what is new.
 * Three collections in all: healthy, broken, restored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffDocument } from '../../src/diff/schema.js';
import { dockerRules, savedForm } from './docker-ruleset.js';
import { Lab } from './lab.js';
import { collectWithNode, ensureBuilt, netaudit } from './netaudit.js';
import { labSupport, warnIfUnsupported } from './support.js';
import { DOCKER_NETWORK, TOPOLOGY as T } from './topology.js';

const support = labSupport();
warnIfUnsupported('netaudit diff e2e', support);

const MASQUERADE = dockerRules(DOCKER_NETWORK).masquerade;
const FORWARDING_KEY = `net.ipv4.conf.${T.uplink}.forwarding`;
/** A route the change adds, through the uplink's gateway. */
const ADDED_ROUTE = '192.0.2.0/24';

const diffs = new Map<string, { code: number | null; doc: DiffDocument }>();

/**
 * The lab runs Docker's rules without dockerd: no docker-proxy listens on the published port, so the
 * container's and the host's own connections to it are refused on every collection, and the finding comes and
 * goes with the suppressions of the change's findings (published-port-hairpin-broken has its own lab).
 */
const NOT_THIS_LAB = ['--disable', 'published-port-hairpin-broken'];

/** `netaudit diff BEFORE AFTER --format json`, run once per pair (each run audits both snapshots). */
function diffJson(before: string, after: string): { code: number | null; doc: DiffDocument } {
  const key = `${before}\u0000${after}`;
  let run = diffs.get(key);
  if (!run) {
    const r = netaudit(['diff', before, after, '--format', 'json', ...NOT_THIS_LAB]);
    run = { code: r.code, doc: JSON.parse(r.stdout) as DiffDocument };
    diffs.set(key, run);
  }
  return run;
}

/**
 * Waits until no IPv6 address of the lab's host namespace is still tentative: the kernel adds each link-local
 * address's local route when duplicate address detection ends, a second or two after a veth comes up, and a
 * collection made before then differs from a later one by that route (a real change, not the test's).
 */
async function settled(lab: Lab): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (lab.ip('host', '-6', 'addr', 'show', 'tentative').stdout.trim() === '') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!support.ok)('netaudit diff on lab snapshots', () => {
  const lab = new Lab('d');
  let dir = '';
  const snapshots = { healthy: '', broken: '', restored: '' };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netaudit-e2e-diff-'));
    ensureBuilt();
    await lab.create();
    const collect = async (name: keyof typeof snapshots): Promise<void> => {
      snapshots[name] = path.join(dir, `${name}.json`);
      await collectWithNode(lab, snapshots[name]);
    };
    await settled(lab);
    await collect('healthy');
    lab.sysctl('host', FORWARDING_KEY, 0);
    lab.iptables('-D', MASQUERADE);
    lab.ip('host', 'route', 'add', ADDED_ROUTE, 'via', T.internetAddress, 'dev', T.uplink);
    await collect('broken');
    lab.ip('host', 'route', 'del', ADDED_ROUTE);
    lab.reset();
    await collect('restored');
  });

  afterAll(() => {
    lab.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('two collections of the untouched host: no change, no finding introduced or resolved, exit 0', () => {
    const { code, doc } = diffJson(snapshots.healthy, snapshots.restored);
    expect(doc.changes.map((c) => `${c.kind} ${c.namespace}/${c.name}: ${c.before} → ${c.after}`)).toEqual([]);
    expect(doc.findings.introduced).toEqual([]);
    expect(doc.findings.resolved).toEqual([]);
    expect(code).toBe(0);
  });

  it('names the sysctl, the deleted rule and the added route, each with the snapshot lines, and the findings introduced: exit 1', () => {
    const { code, doc } = diffJson(snapshots.healthy, snapshots.broken);
    const sysctl = doc.changes.find((c) => c.kind === 'sysctl' && c.name === FORWARDING_KEY);
    expect(sysctl).toMatchObject({ namespace: 'host', before: '1', after: '0' });
    expect(sysctl?.evidence.map((e) => `${e.side} ${e.source} ${e.text}`)).toEqual([`before sysctl ${FORWARDING_KEY} = 1`, `after sysctl ${FORWARDING_KEY} = 0`]);
    const rule = doc.changes.find((c) => c.kind === 'netfilter.rule');
    expect(rule).toMatchObject({ name: 'iptables-save nat/POSTROUTING', before: savedForm(MASQUERADE), after: null });
    expect(rule?.evidence[0]).toMatchObject({ side: 'before', source: 'iptables-save' });
    expect(rule?.evidence[0]?.text).toMatch(new RegExp(`^\\[\\d+:\\d+\\] ${savedForm(MASQUERADE).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
    const route = doc.changes.find((c) => c.kind === 'route' && c.name === `main ${ADDED_ROUTE} metric 0`);
    expect(route).toMatchObject({ before: null, after: `via ${T.internetAddress} dev ${T.uplink}` });
    expect(route?.evidence[0]).toMatchObject({ side: 'after', source: 'ip-route' });
    // Nothing else moved: the change is exactly what the test did.
    expect(doc.changes.map((c) => `${c.kind} ${c.name}`).sort()).toEqual([
      'netfilter.rule iptables-save nat/POSTROUTING',
      `route main ${ADDED_ROUTE} metric 0`,
      `sysctl ${FORWARDING_KEY}`,
    ]);

    const introduced = doc.findings.introduced.map((f) => `${f.ruleId} ${f.subject.kind} ${f.subject.name}`);
    expect(introduced).toContain(`iface-forwarding-disabled interface ${T.uplink}`);
    expect(introduced).toContain(`masquerade-missing bridge-subnet ${T.bridge}:${T.bridgeSubnet}`);
    expect(doc.findings.resolved).toEqual([]);
    expect(doc.summary.failed).toBe(true);
    expect(code).toBe(1);
  });

  it('the reverse resolves what the change introduced, and exits 0', () => {
    const forward = diffJson(snapshots.healthy, snapshots.broken).doc;
    const { code, doc } = diffJson(snapshots.broken, snapshots.restored);
    const ids = (list: DiffDocument['findings']['introduced']) => list.map((f) => `${f.ruleId} ${f.subject.namespace}/${f.subject.name}`).sort();
    expect(ids(doc.findings.resolved)).toEqual(ids(forward.findings.introduced));
    expect(doc.findings.introduced).toEqual([]);
    expect(doc.changes.find((c) => c.kind === 'sysctl' && c.name === FORWARDING_KEY)).toMatchObject({ before: '0', after: '1' });
    expect(code).toBe(0);
  });

  it('agrees with `audit --baseline` on what is new', () => {
    const baseline = path.join(dir, 'baseline.json');
    expect(netaudit(['baseline', snapshots.healthy, '-o', baseline]).code).toBe(0);
    const audit = netaudit(['audit', snapshots.broken, '--baseline', baseline, '--format', 'json', '--fail-on', 'none', '--no-config']);
    const report = JSON.parse(audit.stdout) as { findings: { ruleId: string; subject: { name: string; namespace: string } }[] };
    const key = (f: { ruleId: string; subject: { name: string; namespace: string } }): string => `${f.ruleId} ${f.subject.namespace}/${f.subject.name}`;
    const { doc } = diffJson(snapshots.healthy, snapshots.broken);
    expect(doc.findings.introduced.map(key).sort()).toEqual(report.findings.map(key).sort());
    expect(report.findings.length).toBeGreaterThan(0);
  });
});
