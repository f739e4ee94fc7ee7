/**
 * The iproute2 JSON outputs of the node, built as objects with iproute2's key order and printed compact,
 * as `ip -j` prints them: `ip -j -d link show`, `ip -j addr show`, `ip -j route show table all`,
 * `ip -j -6 route show table all` and `ip -j neigh show`.
 */
import type { Cluster, Pod } from './cluster.js';
import { Random } from './random.js';

type Json = Record<string, unknown>;

export interface HostInterface {
  name: string;
  index: number;
  mac: string;
  mtu: number;
  flags: string[];
  operstate: string;
  qdisc: string;
  master?: string;
  /** Peer ifindex and namespace id (veths). */
  peer?: { index: number; netnsId: number };
  linkType: 'ether' | 'loopback';
  linkinfo?: Json;
  extra?: Json;
  v4?: { local: string; prefixlen: number; broadcast?: string; label: string; dynamic?: boolean };
  /** Has an IPv6 link-local address (derived from the MAC). */
  linkLocal6: boolean;
}

const UP = ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'];

/** fe80::/64 address from a MAC (EUI-64), in the compressed form ip prints. */
export function linkLocalOf(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const bytes = [(b[0]! ^ 0x02) & 0xff, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `fe80::${groups.join(':')}`;
}

function bridgeInfoData(mac: string, rnd: Random): Json {
  const id = `8000.${mac.split(':').map((x) => parseInt(x, 16).toString(16)).join(':')}`;
  return {
    forward_delay: 1500, hello_time: 200, max_age: 2000, ageing_time: 30000, stp_state: 0, priority: 32768,
    vlan_filtering: 0, vlan_protocol: '802.1Q', bridge_id: id, root_id: id, root_port: 0, root_path_cost: 0,
    topology_change: 0, topology_change_detected: 0, hello_timer: 0, tcn_timer: 0, topology_change_timer: 0,
    gc_timer: rnd.int(0, 30000) / 100, vlan_default_pvid: 1, vlan_stats_enabled: 0, vlan_stats_per_port: 0,
    group_fwd_mask: '0', group_addr: '01:80:c2:00:00:00', mcast_snooping: 1, no_linklocal_learn: 0,
    mcast_vlan_snooping: 0, mcast_router: 1, mcast_query_use_ifaddr: 0, mcast_querier: 0, mcast_hash_elasticity: 16,
    mcast_hash_max: 4096, mcast_last_member_cnt: 2, mcast_startup_query_cnt: 2, mcast_last_member_intvl: 100,
    mcast_membership_intvl: 26000, mcast_querier_intvl: 25500, mcast_query_intvl: 12500,
    mcast_query_response_intvl: 1000, mcast_startup_query_intvl: 3124, mcast_stats_enabled: 0, mcast_igmp_version: 2,
    mcast_mld_version: 1, nf_call_iptables: 0, nf_call_ip6tables: 0, nf_call_arptables: 0,
  };
}

function bridgePortData(port: number, bridgeMac: string): Json {
  const id = `8000.${bridgeMac.split(':').map((x) => parseInt(x, 16).toString(16)).join(':')}`;
  return {
    state: 'forwarding', priority: 32, cost: 2, hairpin: true, guard: false, root_block: false, fastleave: false,
    learning: true, flood: true, id: `0x${(0x8000 + port).toString(16)}`, no: `0x${port.toString(16)}`,
    designated_port: 0x8000 + port, designated_cost: 0, bridge_id: id, root_id: id, hold_timer: 0,
    message_age_timer: 0, forward_delay_timer: 0, topology_change_ack: 0, config_pending: 0, proxy_arp: false,
    proxy_arp_wifi: false, multicast_router: 1, mcast_flood: true, bcast_flood: true, mcast_to_unicast: false,
    neigh_suppress: false, group_fwd_mask: '0', group_fwd_mask_str: '0x0', vlan_tunnel: false, isolated: false,
    locked: false,
  };
}

/** lo, eth0, docker0, flannel.1, cni0, then one veth per pod (ifindex order). */
export function hostInterfaces(cluster: Cluster): HostInterface[] {
  const rnd = new Random(cluster.spec.seed ^ 0x11c);
  const subnetPrefix = cluster.nodePrefix;
  const ownNetwork = cluster.self.vtepIp;
  const [a, b, c, d] = ownNetwork.split('.').map(Number) as [number, number, number, number];
  const gatewayIp = `${a}.${b}.${c}.${d + 1}`;
  const broadcastValue = ((((a << 24) | (b << 16) | (c << 8) | d) >>> 0) + 2 ** (32 - subnetPrefix) - 1) >>> 0;
  const cniBroadcast = [24, 16, 8, 0].map((s) => (broadcastValue >>> s) & 255).join('.');

  const list: HostInterface[] = [
    { name: 'lo', index: 1, mac: '00:00:00:00:00:00', mtu: 65536, flags: ['LOOPBACK', 'UP', 'LOWER_UP'], operstate: 'UNKNOWN', qdisc: 'noqueue', linkType: 'loopback', v4: { local: '127.0.0.1', prefixlen: 8, label: 'lo' }, linkLocal6: false },
    {
      name: 'eth0', index: 2, mac: cluster.ethMac, mtu: 1500, flags: UP, operstate: 'UP', qdisc: 'mq', linkType: 'ether',
      extra: { parentbus: 'pci', parentdev: '0000:00:05.0' },
      v4: { local: cluster.nodeIp, prefixlen: 16, broadcast: '192.168.255.255', label: 'eth0', dynamic: true }, linkLocal6: true,
    },
    {
      name: 'docker0', index: 3, mac: cluster.dockerMac, mtu: 1500, flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], operstate: 'DOWN', qdisc: 'noqueue', linkType: 'ether',
      linkinfo: { info_kind: 'bridge', info_data: bridgeInfoData(cluster.dockerMac, rnd) },
      v4: { local: '172.17.0.1', prefixlen: 16, broadcast: '172.17.255.255', label: 'docker0' }, linkLocal6: false,
    },
    {
      name: 'flannel.1', index: 4, mac: cluster.flannelMac, mtu: 1450, flags: UP, operstate: 'UNKNOWN', qdisc: 'noqueue', linkType: 'ether',
      linkinfo: {
        info_kind: 'vxlan',
        info_data: { id: 1, local: cluster.nodeIp, dev: 'eth0', port_range: { low: 0, high: 0 }, port: 8472, ttl: 0, ageing: 300, udp_csum: false, udp_zero_csum6_tx: false, udp_zero_csum6_rx: false, learning: false, proxy: false, l2miss: false, l3miss: false, gbp: false, remcsum_tx: false, remcsum_rx: false, df: 'unset' },
      },
      v4: { local: ownNetwork, prefixlen: 32, label: 'flannel.1' }, linkLocal6: true,
    },
    {
      name: 'cni0', index: 5, mac: cluster.cniMac, mtu: 1450, flags: UP, operstate: 'UP', qdisc: 'noqueue', linkType: 'ether',
      linkinfo: { info_kind: 'bridge', info_data: bridgeInfoData(cluster.cniMac, rnd) },
      v4: { local: gatewayIp, prefixlen: subnetPrefix, broadcast: cniBroadcast, label: 'cni0' }, linkLocal6: true,
    },
  ];
  cluster.pods.forEach((pod: Pod, i) => {
    list.push({
      name: pod.veth, index: pod.ifindex, mac: rnd.mac(), mtu: 1450, flags: UP, operstate: 'UP', qdisc: 'noqueue', master: 'cni0', linkType: 'ether',
      peer: { index: 3, netnsId: pod.netnsId },
      linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge', info_slave_data: bridgePortData(i + 1, cluster.cniMac) },
      linkLocal6: true,
    });
  });
  return list;
}

