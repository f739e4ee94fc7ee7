/**
 * The host as a person reads it when a bug report arrives: a plain, acyclic, JSON-ready view of the
 * model (`netaudit show --format json` prints exactly this).
 */
import type { Host, Interface, Namespace, NfChain, Ruleset, SourceInfo } from '../model/types.js';
import type { NftNetfilter } from '../model/nftables.js';
import type { SsListener } from '../parse/types.js';
import { lookupSysctl } from '../model/sysctl.js';
import { SOURCE_IDS } from '../snapshot/sources.js';
import { resolversView, runtimeView, type ResolversView, type RuntimeView } from './context-view.js';
import { cniView, networkManagersView, type CniView, type NetworkManagersView } from './host-context-view.js';
import { configuredManagements } from './nm-configured.js';

const SOURCE_ORDER = new Map<string, number>(SOURCE_IDS.map((id, i) => [id, i]));

export const SHOW_SCHEMA_ID = 'netaudit/show@1';

export interface HostView {
  schema: typeof SHOW_SCHEMA_ID;
  host: { hostname?: string; kernel?: string; collectedAt?: string; collector: string; user?: string; notes: string[] };
  namespaces: NamespaceView[];
  persistedSysctl: {
    status: string;
    reason?: string;
    files: string[];
    /** The line of each key that wins; `excluded`: a `-key` line, which keeps globs off the key and writes nothing. */
    settings: { key: string; value: string; file: string; line: number; excluded?: true }[];
  };
  sources: { namespace: string; source: string; status: string; reason?: string; parseError?: string }[];
  /** daemon.json and the runtimes' command lines, merged; absent when not collected. */
  runtime?: RuntimeView;
  notes: { source: string; line?: number; message: string }[];
}

export interface NamespaceView {
  name: string;
  kind: string;
  nsid?: number;
  processes?: string[];
  forwarding: { ipv4: number | null; ipv6: number | null };
  interfaces: InterfaceView[];
  bridges: { name: string; state: string; subnets: string[]; stp?: boolean; ports: { name: string; state?: string; up?: boolean }[] }[];
  veths: { name: string; state: string; master?: string; peer: { namespace: string; name: string } | { unresolved: string } }[];
  routes: { table: string; family: number; dst: string; via?: string; dev?: string; protocol?: string; scope?: string; metric?: number; type: string }[];
  netfilter: RulesetView[];
  /** nft list ruleset; absent when it was not collected or could not be read. */
  nftables?: NftablesView;
  listeners: { address: string; port: number; processes: string[] }[];
  /** UDP sockets bound and not connected (ss -Hulnp); a socket of the kernel's own has no process. */
  udpListeners: { address: string; port: number; processes: string[] }[];
  /** Each WireGuard device's listen port (wg show all listen-port); absent when not collected or unreadable. */
  wireguard?: { interface: string; port: number }[];
  /** The resolv.conf the namespace reads; absent when not collected. */
  resolvers?: ResolversView;
  /** Host only: which devices NetworkManager / systemd-networkd manage, NetworkManager's unmanaged-devices, and what its configuration makes of each interface. */
  deviceManagers?: NetworkManagersView;
  /** Host only: the CNI networks, flannel's lease, the subnets they assign bridges, host-local allocations. */
  cni?: CniView;
}

export interface InterfaceView {
  name: string;
  index: number;
  kind: string;
  state: string;
  adminUp: boolean;
  carrier: boolean;
  mtu?: number;
  mac?: string;
  master?: string;
  addresses: string[];
  forwarding: number | null;
  rpFilter: number | null;
}

export interface RulesetView {
  source: string;
  family: string;
  generator?: string;
  backend?: string;
  rules: number;
  chains: { table: string; name: string; policy: string | null; rules: number; packets?: number; bytes?: number; references: number }[];
  nat: { chain: string; line: number; rule: string; packets?: number; bytes?: number }[];
}

export interface NftablesView {
  source: string;
  tables: {
    family: string;
    name: string;
    line: number;
    chains: number;
    rules: number;
    /** Its rules are iptables-nft's: the iptables view above shows (and the audit evaluates) them. */
    managedByIptablesNft: boolean;
    /** Its rules are evaluated through an iptables view of the snapshot rather than from nft's listing. */
    evaluatedThroughIptables: boolean;
    baseChains: { name: string; type: string; hook: string; priority: number; policy: string; device?: string; rules: number; line: number }[];
  }[];
}

