/**
 * NetworkManager's configuration as NetworkManager merges it, udev's NM_UNMANAGED, and how they combine per
 * device, over fixture trees collected by the real (Node) collector: test/model/fixtures/network-managers/
 *  - ubuntu-netplan-docker: Ubuntu's /usr/lib snippet that unmanages everything but Wi-Fi and modems, masked by
 *    netplan's empty file of the same name in /run; netplan's `unmanaged-devices+=` for the networkd-managed
 *    eth0; the main file; an /etc snippet adding Docker's bridges and two [device-*] sections; a disabled
 *    snippet; NetworkManager's udev rules (written in the form of its 85-nm-unmanaged.rules and
 *    84-nm-drivers.rules) and an admin's rule by MAC prefix;
 *  - masked: /etc masking /usr/lib's and /run's snippets and NetworkManager's udev rule, and a snippet enabled
 *    by a version predicate this model cannot decide.
 * Then precedence and [device*] order on hand-written snippets, links to /dev/null, and a property: the
 * collectors' order of the files does not change the outcome.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSources } from '../../src/collect/host-files.js';
import { buildHost } from '../../src/model/build.js';
import { nmConfiguredManagement, type ConfiguredDevice, type NetworkManagers } from '../../src/model/network-managers.js';
import type { CollectedFile, FileSource, Snapshot } from '../../src/snapshot/schema.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { makeSnapshot } from '../helpers/snapshot.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test/model/fixtures/network-managers');
let procRoot = '';

beforeAll(() => {
  procRoot = mkdtempSync(path.join(os.tmpdir(), 'netaudit-nm-proc-'));
});
afterAll(() => rmSync(procRoot, { recursive: true, force: true }));

function withFiles(files: Record<string, FileSource>): Snapshot {
  const snapshot = makeSnapshot({});
  snapshot.namespaces[0]!.files = files;
  return snapshot;
}

async function collectTree(name: string): Promise<Snapshot> {
  return withFiles(await readFileSources({ kind: 'host' }, { fileRoot: path.join(FIXTURES, name), procRoot }));
}

function managersOf(snapshot: Snapshot): NetworkManagers {
  return buildHost(snapshot).host.networkManagers!;
}

const veth = (name: string, mac = '02:42:ac:11:00:02'): ConfiguredDevice => ({ name, virtual: true, mac, driver: 'veth', devtype: '' });
const bridge = (name: string): ConfiguredDevice => ({ name, virtual: true, driver: 'bridge', devtype: 'bridge', nmType: 'bridge' });
const dummy = (name: string, mac: string): ConfiguredDevice => ({ name, virtual: true, mac, driver: 'dummy' });

/** Snippets as files of the nm-conf source, every one read. */
function nmConf(files: Record<string, string>, extra: CollectedFile[] = []): NetworkManagers {
  return managersOf(withFiles({ 'nm-conf': { status: 'ok', files: [...Object.entries(files).map(([p, content]) => ({ path: p, status: 'ok' as const, content, encoding: 'utf8' as const })), ...extra] } }));
}

