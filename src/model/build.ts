/**
 * Snapshot → Host: every namespace's sources parsed once and joined into indexed structures.
 */
import type { ParseNote } from '../parse/common.js';
import { parseBrctlShow } from '../parse/brctl.js';
import { parseBridgeLink } from '../parse/bridge-json.js';
import { parseIpAddr, parseIpLink, parseIpNeigh, parseIpRoute } from '../parse/ip-json.js';
import { parseIpRule } from '../parse/ip-rule.js';
import { parseNftJson } from '../parse/nft-json.js';
import { parseNftText } from '../parse/nft-text.js';
import type { NftRuleset } from '../parse/nft-types.js';
import { scanIptablesSave } from '../parse/iptables-save.js';
import type { IptablesSave } from '../parse/types.js';
import { parseSsListeners, parseSsUdpListeners } from '../parse/ss.js';
import { parseWgListenPorts, wgAccessErrors } from '../parse/wg-listen-port.js';
import { parseNetstatListeners, parseNetstatUdpListeners } from '../parse/ss-netstat.js';
import { parseSsAllSockets, parseSsAllUdpSockets } from '../parse/ss-peaonmi.js';
import { parseSysctl } from '../parse/sysctl.js';
import { parseProcSysFiles } from '../parse/text/proc-sys.js';
import { parseBridgeLinkText, parseIpAddrText, parseIpLinkText, parseIpNeighText, parseIpRouteText, parseIpRuleText } from '../parse/text/index.js';
import { promptOnlyLines } from '../parse/text/paste.js';
import type { Namespace as SnapshotNamespace, Snapshot } from '../snapshot/schema.js';
import { storedFormat } from '../snapshot/sources.js';
import { buildBridges } from './bridges.js';
import { buildInterfaces } from './interfaces.js';
import { buildRuleset } from './netfilter.js';
import { buildNftables } from './nftables.js';
import { parseIptablesListings, parserForForm } from './parse-by-format.js';
import { buildPersistedSysctl } from './persisted.js';
import { buildPolicyRules } from './policy-rules.js';
import { buildRoutes } from './routes.js';
import { SourceReader } from './sources.js';
import { buildSysctlTable } from './sysctl.js';
import type { Host, Namespace, Netfilter, NetfilterFamily } from './types.js';
import { resolveVeths } from './veths.js';
import { registerFileSources } from './file-sources.js';
import { buildResolvers } from './resolvers.js';
import { buildRuntimeConfig } from './runtime-config.js';
import { hostContext } from './host-context.js';

/** iptables views the collectors record, with the family each holds. */
const NETFILTER_SOURCES: [id: 'iptables-save' | 'ip6tables-save' | 'iptables-legacy-save' | 'iptables-nft-save' | 'ip6tables-legacy-save' | 'ip6tables-nft-save', family: NetfilterFamily][] = [
  ['iptables-save', 'ipv4'],
  ['ip6tables-save', 'ipv6'],
  ['iptables-legacy-save', 'ipv4'],
  ['iptables-nft-save', 'ipv4'],
  ['ip6tables-legacy-save', 'ipv6'],
  ['ip6tables-nft-save', 'ipv6'],
];

export function buildHost(snapshot: Snapshot): Host {
  const notes: ParseNote[] = [];
  const namespaces = snapshot.namespaces.map((ns) => buildNamespace(ns, notes));
  resolveVeths(namespaces, snapshot.meta.netnsRequested);
  const host = namespaces[0] as Namespace;
  const runtime = buildRuntimeConfig(snapshot.namespaces[0]!, host.sources, notes);
  return {
    meta: snapshot.meta,
    namespaces,
    host,
    namespaceByName: new Map(namespaces.map((n) => [n.name, n])),
    persistedSysctl: buildPersistedSysctl(snapshot.sysctlFiles, notes),
    sources: namespaces.flatMap((n) => [...n.sources.values()]),
    notes,
    ...(runtime ? { runtime } : {}),
  };
}

