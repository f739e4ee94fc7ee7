/**
 * gateway-unreachable and policy-route-blackhole beyond their fixtures: each case is the rule's pass
 * fixture (a Docker host with two container namespaces) with one source replaced, audited whole.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import type { Finding } from '../../src/engine/types.js';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import { FIXTURES_DIR } from './fixture-helpers.js';

let catalog: RuleCatalog;
const dirs: string[] = [];
beforeAll(async () => {
  catalog = await loadRuleCatalog();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The pass fixture of `ruleId` with `files` (relative path → content) written over it; the findings of `ruleId`. */
async function audit(ruleId: string, files: Record<string, string | undefined>): Promise<{ findings: Finding[]; skipped: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-routing-'));
  dirs.push(dir);
  cpSync(path.join(FIXTURES_DIR, ruleId, 'pass'), dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    if (content === undefined) rmSync(path.join(dir, file), { force: true });
    else writeFileSync(path.join(dir, file), content);
  }
  const { snapshot } = await loadInput(dir);
  const result = await runAudit(buildHost(snapshot), catalog, { input: dir });
  return {
    findings: result.findings.filter((f) => f.ruleId === ruleId),
    skipped: result.skipped.filter((s) => s.ruleId === ruleId).map((s) => s.reason),
  };
}

const json = (v: unknown): string => JSON.stringify(v);

/** The pass fixture's main-table routes, with `extra` routes first. */
function hostRoutes(...extra: object[]): string {
  return json([
    ...extra,
    { dst: '172.17.0.0/16', dev: 'docker0', protocol: 'kernel', scope: 'link', prefsrc: '172.17.0.1', flags: [] },
    { dst: '192.0.2.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '192.0.2.10', flags: [] },
  ]);
}

describe('gateway-unreachable', () => {
  const id = 'gateway-unreachable';

  it('checks each nexthop of a multipath default on its own device', async () => {
    const { findings } = await audit(id, {
      'ip-route.json': hostRoutes({
        dst: 'default',
        flags: [],
        nexthops: [
          { gateway: '192.0.2.1', dev: 'eth0', weight: 1, flags: [] },
          { gateway: '192.0.2.2', dev: 'eth0', weight: 1, flags: [] },
        ],
      }),
      'ip-neigh.json': json([
        { dst: '192.0.2.1', dev: 'eth0', lladdr: '00:00:5e:00:01:01', state: ['REACHABLE'] },
        { dst: '192.0.2.2', dev: 'eth0', state: ['INCOMPLETE'] },
      ]),
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.subject).toMatchObject({ kind: 'route', namespace: 'host' });
    expect(findings[0]?.message).toContain('192.0.2.2 dev eth0 (INCOMPLETE)');
    expect(findings[0]?.message).not.toContain('192.0.2.1');
    expect(findings[0]?.evidence.map((e) => [e.source, e.line])).toEqual([
      ['ip-route', 1],
      ['ip-neigh', 1],
    ]);
  });

  it('checks IPv6 default routes (a link-local router that does not answer neighbour discovery)', async () => {
    const { findings } = await audit(id, {
      'ip6-route.json': json([{ dst: 'default', gateway: 'fe80::1', dev: 'eth0', protocol: 'ra', metric: 1024, flags: [], pref: 'medium' }]),
      'ip-neigh.json': json([
        { dst: '192.0.2.1', dev: 'eth0', lladdr: '00:00:5e:00:01:01', state: ['REACHABLE'] },
        { dst: 'fe80::1', dev: 'eth0', router: null, state: ['FAILED'] },
      ]),
    });
    expect(findings.map((f) => f.subject.name)).toEqual(['::/0 dev eth0 metric 1024']);
    expect(findings[0]?.evidence.map((e) => e.source)).toEqual(['ip6-route', 'ip-neigh']);
  });

  it('does not report a gateway without a neighbour entry, nor a FAILED entry on another device', async () => {
    const { findings } = await audit(id, {
      'ip-neigh.json': json([
        { dst: '192.0.2.1', dev: 'docker0', state: ['FAILED'] },
        { dst: '192.0.2.99', dev: 'eth0', state: ['FAILED'] },
      ]),
    });
    expect(findings).toEqual([]);
  });

  it('is skipped, visibly, where ip neigh was not collected', async () => {
    const { findings, skipped } = await audit(id, { 'ip-neigh.json': undefined });
    expect(findings).toEqual([]);
    expect(skipped.some((r) => r.includes('namespace host') && r.includes('ip-neigh'))).toBe(true);
  });
});

describe('policy-route-blackhole', () => {
  const id = 'policy-route-blackhole';
  const rules = (...extra: object[]): string =>
    json([{ priority: 0, src: 'all', table: 'local' }, ...extra, { priority: 32766, src: 'all', table: 'main' }, { priority: 32767, src: 'all', table: 'default' }]);
  const defaultVia = { dst: 'default', gateway: '192.0.2.1', dev: 'eth0', protocol: 'dhcp', metric: 100, flags: [] };

  it('reports a policy rule action that refuses the replies coming back to the bridge subnet, naming the kernel error', async () => {
    const { findings } = await audit(id, {
      'ip-route.json': hostRoutes(defaultVia),
      'ip-rule.json': rules({ priority: 90, src: 'all', dst: '172.17.0.0', dstlen: 16, iif: 'eth0', action: 'prohibit' }),
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.subject).toEqual({ kind: 'interface', name: 'docker0', namespace: 'host' });
    expect(findings[0]?.message).toContain('replies from 192.0.2.1 (in by eth0) to 172.17.0.2');
    expect(findings[0]?.message).toContain('"Permission denied"');
    expect(findings[0]?.evidence.map((e) => [e.source, e.line])).toEqual([['ip-rule', 1]]);
  });

  it('does not guess past a rule it cannot decide (fwmark)', async () => {
    const { findings } = await audit(id, {
      'ip-route.json': hostRoutes(defaultVia, { type: 'blackhole', dst: 'default', table: '100', flags: [] }),
      'ip-rule.json': rules({ priority: 50, src: 'all', fwmark: '0x1', table: '100' }, { priority: 100, src: '172.17.0.0', srclen: 16, table: '100' }),
    });
    expect(findings).toEqual([]);
  });

  it('says when it assumed the kernel\'s default rules because ip rule was not collected', async () => {
    const { findings } = await audit(id, {
      'ip-route.json': hostRoutes(defaultVia, { type: 'unreachable', dst: '192.0.2.0/25', flags: [] }),
      'ip-rule.json': undefined,
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toContain('ip rule not collected');
    expect(findings[0]?.message).toContain('"No route to host"');
    expect(findings[0]?.evidence.map((e) => e.source)).toEqual(['ip-route']);
  });

  it('asks a container namespace\'s own routing about its address', async () => {
    const { findings } = await audit(id, {
      'netns/web/ip-route.json': json([
        { type: 'blackhole', dst: 'default', flags: [] },
        { dst: '172.17.0.0/16', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '172.17.0.2', flags: [] },
      ]),
    });
    expect(findings.map((f) => [f.subject.namespace, f.subject.name])).toEqual([['web', 'eth0']]);
    expect(findings[0]?.message).toContain('namespace web');
    expect(findings[0]?.evidence.map((e) => [e.source, e.line])).toEqual([['netns:web/ip-route', 1]]);
  });
});