describe('ubuntu-netplan-docker', () => {
  let managers: NetworkManagers;
  beforeAll(async () => {
    managers = managersOf(await collectTree('ubuntu-netplan-docker'));
  });

  it('reads the files in NetworkManager\'s order: /usr/lib, /run, the main file, /etc; a name in /run masks /usr/lib\'s; enable=false skips', () => {
    expect(managers.nmConfig!.files.map((f) => [f.path, f.state, f.detail])).toEqual([
      ['/usr/lib/NetworkManager/conf.d/10-globally-managed-devices.conf', 'masked', '/run/NetworkManager/conf.d/10-globally-managed-devices.conf'],
      ['/usr/lib/NetworkManager/conf.d/20-connectivity.conf', 'read', undefined],
      ['/run/NetworkManager/conf.d/10-globally-managed-devices.conf', 'read', undefined],
      ['/run/NetworkManager/conf.d/netplan.conf', 'read', undefined],
      ['/etc/NetworkManager/NetworkManager.conf', 'read', undefined],
      ['/etc/NetworkManager/conf.d/90-containers.conf', 'read', undefined],
      ['/etc/NetworkManager/conf.d/99-disabled.conf', 'disabled', 'line 2: enable=false'],
    ]);
    expect(managers.nmConfig!.readings).toHaveLength(1);
  });

  it('merges unmanaged-devices across the files, each spec with the line that gave it', () => {
    expect(managers.unmanagedDevices!.specs.map((s) => [s.spec.text, `${s.evidence.source}:${s.evidence.line}`])).toEqual([
      ['interface-name:eth0', '/run/NetworkManager/conf.d/netplan.conf:3'],
      ['interface-name:docker0', '/etc/NetworkManager/conf.d/90-containers.conf:3'],
      ['interface-name:br-*', '/etc/NetworkManager/conf.d/90-containers.conf:3'],
    ]);
  });

  it('orders the [device*] sections top to bottom, the plain [device] last', () => {
    expect(managers.nmConfig!.readings[0]!.deviceSections.map((s) => s.name)).toEqual(['device-veth-mgmt', 'device-lab', 'device']);
  });

  it('says which source decides each device, and which file and line', () => {
    const decide = (device: ConfiguredDevice) => {
      const m = nmConfiguredManagement(managers, device)!;
      return [m.result, m.decision?.source, m.decision?.evidence.map((e) => `${e.source}:${e.line}`)];
    };
    expect(decide(bridge('docker0'))).toEqual(['unmanaged', 'unmanaged-devices', ['/etc/NetworkManager/conf.d/90-containers.conf:3']]);
    // NetworkManager's udev rule for veths (the continued line is quoted at its first line).
    expect(decide(veth('veth3c5a6e1'))).toEqual(['unmanaged', 'udev', ['/usr/lib/udev/rules.d/85-nm-unmanaged.rules:9']]);
    // managed=1 in a [device] section overrides the udev rule.
    expect(decide(veth('veth-mgmt'))).toEqual(['managed', 'device-section', ['/etc/NetworkManager/conf.d/90-containers.conf:6', '/etc/NetworkManager/conf.d/90-containers.conf:7']]);
    expect(nmConfiguredManagement(managers, veth('veth-mgmt'))!.udev).toMatchObject({ result: 'unmanaged' });
    expect(decide(dummy('lab1', '52:54:00:00:00:01'))).toEqual(['unmanaged', 'device-section', ['/etc/NetworkManager/conf.d/90-containers.conf:10', '/etc/NetworkManager/conf.d/90-containers.conf:11']]);
    // lab0 is excepted from [device-lab]; the admin's udev rule takes it by its MAC.
    expect(decide(dummy('lab0', '02:00:5e:00:00:01'))).toEqual(['unmanaged', 'udev', ['/etc/udev/rules.d/70-lab-unmanaged.rules:2']]);
    expect(decide(dummy('lab0', '52:54:00:00:00:02'))).toEqual(['default', undefined, undefined]);
    // An eth<N> veth (a system container's own end) escapes the veth rule.
    expect(decide(veth('eth1'))).toEqual(['default', undefined, undefined]);
    // A NIC: its kernel name is not in the snapshot, so the vboxnet rule could apply.
    expect(nmConfiguredManagement(managers, { name: 'enp1s0', virtual: false, mac: '52:54:00:12:34:56' })).toMatchObject({ result: 'unknown' });
  });
});

describe('masked', () => {
  let managers: NetworkManagers;
  beforeAll(async () => {
    managers = managersOf(await collectTree('masked'));
  });

  it('lets /etc mask /usr/lib and /run (an empty file, a file of comments alike)', () => {
    expect(managers.nmConfig!.files.map((f) => [f.path, f.state])).toEqual([
      ['/usr/lib/NetworkManager/conf.d/10-globally-managed-devices.conf', 'masked'],
      ['/run/NetworkManager/conf.d/netplan.conf', 'masked'],
      ['/etc/NetworkManager/conf.d/10-globally-managed-devices.conf', 'read'],
      ['/etc/NetworkManager/conf.d/50-veth.conf', 'undecided'],
      ['/etc/NetworkManager/conf.d/netplan.conf', 'read'],
    ]);
    expect(managers.udevRules!.masked).toEqual([{ path: '/usr/lib/udev/rules.d/85-nm-unmanaged.rules', label: '/usr/lib/udev/rules.d/85-nm-unmanaged.rules', by: '/etc/udev/rules.d/85-nm-unmanaged.rules' }]);
  });

  it('evaluates both readings of a snippet enabled by a version predicate: a device they disagree on is unknown', () => {
    expect(managers.nmConfig!.readings.map((r) => [r.assumedEnabled, r.unmanagedDevices.specs.map((s) => s.spec.text)])).toEqual([
      [['/etc/NetworkManager/conf.d/50-veth.conf'], ['interface-name:veth*']],
      [[], []],
    ]);
    const m = nmConfiguredManagement(managers, veth('veth3c5a6e1'))!;
    expect(m.result).toBe('unknown');
    expect(m.reason).toMatch(/whether NetworkManager reads \/etc\/NetworkManager\/conf\.d\/50-veth\.conf/);
    // The udev rule is masked: it no longer leaves veths unmanaged.
    expect(m.udev).toMatchObject({ result: 'not-unmanaged' });
    expect(nmConfiguredManagement(managers, bridge('docker0'))).toMatchObject({ result: 'default' });
  });
});

