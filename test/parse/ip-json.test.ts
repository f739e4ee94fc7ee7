import { describe, expect, it } from 'vitest';
import { normaliseRouteDst, parseIpAddr, parseIpLink, parseIpNeigh, parseIpRoute } from '../../src/parse/ip-json.js';
import { catchError } from '../helpers/errors.js';

const link = (text: string) => parseIpLink({ source: 'ip-link', text });
const addr = (text: string) => parseIpAddr({ source: 'ip-addr', text });
const route = (text: string, family: 4 | 6 = 4) => parseIpRoute({ source: family === 4 ? 'ip-route' : 'ip6-route', text }, family);
const neigh = (text: string) => parseIpNeigh({ source: 'ip-neigh', text });


/** `ip -j -d link show` of a Docker host (iproute2 6.x field set), one element per line as `jq -c` would print. */
const DOCKER_LINKS = [
  '[',
  '{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00"},',
  '{"ifindex":3,"ifname":"docker0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","link_type":"ether","address":"02:42:5c:1a:2b:3c","linkinfo":{"info_kind":"bridge","info_data":{"forward_delay":1500,"stp_state":0,"bridge_id":"8000.2:42:5c:1a:2b:3c","nf_call_iptables":0}},"ifalias":"docker bridge"},',
  '{"ifindex":7,"link_index":6,"ifname":"veth1a2b3c4","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","master":"docker0","operstate":"UP","link_type":"ether","address":"9a:4c:3e:11:22:33","link_netnsid":1,"linkinfo":{"info_kind":"veth","info_slave_kind":"bridge","info_slave_data":{"state":"forwarding","priority":32,"cost":2}}},',
  '{"ifindex":9,"link":"veth-b","ifname":"veth-a","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP","M-DOWN"],"mtu":1500,"operstate":"LOWERLAYERDOWN","link_type":"ether","address":"aa:bb:cc:dd:ee:ff","linkinfo":{"info_kind":"veth"}},',
  '{"ifindex":12,"link":"eth0","ifname":"eth0.100","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","link_type":"ether","linkinfo":{"info_kind":"vlan","info_data":{"protocol":"802.1Q","id":100,"flags":["REORDER_HDR"]}}}',
  ']',
].join('\n');

