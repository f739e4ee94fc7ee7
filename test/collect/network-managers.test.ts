/**
 * nmcli, networkctl and the NetworkManager / flannel / CNI files in both collectors (Node, and the sh collector
 * under dash and busybox sh), against fake commands: a missing tool is not-collected with its reason, a stopped
 * NetworkManager (nmcli's error, exit 8) a failed source with nmcli's message, networkctl's warning that
 * systemd-networkd is not running kept on stderr (the model reads it); host-only, so never in a namespace.
 * NetworkManager's conf.d of /usr/lib, /run and /etc, udev's rules and networkd's files, a link to /dev/null
 * among them (the fake root's /dev/null is a FIFO: like the real one, not a regular file), are read by both
 * collectors alike and merged in NetworkManager's order.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/collect/which.js';
import { buildHost } from '../../src/model/build.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { addNamedNamespace, type CollectorKind, fake, FAKE_TOOLS, type FakeHost, makeFakeHost, removeFakeHost, runCollector } from './fake-host.js';

const KINDS: CollectorKind[] = ['node', ...(findExecutable('dash', process.env) ? (['dash'] as const) : []), ...(findExecutable('busybox', process.env) ? (['busybox'] as const) : [])];

const NMCLI = 'nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device';
const NETWORKCTL = 'networkctl list --no-legend';
const NETWORKD_STOPPED = 'WARNING: systemd-networkd is not running, output will be incomplete.\n\n';
const LINKS = '  1 lo      loopback n/a         unmanaged\n  2 eth0    ether    n/a         unmanaged\n  3 docker0 bridge   n/a         unmanaged\n';
const NM_CONF = '[keyfile]\nunmanaged-devices=interface-name:docker0;interface-name:veth*\n';
const NETPLAN_CONF = '[keyfile]\nunmanaged-devices+=interface-name:eth0,\n';
const UDEV_NM = 'SUBSYSTEM!="net", GOTO="nm_unmanaged_end"\nENV{ID_NET_DRIVER}=="veth", ENV{INTERFACE}!="eth[0-9]*", ENV{NM_UNMANAGED}="1"\nLABEL="nm_unmanaged_end"\n';

describe('nmcli and networkctl: missing tools', () => {
  let host: FakeHost;
  const snapshots = new Map<CollectorKind, Snapshot>();
  beforeAll(async () => {
    host = await makeFakeHost();
    await addNamedNamespace(host, 'blue');
    await fake(host, 'ip -j netns list', { out: '[{"name":"blue","id":3}]\n' });
    await fake(host, 'ip netns list', { out: 'blue (id: 3)\n' });
    for (const kind of KINDS) snapshots.set(kind, (await runCollector(kind, host, { netns: ['blue'], timeoutSeconds: 5 })).snapshot);
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  it.each(KINDS)('%s: not-collected, saying the tool is not installed; host only', (kind) => {
    const [hostNs, blue] = snapshots.get(kind)!.namespaces;
    expect(hostNs!.sources['nmcli-device']).toMatchObject({ status: 'not-collected', reason: 'nmcli is not installed', command: NMCLI, exitCode: null });
    expect(hostNs!.sources['networkctl-list']).toMatchObject({ status: 'not-collected', reason: 'networkctl is not installed', command: NETWORKCTL });
    expect(blue!.name).toBe('blue');
    expect(Object.keys(blue!.sources)).not.toContain('nmcli-device');
    expect(Object.keys(blue!.sources)).not.toContain('networkctl-list');
  });
});

describe('nmcli and networkctl: managers stopped', () => {
  let host: FakeHost;
  const snapshots = new Map<CollectorKind, Snapshot>();
  beforeAll(async () => {
    host = await makeFakeHost({ tools: [...FAKE_TOOLS, 'nmcli', 'networkctl'] });
    await fake(host, NMCLI, { err: 'Error: NetworkManager is not running.\n', rc: 8 });
    await fake(host, NETWORKCTL, { out: LINKS, err: NETWORKD_STOPPED });
    await mkdir(path.join(host.etc, 'NetworkManager', 'conf.d'), { recursive: true });
    await writeFile(path.join(host.etc, 'NetworkManager', 'conf.d', '90-containers.conf'), NM_CONF);
    await mkdir(path.join(host.root, 'run', 'flannel'), { recursive: true });
    await writeFile(path.join(host.root, 'run', 'flannel', 'subnet.env'), 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.2.1/24\n');
    await mkdir(path.join(host.etc, 'cni', 'net.d'), { recursive: true });
    await writeFile(path.join(host.etc, 'cni', 'net.d', '10-flannel.conflist'), '{"name":"cbr0","plugins":[{"type":"flannel"}]}\n');
    const store = path.join(host.root, 'var', 'lib', 'cni', 'networks', 'cbr0');
    await mkdir(store, { recursive: true });
    await writeFile(path.join(store, '10.244.1.5'), 'abc123\r\neth0');
    await writeFile(path.join(store, 'last_reserved_ip.0'), '10.244.1.5');
    await writeFile(path.join(store, 'lock'), '');
    await mkdir(path.join(host.root, 'usr', 'lib', 'NetworkManager', 'conf.d'), { recursive: true });
    await writeFile(path.join(host.root, 'usr', 'lib', 'NetworkManager', 'conf.d', '10-globally-managed-devices.conf'), '[keyfile]\nunmanaged-devices=*,except:type:wifi\n');
    await mkdir(path.join(host.root, 'run', 'NetworkManager', 'conf.d'), { recursive: true });
    await writeFile(path.join(host.root, 'run', 'NetworkManager', 'conf.d', 'netplan.conf'), NETPLAN_CONF);
    await mkdir(path.join(host.root, 'dev'), { recursive: true });
    execFileSync('mkfifo', [path.join(host.root, 'dev', 'null')]);
    await symlink('/dev/null', path.join(host.etc, 'NetworkManager', 'conf.d', '10-globally-managed-devices.conf'));
    await mkdir(path.join(host.root, 'usr', 'lib', 'udev', 'rules.d'), { recursive: true });
    await writeFile(path.join(host.root, 'usr', 'lib', 'udev', 'rules.d', '85-nm-unmanaged.rules'), UDEV_NM);
    await writeFile(path.join(host.root, 'usr', 'lib', 'udev', 'rules.d', '60-persistent-storage.rules'), 'SUBSYSTEM=="block", GOTO="end"\nLABEL="end"\n');
    await mkdir(path.join(host.etc, 'udev', 'rules.d'), { recursive: true });
    await writeFile(path.join(host.etc, 'udev', 'rules.d', '70-lab.rules'), 'ATTR{address}=="02:00:5e:*", ENV{NM_UNMANAGED}="1"\n');
    await mkdir(path.join(host.etc, 'systemd', 'network'), { recursive: true });
    await writeFile(path.join(host.etc, 'systemd', 'network', '10-containers.network'), '[Match]\nName=veth*\n[Link]\nUnmanaged=yes\n');
    await mkdir(path.join(host.root, 'usr', 'lib', 'systemd', 'network'), { recursive: true });
    await writeFile(path.join(host.root, 'usr', 'lib', 'systemd', 'network', '99-default.network'), '[Match]\nName=*\n');
    for (const kind of KINDS) snapshots.set(kind, (await runCollector(kind, host, { timeoutSeconds: 5 })).snapshot);
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  it.each(KINDS)('%s: a stopped NetworkManager is a failed source with nmcli\'s message, not a parse error', (kind) => {
    const snapshot = snapshots.get(kind)!;
    expect(snapshot.namespaces[0]!.sources['nmcli-device']).toMatchObject({ status: 'failed', exitCode: 8, reason: 'exit code 8: Error: NetworkManager is not running.' });
    const model = buildHost(snapshot);
    const info = model.host.sources.get('nmcli-device')!;
    expect(info.parseError).toBeUndefined();
    expect(model.host.networkManagers?.nmcli).toBeUndefined();
  });

  it.each(KINDS)('%s: networkctl\'s warning stays on stderr, and the model knows systemd-networkd manages nothing', (kind) => {
    const snapshot = snapshots.get(kind)!;
    expect(snapshot.namespaces[0]!.sources['networkctl-list']).toMatchObject({ status: 'ok', exitCode: 0, stdout: LINKS, stderr: NETWORKD_STOPPED });
    const managers = buildHost(snapshot).host.networkManagers!;
    expect(managers.networkdNotRunning).toEqual({ source: 'networkctl-list (stderr)', line: 1, text: NETWORKD_STOPPED.trim() });
    expect([...managers.networkd!.keys()]).toEqual(['lo', 'eth0', 'docker0']);
  });

  it.each(KINDS)('%s: NetworkManager\'s conf.d of /usr/lib, /run and /etc are read as the nm-conf file source, merged in its order in the model', (kind) => {
    const snapshot = snapshots.get(kind)!;
    const files = snapshot.namespaces[0]!.files?.['nm-conf'];
    expect(files?.status).toBe('ok');
    expect(files?.files.filter((f) => f.status === 'ok').map((f) => [f.path, f.content])).toEqual([
      ['/usr/lib/NetworkManager/conf.d/10-globally-managed-devices.conf', '[keyfile]\nunmanaged-devices=*,except:type:wifi\n'],
      ['/run/NetworkManager/conf.d/netplan.conf', NETPLAN_CONF],
      ['/etc/NetworkManager/conf.d/90-containers.conf', NM_CONF],
    ]);
    // The link to /dev/null: recorded with its target, and it masks /usr/lib's file of that name.
    expect(files?.files.find((f) => f.path === '/etc/NetworkManager/conf.d/10-globally-managed-devices.conf')).toMatchObject({ status: 'unreadable', reason: 'not a regular file', linkTarget: '/dev/null' });
    const managers = buildHost(snapshot).host.networkManagers!;
    expect(managers.nmConfig!.files.map((f) => [f.path, f.state])).toEqual([
      ['/usr/lib/NetworkManager/conf.d/10-globally-managed-devices.conf', 'masked'],
      ['/run/NetworkManager/conf.d/netplan.conf', 'read'],
      ['/etc/NetworkManager/conf.d/10-globally-managed-devices.conf', 'read'],
      ['/etc/NetworkManager/conf.d/90-containers.conf', 'read'],
    ]);
    const list = managers.unmanagedDevices!;
    expect(list.specs.map((s) => s.spec.text)).toEqual(['interface-name:docker0', 'interface-name:veth*']);
    expect(list.evidence).toEqual([
      { source: '/run/NetworkManager/conf.d/netplan.conf', line: 2, text: 'unmanaged-devices+=interface-name:eth0,' },
      { source: '/etc/NetworkManager/conf.d/90-containers.conf', line: 2, text: 'unmanaged-devices=interface-name:docker0;interface-name:veth*' },
    ]);
  });

  it.each(KINDS)('%s: udev\'s rules of /etc and NetworkManager\'s own of /usr/lib are read, other packages\' rules not', (kind) => {
    const snapshot = snapshots.get(kind)!;
    const files = snapshot.namespaces[0]!.files?.['udev-rules'];
    expect(files?.status).toBe('ok');
    expect(files?.files.filter((f) => f.status === 'ok').map((f) => f.path)).toEqual(['/etc/udev/rules.d/70-lab.rules', '/usr/lib/udev/rules.d/85-nm-unmanaged.rules']);
    const rules = buildHost(snapshot).host.networkManagers!.udevRules!;
    expect(rules.files.map((f) => f.path)).toEqual(['/etc/udev/rules.d/70-lab.rules', '/usr/lib/udev/rules.d/85-nm-unmanaged.rules']);
  });

  it.each(KINDS)('%s: flannel\'s lease, the CNI configuration, host-local\'s and networkd\'s files are read; the model assigns cni0 its subnet', (kind) => {
    const snapshot = snapshots.get(kind)!;
    const files = snapshot.namespaces[0]!.files!;
    expect(files['flannel-subnet-env']?.status).toBe('ok');
    expect(files['cni-conf']?.files.filter((f) => f.status === 'ok').map((f) => f.path)).toEqual(['/etc/cni/net.d/10-flannel.conflist']);
    expect(files['cni-ipam']?.files.filter((f) => f.status === 'ok').map((f) => f.path).sort()).toEqual(['/var/lib/cni/networks/cbr0/10.244.1.5', '/var/lib/cni/networks/cbr0/last_reserved_ip.0', '/var/lib/cni/networks/cbr0/lock']);
    expect(files['networkd-network']?.files.filter((f) => f.status === 'ok').map((f) => f.path)).toEqual(['/etc/systemd/network/10-containers.network', '/usr/lib/systemd/network/99-default.network']);
    expect(buildHost(snapshot).host.networkManagers!.networkFiles!.map((f) => [f.path, f.unmanaged?.value])).toEqual([
      ['/etc/systemd/network/10-containers.network', true],
      ['/usr/lib/systemd/network/99-default.network', undefined],
    ]);
    const cni = buildHost(snapshot).host.cni!;
    expect(cni.assignments.map((a) => [a.bridge, a.subnet, a.network])).toEqual([['cni0', '10.244.2.0/24', 'cbr0']]);
    expect(cni.allocations?.get('cbr0')?.map((a) => [a.address, a.container])).toEqual([['10.244.1.5', 'abc123']]);
  });
});
