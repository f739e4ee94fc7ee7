/**
 * Inputs the size of a large Kubernetes node: hundreds of veths with -d details, thousands of routes and
 * neighbours, read completely. Their speed is measured by `npm run bench`, never by a timed test.
 */
import { describe, expect, it } from 'vitest';
import { parseBridgeLink } from '../../src/parse/bridge-json.js';
import { parseIpAddr, parseIpLink, parseIpNeigh, parseIpRoute } from '../../src/parse/ip-json.js';

const VETHS = 800;

const mac = (i: number) => `aa:bb:cc:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

function veth(i: number) {
  return {
    ifindex: 100 + i,
    link_index: 4,
    ifname: `cali${i.toString(16).padStart(11, '0')}`,
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    mtu: 1450,
    qdisc: 'noqueue',
    master: 'cni0',
    operstate: 'UP',
    linkmode: 'DEFAULT',
    group: 'default',
    link_type: 'ether',
    address: mac(i),
    broadcast: 'ff:ff:ff:ff:ff:ff',
    link_netnsid: i,
    promiscuity: 1,
    min_mtu: 68,
    max_mtu: 65535,
    linkinfo: {
      info_kind: 'veth',
      info_slave_kind: 'bridge',
      info_slave_data: { state: 'forwarding', priority: 32, cost: 2, hairpin: false, guard: false, root_block: false, fastleave: false, learning: true, flood: true, id: '0x8001', no: '0x1', designated_port: 32769, designated_cost: 0, bridge_id: '8000.2:42:5c:1a:2b:3c', root_id: '8000.2:42:5c:1a:2b:3c', hold_timer: 0, message_age_timer: 0, forward_delay_timer: 0, topology_change_ack: 0, config_pending: 0, proxy_arp: false, proxy_arp_wifi: false, multicast_router: 1, mcast_flood: true, bcast_flood: true, mcast_to_unicast: false, neigh_suppress: false, group_fwd_mask: '0', group_fwd_mask_str: '0x0', vlan_tunnel: false, isolated: false, locked: false },
    },
    inet6_addr_gen_mode: 'eui64',
    num_tx_queues: 1,
    num_rx_queues: 1,
    gso_max_size: 65536,
    gso_max_segs: 65535,
    addr_info: [{ family: 'inet6', local: `fe80::a8bb:ccff:fe00:${i.toString(16)}`, prefixlen: 64, scope: 'link', valid_life_time: 4294967295, preferred_life_time: 4294967295 }],
  };
}

describe('ip -j / bridge -j cost on a large node', () => {
  const links = Array.from({ length: VETHS }, (_, i) => veth(i));
  const linkPretty = JSON.stringify(links, null, 4);
  const linkCompact = JSON.stringify(links);
  const routes = JSON.stringify(
    Array.from({ length: 5000 }, (_, i) => ({ type: 'unicast', dst: `10.${(i >> 8) & 255}.${i & 255}.0/24`, gateway: '10.0.0.1', dev: `cali${i}`, protocol: 'bird', scope: 'link', metric: 100, flags: ['onlink'] })),
  );
  const neighbours = JSON.stringify(
    Array.from({ length: 5000 }, (_, i) => ({ dst: `10.1.${(i >> 8) & 255}.${i & 255}`, dev: 'cni0', lladdr: mac(i), state: ['REACHABLE'] })),
  );
  const ports = JSON.stringify(links.map((l) => ({ ifindex: l.ifindex, ifname: l.ifname, flags: l.flags, mtu: l.mtu, master: 'cni0', state: 'forwarding', priority: 32, cost: 2 })), null, 2);

  it(`reads ${VETHS} veths with details (${Math.round(linkPretty.length / 1024)} KiB pretty)`, () => {
    expect(parseIpLink({ source: 'ip-link', text: linkPretty }).value).toHaveLength(VETHS);
    expect(parseIpLink({ source: 'ip-link', text: linkCompact }).value).toHaveLength(VETHS);
    expect(parseIpAddr({ source: 'ip-addr', text: linkCompact }).value).toHaveLength(VETHS);
  });

  it('reads 5,000 routes, 5,000 neighbours and the bridge ports', () => {
    expect(parseIpRoute({ source: 'ip-route', text: routes }, 4).value).toHaveLength(5000);
    expect(parseIpNeigh({ source: 'ip-neigh', text: neighbours }).value).toHaveLength(5000);
    expect(parseBridgeLink({ source: 'bridge-link', text: ports }).value).toHaveLength(VETHS);
  });
});