/** The fields `ip link` and `ip addr` share, in iproute2's order. */
function linkHead(i: HostInterface, details: boolean): Json {
  const o: Json = { ifindex: i.index };
  if (i.peer) o.link_index = i.peer.index;
  o.ifname = i.name;
  o.flags = i.flags;
  o.mtu = i.mtu;
  o.qdisc = i.qdisc;
  if (i.master) o.master = i.master;
  o.operstate = i.operstate;
  if (details) o.linkmode = 'DEFAULT';
  o.group = 'default';
  o.txqlen = 1000;
  o.link_type = i.linkType;
  o.address = i.mac;
  o.broadcast = i.linkType === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff';
  if (i.peer) o.link_netnsid = i.peer.netnsId;
  return o;
}

export function renderIpLink(interfaces: readonly HostInterface[]): string {
  return `${JSON.stringify(
    interfaces.map((i) => {
      const o = linkHead(i, true);
      o.promiscuity = i.master || i.name === 'cni0' ? 1 : 0;
      o.allmulti = i.master ? 1 : 0;
      o.min_mtu = i.linkType === 'loopback' ? 0 : 68;
      o.max_mtu = i.linkType === 'loopback' ? 0 : i.name === 'eth0' ? 9001 : 65535;
      if (i.linkinfo) o.linkinfo = i.linkinfo;
      o.inet6_addr_gen_mode = 'eui64';
      o.num_tx_queues = i.name === 'eth0' ? 8 : 1;
      o.num_rx_queues = i.name === 'eth0' ? 8 : 1;
      o.gso_max_size = 65536;
      o.gso_max_segs = 65535;
      if (i.extra) Object.assign(o, i.extra);
      return o;
    }),
  )}\n`;
}

