/**
 * The `-d` lines of `ip -d link`: the kind line (`vxlan id 42 ... dstport 4789 ...`, `bridge ... stp_state 0 ...`,
 * `veth`) and the port line (`bridge_slave state forwarding ... hairpin off ...`), into the same `info_data` /
 * `info_slave_data` records `ip -j -d link` prints. Text and JSON name some keys differently and print
 * booleans as on/off: those are mapped; values are typed as JSON prints them where the text tells
 * (numbers, on/off), left as strings otherwise.
 */
import { words } from './paste.js';

/** Generic device attributes iproute2 prints after the kind's own data on the same line. */
const GENERIC_KEYS = new Set([
  'addrgenmode', 'numtxqueues', 'numrxqueues', 'gso_max_size', 'gso_max_segs', 'tso_max_size', 'tso_max_segs',
  'gro_max_size', 'gso_ipv4_max_size', 'gro_ipv4_max_size', 'parentbus', 'parentdev', 'portname', 'portid', 'switchid',
]);

/** Words that start an indented line of `ip -d link` that is not a kind or port line. */
const OTHER_LINES = new Set(['alias', 'altname', 'vf', 'inet', 'inet6', 'valid_lft', 'RX:', 'TX:', 'protodown', 'prog/xdp', 'link/']);

/** Text key → JSON key, per kind (iproute2 6.x ip/iplink_bridge.c, ip/iplink_bridge_slave.c). */
const RENAMED: Record<string, Record<string, string>> = {
  bridge: {
    designated_root: 'root_id',
    group_address: 'group_addr',
    mcast_last_member_count: 'mcast_last_member_cnt',
    mcast_startup_query_count: 'mcast_startup_query_cnt',
    mcast_last_member_interval: 'mcast_last_member_intvl',
    mcast_membership_interval: 'mcast_membership_intvl',
    mcast_querier_interval: 'mcast_querier_intvl',
    mcast_query_interval: 'mcast_query_intvl',
    mcast_query_response_interval: 'mcast_query_response_intvl',
    mcast_startup_query_interval: 'mcast_startup_query_intvl',
  },
  bridge_slave: { port_id: 'id', port_no: 'no', mcast_router: 'multicast_router', designated_bridge: 'bridge_id', designated_root: 'root_id' },
};

export interface LinkInfoText {
  kind?: string;
  slaveKind?: string;
  infoData?: Record<string, unknown>;
  slaveData?: Record<string, unknown>;
}

/** Whether an indented line of `ip -d link` is a kind or port line (not link/, alias, stats, ...). */
export function isLinkInfoLine(text: string): boolean {
  const first = words(text)[0];
  if (first === undefined || !/^[a-z][a-z0-9_]*$/.test(first)) return false;
  return !OTHER_LINES.has(first) && !GENERIC_KEYS.has(first);
}

/** Add one kind or port line to `info`. */
export function readLinkInfoLine(text: string, info: LinkInfoText): void {
  const all = words(text);
  const cut = all.findIndex((w, i) => i > 0 && GENERIC_KEYS.has(w));
  const [name, ...rest] = cut < 0 ? all : all.slice(0, cut);
  if (name === undefined) return;
  if (name.endsWith('_slave')) {
    info.slaveKind = name.slice(0, -'_slave'.length);
    if (rest.length > 0) info.slaveData = pairs(rest, RENAMED[name] ?? {});
    return;
  }
  info.kind = name;
  if (name === 'vxlan') info.infoData = vxlanData(rest);
  else if (rest.length > 0) info.infoData = pairs(rest, RENAMED[name] ?? {});
}

function typed(text: string): unknown {
  if (/^-?\d{1,15}$/.test(text)) return Number(text);
  if (/^\d{1,15}\.\d+$/.test(text)) return Number(text);
  if (text === 'on') return true;
  if (text === 'off') return false;
  return text;
}

/** `key value key value ...`; a `<A,B>` word is the kind's flags. */
function pairs(w: string[], renamed: Record<string, string>): Record<string, unknown> {
  const data: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < w.length; i++) {
    const key = w[i] as string;
    if (key.startsWith('<') && key.endsWith('>')) {
      data['flags'] = key.length > 2 ? key.slice(1, -1).split(',') : [];
      continue;
    }
    const value = w[i + 1];
    if (value === undefined) break;
    data[renamed[key] ?? key] = typed(value);
    i++;
  }
  return data;
}

/** Words of the vxlan line that are flags, by the JSON key and value they stand for. */
const VXLAN_FLAGS: Record<string, [string, boolean]> = {
  nolearning: ['learning', false],
  proxy: ['proxy', true],
  rsc: ['rsc', true],
  l2miss: ['l2miss', true],
  l3miss: ['l3miss', true],
  udpcsum: ['udp_csum', true],
  noudpcsum: ['udp_csum', false],
  udp6zerocsumtx: ['udp_zero_csum6_tx', true],
  noudp6zerocsumtx: ['udp_zero_csum6_tx', false],
  udp6zerocsumrx: ['udp_zero_csum6_rx', true],
  noudp6zerocsumrx: ['udp_zero_csum6_rx', false],
  external: ['external', true],
  gbp: ['gbp', true],
  gpe: ['gpe', true],
  remcsumtx: ['remcsum_tx', true],
  remcsumrx: ['remcsum_rx', true],
};
const VXLAN_KEYS: Record<string, string> = { id: 'id', local: 'local', remote: 'remote', group: 'group', dev: 'link', dstport: 'port', ageing: 'ageing', tos: 'tos', ttl: 'ttl', df: 'df', maxaddr: 'limit', flowlabel: 'label' };

/** `id 42 local 192.0.2.1 dev up0 srcport 0 0 dstport 4789 ttl auto ageing 300 udpcsum ...` (ip/iplink_vxlan.c). */
function vxlanData(w: string[]): Record<string, unknown> {
  const data: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  data['learning'] = true;
  for (let i = 0; i < w.length; i++) {
    const word = w[i] as string;
    const flag = VXLAN_FLAGS[word];
    if (flag) {
      data[flag[0]] = flag[1];
      continue;
    }
    if (word === 'srcport' && i + 2 < w.length) {
      data['port_range'] = { low: typed(w[i + 1] as string), high: typed(w[i + 2] as string) };
      i += 2;
      continue;
    }
    const key = VXLAN_KEYS[word];
    if (key !== undefined && i + 1 < w.length) {
      const value = w[++i] as string;
      data[key] = word === 'ttl' && value === 'auto' ? 0 : typed(value);
    }
  }
  return data;
}
