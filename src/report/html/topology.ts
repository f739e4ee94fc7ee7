/**
 * What the picture shows, taken from the host view (`netaudit show --format json`): a box per namespace,
 * its interfaces (addresses, state), bridges with their ports, veth pairs across namespaces, the uplink
 * (the default route's device) and published ports (DNAT rules: from the uplink to the interface that holds
 * the target address, or the bridge whose subnet would). More than GROUP_AT veths on one bridge (or outside
 * any bridge) are one expandable group, with the namespaces at their other ends; so are namespaces beyond
 * NAMESPACES_SHOWN, and published ports beyond PUBLISHED_SHOWN are counted, not drawn.
 */
import type { HostView, NamespaceView } from '../../show/view.js';

export const GROUP_AT = 12;
export const NAMESPACES_SHOWN = 16;
export const PUBLISHED_SHOWN = 8;

export interface TopologyBridge {
  namespace: string;
  name: string;
  state: string;
  subnets: string[];
  ports: string[];
  /** Its ports are drawn as one group (`groups`), not one by one. */
  grouped: boolean;
}

export interface GroupPort {
  name: string;
  detail: string;
  /** The other end of the veth, when it is in a collected namespace. */
  peer?: { namespace: string; name: string };
}

/** Many veths drawn as one expandable row: a bridge's ports, or the host's veths on no bridge. */
export interface TopologyGroup {
  /** The row's key: "host|cni0#group", "host|#veths#group". */
  key: string;
  label: string;
  ports: GroupPort[];
}

export interface VethLink {
  from: { namespace: string; name: string };
  to: { namespace: string; name: string };
}

export interface PublishedPort {
  label: string;
  protocol: string;
  /** The host port the DNAT matches, when it names one. */
  port?: string;
  target: string;
  targetPort?: string;
  /** The row the arrow ends at: the interface holding the target address, else the bridge whose subnet holds it. */
  targetKey?: string;
}

export interface Topology {
  host: NamespaceView;
  uplink?: string;
  defaultVia?: string;
  bridges: TopologyBridge[];
  groups: TopologyGroup[];
  /** Namespaces drawn as their own boxes. */
  namespaces: NamespaceView[];
  /** Namespaces not drawn as boxes (behind grouped veths, or too many): name, and its first address. */
  groupedNamespaces: { name: string; detail: string }[];
  links: VethLink[];
  /** Drawn published ports (at most PUBLISHED_SHOWN), and how many more there are. */
  published: PublishedPort[];
  publishedMore: PublishedPort[];
}

const TO_DESTINATION = /--to-destination \[?([0-9a-fA-F.:]+?)\]?(?::(\d+(?:-\d+)?))?(?:\s|$)/;
const DPORT = /--dports? (\S+)/;
const PROTO = /-p (tcp|udp|sctp)\b/;

export function interfaceDetail(i: NamespaceView['interfaces'][number]): string {
  return [i.kind !== 'device' ? i.kind : '', i.state, ...i.addresses].filter((s) => s !== '').join('  ');
}

