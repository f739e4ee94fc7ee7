/** `show` of the host context: the device managers, unmanaged-devices, CNI networks, flannel's lease and allocations. */
import { describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import { renderShowText } from '../../src/show/text.js';
import { hostView } from '../../src/show/view.js';
import { fixtureInput } from '../rules/fixture-helpers.js';

const viewOf = async (rule: string, side: 'fail' | 'pass') => hostView(buildHost((await loadInput(fixtureInput(rule, side))).snapshot));

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
    expect(cni.networks).toEqual([{ file: '/etc/cni/net.d/10-flannel.conflist', name: 'cbr0', plugins: [{ type: 'flannel', bridge: 'cni0', subnets: [] }, { type: 'portmap', subnets: [] }] }]);
    expect(cni.flannel?.values.FLANNEL_SUBNET).toBe('10.244.2.1/24');
    expect(cni.assignments).toEqual([{ bridge: 'cni0', subnet: '10.244.2.0/24', via: 'flannel (subnet.env)', network: 'cbr0' }]);
    expect(cni.allocations).toEqual([{ network: 'cbr0', addresses: ['10.244.1.5', '10.244.2.5'] }]);
    const text = renderShowText(view);
    expect(text).toContain('bridge cni0 is assigned 10.244.2.0/24 by flannel (subnet.env)');
    expect(text).toContain('host-local cbr0: 2 allocated (10.244.1.5, 10.244.2.5)');
  });
});
