/**
 * flannel's subnet.env, CNI network configurations and host-local's allocation files: examples, properties
 * (fast-check), and mutants of the real forms (this file's samples and test/parse/network-managers.test.ts's)
 * for all the host-context parsers: each mutant parses or fails with the parser's own located error.
 *
 * The configurations are those the projects ship: kube-flannel.yml's cni-conf.json (flannel plugin, portmap),
 * the bridge plugin with host-local `ranges` as in the CNI plugins' documentation, and Podman 3's
 * 87-podman-bridge.conflist (older host-local `subnet` form inside ranges, cni-podman0).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import type { ParseInput } from '../../src/parse/common.js';
import { jsonPositions, parseCniConf, readIpamFile } from '../../src/parse/cni-conf.js';
import { mutate, mutation } from '../helpers/mutate-lines.js';
import { parseFlannelSubnetEnv } from '../../src/parse/flannel-subnet-env.js';
import { parseNetworkctlList } from '../../src/parse/networkctl.js';
import { parseNmConf } from '../../src/parse/nm-conf.js';
import { parseNetworkdNetwork } from '../../src/parse/networkd-network.js';
import { parseUdevRules } from '../../src/parse/udev-rules.js';
import { parseNmcliDevices } from '../../src/parse/nmcli.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

const FLANNEL_CONFLIST = readFileSync(path.join(PROJECT_ROOT, 'fixtures/rules/cni-subnet-mismatch/fail/files/etc/cni/net.d/10-flannel.conflist'), 'utf8');
const SUBNET_ENV = readFileSync(path.join(PROJECT_ROOT, 'fixtures/rules/cni-subnet-mismatch/fail/files/run/flannel/subnet.env'), 'utf8');

const BRIDGE_CONFLIST = `{
  "cniVersion": "1.0.0",
  "name": "mynet",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni-br0",
      "isGateway": true,
      "ipMasq": true,
      "ipam": {
        "type": "host-local",
        "ranges": [
          [ { "subnet": "10.22.0.0/16", "rangeStart": "10.22.0.10", "gateway": "10.22.0.1" } ],
          [ { "subnet": "2001:db8:22::/64" } ]
        ],
        "routes": [ { "dst": "0.0.0.0/0" } ]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
`;

const PODMAN_CONFLIST = `{
   "cniVersion": "0.4.0",
   "name": "podman",
   "plugins": [
      {
         "type": "bridge",
         "bridge": "cni-podman0",
         "isGateway": true,
         "ipMasq": true,
         "hairpinMode": true,
         "ipam": {
            "type": "host-local",
            "routes": [{ "dst": "0.0.0.0/0" }],
            "ranges": [[{ "subnet": "10.88.0.0/16", "gateway": "10.88.0.1" }]]
         }
      },
      { "type": "portmap", "capabilities": { "portMappings": true } },
      { "type": "firewall" },
      { "type": "tuning" }
   ]
}
`;

/** A single-plugin .conf with the old top-level host-local subnet. */
const SINGLE_CONF = '{"cniVersion":"0.3.1","name":"k8s-pod-network","type":"bridge","ipam":{"type":"host-local","subnet":"10.1.0.0/16"}}';

const cni = (text: string, source = '/etc/cni/net.d/10-flannel.conflist') => parseCniConf({ source, text });

