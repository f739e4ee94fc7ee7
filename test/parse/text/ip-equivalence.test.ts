/**
 * The key property: the text form and the JSON form of the same captured state parse into the same
 * records, apart from evidence (line, text) and the fields each test names as not shown by the text form.
 */
import { describe, expect, it } from 'vitest';
import { parseBridgeLink } from '../../../src/parse/bridge-json.js';
import { parseIpAddr, parseIpLink, parseIpNeigh, parseIpRoute } from '../../../src/parse/ip-json.js';
import { parseIpRule } from '../../../src/parse/ip-rule.js';
import { parseBridgeLinkText, parseIpAddrText, parseIpLinkText, parseIpNeighText, parseIpRouteText, parseIpRuleText } from '../../../src/parse/text/index.js';
import type { IpLinkEntry } from '../../../src/parse/types.js';
import { fixture, withoutEvidence } from './fixtures.js';

const input = (name: string) => ({ source: name, text: fixture(name) });

/** What `ip link` without -d cannot show; and, with or without -d, the peer's netns id where the text names the namespace instead. */
const NOT_IN_PLAIN_LINK = ['kind', 'slaveKind', 'infoData', 'slaveData'] as const;
const linkWithout = (entries: IpLinkEntry[], fields: readonly string[]) =>
  withoutEvidence(entries).map((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !fields.includes(k))));

describe('ip addr text = ip -j addr', () => {
  const json = withoutEvidence(parseIpAddr(input('ip-addr.json')).value);

  it.each(['ip-addr.txt', 'ip-addr-d.txt', 'ip-addr-color.txt'])('%s', (name) => {
    expect(withoutEvidence(parseIpAddrText(input(name)).value)).toEqual(json);
  });

  it('ip -o addr: index, name and addresses (it prints no flags, mtu, state or master)', () => {
    const oneLine = withoutEvidence(parseIpAddrText(input('ip-addr-o.txt')).value);
    expect(oneLine).toEqual(json.filter((e) => e.addrs.length > 0).map((e) => ({ ifindex: e.ifindex, ifname: e.ifname, flags: [], addrs: e.addrs })));
  });

  it('inside another namespace (the veth peer of va0)', () => {
    expect(withoutEvidence(parseIpAddrText(input('netns-b-ip-addr.txt')).value)).toEqual(withoutEvidence(parseIpAddr(input('netns-b-ip-addr.json')).value));
  });

  it('keeps the header line of each interface as evidence', () => {
    const up0 = parseIpAddrText(input('ip-addr.txt')).value.find((e) => e.ifname === 'up0');
    expect(up0?.line).toBe(fixture('ip-addr.txt').split('\n').findIndex((l) => l.startsWith('7: up0@up1:')) + 1);
    expect(up0?.text).toMatch(/^7: up0@up1: <BROADCAST/);
  });
});

