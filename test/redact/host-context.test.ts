/**
 * The host-context sources redacted: nmcli's connection names (SSIDs, host names) become tokens and the
 * devices read the same; NetworkManager.conf's MACs are mapped as ip link's are, so `mac:` specs still
 * match; a CNI configuration keeps what the model reads (types, bridge, subnets mapped) and tokenises the rest.
 */
import { describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import { matchDeviceList } from '../../src/model/network-managers.js';
import { AddressMapper } from '../../src/redact/addresses.js';
import { addressKeys } from '../../src/redact/key.js';
import { redactSnapshot } from '../../src/redact/snapshot.js';
import { parseCniConf } from '../../src/parse/cni-conf.js';
import { parseNmcliDevices } from '../../src/parse/nmcli.js';
import { Snapshot } from '../../src/snapshot/schema.js';
import { makeSnapshot } from '../helpers/snapshot.js';

const key = () => ({ secret: Buffer.alloc(32, 13), tokens: new Map<string, string>() });

const NMCLI = 'enp3s0:ethernet:connected:Wired connection 1\nwlp2s0:wifi:connected:ACME Guest\\: 5th floor\ndocker0:bridge:connected (externally):docker0\nveth1a2b3c4:ethernet:unmanaged:\n';
const NMCLI_TABULAR = 'DEVICE       TYPE      STATE                   CONNECTION\nwlp2s0       wifi      connected               ACME Guest\ndocker0      bridge    connected (externally)  docker0\nveth1a2b3c4  ethernet  unmanaged               --\n';
const NM_CONF = '# laptop of alice at ACME\n[connectivity]\nuri=http://check.corp.example.com/ok\n[keyfile]\nunmanaged-devices=mac:52:54:00:ab:cd:ef;interface-name:veth*\n';
const CNI = `{
  "cniVersion": "1.0.0",
  "name": "cbr0",
  "plugins": [
    { "type": "calico", "etcd_endpoints": "https://etcd.corp.example.com:2379", "kubernetes": { "kubeconfig": "/etc/cni/net.d/calico-kubeconfig" } },
    { "type": "bridge", "bridge": "cni0", "ipam": { "type": "host-local", "ranges": [[{ "subnet": "10.244.1.0/24", "gateway": "10.244.1.1" }]] } }
  ]
}
`;
const LINKS = JSON.stringify([{ ifindex: 2, ifname: 'eth0', address: '52:54:00:ab:cd:ef', flags: ['UP'], mtu: 1500, operstate: 'UP' }], null, 2);

function host(nmcli: string): Snapshot {
  const snapshot = makeSnapshot({ 'nmcli-device': nmcli, 'ip-link': LINKS });
  snapshot.namespaces[0]!.files = {
    'nm-conf': { status: 'ok', files: [{ path: '/etc/NetworkManager/conf.d/90-lab.conf', status: 'ok', content: NM_CONF, encoding: 'utf8' }] },
    'cni-conf': { status: 'ok', files: [{ path: '/etc/cni/net.d/10-calico.conflist', status: 'ok', content: CNI, encoding: 'utf8' }] },
  };
  return snapshot;
}

describe('host-context sources redacted', () => {
  it('nmcli: connection names become tokens, the devices, types and states read the same (terse and tabular)', () => {
    for (const text of [NMCLI, NMCLI_TABULAR]) {
      const { snapshot } = redactSnapshot(host(text), key(), { redactInterfaces: false });
      expect(Snapshot.safeParse(snapshot).success).toBe(true);
      const out = snapshot.namespaces[0]!.sources['nmcli-device']!.stdout;
      expect(out).not.toContain('ACME');
      expect(out).not.toContain('Wired connection');
      const before = parseNmcliDevices({ source: 'x', text }).value;
      const after = parseNmcliDevices({ source: 'x', text: out }).value;
      expect(after.map((d) => [d.device, d.type, d.state, d.line])).toEqual(before.map((d) => [d.device, d.type, d.state, d.line]));
      expect(after.every((d, i) => (before[i]!.connection === '' ? d.connection === '' : /^text-[0-9a-f]+$/.test(d.connection)))).toBe(true);
    }
  });

  it('NetworkManager.conf: comments and URLs become tokens, a mac: spec maps as the interface\'s MAC does (it still matches)', () => {
    const { snapshot } = redactSnapshot(host(NMCLI), key(), { redactInterfaces: false });
    const content = snapshot.namespaces[0]!.files!['nm-conf']!.files[0]!.content!;
    expect(content).not.toMatch(/alice|ACME|corp\.example\.com|52:54:00:ab:cd:ef/);
    expect(content.split('\n')).toHaveLength(NM_CONF.split('\n').length);
    const mapped = new AddressMapper(addressKeys(key())).mac('52:54:00:ab:cd:ef')!;
    expect(content).toContain(`unmanaged-devices=mac:${mapped};interface-name:veth*`);
    const model = buildHost(snapshot).host;
    const eth0 = model.interfaceByName.get('eth0')!;
    expect(matchDeviceList(model.networkManagers!.unmanagedDevices!.specs, { name: 'eth0', mac: eth0.mac!.toLowerCase() }).result).toBe('match');
  });

  it('a CNI configuration keeps its structure, types, bridge and (mapped) subnets; endpoints and paths become tokens', () => {
    const { snapshot } = redactSnapshot(host(NMCLI), key(), { redactInterfaces: false });
    const content = snapshot.namespaces[0]!.files!['cni-conf']!.files[0]!.content!;
    expect(content).not.toMatch(/corp\.example\.com|calico-kubeconfig|10\.244\.1\./);
    expect(content.split('\n')).toHaveLength(CNI.split('\n').length);
    const conf = parseCniConf({ source: 'x', text: content }).value;
    expect(conf.name?.value).toBe('cbr0');
    expect(conf.plugins.map((p) => p.type.value)).toEqual(['calico', 'bridge']);
    expect(conf.plugins[1]!.bridge?.name).toBe('cni0');
    const mapper = new AddressMapper(addressKeys(key()));
    expect(conf.plugins[1]!.ipam?.subnets.map((s) => [s.subnet.value, s.gateway?.value])).toEqual([[`${mapper.network('10.244.1.0', 24)!.replace(/\/.*/, '')}/24`, mapper.ipv4('10.244.1.1')]]);
  });
});