const FOREVER = 4294967295;

export function renderIpAddr(interfaces: readonly HostInterface[]): string {
  return `${JSON.stringify(
    interfaces.map((i) => {
      const o = linkHead(i, false);
      const addrInfo: Json[] = [];
      if (i.v4) {
        const a: Json = { family: 'inet', local: i.v4.local, prefixlen: i.v4.prefixlen };
        if (i.v4.broadcast) a.broadcast = i.v4.broadcast;
        a.scope = i.name === 'lo' ? 'host' : 'global';
        if (i.v4.dynamic) a.dynamic = true;
        a.label = i.v4.label;
        a.valid_life_time = i.v4.dynamic ? 3012 : FOREVER;
        a.preferred_life_time = i.v4.dynamic ? 3012 : FOREVER;
        addrInfo.push(a);
      }
      if (i.name === 'lo') addrInfo.push({ family: 'inet6', local: '::1', prefixlen: 128, scope: 'host', valid_life_time: FOREVER, preferred_life_time: FOREVER });
      if (i.linkLocal6) addrInfo.push({ family: 'inet6', local: linkLocalOf(i.mac), prefixlen: 64, scope: 'link', valid_life_time: FOREVER, preferred_life_time: FOREVER });
      o.addr_info = addrInfo;
      return o;
    }),
  )}\n`;
}