function nftablesView(nft: NftNetfilter): NftablesView {
  return {
    source: nft.label,
    tables: nft.tables.map((t) => ({
      family: t.family,
      name: t.name,
      line: t.evidence.line,
      chains: t.chains.length,
      rules: t.ruleCount,
      managedByIptablesNft: t.managedByIptablesNft,
      evaluatedThroughIptables: t.evaluatedThroughIptables,
      baseChains: t.chains.flatMap((c) => {
        if (!c.base) return [];
        const chain: NftablesView['tables'][number]['baseChains'][number] = {
          name: c.chain.name,
          type: c.base.type,
          hook: c.base.hook,
          priority: c.base.priority,
          policy: c.base.policy,
          rules: c.rules.length,
          line: c.evidence.line,
        };
        if (c.base.device !== undefined) chain.device = c.base.device;
        return [chain];
      }),
    })),
  };
}

function interfaceView(i: Interface): InterfaceView {
  const view: InterfaceView = {
    name: i.name,
    index: i.index,
    kind: i.rawKind ?? i.kind,
    state: i.operState,
    adminUp: i.adminUp,
    carrier: i.carrier,
    addresses: i.addresses.map((a) => `${a.address}/${a.prefixLen}`),
    forwarding: i.forwarding.value ?? null,
    rpFilter: i.rpFilter.value ?? null,
  };
  if (i.mtu !== undefined) view.mtu = i.mtu;
  if (i.mac !== undefined) view.mac = i.mac;
  if (i.master !== undefined) view.master = i.master;
  return view;
}

function chainView(c: NfChain): RulesetView['chains'][number] {
  const view: RulesetView['chains'][number] = { table: c.table, name: c.name, policy: c.policy, rules: c.rules.length, references: c.referencedBy.length };
  if (c.counters) {
    view.packets = c.counters.packets;
    view.bytes = c.counters.bytes;
  }
  return view;
}

function rulesetView(r: Ruleset): RulesetView {
  const chains: RulesetView['chains'] = [];
  for (const table of r.tables.values()) for (const chain of table.chains.values()) chains.push(chainView(chain));
  const nat: RulesetView['nat'] = [];
  for (const chain of r.tables.get('nat')?.chains.values() ?? []) {
    for (const rule of chain.rules) {
      const entry: RulesetView['nat'][number] = { chain: chain.name, line: rule.line, rule: rule.text.trim() };
      if (rule.counters) {
        entry.packets = rule.counters.packets;
        entry.bytes = rule.counters.bytes;
      }
      nat.push(entry);
    }
  }
  const view: RulesetView = { source: r.label, family: r.family, rules: r.ruleCount, chains, nat };
  if (r.generator) view.generator = r.generator;
  if (r.backend) view.backend = r.backend;
  return view;
}

function listenerView(l: SsListener): NamespaceView['listeners'][number] {
  return { address: l.localAddress, port: l.localPort, processes: l.processes.map((p) => `${p.name}(${p.pid})`) };
}