describe('NetworkManager\'s precedence', () => {
  it('lets a later file\'s key replace an earlier one\'s: /usr/lib, then /run, then NetworkManager.conf, then /etc/…/conf.d', () => {
    const m = nmConf({
      '/etc/NetworkManager/conf.d/50-docker.conf': '[keyfile]\nunmanaged-devices=interface-name:docker0\n',
      '/etc/NetworkManager/NetworkManager.conf': '[keyfile]\nunmanaged-devices=interface-name:main\n',
      '/run/NetworkManager/conf.d/99-run.conf': '[keyfile]\nunmanaged-devices=interface-name:run\n',
      '/usr/lib/NetworkManager/conf.d/99-lib.conf': '[keyfile]\nunmanaged-devices=*\n',
    });
    expect(m.unmanagedDevices!.specs.map((s) => s.spec.text)).toEqual(['interface-name:docker0']);
    expect(m.unmanagedDevices!.evidence.map((e) => e.source)).toEqual([
      '/usr/lib/NetworkManager/conf.d/99-lib.conf',
      '/run/NetworkManager/conf.d/99-run.conf',
      '/etc/NetworkManager/NetworkManager.conf',
      '/etc/NetworkManager/conf.d/50-docker.conf',
    ]);
  });

  it('appends and removes with += and -= across files, leaving out duplicates; `key +=` is ignored', () => {
    const m = nmConf({
      '/usr/lib/NetworkManager/conf.d/10-a.conf': '[keyfile]\nunmanaged-devices=interface-name:a,interface-name:b\n',
      '/etc/NetworkManager/conf.d/20-b.conf': '[keyfile]\nunmanaged-devices+=interface-name:b;interface-name:c\nunmanaged-devices +=interface-name:ignored\n',
      '/etc/NetworkManager/conf.d/30-c.conf': '[keyfile]\nunmanaged-devices-=interface-name:a\n',
    });
    expect(m.unmanagedDevices!.specs.map((s) => s.spec.text)).toEqual(['interface-name:b', 'interface-name:c']);
  });

  it('reads a key repeated within one file as GLib does: each occurrence in turn, with the value of the last', () => {
    const m = nmConf({ '/etc/NetworkManager/conf.d/10-x.conf': '[keyfile]\nunmanaged-devices=interface-name:a\nunmanaged-devices+=interface-name:b\nunmanaged-devices+=interface-name:c\n' });
    expect(m.unmanagedDevices!.specs.map((s) => [s.spec.text, s.evidence.line])).toEqual([
      ['interface-name:a', 2],
      ['interface-name:c', 4],
    ]);
  });

  it('tries [device*] sections top to bottom within a file, a later file\'s first, the plain [device] last; a section name keeps its first file\'s place', () => {
    const within = nmConf({ '/etc/NetworkManager/conf.d/10-x.conf': '[device]\nmanaged=1\n[device-off]\nmatch-device=interface-name:veth*\nmanaged=0\n[device-on]\nmatch-device=interface-name:veth*\nmanaged=1\n' });
    expect(nmConfiguredManagement(within, veth('veth0'))!.decision?.text).toBe('[device-off] managed=0 (/etc/NetworkManager/conf.d/10-x.conf line 5)');
    expect(nmConfiguredManagement(within, bridge('docker0'))!.decision?.text).toBe('[device] managed=1 (/etc/NetworkManager/conf.d/10-x.conf line 2)');
    const across = nmConf({
      '/etc/NetworkManager/conf.d/50-a.conf': '[device-x]\nmatch-device=interface-name:veth*\nmanaged=0\n',
      '/etc/NetworkManager/conf.d/60-b.conf': '[device-z]\nmatch-device=interface-name:veth*\nmanaged=1\n',
      '/etc/NetworkManager/conf.d/70-c.conf': '[device-x]\nmanaged=0\n',
    });
    expect(nmConfiguredManagement(across, veth('veth0'))).toMatchObject({ result: 'managed', decision: { text: '[device-z] managed=1 (/etc/NetworkManager/conf.d/60-b.conf line 3)' } });
  });

  it('never lets a [device] managed=1 overrule unmanaged-devices; a matching section with an undecidable match-device is unknown', () => {
    const m = nmConf({ '/etc/NetworkManager/conf.d/10-x.conf': '[keyfile]\nunmanaged-devices=interface-name:veth*\n[device-on]\nmatch-device=interface-name:veth*\nmanaged=1\n[device-drv]\nmatch-device=driver:virtio_net\nmanaged=0\n' });
    expect(nmConfiguredManagement(m, veth('veth0'))).toMatchObject({ result: 'unmanaged', decision: { source: 'unmanaged-devices' } });
    expect(nmConfiguredManagement(m, { name: 'eth0', virtual: false })).toMatchObject({ result: 'unknown', reason: 'whether [device-drv] match-device= matches it (a spec the snapshot cannot decide)' });
    // Both answers of the undecidable section agree with the next one: decided.
    const agree = nmConf({ '/etc/NetworkManager/conf.d/10-x.conf': '[device-drv]\nmatch-device=driver:virtio_net\nmanaged=0\n[device]\nmanaged=0\n' });
    expect(nmConfiguredManagement(agree, { name: 'eth0', virtual: false })).toMatchObject({ result: 'unmanaged', decision: { text: '[device] managed=0 (/etc/NetworkManager/conf.d/10-x.conf line 5)' } });
  });

  it('reads a link to /dev/null as an empty file: it masks, and applies nothing', () => {
    const devNull: CollectedFile = { path: '/etc/NetworkManager/conf.d/10-globally-managed-devices.conf', status: 'unreadable', reason: 'not a regular file', linkTarget: '/dev/null' };
    const m = nmConf({ '/usr/lib/NetworkManager/conf.d/10-globally-managed-devices.conf': '[keyfile]\nunmanaged-devices=*\n' }, [devNull]);
    expect(m.unmanagedDevices!.specs).toEqual([]);
    expect(m.nmConfig!.files.map((f) => f.state)).toEqual(['masked', 'read']);
    // A file NetworkManager cannot read: it fails to load its configuration; nothing is decided.
    const broken = nmConf({}, [{ path: '/etc/NetworkManager/conf.d/90-x.conf', status: 'unreadable', reason: 'permission denied' }]);
    expect(nmConfiguredManagement(broken, veth('veth0'))).toMatchObject({ result: 'unknown', reason: expect.stringMatching(/90-x\.conf could not be read \(permission denied\)/) });
  });

  it('gives the same configuration whatever the order the files were collected in (property)', () => {
    const files: [string, string][] = [
      ['/usr/lib/NetworkManager/conf.d/10-globally-managed-devices.conf', '[keyfile]\nunmanaged-devices=*,except:type:wifi\n'],
      ['/run/NetworkManager/conf.d/10-globally-managed-devices.conf', ''],
      ['/run/NetworkManager/conf.d/netplan.conf', '[keyfile]\nunmanaged-devices+=interface-name:eth0,\n'],
      ['/etc/NetworkManager/NetworkManager.conf', '[device]\nmanaged=1\n'],
      ['/etc/NetworkManager/conf.d/90-a.conf', '[keyfile]\nunmanaged-devices+=interface-name:docker0\n[device-v]\nmatch-device=interface-name:veth*\nmanaged=0\n'],
      ['/etc/NetworkManager/conf.d/91-b.conf', '[keyfile]\nunmanaged-devices-=interface-name:eth0\n[device-w]\nmatch-device=interface-name:veth1\nmanaged=1\n'],
    ];
    const summary = (m: NetworkManagers) => ({
      files: m.nmConfig!.files.map((f) => [f.path, f.state]),
      list: m.unmanagedDevices!.specs.map((s) => s.spec.text),
      devices: [veth('veth0'), veth('veth1'), bridge('docker0')].map((d) => nmConfiguredManagement(m, d)!.decision?.text),
    });
    const reference = summary(nmConf(Object.fromEntries(files)));
    expect(reference.list).toEqual(['interface-name:docker0']);
    fc.assert(
      fc.property(fc.shuffledSubarray(files, { minLength: files.length, maxLength: files.length }), (shuffled) => {
        expect(summary(nmConf(Object.fromEntries(shuffled)))).toEqual(reference);
      }),
      { numRuns: 100 },
    );
  });
});