export function renderIpRoute(cluster: Cluster, interfaces: readonly HostInterface[]): { text: string; count: number } {
  const cni = interfaces.find((i) => i.name === 'cni0')!;
  const routes: Json[] = [
    { dst: 'default', gateway: cluster.gateway, dev: 'eth0', protocol: 'dhcp', prefsrc: cluster.nodeIp, metric: 100, flags: [] },
  ];
  for (const peer of cluster.peers) routes.push({ dst: peer.subnet, gateway: peer.vtepIp, dev: 'flannel.1', flags: ['onlink'] });
  routes.push(
    { dst: cluster.self.subnet, dev: 'cni0', protocol: 'kernel', scope: 'link', prefsrc: cni.v4!.local, flags: [] },
    { dst: '172.17.0.0/16', dev: 'docker0', protocol: 'kernel', scope: 'link', prefsrc: '172.17.0.1', flags: ['linkdown'] },
    { dst: '192.168.0.0/16', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: cluster.nodeIp, flags: [] },
    { dst: cluster.gateway, dev: 'eth0', protocol: 'dhcp', scope: 'link', prefsrc: cluster.nodeIp, metric: 100, flags: [] },
  );
  const local = (type: 'local' | 'broadcast', dst: string, dev: string, prefsrc: string, scope: 'host' | 'link', flags: string[] = []): Json => ({
    type, dst, table: 'local', dev, protocol: 'kernel', scope, prefsrc, flags,
  });
  routes.push(
    local('local', cluster.self.vtepIp, 'flannel.1', cluster.self.vtepIp, 'host'),
    local('local', cni.v4!.local, 'cni0', cni.v4!.local, 'host'),
    local('broadcast', cni.v4!.broadcast!, 'cni0', cni.v4!.local, 'link'),
    local('local', '127.0.0.0/8', 'lo', '127.0.0.1', 'host'),
    local('local', '127.0.0.1', 'lo', '127.0.0.1', 'host'),
    local('broadcast', '127.255.255.255', 'lo', '127.0.0.1', 'link'),
    local('local', '172.17.0.1', 'docker0', '172.17.0.1', 'host', ['linkdown']),
    local('broadcast', '172.17.255.255', 'docker0', '172.17.0.1', 'link', ['linkdown']),
    local('local', cluster.nodeIp, 'eth0', cluster.nodeIp, 'host'),
    local('broadcast', '192.168.255.255', 'eth0', cluster.nodeIp, 'link'),
  );
  return { text: `${JSON.stringify(routes)}\n`, count: routes.length };
}

export function renderIp6Route(interfaces: readonly HostInterface[]): { text: string; count: number } {
  const main: Json[] = [];
  const local: Json[] = [{ type: 'local', dst: '::1', table: 'local', dev: 'lo', protocol: 'kernel', metric: 0, flags: [], pref: 'medium' }];
  const multicast: Json[] = [];
  for (const i of interfaces) {
    if (!i.linkLocal6) continue;
    main.push({ dst: 'fe80::/64', dev: i.name, protocol: 'kernel', metric: 256, flags: [], pref: 'medium' });
    local.push({ type: 'local', dst: linkLocalOf(i.mac), table: 'local', dev: i.name, protocol: 'kernel', metric: 0, flags: [], pref: 'medium' });
    multicast.push({ type: 'multicast', dst: 'ff00::/8', table: 'local', dev: i.name, protocol: 'kernel', metric: 256, flags: [], pref: 'medium' });
  }
  const routes = [{ dst: '::1', dev: 'lo', protocol: 'kernel', metric: 256, flags: [], pref: 'medium' }, ...main, ...local, ...multicast];
  return { text: `${JSON.stringify(routes)}\n`, count: routes.length };
}

export function renderIpNeigh(cluster: Cluster): { text: string; count: number } {
  const rnd = new Random(cluster.spec.seed ^ 0x4e1);
  const entries: Json[] = [];
  entries.push({ dst: cluster.gateway, dev: 'eth0', lladdr: rnd.mac(), state: ['REACHABLE'] });
  for (const peer of cluster.peers) {
    entries.push({ dst: peer.vtepIp, dev: 'flannel.1', lladdr: peer.vtepMac, state: ['PERMANENT'] });
    if (rnd.chance(0.5)) entries.push({ dst: peer.nodeIp, dev: 'eth0', lladdr: rnd.mac(), state: [rnd.pick(['REACHABLE', 'STALE', 'DELAY'])] });
  }
  for (const pod of cluster.pods) {
    if (rnd.chance(0.03)) entries.push({ dst: pod.ip, dev: 'cni0', state: ['FAILED'] });
    else entries.push({ dst: pod.ip, dev: 'cni0', lladdr: pod.mac, state: [rnd.pick(['REACHABLE', 'STALE', 'STALE', 'DELAY'])] });
  }
  entries.push({ dst: 'fe80::1', dev: 'eth0', lladdr: rnd.mac(), router: null, state: ['STALE'] });
  return { text: `${JSON.stringify(entries)}\n`, count: entries.length };
}