describe('CNI network configuration', () => {
  it('flannel: the plugin, its default bridge cni0 and the subnet file, each with its line', () => {
    const { value } = cni(FLANNEL_CONFLIST);
    expect(value.name).toEqual({ value: 'cbr0', line: 2, text: '  "name": "cbr0",' });
    expect(value.list).toBe(true);
    expect(value.plugins.map((p) => p.type.value)).toEqual(['flannel', 'portmap']);
    expect(value.plugins[0]).toMatchObject({ type: { line: 6 }, bridge: { name: 'cni0', defaulted: true, line: 6 }, subnetFile: '/run/flannel/subnet.env' });
  });

  it('bridge plugin: the bridge it names and every host-local range, IPv6 included', () => {
    const { value } = cni(BRIDGE_CONFLIST);
    const bridge = value.plugins[0]!;
    expect(bridge.bridge).toMatchObject({ name: 'cni-br0', line: 7, defaulted: false });
    expect(bridge.ipam?.type).toBe('host-local');
    expect(bridge.ipam?.subnets.map((s) => [s.subnet.value, s.subnet.line, s.gateway?.value])).toEqual([
      ['10.22.0.0/16', 13, '10.22.0.1'],
      ['2001:db8:22::/64', 14, undefined],
    ]);
    expect(cni(PODMAN_CONFLIST).value.plugins[0]!.ipam?.subnets.map((s) => [s.subnet.value, s.subnet.line])).toEqual([['10.88.0.0/16', 14]]);
  });

  it('a single-plugin .conf with the top-level subnet (one line: every value on line 1)', () => {
    const { value } = cni(SINGLE_CONF, '/etc/cni/net.d/10-bridge.conf');
    expect(value.list).toBe(false);
    expect(value.plugins[0]).toMatchObject({ type: { value: 'bridge' }, bridge: { name: 'cni0', defaulted: true }, ipam: { subnets: [{ subnet: { value: '10.1.0.0/16', line: 1 } }] } });
  });

  it('refuses invalid JSON and a subnet that is none, at the line', () => {
    const broken = FLANNEL_CONFLIST.replace('"flannel",', '"flannel"');
    try {
      cni(broken);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).location.line).toBe(7);
    }
    expect(() => cni(BRIDGE_CONFLIST.replace('"10.22.0.0/16"', '"10.22.0.0"'))).toThrow(/is not a subnet/);
    expect(() => cni('[1,2]')).toThrow(/JSON object/);
  });

  it('a value missing where Node names no position (`"a":` then `}`): the line of the error, not line 1', () => {
    try {
      cni('{\n  "cniVersion": "0.3.1",\n  "name":\n}\n');
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).location.line).toBe(4);
    }
  });

  it('places every value of generated JSON on the line it is on (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(0, 1, 2, 4), (doc, indent) => {
        const text = JSON.stringify(doc, null, indent);
        const positions = jsonPositions(text, { source: 'x', text });
        expect(positions.get('')).toBe(text.search(/\S/) === -1 ? 1 : text.slice(0, text.search(/\S/)).split('\n').length);
        if (indent > 0 && typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
          // In pretty JSON each member of the top object starts its own line, in key order.
          const keys = Object.keys(doc).filter((k) => !k.includes('/') && !k.includes('~'));
          const lines = keys.map((k) => positions.get(`/${k}`)!);
          expect([...lines].sort((a, b) => a - b)).toEqual(lines);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text (property)', () => {
    fc.assert(fc.property(anyText, (text) => expectOnlyParseError('/etc/cni/net.d/x.conflist', () => cni(text, '/etc/cni/net.d/x.conflist'))), { numRuns: 1000 });
  });
});

const env = (text: string) => parseFlannelSubnetEnv({ source: '/run/flannel/subnet.env', text });

describe('flannel subnet.env', () => {
  it('reads each assignment with its line', () => {
    const { value } = env(SUBNET_ENV);
    expect([...value.values].map(([k, v]) => [k, v.value, v.line])).toEqual([
      ['FLANNEL_NETWORK', '10.244.0.0/16', 1],
      ['FLANNEL_SUBNET', '10.244.2.1/24', 2],
      ['FLANNEL_MTU', '1450', 3],
      ['FLANNEL_IPMASQ', 'true', 4],
    ]);
  });

  it('reads the dual-stack keys, quotes and export', () => {
    const { value } = env('export FLANNEL_IPV6_SUBNET="2001:db8:44:2::1/64"\nFLANNEL_SUBNET=10.244.2.1/24\n');
    expect(value.values.get('FLANNEL_IPV6_SUBNET')?.value).toBe('2001:db8:44:2::1/64');
  });

  it('refuses a subnet without a prefix, a non-numeric MTU and other text, at the line', () => {
    for (const [text, line] of [
      ['FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.2.1\n', 2],
      ['FLANNEL_MTU=big\n', 1],
      ['FLANNEL_IPMASQ=yes\n', 1],
      ['\n\n10.244.2.1/24\n', 3],
    ] as const) {
      try {
        env(text);
        throw new Error(`accepted: ${text}`);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
        expect((e as ParseError).location).toEqual({ source: '/run/flannel/subnet.env', line });
      }
    }
  });

  it('round-trips generated leases (property)', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 8, max: 30 }), fc.integer({ min: 68, max: 9000 }), fc.boolean(), (address, prefix, mtu, masq) => {
        const text = `FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=${address}/${prefix}\nFLANNEL_MTU=${mtu}\nFLANNEL_IPMASQ=${masq}\n`;
        const { value } = env(text);
        expect(value.values.get('FLANNEL_SUBNET')).toEqual({ value: `${address}/${prefix}`, line: 2, text: `FLANNEL_SUBNET=${address}/${prefix}` });
        expect(value.values.get('FLANNEL_MTU')?.value).toBe(String(mtu));
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text (property)', () => {
    fc.assert(fc.property(anyText, (text) => expectOnlyParseError('/run/flannel/subnet.env', () => env(text))), { numRuns: 1000 });
  });
});

