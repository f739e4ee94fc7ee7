import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import type { Parsed } from '../../src/parse/common.js';
import { parseIpAddr, parseIpLink, parseIpRoute } from '../../src/parse/ip-json.js';
import { corpusFiles, expectedCorpusFiles, readCorpus } from '../helpers/corpus.js';

/** The only invalid JSON in the corpus: iproute2's own bugs, kept as negative samples. */
const KNOWN_INVALID: Record<string, { line: number; message: RegExp; hint?: RegExp }> = {
  'iproute2_iproute2__commit_d0e72011_ip-details-json-link-show.json': {
    line: 106,
    message: /expected a property name in double quotes, found "\{"/,
  },
  'iproute2_iproute2__commit_07366177_ip-d-j-p-route-show.json': {
    line: 1,
    message: /expected ":" after the property name "unicast"/,
    hint: /iproute2 before 5\.1/,
  },
  'iproute2_iproute2__commit_07366177_ip-d-j-p-route-show_2.json': {
    line: 1,
    message: /expected ":" after the property name "unreachable"/,
    hint: /iproute2 before 5\.1/,
  },
};

/** Route files hold no family marker iproute2 prints; any IPv6 destination or gateway decides. */
function routeFamily(text: string): 4 | 6 {
  return /"(dst|gateway)":\s*"[0-9a-fA-F]*:/.test(text) ? 6 : 4;
}

/** Which command printed each corpus file (see corpus/SOURCES.md). */
const COMMAND_OF: Record<string, 'link' | 'addr' | 'route'> = {
  'canonical_cloud-init__tests_data_netinfo_sample-ipaddrshow-json': 'addr',
  'canonical_cloud-init__tests_data_netinfo_sample-ipaddrshow-json-down': 'addr',
  'canonical_netplan__tests_cli_test_status.py_IPROUTE2_ip-d-j-addr.json': 'addr',
  'canonical_netplan__tests_cli_test_status.py_ROUTE4_ip-d-j-4-route-table-all.json': 'route',
  'canonical_netplan__tests_cli_test_status.py_ROUTE6_ip-d-j-6-route-table-all.json': 'route',
  'iproute2_iproute2__commit_07366177_ip-d-j-p-route-show.json': 'route',
  'iproute2_iproute2__commit_07366177_ip-d-j-p-route-show_2.json': 'route',
  'iproute2_iproute2__commit_07366177_ip-d-j-p-route-show_3.json': 'route',
  'iproute2_iproute2__commit_20aeecfb_ip-details-json-link-show_bridge.json': 'link',
  'iproute2_iproute2__commit_89ce8012_ip-j-route_jq.json': 'route',
  'iproute2_iproute2__commit_bdb8d854_ip-j-address-show_jq.json': 'addr',
  'iproute2_iproute2__commit_d0e72011_ip-details-json-link-show.json': 'link',
  'iproute2_iproute2__commit_d0e72011_ip-json-brief-link-show.json': 'link',
};

function parseByName(name: string): Parsed<unknown[]> {
  const input = { source: name, text: readCorpus('ip-json', name) };
  const command = COMMAND_OF[name];
  if (command === undefined) throw new Error(`corpus file ${name} is new: add it to COMMAND_OF`);
  if (command === 'addr') return parseIpAddr(input);
  if (command === 'route') return parseIpRoute(input, routeFamily(input.text));
  return parseIpLink(input);
}

