/**
 * `show` of the host context: the device managers, unmanaged-devices, what NetworkManager's configuration makes
 * of each interface (the file and line that decide it, udev's verdict), CNI networks, flannel's lease and
 * allocations, and the lines of the resolvers', runtimes' and pod network's values.
 */
import { describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import type { FileSource, Snapshot } from '../../src/snapshot/schema.js';
import { renderShowText } from '../../src/show/text.js';
import { hostView } from '../../src/show/view.js';
import { makeSnapshot } from '../helpers/snapshot.js';
import { fixtureInput } from '../rules/fixture-helpers.js';

const snapshotOf = async (rule: string, side: 'fail' | 'pass') => (await loadInput(fixtureInput(rule, side))).snapshot;
const viewOf = async (rule: string, side: 'fail' | 'pass') => hostView(buildHost(await snapshotOf(rule, side)));
const file = (p: string, content: string): FileSource => ({ status: 'ok', files: [{ path: p, status: 'ok', content, encoding: 'utf8' }] });

describe('show: host context', () => {
  it('lists nmcli\'s devices and networkctl\'s links, and the sources among the others', async () => {
    const view = await viewOf('interface-managed-by-network-manager', 'pass');
    const host = view.namespaces[0]!;
    expect(host.deviceManagers?.networkManager).toContainEqual({ device: 'docker0', type: 'bridge', state: 'unmanaged', connection: '', line: 4 });
    expect(host.deviceManagers?.networkd).toContainEqual({ name: 'eth0', type: 'ether', operational: 'routable', setup: 'configured', line: 2 });
    expect(view.sources).toContainEqual({ namespace: 'host', source: 'nmcli-device', status: 'ok' });
    const text = renderShowText(view);
    expect(text).toContain('  Device managers');
    expect(text).toMatch(/NetworkManager {2}docker0 {2}bridge {2}unmanaged/);
    expect(text).toMatch(/systemd-networkd {2}eth0 {2}ether {2}routable {2}configured/);
    // Where a source was not in the folder, show says so.
    expect(JSON.parse(JSON.stringify((await viewOf('interface-managed-by-network-manager', 'fail')).sources))).toContainEqual(
      expect.objectContaining({ namespace: 'host', source: 'networkctl-list', status: 'not-collected' }),
    );
  });

  it('shows the CNI network, flannel\'s lease, the subnet it assigns cni0, and the allocations', async () => {
    const view = await viewOf('cni-subnet-mismatch', 'fail');
    const cni = view.namespaces[0]!.cni!;
    // Each value with its line: the name's, each plugin's "type" (flannel's bridge is the default cni0: no line of its own).
    expect(cni.networks).toEqual([
      {
        file: '/etc/cni/net.d/10-flannel.conflist',
        name: 'cbr0',
        nameLine: 2,
        plugins: [
          { type: 'flannel', line: 6, bridge: 'cni0', subnets: [], subnetLines: [] },
          { type: 'portmap', line: 13, subnets: [], subnetLines: [] },
        ],
      },
    ]);
    expect(cni.flannel?.values.FLANNEL_SUBNET).toBe('10.244.2.1/24');
    expect(cni.flannel?.lines).toEqual({ FLANNEL_NETWORK: 1, FLANNEL_SUBNET: 2, FLANNEL_MTU: 3, FLANNEL_IPMASQ: 4 });
    expect(cni.assignments).toEqual([
      {
        bridge: 'cni0',
        subnet: '10.244.2.0/24',
        via: 'flannel (subnet.env)',
        network: 'cbr0',
        lines: [
          { source: '/etc/cni/net.d/10-flannel.conflist', line: 6 },
          { source: '/run/flannel/subnet.env', line: 2 },
        ],
      },
    ]);
    expect(cni.allocations).toEqual([{ network: 'cbr0', addresses: ['10.244.1.5', '10.244.2.5'] }]);
    const text = renderShowText(view);
    expect(text).toContain('bridge cni0 is assigned 10.244.2.0/24 by flannel (subnet.env)');
    expect(text).toContain('host-local cbr0: 2 allocated (10.244.1.5, 10.244.2.5)');
  });

  it('gives each host interface what NetworkManager\'s configuration makes of it, with the file and line that decide it, and udev\'s verdict', async () => {
    const view = await viewOf('interface-managed-by-network-manager', 'fail');
    const configured = JSON.parse(JSON.stringify(view.namespaces[0]!.deviceManagers!.configured));
    expect(configured.map((c: { device: string; management: string }) => `${c.device} ${c.management}`)).toEqual([
      'lo unknown',
      'eth0 unknown',
      'docker0 default',
      'veth3c5a6e1 managed',
      'vethb1f0d2a unmanaged',
      'veth-mgmt-br unmanaged',
      'veth-mgmt unmanaged',
    ]);
    // A [device] section's managed=1 overrides udev's NM_UNMANAGED=1: both lines, in a plain JSON shape.
    expect(configured[3]).toEqual({
      device: 'veth3c5a6e1',
      management: 'managed',
      decidedBy: {
        source: 'device-section',
        text: '[device-debug] managed=1 (/etc/NetworkManager/conf.d/90-debug.conf line 4)',
        lines: [
          { source: '/etc/NetworkManager/conf.d/90-debug.conf', line: 3 },
          { source: '/etc/NetworkManager/conf.d/90-debug.conf', line: 4 },
        ],
      },
      udev: { result: 'unmanaged', setBy: { source: '/usr/lib/udev/rules.d/85-nm-unmanaged.rules', line: 9 } },
    });
    expect(configured[4]).toEqual({
      device: 'vethb1f0d2a',
      management: 'unmanaged',
      decidedBy: { source: 'udev', text: "udev's NM_UNMANAGED=1 (/usr/lib/udev/rules.d/85-nm-unmanaged.rules line 9)", lines: [{ source: '/usr/lib/udev/rules.d/85-nm-unmanaged.rules', line: 9 }] },
      udev: { result: 'unmanaged', setBy: { source: '/usr/lib/udev/rules.d/85-nm-unmanaged.rules', line: 9 } },
    });
    // Unknown says why, and claims no decision.
    expect(configured[1]).toEqual({
      device: 'eth0',
      management: 'unknown',
      reason: "udev's NM_UNMANAGED for it: rules that set NM_UNMANAGED depend on what the snapshot does not show of the device",
      udev: { result: 'unknown', reason: 'rules that set NM_UNMANAGED depend on what the snapshot does not show of the device' },
    });
    expect(configured[2]).toEqual({ device: 'docker0', management: 'default', udev: { result: 'not-unmanaged' } });

    const text = renderShowText(view);
    expect(text).toContain("    NetworkManager's configuration per device (nmcli's state says whether NetworkManager applied it):\n");
    expect(text).toContain(
      "      veth3c5a6e1   managed    [device-debug] managed=1 (/etc/NetworkManager/conf.d/90-debug.conf line 4), over udev's NM_UNMANAGED=1 (/usr/lib/udev/rules.d/85-nm-unmanaged.rules line 9)\n",
    );
    expect(text).toContain("      vethb1f0d2a   unmanaged  udev's NM_UNMANAGED=1 (/usr/lib/udev/rules.d/85-nm-unmanaged.rules line 9)\n");
    expect(text).toContain('      docker0       default    nothing configured (NetworkManager manages it); udev: NM_UNMANAGED not set\n');
    // The reason is said once, not again as udev's.
    expect(text).toContain("      eth0          unknown    udev's NM_UNMANAGED for it: rules that set NM_UNMANAGED depend on what the snapshot does not show of the device\n");
  });

  it('an unmanaged-devices spec decides before udev; an except: spec that keeps a device out of the list is named', async () => {
    const snapshot = await snapshotOf('interface-managed-by-network-manager', 'pass');
    snapshot.namespaces[0]!.files!['nm-conf'] = file('/etc/NetworkManager/conf.d/90-containers.conf', '[keyfile]\nunmanaged-devices=interface-name:docker0;interface-name:veth*;except:interface-name:veth-mgmt\n');
    const configured = hostView(buildHost(snapshot)).namespaces[0]!.deviceManagers!.configured!;
    const of = (device: string) => configured.find((c) => c.device === device);
    expect(of('vethb1f0d2a')).toMatchObject({ management: 'unmanaged', decidedBy: { source: 'unmanaged-devices', text: '[keyfile] unmanaged-devices spec interface-name:veth* (/etc/NetworkManager/conf.d/90-containers.conf line 2)' } });
    expect(of('veth-mgmt')).toEqual({
      device: 'veth-mgmt',
      management: 'unmanaged',
      decidedBy: { source: 'udev', text: "udev's NM_UNMANAGED=1 (/usr/lib/udev/rules.d/85-nm-unmanaged.rules line 9)", lines: [{ source: '/usr/lib/udev/rules.d/85-nm-unmanaged.rules', line: 9 }] },
      exceptedBy: { spec: 'except:interface-name:veth-mgmt', source: '/etc/NetworkManager/conf.d/90-containers.conf', line: 2 },
      udev: { result: 'unmanaged', setBy: { source: '/usr/lib/udev/rules.d/85-nm-unmanaged.rules', line: 9 } },
    });
  });

  it('udev\'s rules not collected: udev\'s verdict unknown, saying so, and what depends on it unknown; the configuration not collected: no such list', async () => {
    const snapshot = await snapshotOf('interface-managed-by-network-manager', 'pass');
    delete snapshot.namespaces[0]!.files!['udev-rules'];
    const configured = hostView(buildHost(snapshot)).namespaces[0]!.deviceManagers!.configured!;
    expect(configured.find((c) => c.device === 'docker0')).toMatchObject({ management: 'unmanaged', udev: { result: 'unknown', reason: 'the udev rules were not collected' } });
    expect(configured.find((c) => c.device === 'vethb1f0d2a')).toMatchObject({ management: 'unknown', reason: "udev's NM_UNMANAGED for it: the udev rules were not collected" });
    expect(renderShowText(hostView(buildHost(snapshot)))).toContain('      docker0       unmanaged  [keyfile] unmanaged-devices spec interface-name:docker0 (/etc/NetworkManager/conf.d/90-containers.conf line 3); udev: unknown: the udev rules were not collected\n');

    delete snapshot.namespaces[0]!.files!['nm-conf'];
    const view = hostView(buildHost(snapshot));
    expect(view.namespaces[0]!.deviceManagers).not.toHaveProperty('configured');
    expect(renderShowText(view)).not.toContain("NetworkManager's configuration per device");
  });

  it('gives the lines of a resolv.conf\'s writer and options, of a process\'s command line and of both sides of a Docker conflict', () => {
    const snapshot: Snapshot = makeSnapshot({});
    snapshot.namespaces[0]!.files = {
      'resolv-conf': file('/etc/resolv.conf', '# Generated by NetworkManager\nnameserver 192.0.2.53\noptions ndots:2\noptions edns0 rotate\n'),
      'docker-daemon-json': file('/etc/docker/daemon.json', '{\n  "bip": "10.200.0.1/24"\n}\n'),
      'runtime-cmdlines': file('/proc/812/cmdline', ['/usr/bin/dockerd', '--bip=10.200.0.1/24'].map((a) => `${a}\u0000`).join('')),
    };
    const view = hostView(buildHost(snapshot));
    expect(view.namespaces[0]!.resolvers?.file).toMatchObject({ generatedBy: 'NetworkManager', generatedByLine: 1, options: ['ndots:2', 'edns0', 'rotate'], optionLines: [3, 4] });
    expect(view.runtime?.processes).toEqual([{ program: 'dockerd', pid: 812, source: '/proc/812/cmdline', line: 1, argv: ['/usr/bin/dockerd', '--bip=10.200.0.1/24'] }]);
    expect(view.runtime?.docker?.conflicts).toEqual([{ key: 'bip', file: '/etc/docker/daemon.json', line: 2, flag: { source: '/proc/812/cmdline', line: 1 } }]);
  });
});