describe('host-local allocation files', () => {
  it('an address file is an allocation (container id from its first line); last_reserved_ip and lock are not', () => {
    expect(readIpamFile('/var/lib/cni/networks/cbr0/10.244.1.5', '3f1d8a2c\r\neth0')).toEqual({
      network: 'cbr0',
      address: '10.244.1.5',
      container: '3f1d8a2c',
      path: '/var/lib/cni/networks/cbr0/10.244.1.5',
      line: 1,
      text: '3f1d8a2c',
    });
    expect(readIpamFile('/var/lib/cni/networks/cbr0/2001:db8::5', '')).toMatchObject({ address: '2001:db8::5' });
    expect(readIpamFile('/var/lib/cni/networks/cbr0/last_reserved_ip.0', '10.244.1.5')).toBeUndefined();
    expect(readIpamFile('/var/lib/cni/networks/cbr0/lock', '')).toBeUndefined();
    expect(readIpamFile('/etc/cni/net.d/10.244.1.5', '')).toBeUndefined();
  });
});

/* ---------- mutants of the real forms ---------- */

const SAMPLES: [string, string, (input: ParseInput) => unknown][] = [
  ['nmcli', 'enp3s0:ethernet:connected:Wired connection 1\nwlp2s0:wifi:connected:Caf\\:e\ndocker0:bridge:connected (externally):docker0\nveth45e93a2:ethernet:unmanaged:\nlo:loopback:unmanaged:\n', parseNmcliDevices],
  ['networkctl', '  1 lo      loopback carrier    unmanaged\n  2 enp1s0  ether    routable   configured\n  3 docker0 bridge   routable   unmanaged\n', parseNetworkctlList],
  ['nm-conf', '[main]\nplugins=ifupdown,keyfile\n\n[keyfile]\nunmanaged-devices=interface-name:docker0;interface-name:veth*\n', parseNmConf],
  ['.network', '[Match]\nName=en* \\\n  eth*\nType=ether\n\n[Network]\nDHCP=yes\n\n[Link]\nUnmanaged=no\n', parseNetworkdNetwork],
  ['udev rules', 'SUBSYSTEM!="net", GOTO="nm_unmanaged_end"\nENV{ID_NET_DRIVER}=="veth", \\\n  ENV{INTERFACE}!="eth[0-9]*", ENV{NM_UNMANAGED}="1"\nLABEL="nm_unmanaged_end"\n', parseUdevRules],
  ['subnet.env', SUBNET_ENV, parseFlannelSubnetEnv],
  ['flannel conflist', FLANNEL_CONFLIST, parseCniConf],
  ['bridge conflist', BRIDGE_CONFLIST, parseCniConf],
  ['podman conflist', PODMAN_CONFLIST, parseCniConf],
];


describe('host-context parsers under mutation of real forms', () => {
  it.each(SAMPLES)('%s: mutants parse or fail with a located ParseError', (name, text, parse) => {
    fc.assert(
      fc.property(mutation, (m) => {
        const mutant = mutate(text.split('\n'), m);
        try {
          parse({ source: name, text: mutant });
        } catch (err) {
          if (!(err instanceof ParseError)) throw new Error(`${m.kind}: escaped ${String(err)}`);
          expect(err.location.source).toBe(name);
          expect(err.location.line, err.message).toBeGreaterThan(0);
        }
      }),
      { numRuns: 200, seed: 20261207 },
    );
  });
});