describe('ip link text = ip -j -d link', () => {
  const json = parseIpLink(input('ip-link.json')).value;
  /** va0's peer is in natext-b, which has a name: the text prints `link-netns natext-b`, never its id. */
  // JSON gives the peer namespace's id, text its name where it has one (`link-netns NAME`).
  const NETNS_ID = ['linkNetnsId', 'linkNetnsName'];

  it.each(['ip-link.txt', 'ip-link-o.txt'])('%s (no -d: no kind or kind data)', (name) => {
    expect(linkWithout(parseIpLinkText(input(name)).value, [...NOT_IN_PLAIN_LINK, ...NETNS_ID])).toEqual(linkWithout(json, [...NOT_IN_PLAIN_LINK, ...NETNS_ID]));
  });

  it.each(['ip-link-d.txt', 'ip-link-sd.txt'])('%s: kinds and the compared kind data', (name) => {
    const text = parseIpLinkText(input(name)).value;
    const INFO = ['infoData', 'slaveData'];
    expect(linkWithout(text, [...INFO, ...NETNS_ID])).toEqual(linkWithout(json, [...INFO, ...NETNS_ID]));
    // Keys whose text and JSON forms are the same value (the timers and group_fwd_mask differ in type or move between captures).
    const COMPARED: Record<string, string[]> = {
      bridge: ['forward_delay', 'hello_time', 'max_age', 'ageing_time', 'stp_state', 'priority', 'vlan_filtering', 'bridge_id', 'root_id', 'root_port', 'mcast_snooping', 'nf_call_iptables', 'nf_call_ip6tables', 'nf_call_arptables', 'mcast_query_intvl', 'group_addr'],
      vxlan: ['id', 'local', 'link', 'port', 'port_range', 'learning', 'ttl', 'ageing', 'udp_csum', 'udp_zero_csum6_tx', 'udp_zero_csum6_rx'],
      macvlan: ['mode', 'bcqueuelen', 'usedbcqueuelen'],
      tun: ['type', 'pi', 'vnet_hdr', 'persist'],
      bridge_slave: ['state', 'priority', 'cost', 'hairpin', 'guard', 'learning', 'flood', 'isolated', 'id', 'no', 'designated_port', 'bridge_id', 'root_id', 'multicast_router', 'mcast_flood', 'bcast_flood', 'proxy_arp'],
    };
    const pick = (data: Record<string, unknown> | undefined, keys: string[] | undefined) =>
      data && keys ? Object.fromEntries(keys.map((k) => [k, data[k]])) : data;
    let compared = 0;
    for (const [i, j] of json.entries()) {
      const t = text[i]!;
      expect(pick(t.infoData, COMPARED[j.kind ?? '']), j.ifname).toEqual(pick(j.infoData, COMPARED[j.kind ?? '']));
      expect(pick(t.slaveData, COMPARED[`${j.slaveKind}_slave`]), j.ifname).toEqual(pick(j.slaveData, COMPARED[`${j.slaveKind}_slave`]));
      if (j.infoData || j.slaveData) compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(6);
  });

  it('va0: the peer by index in another namespace; vb1: the peer by name', () => {
    const links = parseIpLinkText(input('ip-link-d.txt')).value;
    expect(links.find((l) => l.ifname === 'va0')).toMatchObject({ linkIndex: 2, master: 'br0', kind: 'veth', slaveKind: 'bridge' });
    expect(links.find((l) => l.ifname === 'va0')?.link).toBeUndefined();
    expect(links.find((l) => l.ifname === 'vb1')).toMatchObject({ link: 'vb0', kind: 'veth' });
    expect(links.find((l) => l.ifname === 'up0')?.alias).toBe('uplink to the lab');
  });

  it('inside another namespace', () => {
    expect(linkWithout(parseIpLinkText(input('netns-b-ip-link-d.txt')).value, [...NETNS_ID, 'infoData'])).toEqual(
      linkWithout(parseIpLink(input('netns-b-ip-link.json')).value, [...NETNS_ID, 'infoData']),
    );
    // the text names the peer's namespace where JSON gives its id
    expect(parseIpLinkText(input('netns-b-ip-link-d.txt')).value.find((l) => l.ifname === 'va1')).toMatchObject({ linkIndex: 3, linkNetnsName: 'natext-a' });
  });
});

describe('ip route text = ip -j route', () => {
  it.each([
    ['ip-route.txt', 'ip-route.json', 4],
    ['ip6-route.txt', 'ip6-route.json', 6],
  ] as const)('%s', (text, json, family) => {
    const fromText = parseIpRouteText(input(text), family);
    expect(withoutEvidence(fromText.value)).toEqual(withoutEvidence(parseIpRoute(input(json), family).value));
    expect(fromText.notes).toEqual([]);
  });

  it('reads every route type, flags and next hops of the lab', () => {
    const routes = parseIpRouteText(input('ip-route.txt'), 4).value;
    expect(new Set(routes.map((r) => r.type))).toEqual(new Set(['unicast', 'local', 'broadcast', 'multicast', 'throw', 'prohibit', 'blackhole', 'unreachable', 'anycast']));
    expect(routes.find((r) => r.dst === '10.50.0.0/16')?.nexthops).toEqual([
      { gateway: '192.0.2.10', dev: 'up0', weight: 1 },
      { gateway: '192.0.2.11', dev: 'up0', weight: 3 },
    ]);
    expect(routes.find((r) => r.dst === '198.51.100.0/24')?.flags).toEqual(['onlink']);
    expect(routes.find((r) => r.dst === '10.31.0.0/16')?.flags).toEqual(['linkdown']);
  });
});

describe('ip rule text = ip -j rule', () => {
  it.each([
    ['ip-rule.txt', 'ip-rule.json', 4],
    ['ip6-rule.txt', 'ip6-rule.json', 6],
  ] as const)('%s', (text, json, family) => {
    const fromText = parseIpRuleText(input(text), family);
    expect(withoutEvidence(fromText.value)).toEqual(withoutEvidence(parseIpRule(input(json), family).value));
    expect(fromText.notes).toEqual([]);
  });
});

describe('ip neigh text = ip -j neigh', () => {
  it.each(['ip-neigh.txt', 'ip-neigh-ss.txt'])('%s', (name) => {
    expect(withoutEvidence(parseIpNeighText(input(name)).value)).toEqual(withoutEvidence(parseIpNeigh(input('ip-neigh.json')).value));
  });
});

describe('bridge link text = bridge -j link', () => {
  it.each(['bridge-link.txt', 'bridge-link-ssd.txt'])('%s', (name) => {
    expect(withoutEvidence(parseBridgeLinkText(input(name)).value)).toEqual(withoutEvidence(parseBridgeLink(input('bridge-link.json')).value));
  });
});