function buildNamespace(ns: SnapshotNamespace, notes: ParseNote[]): Namespace {
  const reader = new SourceReader(ns, notes);
  // Each source is read by the parser of the form it was stored in (ip -j JSON, or ip's text).
  const byForm = <T>(id: Parameters<typeof parserForForm>[0], parsers: Parameters<typeof parserForForm<T>>[2]) => parserForForm<T>(id, ns.sources[id], parsers);
  const sysctl = buildSysctlTable(reader.read('sysctl', byForm('sysctl', { text: parseSysctl, 'proc-sys': parseProcSysFiles })), reader.label('sysctl'));
  const links = reader.read('ip-link', byForm('ip-link', { json: parseIpLink, text: parseIpLinkText }));
  const interfaces = buildInterfaces({
    namespace: ns.name,
    links,
    addrs: reader.read('ip-addr', byForm('ip-addr', { json: parseIpAddr, text: parseIpAddrText })),
    linkLabel: reader.label('ip-link'),
    addrLabel: reader.label('ip-addr'),
    sysctl,
    notes,
  });
  const interfaceByName = new Map(interfaces.map((i) => [i.name, i]));
  const interfaceByIndex = new Map(interfaces.map((i) => [i.index, i]));
  const bridges = buildBridges({
    namespace: ns.name,
    interfaces,
    interfaceByName,
    brctl: reader.read('brctl-show', parseBrctlShow),
    brctlLabel: reader.label('brctl-show'),
    bridgeLinks: reader.read('bridge-link', byForm('bridge-link', { json: parseBridgeLink, text: parseBridgeLinkText })),
    bridgeLinkLabel: reader.label('bridge-link'),
    // An empty ip link (not even lo) is no list of what exists.
    linkListComplete: links !== undefined && links.length > 0,
    notes,
  });
  const routes4 = reader.read('ip-route', byForm('ip-route', { json: (input) => parseIpRoute(input, 4), text: (input) => parseIpRouteText(input, 4) }));
  const routes6 = reader.read('ip6-route', byForm('ip6-route', { json: (input) => parseIpRoute(input, 6), text: (input) => parseIpRouteText(input, 6) }));
  // `ip route show table all` lists IPv6 routes too on iproute2 5.x+: take those from ip6-route when it was read.
  const fromIpRoute = routes6 ? routes4?.filter((r) => r.family === 4) : routes4;
  const routes = [...buildRoutes(fromIpRoute, reader.label('ip-route')), ...buildRoutes(routes6, reader.label('ip6-route'))];
  // Each family only where its source was read: an absent family is not the kernel's defaults.
  const policyRules: NonNullable<Namespace['policyRules']> = {};
  for (const [id, family] of [['ip-rule', 4], ['ip6-rule', 6]] as const) {
    const entries = reader.read(id, byForm(id, { json: (input) => parseIpRule(input, family), text: (input) => parseIpRuleText(input, family) }));
    if (entries) policyRules[family] = buildPolicyRules(entries, family, reader.label(id));
  }
  const netfilter: Netfilter = { backends: new Map() };
  for (const [id, family] of NETFILTER_SOURCES) {
    // iptables-save and ip6tables-save may be stored as `iptables -L` listings (a sosreport, a bug report).
    const save = reader.read(id, byForm<IptablesSave>(id, { text: scanIptablesSave, 'iptables-list': parseIptablesListings(family === 'ipv6' ? 6 : 4) }));
    if (!save) continue;
    const ruleset = buildRuleset(save, id, reader.label(id), family);
    if ((save as { listForm?: boolean }).listForm) ruleset.listForm = true;
    if (id === 'iptables-save') netfilter.ipv4 = ruleset;
    else if (id === 'ip6tables-save') netfilter.ipv6 = ruleset;
    else netfilter.backends.set(id, ruleset);
  }
  // The parser follows the form the source was stored in (a raw directory may hold nft-ruleset.txt).
  const nftSource = ns.sources['nft-ruleset'];
  const parseNft = nftSource && storedFormat('nft-ruleset', nftSource) === 'text' ? parseNftText : parseNftJson;
  // `nft list ruleset` prints nothing when there are no tables: an empty source (maybe pasted between prompts) is an empty ruleset.
  // The JSON form's rules are made when a check first reads them; their notes then join the host's.
  const nftRuleset = reader.read('nft-ruleset', (input) => (promptOnlyLines(input.text) ? { value: { tables: [] } satisfies NftRuleset, notes: [] } : parseNft(input, { lateNotes: notes })));
  const neighbours = reader.read('ip-neigh', byForm('ip-neigh', { json: parseIpNeigh, text: parseIpNeighText })) ?? [];
  const listeners = reader.read('ss-tlnp', byForm('ss-tlnp', { text: parseSsListeners, 'ss-peaonmi': parseSsAllSockets, netstat: parseNetstatListeners })) ?? [];
  const udpListeners = reader.read('ss-ulnp', byForm('ss-ulnp', { text: parseSsUdpListeners, 'ss-peaonmi': parseSsAllUdpSockets, netstat: parseNetstatUdpListeners })) ?? [];
  const wireguard = reader.read('wg-listen-port', parseWgListenPorts);
  // wg reports a device it could not read on stderr, and still exits 0 when it read another.
  const wg = ns.sources['wg-listen-port'];
  if (wireguard && wg?.stderrEncoding === 'utf8') {
    for (const [name, why] of wgAccessErrors(wg.stderr)) if (!wireguard.unreadable.has(name)) wireguard.unreadable.set(name, why);
  }
  // Every known source gets an info entry, so "not collected" is visible for each.
  for (const id of ['sysctl', 'iptables-save', 'ip6tables-save', 'ip-link', 'ip-addr', 'ip-route', 'ip6-route', 'ip-rule', 'ip6-rule', 'ip-neigh', 'brctl-show', 'bridge-link', 'ss-tlnp', 'ss-ulnp', 'nft-ruleset', 'wg-listen-port'] as const) reader.info(id);
  registerFileSources(reader.infos, ns);
  const resolvers = buildResolvers(ns, reader.infos, notes);

  const result: Namespace = {
    name: ns.name,
    kind: ns.kind,
    sources: reader.infos,
    interfaces,
    interfaceByName,
    interfaceByIndex,
    bridges,
    bridgeByName: new Map(bridges.map((b) => [b.name, b])),
    veths: [],
    routes,
    neighbours,
    sysctl,
    netfilter,
    listeners,
    udpListeners,
  };
  if (wireguard) result.wireguard = wireguard;
  if (nftRuleset) result.nftables = buildNftables(nftRuleset, reader.label('nft-ruleset'), netfilter);
  if (policyRules[4] !== undefined || policyRules[6] !== undefined) result.policyRules = policyRules;
  if (resolvers) result.resolvers = resolvers;
  if (ns.nsid !== undefined) result.nsid = ns.nsid;
  if (ns.inode !== undefined) result.inode = ns.inode;
  if (ns.processes !== undefined) result.processes = ns.processes;
  if (ns.kind === 'host') Object.assign(result, hostContext(ns, reader, notes));
  return result;
}