describe('parseIpLink', () => {
  it('reads the iproute2 fields of each interface, with its line and compact text', () => {
    const { value, notes } = link(DOCKER_LINKS);
    expect(notes).toEqual([]);
    expect(value.map((l) => [l.ifindex, l.ifname, l.line])).toEqual([
      [1, 'lo', 2],
      [3, 'docker0', 3],
      [7, 'veth1a2b3c4', 4],
      [9, 'veth-a', 5],
      [12, 'eth0.100', 6],
    ]);
    expect(value[0]).toEqual({
      ifindex: 1,
      ifname: 'lo',
      flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
      mtu: 65536,
      operstate: 'UNKNOWN',
      address: '00:00:00:00:00:00',
      linkType: 'loopback',
      line: 2,
      text: expect.stringMatching(/^\{"ifindex":1,"ifname":"lo",/) as unknown as string,
    });
  });

  it('reads the bridge kind, its info_data and the alias', () => {
    const docker0 = link(DOCKER_LINKS).value[1];
    expect(docker0).toMatchObject({ kind: 'bridge', alias: 'docker bridge', address: '02:42:5c:1a:2b:3c' });
    expect(docker0?.infoData).toEqual({ forward_delay: 1500, stp_state: 0, bridge_id: '8000.2:42:5c:1a:2b:3c', nf_call_iptables: 0 });
    expect(docker0?.master).toBeUndefined();
  });

  it('reads a veth whose peer lives in another namespace (link_index + link_netnsid, no link name)', () => {
    const veth = link(DOCKER_LINKS).value[2];
    expect(veth).toMatchObject({ kind: 'veth', master: 'docker0', linkIndex: 6, linkNetnsId: 1, slaveKind: 'bridge' });
    expect(veth?.link).toBeUndefined();
    expect(veth?.slaveData).toEqual({ state: 'forwarding', priority: 32, cost: 2 });
  });

  it('reads a veth whose peer is in the same namespace, and carrier flags', () => {
    const veth = link(DOCKER_LINKS).value[3];
    expect(veth).toMatchObject({ link: 'veth-b', operstate: 'LOWERLAYERDOWN', flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP', 'M-DOWN'] });
    expect(veth?.linkNetnsId).toBeUndefined();
  });

  it('reads a VLAN with its lower device and id', () => {
    expect(link(DOCKER_LINKS).value[4]).toMatchObject({ link: 'eth0', kind: 'vlan', infoData: { id: 100 } });
  });

  it('skips an element without ifname, with a note', () => {
    const { value, notes } = link('[\n{"ifindex":1},\n{"ifindex":2,"ifname":"eth0"}\n]');
    expect(value.map((l) => l.ifname)).toEqual(['eth0']);
    expect(notes).toEqual([{ source: 'ip-link', line: 2, message: 'link without "ifname"; skipped', dropped: true }]);
  });

  it('keeps an interface without ifindex (ip -brief) as index 0, with a note', () => {
    const { value, notes } = link('[{"ifname":"eth0","operstate":"UP","flags":["UP"]}]');
    expect(value[0]).toMatchObject({ ifindex: 0, ifname: 'eth0', operstate: 'UP', flags: ['UP'] });
    expect(notes[0]?.message).toMatch(/no "ifindex"/);
  });

  it('ignores a field of the wrong type with a note, keeping the rest', () => {
    const { value, notes } = link('[{"ifindex":2,"ifname":"eth0","mtu":"1500","flags":["UP",7],"linkinfo":"veth"}]');
    expect(value[0]).toEqual({ ifindex: 2, ifname: 'eth0', flags: ['UP'], line: 1, text: expect.any(String) as unknown as string });
    expect(notes.map((n) => n.message)).toEqual([
      '"flags" holds the number 7 among its strings; dropped',
      '"mtu" is the string "1500", expected an integer; ignored',
      '"linkinfo" is the string "veth", expected an object; ignored',
    ]);
  });

  it('reads null as absent, without a note (iproute2 prints "link": null for tunnels)', () => {
    const { value, notes } = link('[{"ifindex":74,"link":null,"ifname":"tun1070","flags":["BROADCAST"],"mtu":null}]');
    expect(value[0]).toEqual({ ifindex: 74, ifname: 'tun1070', flags: ['BROADCAST'], line: 1, text: expect.any(String) as unknown as string });
    expect(notes).toEqual([]);
  });

  it('does not let __proto__ in info_data reach any prototype', () => {
    const { value } = link('[{"ifindex":2,"ifname":"x","linkinfo":{"info_kind":"veth","info_data":{"__proto__":{"polluted":1}}}}]');
    const infoData = value[0]?.infoData ?? {};
    expect(infoData['polluted']).toBeUndefined();
    expect(Object.keys(infoData)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // Free-form data has no prototype: a rule reading "constructor" or "toString" finds nothing.
    expect(Object.getPrototypeOf(infoData)).toBeNull();
    expect(infoData['constructor']).toBeUndefined();
    expect(Object.getPrototypeOf(infoData['__proto__'])).toBeNull();
  });

  it('rejects plain `ip link` text with a hint', () => {
    const err = catchError(() => link('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n'));
    expect(err.location).toEqual({ source: 'ip-link', line: 1 });
    expect(err.hint).toBe('this is `ip link` text; run `ip -j -d link show`');
  });

  it('returns [] for empty output', () => {
    expect(link('')).toEqual({ value: [], notes: [] });
  });
});

describe('parseIpAddr', () => {
  const TEXT = JSON.stringify(
    [
      {
        ifindex: 4,
        ifname: 'wg0',
        flags: ['POINTOPOINT', 'NOARP', 'UP', 'LOWER_UP'],
        mtu: 1420,
        operstate: 'UNKNOWN',
        addr_info: [
          { family: 'inet', local: '10.0.0.1', address: '10.0.0.2', prefixlen: 32, scope: 'global', label: 'wg0' },
          {},
          { family: 'inet6', local: 'fd00::1', prefixlen: 64, scope: 'global', dynamic: true },
        ],
      },
      { ifindex: 5, ifname: 'br0', master: 'vrf-blue', flags: ['UP'], addr_info: [{ family: 'inet', local: '172.17.0.1', prefixlen: 16, broadcast: '172.17.255.255', scope: 'global', label: 'br0' }] },
    ],
    null,
    2,
  );

  it('reads addresses with peer, scope, label, broadcast and dynamic', () => {
    const { value, notes } = addr(TEXT);
    expect(notes).toEqual([]);
    expect(value[0]).toMatchObject({ ifindex: 4, ifname: 'wg0', mtu: 1420, operstate: 'UNKNOWN', line: 4 });
    expect(value[0]?.addrs).toEqual([
      { family: 'inet', local: '10.0.0.1', address: '10.0.0.2', peer: '10.0.0.2', prefixlen: 32, scope: 'global', label: 'wg0' },
      { family: 'inet6', local: 'fd00::1', prefixlen: 64, scope: 'global', dynamic: true },
    ]);
    expect(value[1]).toMatchObject({ ifname: 'br0', master: 'vrf-blue' });
    expect(value[1]?.addrs).toEqual([{ family: 'inet', local: '172.17.0.1', prefixlen: 16, broadcast: '172.17.255.255', scope: 'global', label: 'br0' }]);
  });

  it('notes and skips malformed addresses, keeping the interface', () => {
    const { value, notes } = addr('[{"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet"},{"local":"1.2.3.4","prefixlen":8},{"family":"mpls","local":"x","prefixlen":1},7]}]');
    expect(value[0]?.addrs).toEqual([]);
    expect(notes.map((n) => n.message)).toEqual([
      'an inet address of "lo" lacks "local" or "prefixlen"; skipped',
      'an address of "lo" has no "family"; skipped',
      'an address of "lo" of family "mpls" (not IP) skipped',
      'an entry of "addr_info" of "lo" is not an object; skipped',
    ]);
  });

  it('rejects plain `ip addr` text with the hint', () => {
    const err = catchError(() => addr('2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000\n    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff\n    inet 192.0.2.10/24 brd 192.0.2.255 scope global eth0\n'));
    expect(err.hint).toBe('this is `ip addr` text; run `ip -j addr show`');
    expect(err.location.line).toBe(1);
  });
});

describe('parseIpRoute', () => {
  it('normalises dst: default and CIDRs kept, bare addresses become host prefixes', () => {
    expect(normaliseRouteDst('default')).toBe('default');
    expect(normaliseRouteDst('10.0.0.0/8')).toBe('10.0.0.0/8');
    expect(normaliseRouteDst('192.168.2.0')).toBe('192.168.2.0/32');
    expect(normaliseRouteDst('::1')).toBe('::1/128');
    expect(normaliseRouteDst('fe80::/64')).toBe('fe80::/64');
  });

  it('reads routes, defaulting type to unicast and table to main', () => {
    const text = [
      '[{"dst":"default","gateway":"192.0.2.1","dev":"eth0","protocol":"dhcp","metric":100,"prefsrc":"192.0.2.10","flags":[]},',
      '{"type":"blackhole","dst":"10.99.0.0/16","flags":[]},',
      '{"type":"local","dst":"127.0.0.1","table":"local","dev":"lo","protocol":"kernel","scope":"host","prefsrc":"127.0.0.1","flags":[]},',
      '{"dst":"172.17.0.0/16","dev":"docker0","protocol":"kernel","scope":"link","prefsrc":"172.17.0.1","flags":["linkdown"]}]',
    ].join('\n');
    const { value, notes } = route(text);
    expect(notes).toEqual([]);
    expect(value).toEqual([
      {
        family: 4,
        dst: 'default',
        type: 'unicast',
        table: 'main',
        gateway: '192.0.2.1',
        dev: 'eth0',
        protocol: 'dhcp',
        metric: 100,
        prefsrc: '192.0.2.10',
        flags: [],
        nexthops: [],
        line: 1,
        text: '{"dst":"default","gateway":"192.0.2.1","dev":"eth0","protocol":"dhcp","metric":100,"prefsrc":"192.0.2.10","flags":[]}',
      },
      { family: 4, dst: '10.99.0.0/16', type: 'blackhole', table: 'main', flags: [], nexthops: [], line: 2, text: expect.any(String) },
      {
        family: 4,
        dst: '127.0.0.1/32',
        type: 'local',
        table: 'local',
        dev: 'lo',
        protocol: 'kernel',
        scope: 'host',
        prefsrc: '127.0.0.1',
        flags: [],
        nexthops: [],
        line: 3,
        text: expect.any(String),
      },
      expect.objectContaining({ dst: '172.17.0.0/16', dev: 'docker0', flags: ['linkdown'], line: 4 }),
    ]);
  });

  it('reads multipath nexthops and an IPv6 nexthop of an IPv4 route ("via")', () => {
    const text =
      '[{"dst":"default","protocol":"static","flags":[],"nexthops":[{"gateway":"192.0.2.1","dev":"eth0","weight":1,"flags":[]},{"gateway":"198.51.100.1","dev":"eth1","weight":2,"flags":[]}]},' +
      '{"dst":"203.0.113.0/24","via":{"family":"inet6","host":"fe80::1"},"dev":"eth2","flags":["onlink"]}]';
    const { value } = route(text);
    expect(value[0]?.nexthops).toEqual([
      { gateway: '192.0.2.1', dev: 'eth0', weight: 1 },
      { gateway: '198.51.100.1', dev: 'eth1', weight: 2 },
    ]);
    expect(value[0]?.gateway).toBeUndefined();
    expect(value[1]).toMatchObject({ gateway: 'fe80::1', dev: 'eth2', flags: ['onlink'] });
  });

  it('accepts numeric table and protocol as printed by some versions', () => {
    expect(route('[{"dst":"10.0.0.0/8","table":100,"protocol":4,"flags":[]}]').value[0]).toMatchObject({ table: '100', protocol: '4' });
  });

  it('ignores the numeric "family" netplan adds', () => {
    const { value, notes } = route('[{"family":10,"type":"unicast","dst":"::1","dev":"lo","table":"main","flags":[]}]', 6);
    expect(value[0]).toMatchObject({ family: 6, dst: '::1/128' });
    expect(notes).toEqual([]);
  });

  it('gives each route its own family: `ip -j route show table all` lists IPv6 routes too', () => {
    const { value, notes } = route('[{"dst":"fe80::/64","dev":"eth0","flags":[]},\n{"dst":"default","gateway":"fe80::1","flags":[]},\n{"dst":"default","dev":"wg0","flags":[]},\n{"dst":"10.0.0.0/8","dev":"eth0","flags":[]}]', 4);
    expect(value.map((r) => r.family)).toEqual([6, 6, 4, 4]);
    expect(notes).toEqual([]);
    // An IPv4 default route through an IPv6 next hop (RFC 5549) stays IPv4.
    expect(route('[{"dst":"default","via":{"family":"inet6","host":"fe80::1"},"dev":"eth0","flags":[]}]', 4).value[0]!.family).toBe(4);
  });

  it('notes IPv4 routes in the output of ip -6 route: another command\'s file', () => {
    const { value, notes } = route('[{"dst":"::1","dev":"lo","flags":[]},\n{"dst":"10.0.0.0/8","dev":"eth0","flags":[]}]', 6);
    expect(value.map((r) => r.family)).toEqual([6, 4]);
    expect(notes).toEqual([{ source: 'ip6-route', line: 2, message: '1 IPv4 route(s) in the output of `ip -j -6 route`: is this the right file?' }]);
  });

  it('skips a route without dst, with a note', () => {
    const { value, notes } = route('[{"dev":"eth0","flags":[]}]');
    expect(value).toEqual([]);
    expect(notes).toEqual([{ source: 'ip-route', line: 1, message: 'route without "dst"; skipped', dropped: true }]);
  });

  it('rejects plain `ip route` text with the hint, naming -6 for IPv6 routes', () => {
    const v4 = catchError(() => route('default via 192.0.2.1 dev eth0 proto dhcp\n192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.10\n'));
    expect(v4.hint).toBe('this is `ip route` text; run `ip -j route show table all`');
    const v6 = catchError(() => route('fe80::/64 dev eth0 proto kernel metric 256 pref medium\n', 6));
    expect(v6.hint).toBe('this is `ip -6 route` text; run `ip -j -6 route show table all`');
  });

  it('rejects the pre-2019 bare route type with a located error and hint', () => {
    const err = catchError(() => route('[{"unicast","dst":"10.0.0.0/8","flags":[]}]'));
    expect(err.location).toEqual({ source: 'ip-route', line: 1 });
    expect(err.hint).toMatch(/before 5\.1/);
  });
});

describe('parseIpNeigh', () => {
  it('reads neighbours; the router flag is a key with a null value', () => {
    const text = [
      '[{"dst":"192.0.2.1","dev":"eth0","lladdr":"52:54:00:12:34:56","router":null,"state":["REACHABLE"]},',
      '{"dst":"192.0.2.7","dev":"eth0","state":["FAILED"]},',
      '{"dst":"fe80::1","dev":"eth0","lladdr":"52:54:00:12:34:57","router":true,"state":["STALE"]},',
      '{"dst":"192.0.2.9","dev":"eth0","lladdr":"52:54:00:12:34:58","state":"PERMANENT"}]',
    ].join('\n');
    const { value, notes } = neigh(text);
    expect(notes).toEqual([]);
    expect(value.map(({ dst, dev, lladdr, state, router, line }) => ({ dst, dev, lladdr, state, router, line }))).toEqual([
      { dst: '192.0.2.1', dev: 'eth0', lladdr: '52:54:00:12:34:56', state: ['REACHABLE'], router: true, line: 1 },
      { dst: '192.0.2.7', dev: 'eth0', lladdr: undefined, state: ['FAILED'], router: false, line: 2 },
      { dst: 'fe80::1', dev: 'eth0', lladdr: '52:54:00:12:34:57', state: ['STALE'], router: true, line: 3 },
      { dst: '192.0.2.9', dev: 'eth0', lladdr: '52:54:00:12:34:58', state: ['PERMANENT'], router: false, line: 4 },
    ]);
    expect(Object.hasOwn(value[1] ?? {}, 'lladdr')).toBe(false);
  });

  it('rejects plain `ip neigh` text with a hint', () => {
    const err = catchError(() => neigh('192.0.2.1 dev eth0 lladdr 52:54:00:12:34:56 REACHABLE\n192.0.2.7 dev eth0 FAILED\n'));
    expect(err.hint).toBe('this is `ip neigh` text; run `ip -j neigh show`');
  });
});