export function buildTopology(view: HostView): Topology {
  const host = view.namespaces.find((n) => n.name === 'host') ?? view.namespaces[0]!;
  const others = view.namespaces.filter((n) => n !== host);
  const defaultRoute = host.routes.find((r) => r.dst === 'default' && r.family === 4 && (r.table === 'main' || r.table === '254'));
  const links: VethLink[] = [];
  const peerOf = new Map<string, { namespace: string; name: string }>();
  for (const veth of host.veths) {
    if ('namespace' in veth.peer && veth.peer.namespace !== host.name) {
      links.push({ from: { namespace: host.name, name: veth.name }, to: { namespace: veth.peer.namespace, name: veth.peer.name } });
      peerOf.set(veth.name, veth.peer);
    }
  }
  const iface = new Map(host.interfaces.map((i) => [i.name, i]));
  const groups: TopologyGroup[] = [];
  const grouped = new Set<string>();
  const group = (key: string, label: string, ports: readonly string[]) => {
    groups.push({
      key,
      label,
      ports: ports.map((name) => {
        const i = iface.get(name);
        const p: GroupPort = { name, detail: i ? [i.state, ...i.addresses].join('  ') : '' };
        const peer = peerOf.get(name);
        if (peer) {
          p.peer = peer;
          grouped.add(peer.namespace);
        }
        return p;
      }),
    });
  };
  const bridges = host.bridges.map((b) => {
    const isGrouped = b.ports.length > GROUP_AT;
    if (isGrouped) group(`${host.name}|${b.name}#group`, `${b.ports.length} ports of ${b.name}`, b.ports.map((p) => p.name));
    return { namespace: host.name, name: b.name, state: b.state, subnets: b.subnets, ports: b.ports.map((p) => p.name), grouped: isGrouped };
  });
  // veths on no bridge (routed pod networks: Calico's cali*, Cilium's lxc*): grouped the same way when many.
  const bridged = new Set([...host.bridges.map((b) => b.name), ...bridges.flatMap((b) => b.ports)]);
  const loose = host.veths.map((v) => v.name).filter((name) => !bridged.has(name) && name !== defaultRoute?.dev);
  if (loose.length > GROUP_AT) group(`${host.name}|#veths#group`, `${loose.length} veths`, loose);
  let shown = others.filter((n) => !grouped.has(n.name));
  for (const ns of shown.slice(NAMESPACES_SHOWN)) grouped.add(ns.name);
  shown = shown.slice(0, NAMESPACES_SHOWN);

  const published = publishedPorts(host, view.namespaces);
  const topology: Topology = {
    host,
    bridges,
    groups,
    namespaces: shown,
    groupedNamespaces: others.filter((n) => grouped.has(n.name)).map((n) => ({ name: n.name, detail: firstAddress(n) })),
    links,
    published: published.slice(0, PUBLISHED_SHOWN),
    publishedMore: published.slice(PUBLISHED_SHOWN),
  };
  if (defaultRoute?.dev !== undefined) topology.uplink = defaultRoute.dev;
  if (defaultRoute?.via !== undefined) topology.defaultVia = defaultRoute.via;
  return topology;
}

function firstAddress(ns: NamespaceView): string {
  return ns.interfaces.filter((i) => i.kind !== 'loopback').flatMap((i) => i.addresses.filter((a) => !a.startsWith('fe80:')))[0] ?? '';
}

/** DNAT rules of the host, once each (iptables-save and iptables-nft-save show the same rules). */
function publishedPorts(host: NamespaceView, namespaces: readonly NamespaceView[]): PublishedPort[] {
  const seen = new Set<string>();
  const out: PublishedPort[] = [];
  for (const ruleset of host.netfilter) {
    if (ruleset.family === 'ipv6') continue;
    for (const nat of ruleset.nat) {
      const to = TO_DESTINATION.exec(nat.rule);
      if (!to || !/-j DNAT\b/.test(nat.rule)) continue;
      const port = DPORT.exec(nat.rule)?.[1];
      const protocol = PROTO.exec(nat.rule)?.[1] ?? 'all';
      const label = `${protocol}/${port ?? '*'} → ${to[1]}${to[2] ? `:${to[2]}` : ''}`;
      if (seen.has(label)) continue;
      seen.add(label);
      const p: PublishedPort = { label, protocol, target: to[1]! };
      if (port !== undefined) p.port = port;
      if (to[2] !== undefined) p.targetPort = to[2];
      const targetKey = holderOf(to[1]!, host, namespaces);
      if (targetKey) p.targetKey = targetKey;
      out.push(p);
    }
  }
  return out;
}

function holderOf(address: string, host: NamespaceView, namespaces: readonly NamespaceView[]): string | undefined {
  for (const ns of namespaces) {
    const i = ns.interfaces.find((x) => x.addresses.some((a) => a.split('/')[0] === address));
    if (i) return `${ns.name}|${i.name}`;
  }
  const bridge = host.bridges.find((b) => b.subnets.some((s) => inSubnet(address, s)));
  return bridge ? `${host.name}|${bridge.name}` : undefined;
}

function ipv4Value(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) return undefined;
    v = v * 256 + n;
  }
  return v;
}

/** IPv4 only: the picture's published ports are IPv4 DNATs. */
export function inSubnet(address: string, subnet: string): boolean {
  const [net, len] = subnet.split('/');
  const a = ipv4Value(address);
  const n = ipv4Value(net ?? '');
  const bits = Number(len);
  if (a === undefined || n === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(n / size);
}
