/**
 * overlay-port-blocked on WireGuard devices, over the hand-written snapshots of fixtures/wireguard (see its
 * README: this kernel has no wireguard module, so the wg0 lines follow the documented forms): the port comes
 * from `wg show all listen-port` alone; without it the device is not checked and overlayPortsUnknown says why,
 * never taking a UDP socket without a process from ss -Hulnp as the port.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathEngine } from '../../../src/analysis/path/engine.js';
import { wireguardEndpoints } from '../../../src/analysis/path/overlay-wireguard.js';
import { runAudit } from '../../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../../src/engine/catalog.js';
import type { AuditResult } from '../../../src/engine/types.js';
import { buildHost } from '../../../src/model/build.js';
import type { Host } from '../../../src/model/types.js';
import type { Snapshot } from '../../../src/snapshot/schema.js';
import { loadInput } from '../../../src/snapshot/load.js';
import { PROJECT_ROOT } from '../../helpers/corpus.js';

const RULE = 'overlay-port-blocked';
const SITE_RULE = 'wireguard-unchecked';
const FIXTURES = path.join(PROJECT_ROOT, 'fixtures', 'wireguard');

const siteDir = mkdtempSync(path.join(tmpdir(), 'netaudit-wg-rules-'));
afterAll(() => rmSync(siteDir, { recursive: true, force: true }));

let catalog: RuleCatalog;
beforeAll(async () => {
  // What a site rule can say of a device the built-in rule leaves unchecked.
  writeFileSync(
    path.join(siteDir, `${SITE_RULE}.json`),
    JSON.stringify({
      id: SITE_RULE,
      title: 'A WireGuard device whose port the snapshot does not give',
      severity: 'info',
      subject: 'interface',
      requires: ['ip-link'],
      rationale: 'site policy',
      remediation: 'install wireguard-tools where the snapshot is collected',
      references: [],
      message: '{{name}}: {{overlayPortsUnknown}}',
      evidence: [],
      conditions: { all: [{ fact: 'overlayPortsUnknown', operator: 'someFact:startsWithAny', value: 'WireGuard' }] },
    }),
  );
  catalog = await loadRuleCatalog([siteDir]);
});

async function load(name: string): Promise<Snapshot> {
  return (await loadInput(path.join(FIXTURES, name))).snapshot;
}

async function audit(host: Host): Promise<AuditResult> {
  return runAudit(host, catalog, { input: 'wireguard', only: [RULE, SITE_RULE] });
}

describe('WireGuard devices and overlay-port-blocked', () => {
  it('INPUT policy DROP without the listen port: the finding names wg0, its port from wg, the uplink and the policy line', async () => {
    const result = await audit(buildHost(await load('blocked')));
    expect(result.skipped).toEqual([]);
    const findings = result.findings.filter((f) => f.ruleId === RULE);
    expect(findings.map((f) => [f.subject.namespace, f.subject.name])).toEqual([['host', 'wg0']]);
    expect(findings[0]!.message).toBe(
      'wg0: WireGuard receives its peers on UDP 51820 through eth0, but the DROP policy of filter/INPUT (0 packets so far) drops udp 192.0.2.1:40000 > 192.0.2.10:51820 (from 192.0.2.1 in eth0\'s subnet 192.0.2.0/24)',
    );
    expect(findings[0]!.evidence.map((e) => [e.source, e.line, e.primary ?? false])).toEqual([
      ['ip-link', 58, false],
      ['wg-listen-port', 1, false],
      ['iptables-save', 3, true],
    ]);
    expect(result.findings.filter((f) => f.ruleId === SITE_RULE)).toEqual([]);
  });

  it('the port accepted from the uplink: no finding, wg0 checked and passed', async () => {
    const result = await audit(buildHost(await load('open')));
    expect(result.findings).toEqual([]);
    expect(result.passed.some((p) => p.ruleId === RULE && p.subject.name === 'wg0')).toBe(true);
  });

  it('wg not installed: wg0 is not checked, and the reason names the source and the socket not taken as its port', async () => {
    const host = buildHost(await load('no-wg-tool'));
    const view = new PathEngine(host).view(host.host);
    const found = wireguardEndpoints(view, host.host);
    expect(found.endpoints).toEqual([]);
    expect(found.unknown).toHaveLength(1);
    const result = await audit(host);
    expect(result.findings.filter((f) => f.ruleId === RULE)).toEqual([]);
    const unchecked = result.findings.filter((f) => f.ruleId === SITE_RULE);
    expect(unchecked.map((f) => f.subject.name)).toEqual(['wg0']);
    expect(unchecked[0]!.message).toMatch(/^wg0: WireGuard: its UDP port is unknown: wg-listen-port not collected \(no wg-listen-port\.txt in .*\); ss-ulnp shows UDP sockets with no process on port 51820, which may be it: not taken as its port/);
  });

  it('a VXLAN device\'s own socket is not named as a port WireGuard may have', async () => {
    const snapshot = await load('no-wg-tool');
    const sources = snapshot.namespaces[0]!.sources;
    const links = JSON.parse(sources['ip-link']!.stdout) as unknown[];
    links.push({ ifindex: 4, ifname: 'vx0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1450, operstate: 'UNKNOWN', link_type: 'ether', linkinfo: { info_kind: 'vxlan', info_data: { id: 42, local: '192.0.2.10', link: 'eth0', port: 4789 } } });
    sources['ip-link']!.stdout = JSON.stringify(links);
    sources['ss-ulnp']!.stdout = `UNCONN 0      0      0.0.0.0:4789 0.0.0.0:*\n${sources['ss-ulnp']!.stdout}`;
    const unchecked = (await audit(buildHost(snapshot))).findings.filter((f) => f.ruleId === SITE_RULE);
    expect(unchecked.map((f) => f.subject.name)).toEqual(['wg0']);
    expect(unchecked[0]!.message).toContain('UDP sockets with no process on port 51820, which may be it');
  });

  it('wg could not read the device (its stderr): unknown, with wg\'s reason', async () => {
    const snapshot = await load('blocked');
    const wg = snapshot.namespaces[0]!.sources['wg-listen-port']!;
    Object.assign(wg, { stdout: 'wg1\t51821\n', stderr: 'Unable to access interface wg0: Operation not permitted\n', stderrEncoding: 'utf8' });
    const result = await audit(buildHost(snapshot));
    expect(result.findings.filter((f) => f.ruleId === RULE)).toEqual([]);
    expect(result.findings.filter((f) => f.ruleId === SITE_RULE).map((f) => f.message)).toEqual(['wg0: WireGuard: wg could not read it (Operation not permitted): its UDP port is unknown']);
  });

  it('port 0 (a device with no port yet) and a device wg does not list: unknown, each with its reason', async () => {
    const snapshot = await load('blocked');
    const wg = snapshot.namespaces[0]!.sources['wg-listen-port']!;
    wg.stdout = 'wg0\t0\n';
    let messages = (await audit(buildHost(snapshot))).findings.map((f) => `${f.ruleId} ${f.message}`);
    expect(messages).toEqual([`${SITE_RULE} wg0: WireGuard: wg-listen-port:1 gives port 0: it has no port yet (down, or made without one: the kernel picks one when it comes up)`]);
    wg.stdout = 'wg9\t51820\n';
    messages = (await audit(buildHost(snapshot))).findings.map((f) => `${f.ruleId} ${f.message}`);
    expect(messages).toEqual([`${SITE_RULE} wg0: WireGuard: wg-listen-port does not list it: its UDP port is unknown`]);
  });

  it('a userspace WireGuard (a tun device wg lists) is checked like the kernel\'s', async () => {
    const snapshot = await load('blocked');
    const link = snapshot.namespaces[0]!.sources['ip-link']!;
    link.stdout = link.stdout.replace('"info_kind": "wireguard"', '"info_kind": "tun"');
    const host = buildHost(snapshot);
    expect(host.host.interfaceByName.get('wg0')?.kind).toBe('tun');
    const findings = (await audit(host)).findings.filter((f) => f.ruleId === RULE);
    expect(findings.map((f) => f.subject.name)).toEqual(['wg0']);
  });
});
