/**
 * interface-managed-by-network-manager beyond its fixtures, on the same real capture (a Docker host: docker0,
 * two container veths, a veth pair of the host's own) with the pass fixture's configuration files
 * (NetworkManager's udev rule for veths, an unmanaged-devices snippet): systemd-networkd taking a container veth,
 * NetworkManager still managing a device its configuration already excludes (not reloaded; a udev rule whose
 * properties the device predates), an except: spec keeping one out of the list, a [device] section that
 * overrides the udev rule or was not applied, the udev rule masked, a stopped systemd-networkd, and the rule
 * skipped, saying why, when neither listing is usable.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { runAudit } from '../../src/engine/audit.js';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { fixtureInput } from '../rules/fixture-helpers.js';

const RULE = 'interface-managed-by-network-manager';
let catalog: RuleCatalog;
let base: Snapshot;

beforeAll(async () => {
  catalog = await loadRuleCatalog();
  base = (await loadInput(fixtureInput(RULE, 'pass'))).snapshot;
});

function variant(sources: Record<string, string | undefined>, nmConf?: string, files: Record<string, Record<string, string>> = {}): Snapshot {
  const snapshot = structuredClone(base);
  const host = snapshot.namespaces[0]!;
  for (const [id, text] of Object.entries(sources)) {
    if (text === undefined) host.sources[id] = { status: 'not-collected', command: id, exitCode: null, stdout: '', stdoutEncoding: 'utf8', stderr: '', stderrEncoding: 'utf8', durationMs: 0, truncated: false, reason: `${id.split('-')[0]} is not installed` };
    else host.sources[id] = { status: 'ok', command: id, exitCode: 0, stdout: text, stdoutEncoding: 'utf8', stderr: '', stderrEncoding: 'utf8', durationMs: 0, truncated: false };
  }
  if (nmConf !== undefined) host.files = { ...host.files, 'nm-conf': { status: 'ok', files: [{ path: '/etc/NetworkManager/conf.d/90-containers.conf', status: 'ok', content: nmConf, encoding: 'utf8' }] } };
  for (const [id, byPath] of Object.entries(files)) {
    const kept = (host.files?.[id]?.files ?? []).filter((f) => !(f.path in byPath));
    host.files = { ...host.files, [id]: { status: 'ok', files: [...kept, ...Object.entries(byPath).map(([path, content]) => ({ path, status: 'ok' as const, content, encoding: 'utf8' as const }))] } };
  }
  return snapshot;
}

async function findings(snapshot: Snapshot) {
  const result = await runAudit(buildHost(snapshot), catalog, { input: 'test' });
  return { found: result.findings.filter((f) => f.ruleId === RULE), skipped: result.skipped.filter((s) => s.ruleId === RULE) };
}

const NM_UNMANAGED = 'eth0:ethernet:connected:Wired connection 1\ndocker0:bridge:unmanaged:\nveth3c5a6e1:ethernet:unmanaged:\nvethb1f0d2a:ethernet:unmanaged:\nveth-mgmt-br:ethernet:unmanaged:\nveth-mgmt:ethernet:unmanaged:\n';

describe('interface-managed-by-network-manager', () => {
  it('systemd-networkd configuring a container veth: the networkctl line, and the .network fix', async () => {
    const { found } = await findings(variant({ 'nmcli-device': NM_UNMANAGED, 'networkctl-list': '  2 eth0 ether routable configured\n  4 veth3c5a6e1 ether enslaved configured\n  3 docker0 bridge routable unmanaged\n' }));
    expect(found.map((f) => f.subject.name)).toEqual(['veth3c5a6e1']);
    expect(found[0]!.evidence[0]).toEqual({ source: 'networkctl-list', line: 2, text: '  4 veth3c5a6e1 ether enslaved configured' });
    expect(found[0]!.message).toContain('systemd-networkd (setup configured)');
    expect(found[0]!.message).toContain('[Match] Name=veth* and [Link] Unmanaged=yes');
  });

  it('names the .network file systemd-networkd applies (its Name= line quoted), or says an Unmanaged=yes file was not applied', async () => {
    const links = '  2 eth0 ether routable configured\n  4 veth3c5a6e1 ether enslaved configured\n';
    const withFiles = (files: Record<string, string>) => {
      const snapshot = variant({ 'nmcli-device': NM_UNMANAGED, 'networkctl-list': links });
      snapshot.namespaces[0]!.files = { ...snapshot.namespaces[0]!.files, 'networkd-network': { status: 'ok', files: Object.entries(files).map(([path, content]) => ({ path, status: 'ok' as const, content, encoding: 'utf8' as const })) } };
      return snapshot;
    };
    const catchAll = await findings(withFiles({ '/usr/lib/systemd/network/50-dhcp.network': '[Match]\nName=e* veth*\n[Network]\nDHCP=yes\n' }));
    expect(catchAll.found[0]!.message).toContain('/usr/lib/systemd/network/50-dhcp.network takes it: add a .network file sorting before it with [Match] Name=veth* and [Link] Unmanaged=yes');
    expect(catchAll.found[0]!.evidence.map((e) => `${e.source}:${e.line}`)).toEqual(['networkctl-list:2', '/usr/lib/systemd/network/50-dhcp.network:2', 'ip-link:127']);
    // A name in /etc masks the same name in /usr/lib; the containers' file sorts first and leaves them alone.
    const fixed = await findings(
      withFiles({
        '/usr/lib/systemd/network/50-dhcp.network': '[Match]\nName=e* veth*\n',
        '/etc/systemd/network/50-dhcp.network': '',
        '/etc/systemd/network/10-containers.network': '[Match]\nName=veth*\n[Link]\nUnmanaged=yes\n',
      }),
    );
    expect(fixed.found[0]!.message).toContain('/etc/systemd/network/10-containers.network takes it and sets Unmanaged=yes (line 4) but systemd-networkd has not applied it: `networkctl reload`');
  });

  it('says the configuration already excludes it when NetworkManager has not reloaded it; names an except: spec', async () => {
    const nmcli = 'docker0:bridge:connected:docker0\nveth3c5a6e1:ethernet:disconnected:\n';
    const reloaded = await findings(variant({ 'nmcli-device': nmcli }, '[keyfile]\nunmanaged-devices=interface-name:docker0;interface-name:veth*,except:interface-name:veth3c5a6e1\n'));
    const byName = new Map(reloaded.found.map((f) => [f.subject.name, f]));
    expect([...byName.keys()].sort()).toEqual(['docker0', 'veth3c5a6e1']);
    expect(byName.get('docker0')!.message).toContain('unmanaged-devices already lists it (/etc/NetworkManager/conf.d/90-containers.conf line 2) but NetworkManager has not applied it');
    expect(byName.get('docker0')!.evidence.map((e) => `${e.source}:${e.line}`)).toEqual(['nmcli-device:1', '/etc/NetworkManager/conf.d/90-containers.conf:2', 'ip-link:55']);
    // NetworkManager's udev rule leaves veth3c5a6e1 unmanaged all the same: its properties predate the rule; the except: spec keeps it out of the list.
    const veth = byName.get('veth3c5a6e1')!;
    expect(veth.message).toContain("udev's NM_UNMANAGED=1 (/usr/lib/udev/rules.d/85-nm-unmanaged.rules line 9) should leave it unmanaged, but NetworkManager manages it");
    expect(veth.message).toContain('remove the except: spec except:interface-name:veth3c5a6e1 (/etc/NetworkManager/conf.d/90-containers.conf line 2), which keeps it out of [keyfile] unmanaged-devices to make it final');
    expect(veth.evidence.map((e) => `${e.source}:${e.line}`)).toEqual(['nmcli-device:2', '/usr/lib/udev/rules.d/85-nm-unmanaged.rules:9', '/etc/NetworkManager/conf.d/90-containers.conf:2', 'ip-link:127']);
    // Without the udev rule, the except: spec is the whole story.
    const snapshot = variant({ 'nmcli-device': nmcli }, '[keyfile]\nunmanaged-devices=interface-name:veth*,except:interface-name:veth3c5a6e1\n');
    delete snapshot.namespaces[0]!.files!['udev-rules'];
    const plain = (await findings(snapshot)).found.find((f) => f.subject.name === 'veth3c5a6e1')!;
    expect(plain.message).toContain('the except: spec except:interface-name:veth3c5a6e1 (/etc/NetworkManager/conf.d/90-containers.conf line 2) keeps it managed: remove it');
  });

  it('names a [device] section whose managed=1 overrides the udev rule for veths, and one whose managed=0 was not applied', async () => {
    const nmcli = 'docker0:bridge:unmanaged:\nveth3c5a6e1:ethernet:connected:Wired connection 2\nvethb1f0d2a:ethernet:disconnected:\n';
    const { found } = await findings(
      variant({ 'nmcli-device': nmcli }, '[keyfile]\nunmanaged-devices=interface-name:docker0\n\n[device-wired]\nmatch-device=type:ethernet,except:interface-name:vethb1f0d2a\nmanaged=1\n\n[device-b1]\nmatch-device=interface-name:vethb1f0d2a\nmanaged=0\n'),
    );
    const byName = new Map(found.map((f) => [f.subject.name, f]));
    expect([...byName.keys()].sort()).toEqual(['veth3c5a6e1', 'vethb1f0d2a']);
    const overriding = byName.get('veth3c5a6e1')!;
    expect(overriding.message).toContain("[device-wired] managed=1 (/etc/NetworkManager/conf.d/90-containers.conf line 6) makes NetworkManager manage it, over udev's NM_UNMANAGED=1 (/usr/lib/udev/rules.d/85-nm-unmanaged.rules line 9)");
    expect(overriding.evidence.map((e) => `${e.source}:${e.line}`)).toEqual([
      'nmcli-device:2',
      '/etc/NetworkManager/conf.d/90-containers.conf:5',
      '/etc/NetworkManager/conf.d/90-containers.conf:6',
      '/usr/lib/udev/rules.d/85-nm-unmanaged.rules:9',
      'ip-link:127',
    ]);
    expect(byName.get('vethb1f0d2a')!.message).toContain('[device-b1] managed=0 (/etc/NetworkManager/conf.d/90-containers.conf line 10) leaves it unmanaged but NetworkManager has not applied it');
  });

  it('says NetworkManager\'s udev rule for veths is masked, where an empty /etc/udev/rules.d file of its name hides it', async () => {
    const { found } = await findings(variant({ 'nmcli-device': 'veth3c5a6e1:ethernet:connected:Wired connection 2\n' }, '[keyfile]\nunmanaged-devices=interface-name:docker0\n', { 'udev-rules': { '/etc/udev/rules.d/85-nm-unmanaged.rules': '' } }));
    expect(found.map((f) => f.subject.name)).toEqual(['veth3c5a6e1']);
    expect(found[0]!.message).toContain("add interface-name:veth* to [keyfile] unmanaged-devices in /etc/NetworkManager/conf.d/ (NetworkManager's 85-nm-unmanaged.rules, which leaves veths unmanaged, is masked by /etc/udev/rules.d/85-nm-unmanaged.rules)");
  });

  it('stays silent on a device NetworkManager only tracks (connected (externally): the runtime configured it)', async () => {
    const { found } = await findings(variant({ 'nmcli-device': 'docker0:bridge:connected (externally):docker0\nveth3c5a6e1:ethernet:unmanaged:\n' }));
    expect(found).toEqual([]);
  });

  it('stays silent where systemd-networkd is not running (its stale setup states do not count)', async () => {
    const snapshot = variant({ 'nmcli-device': undefined, 'networkctl-list': '  4 veth3c5a6e1 ether enslaved configured\n' });
    snapshot.namespaces[0]!.sources['networkctl-list']!.stderr = 'WARNING: systemd-networkd is not running, output will be incomplete.\n\n';
    const { found, skipped } = await findings(snapshot);
    expect(found).toEqual([]);
    expect(skipped).toEqual([]);
  });

  it('is skipped, naming both listings, where neither nmcli nor networkctl could be read', async () => {
    const { found, skipped } = await findings(variant({ 'nmcli-device': undefined, 'networkctl-list': undefined }));
    expect(found).toEqual([]);
    // Once per namespace of the snapshot, each naming the host's listings (the managers run in the host's namespace).
    expect(new Set(skipped.map((s) => s.reason))).toEqual(
      new Set(['none of nmcli-device, networkctl-list usable: namespace host: nmcli-device not collected (nmcli is not installed); namespace host: networkctl-list not collected (networkctl is not installed)']),
    );
    expect(skipped.length).toBe(base.namespaces.length);
  });
});