describe('udev\'s NM_UNMANAGED', () => {
  const RULE = '/usr/lib/udev/rules.d/85-nm-unmanaged.rules';
  const VETH_RULE = 'SUBSYSTEM!="net", GOTO="end"\nENV{ID_NET_DRIVER}=="veth", ENV{INTERFACE}!="eth[0-9]*", ENV{NM_UNMANAGED}="1"\nLABEL="end"\n';
  function udev(files: Record<string, string>, extra: CollectedFile[] = []): NetworkManagers {
    return managersOf(
      withFiles({
        'nm-conf': { status: 'empty', files: [] },
        'udev-rules': { status: 'ok', files: [...Object.entries(files).map(([p, content]) => ({ path: p, status: 'ok' as const, content, encoding: 'utf8' as const })), ...extra] },
      }),
    );
  }
  const verdict = (m: NetworkManagers, d: ConfiguredDevice) => nmConfiguredManagement(m, d)!.udev;

  it('replays the rules in file-name order across the directories; a later rule overrides, := makes it final', () => {
    expect(verdict(udev({ [RULE]: VETH_RULE }), veth('veth0'))).toMatchObject({ result: 'unmanaged', setBy: { source: RULE, line: 2 } });
    expect(verdict(udev({ [RULE]: VETH_RULE, '/etc/udev/rules.d/90-manage.rules': 'ENV{INTERFACE}=="veth0", ENV{NM_UNMANAGED}="0"\n' }), veth('veth0'))).toMatchObject({ result: 'not-unmanaged', setBy: { source: '/etc/udev/rules.d/90-manage.rules', line: 1 } });
    expect(verdict(udev({ [RULE]: VETH_RULE, '/etc/udev/rules.d/10-keep.rules': 'KERNEL=="veth0", ENV{NM_UNMANAGED}:="0"\n' }), veth('veth0'))).toMatchObject({ result: 'not-unmanaged' });
    expect(verdict(udev({ [RULE]: VETH_RULE }), bridge('docker0'))).toMatchObject({ result: 'not-unmanaged' });
  });

  it('masks a file by name: /etc over /run over /usr/lib, a link to /dev/null included', () => {
    const devNull: CollectedFile = { path: '/etc/udev/rules.d/85-nm-unmanaged.rules', status: 'unreadable', reason: 'not a regular file', linkTarget: '/dev/null' };
    const m = udev({ [RULE]: VETH_RULE }, [devNull]);
    expect(verdict(m, veth('veth0'))).toMatchObject({ result: 'not-unmanaged' });
    expect(m.udevRules!.masked.map((f) => f.by)).toEqual(['/etc/udev/rules.d/85-nm-unmanaged.rules']);
  });

  it('says unknown where a condition it cannot evaluate decides, and where udev would skip a line that sets NM_UNMANAGED', () => {
    expect(verdict(udev({ '/etc/udev/rules.d/70-x.rules': 'DRIVERS=="e1000", ENV{NM_UNMANAGED}="1"\n' }), veth('veth0'))).toMatchObject({ result: 'unknown' });
    expect(verdict(udev({ '/etc/udev/rules.d/70-x.rules': 'ENV{NM_UNMANAGED}=1\n' }), veth('veth0'))).toMatchObject({ result: 'unknown', reason: expect.stringMatching(/70-x\.rules line 1/) });
    // An undecidable rule that sets what a later rule sets anyway does not matter.
    expect(verdict(udev({ '/etc/udev/rules.d/70-x.rules': 'DRIVERS=="e1000", ENV{NM_UNMANAGED}="1"\n', '/etc/udev/rules.d/99-y.rules': 'ENV{NM_UNMANAGED}="1"\n' }), veth('veth0'))).toMatchObject({ result: 'unmanaged' });
    // A GOTO past the rule decides for the veth: the rule is skipped.
    expect(verdict(udev({ '/etc/udev/rules.d/70-x.rules': 'ENV{ID_NET_DRIVER}=="veth", GOTO="out"\nENV{NM_UNMANAGED}="1"\nLABEL="out"\n' }), veth('veth0'))).toMatchObject({ result: 'not-unmanaged' });
  });
});