function namespaceView(ns: Namespace): NamespaceView {
  const ipv4 = lookupSysctl(ns.sysctl, 'net.ipv4.ip_forward').value;
  const ipv6 = lookupSysctl(ns.sysctl, 'net.ipv6.conf.all.forwarding').value;
  const rulesets = [ns.netfilter.ipv4, ns.netfilter.ipv6, ...ns.netfilter.backends.values()].filter((r): r is Ruleset => r !== undefined);
  const view: NamespaceView = {
    name: ns.name,
    kind: ns.kind,
    forwarding: { ipv4: ipv4 ?? null, ipv6: ipv6 ?? null },
    interfaces: ns.interfaces.map(interfaceView),
    bridges: ns.bridges.map((b) => {
      const bridge: NamespaceView['bridges'][number] = {
        name: b.name,
        state: b.interface?.operState ?? 'unknown',
        subnets: b.subnets,
        ports: b.ports.map((p) => {
          const port: { name: string; state?: string; up?: boolean } = { name: p.name };
          if (p.state !== undefined) port.state = p.state;
          if (p.interface) port.up = p.interface.adminUp && p.interface.carrier;
          return port;
        }),
      };
      if (b.stp !== undefined) bridge.stp = b.stp;
      return bridge;
    }),
    veths: ns.veths.map((v) => {
      const veth: NamespaceView['veths'][number] = {
        name: v.interface.name,
        state: v.interface.operState,
        peer: v.peer.resolved ? { namespace: v.peer.namespace, name: v.peer.name } : { unresolved: v.peer.reason },
      };
      if (v.interface.master !== undefined) veth.master = v.interface.master;
      return veth;
    }),
    routes: ns.routes.map((r) => {
      const route: NamespaceView['routes'][number] = { table: r.table, family: r.family, dst: r.isDefault ? 'default' : r.dst, type: r.type };
      if (r.gateway !== undefined) route.via = r.gateway;
      if (r.dev !== undefined) route.dev = r.dev;
      if (r.protocol !== undefined) route.protocol = r.protocol;
      if (r.scope !== undefined) route.scope = r.scope;
      if (r.metric !== undefined) route.metric = r.metric;
      return route;
    }),
    netfilter: rulesets.map(rulesetView),
    listeners: ns.listeners.map(listenerView),
    udpListeners: ns.udpListeners.map(listenerView),
  };
  if (ns.wireguard) view.wireguard = ns.wireguard.ports.map((p) => ({ interface: p.interface, port: p.port }));
  if (ns.nftables) view.nftables = nftablesView(ns.nftables);
  if (ns.resolvers) view.resolvers = resolversView(ns.resolvers);
  const managers = ns.networkManagers && networkManagersView(ns.networkManagers, configuredManagements(ns));
  if (managers && Object.keys(managers).length > 0) view.deviceManagers = managers;
  if (ns.cni && (ns.cni.networks || ns.cni.flannel || ns.cni.allocations)) view.cni = cniView(ns.cni);
  if (ns.nsid !== undefined) view.nsid = ns.nsid;
  if (ns.processes !== undefined) view.processes = ns.processes;
  return view;
}

function sourceView(s: SourceInfo): HostView['sources'][number] {
  const view: HostView['sources'][number] = { namespace: s.namespace, source: s.id, status: s.status };
  if (s.reason !== undefined) view.reason = s.reason;
  if (s.parseError !== undefined) view.parseError = s.parseError;
  return view;
}

export function hostView(host: Host): HostView {
  const meta = host.meta;
  const info: HostView['host'] = { collector: `${meta.collector.name} ${meta.collector.version}`, notes: meta.notes };
  if (meta.hostname !== undefined) info.hostname = meta.hostname;
  if (meta.kernel !== undefined) info.kernel = meta.kernel;
  if (meta.collectedAt !== undefined) info.collectedAt = meta.collectedAt;
  if (meta.user) info.user = meta.user.name ?? `uid ${meta.user.uid}`;
  const persisted: HostView['persistedSysctl'] = {
    status: host.persistedSysctl.status,
    files: [...new Set(host.persistedSysctl.entries.map((e) => e.file))],
    settings: [...host.persistedSysctl.effective.values()].map((e) =>
      e.excluded ? { key: e.key, value: e.value, file: e.file, line: e.line, excluded: true as const } : { key: e.key, value: e.value, file: e.file, line: e.line },
    ),
  };
  if (host.persistedSysctl.reason !== undefined) persisted.reason = host.persistedSysctl.reason;
  return {
    schema: SHOW_SCHEMA_ID,
    host: info,
    namespaces: host.namespaces.map(namespaceView),
    persistedSysctl: persisted,
    sources: host.namespaces.flatMap((ns) =>
      [...ns.sources.values()].sort((a, b) => (SOURCE_ORDER.get(a.id) ?? 99) - (SOURCE_ORDER.get(b.id) ?? 99)).map(sourceView),
    ),
    notes: host.notes.map((n) => (n.line !== undefined ? { source: n.source, line: n.line, message: n.message } : { source: n.source, message: n.message })),
    ...(host.runtime ? { runtime: runtimeView(host.runtime) } : {}),
  };
}