describe('ip -j corpus', () => {
  const files = corpusFiles('ip-json').map(([name]) => name);

  it('parses every file except exactly the three known-invalid iproute2 outputs', () => {
    expect(files).toEqual(expectedCorpusFiles('ip-json'));
    const failed: string[] = [];
    for (const name of files) {
      try {
        const { value } = parseByName(name);
        expect(value.length, name).toBeGreaterThan(0);
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        failed.push(name);
      }
    }
    expect(failed.sort()).toEqual(Object.keys(KNOWN_INVALID).sort());
  });

  it.each(Object.entries(KNOWN_INVALID))('%s fails with a located ParseError', (name, expected) => {
    let error: unknown;
    try {
      parseByName(name);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ParseError);
    const e = error as ParseError;
    expect(e.location).toEqual({ source: name, line: expected.line });
    expect(e.message).toMatch(expected.message);
    if (expected.hint) expect(e.hint).toMatch(expected.hint);
  });

  it('cloud-init: lo and enp0s25 with their v4 and v6 addresses, each at its "ifname" line', () => {
    const { value, notes } = parseIpAddr({ source: 'a', text: readCorpus('ip-json', 'canonical_cloud-init__tests_data_netinfo_sample-ipaddrshow-json') });
    expect(notes).toEqual([]);
    expect(value.map((i) => [i.ifindex, i.ifname, i.line])).toEqual([
      [1, 'lo', 4],
      [23, 'enp0s25', 41],
    ]);
    expect(value[0]?.text).toMatch(/^"ifname": "lo", "ifindex": 1, /);
    expect(value[1]?.text).toMatch(/^"ifname": "enp0s25", "ifindex": 23, /);
    expect(value[1]?.addrs).toEqual([
      { family: 'inet', local: '192.168.2.18', prefixlen: 24, broadcast: '192.168.2.255', scope: 'global', dynamic: true, label: 'enp0s25', validLifetime: 2339 },
      { family: 'inet6', local: 'fe80::7777:2222:1111:eeee', prefixlen: 64, scope: 'global', dynamic: true, mngtmpaddr: true, validLifetime: 6823 },
      { family: 'inet6', local: 'fe80::8107:2b92:867e:f8a6', prefixlen: 64, scope: 'link' },
    ]);
    expect(value[0]?.addrs.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['127.0.0.1/8', '::1/128']);
  });

  it('cloud-init (down): eth0 is DOWN, not UP, and has no address', () => {
    const { value } = parseIpAddr({ source: 'a', text: readCorpus('ip-json', 'canonical_cloud-init__tests_data_netinfo_sample-ipaddrshow-json-down') });
    expect(value[1]).toMatchObject({ ifname: 'eth0', operstate: 'DOWN', flags: ['BROADCAST', 'MULTICAST'], addrs: [] });
  });

  it('netplan addr: compact one-line dump, WireGuard and sit interfaces', () => {
    const { value } = parseIpAddr({ source: 'a', text: readCorpus('ip-json', 'canonical_netplan__tests_cli_test_status.py_IPROUTE2_ip-d-j-addr.json') });
    expect(value.map((i) => i.ifname)).toEqual(['lo', 'enp0s31f6', 'wlan0', 'wg0', 'wwan0', 'tun0', 'tun1']);
    expect(value.every((i) => i.line === 1)).toBe(true);
    expect(value.find((i) => i.ifname === 'wg0')?.addrs).toMatchObject([{ family: 'inet', local: '10.10.0.2', prefixlen: 24 }]);
    expect(value.find((i) => i.ifname === 'tun0')?.addrs).toMatchObject([{ family: 'inet6', local: '2001:dead:beef::2', prefixlen: 64 }]);
  });

  it('netplan ROUTE4: main, numbered and local tables; a bare gateway route becomes /32', () => {
    const name = 'canonical_netplan__tests_cli_test_status.py_ROUTE4_ip-d-j-4-route-table-all.json';
    const text = readCorpus('ip-json', name);
    expect(routeFamily(text)).toBe(4);
    const { value, notes } = parseIpRoute({ source: name, text }, 4);
    expect(notes).toEqual([]);
    expect(value.map((r) => [r.table, r.type, r.dst, r.dev, r.metric])).toEqual([
      ['main', 'unicast', 'default', 'enp0s31f6', 100],
      ['main', 'unicast', 'default', 'wlan0', 600],
      ['main', 'unicast', '10.10.0.0/24', 'wg0', undefined],
      ['main', 'unicast', '192.168.178.0/24', 'enp0s31f6', 100],
      ['main', 'unicast', '192.168.178.0/24', 'wlan0', 600],
      ['1234', 'unicast', '192.168.178.1/32', 'enp0s31f6', 100],
      ['local', 'broadcast', '192.168.178.255/32', 'enp0s31f6', undefined],
    ]);
    expect(value[0]).toMatchObject({ family: 4, gateway: '192.168.178.1', protocol: 'dhcp', prefsrc: '192.168.178.62' });
  });

  it('netplan ROUTE6: RA routes, fe80 gateways and a default route in table 1234', () => {
    const name = 'canonical_netplan__tests_cli_test_status.py_ROUTE6_ip-d-j-6-route-table-all.json';
    const text = readCorpus('ip-json', name);
    expect(routeFamily(text)).toBe(6);
    const { value, notes } = parseIpRoute({ source: name, text }, 6);
    expect(notes).toEqual([]);
    expect(value).toHaveLength(10);
    expect(value[0]).toMatchObject({ family: 6, dst: '::1/128', dev: 'lo', protocol: 'kernel', metric: 256 });
    const defaults = value.filter((r) => r.dst === 'default');
    expect(defaults.map((r) => [r.table, r.gateway, r.dev, r.metric])).toEqual([
      ['1234', 'fe80::cece:1eff:fe3d:c737', 'enp0s31f6', 100],
      ['main', 'fe80::cece:1eff:fe3d:c737', 'wlan0', 20600],
    ]);
    expect(value.filter((r) => r.protocol === 'ra')).toHaveLength(6);
  });

  it('07366177 (fixed output): route types, protocol boot, pretty -p layout: each route at its "dst" line', () => {
    const name = 'iproute2_iproute2__commit_07366177_ip-d-j-p-route-show_3.json';
    const { value } = parseIpRoute({ source: name, text: readCorpus('ip-json', name) }, 4);
    expect(value.map((r) => [r.type, r.dst, r.line])).toEqual([
      ['unicast', 'default', 3],
      ['unreachable', '192.168.23.0/24', 12],
      ['prohibit', '192.168.24.0/24', 18],
      ['blackhole', '192.168.25.0/24', 24],
    ]);
    expect(value.map((r) => r.text.split(', ')[0])).toEqual(['"dst": "default"', '"dst": "192.168.23.0/24"', '"dst": "192.168.24.0/24"', '"dst": "192.168.25.0/24"']);
  });

  it('89ce8012 (jq): a route without type, bare dst, metrics list ignored', () => {
    const name = 'iproute2_iproute2__commit_89ce8012_ip-j-route_jq.json';
    const { value, notes } = parseIpRoute({ source: name, text: readCorpus('ip-json', name) }, 4);
    expect(notes).toEqual([]);
    expect(value).toMatchObject([{ type: 'unicast', table: 'main', dst: '192.168.2.0/32', dev: 'dummy0', scope: 'link', metric: 100, line: 3 }]);
    expect(value[0]?.text).toMatch(/^"dst": "192\.168\.2\.0", /);
  });

  it('bdb8d854 (jq, TAB-indented): address 192.0.2.1/28 on "d"', () => {
    const name = 'iproute2_iproute2__commit_bdb8d854_ip-j-address-show_jq.json';
    const { value } = parseIpAddr({ source: name, text: readCorpus('ip-json', name) });
    expect(value).toMatchObject([{ ifindex: 26, ifname: 'd', operstate: 'DOWN', addrs: [{ family: 'inet', local: '192.0.2.1', prefixlen: 28, label: 'd' }] }]);
    expect(value[0]?.line).toBe(4);
    expect(value[0]?.text).toMatch(/^"ifname": "d", "ifindex": 26, /);
  });

  it('20aeecfb: 2017 -d bridge and bond with bridge-slave data', () => {
    const name = 'iproute2_iproute2__commit_20aeecfb_ip-details-json-link-show_bridge.json';
    const { value, notes } = parseIpLink({ source: name, text: readCorpus('ip-json', name) });
    expect(notes).toEqual([]);
    expect(value.map((l) => [l.ifindex, l.ifname, l.kind, l.master, l.line])).toEqual([
      [15, 'br42', 'bridge', undefined, 3],
      [16, 'bond42', 'bond', 'br42', 68],
    ]);
    // A nested "priority" (bridge data) is not the element's own: the text leads with "ifname".
    expect(value.map((l) => l.text.split(', ')[0])).toEqual(['"ifname": "br42"', '"ifname": "bond42"']);
    expect(value[0]?.infoData).toMatchObject({ stp_state: 0, vlan_filtering: 0, hello_timer: 0 });
    expect(value[1]).toMatchObject({ slaveKind: 'bridge', slaveData: { state: 'forwarding', cost: 100 } });
  });

  it('d0e72011 brief: the first-ever JSON output, without ifindex, is kept with notes', () => {
    const name = 'iproute2_iproute2__commit_d0e72011_ip-json-brief-link-show.json';
    const { value, notes } = parseIpLink({ source: name, text: readCorpus('ip-json', name) });
    expect(value.map((l) => [l.ifname, l.operstate, l.ifindex, l.line])).toEqual([
      ['lo', 'UNKNOWN', 0, 2],
      ['eth0', 'UP', 0, 7],
      ['swp1', 'DOWN', 0, 12],
      ['vxlan42', 'DOWN', 0, 17],
      ['bond0', 'DOWN', 0, 22],
      ['swp1.50', 'DOWN', 0, 28],
      ['br0', 'DOWN', 0, 33],
    ]);
    expect(value[0]?.text).toMatch(/^"ifname": "lo", /);
    expect(value[5]?.link).toBe('swp1');
    expect(notes).toHaveLength(7);
  });
});
