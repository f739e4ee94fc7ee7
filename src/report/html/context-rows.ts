/**
 * What the "Host context" section of the HTML report shows, as plain data taken from the host view: each
 * namespace's resolvers, the runtimes' configuration (each Docker setting with its origin), who manages the
 * host's devices and what NetworkManager's configuration makes of each, and the pod network (CNI, flannel).
 * Rows point at the lines they show wherever the parsers keep them, so that a finding's evidence line links
 * to the row that shows that very line. A part whose source was not collected, failed or could
 * not be read says so in a status line, never as an empty table; one that was read and holds nothing says
 * that. context.ts renders it. undefined when the snapshot has none of these sources at all.
 */
import { fileLabel, FILE_SOURCE_IDS } from '../../snapshot/host-files.js';
import { sourceLabel } from '../../snapshot/sources.js';
import type { ResolvConfView, SettingView } from '../../show/context-view.js';
import type { NetworkManagersView } from '../../show/host-context-view.js';
import { decisionText, udevAside } from '../nm-configured-text.js';
import { settingValueText } from '../setting-text.js';
import type { HostView, NamespaceView } from '../../show/view.js';

/** A line of the snapshot that shows a row; without `line`, the file as a whole. */
export interface Where {
  source: string;
  line?: number;
}

export interface ContextRow {
  cells: string[];
  where: Where[];
}

export type ContextBlock =
  | { kind: 'table'; caption: string; head: string[]; rows: ContextRow[] }
  /** A source not collected, failed or unreadable, or read and holding nothing. */
  | { kind: 'status'; text: string; missing: boolean };

export interface ContextPart {
  title: string;
  blocks: ContextBlock[];
}

/** Every source the section shows: the file sources and the device managers' commands. */
const CONTEXT_SOURCES: ReadonlySet<string> = new Set([...FILE_SOURCE_IDS, 'nmcli-device', 'networkctl-list']);
const ALLOCATIONS_SHOWN = 5;

type SourceEntry = HostView['sources'][number];

/** A source's state as the section words it; undefined when it was read. */
function unusable(entry: SourceEntry | undefined): string | undefined {
  if (!entry || entry.status === 'not-collected') return `not collected${entry?.reason ? ` (${entry.reason})` : ''}`;
  if (entry.status === 'failed') return `failed${entry.reason ? `: ${entry.reason}` : ''}`;
  if (entry.parseError !== undefined) return `unreadable: ${entry.parseError}`;
  return undefined;
}

class Sources {
  private readonly byKey = new Map<string, SourceEntry>();
  constructor(view: HostView) {
    for (const s of view.sources) this.byKey.set(`${s.namespace}\n${s.source}`, s);
  }
  /** Why the source of a namespace cannot be shown; undefined when it was read. */
  problem(namespace: string, id: string): string | undefined {
    return unusable(this.byKey.get(`${namespace}\n${id}`));
  }
  /** Any host-context source that someone tried to collect, in any namespace. */
  anyTried(view: HostView): boolean {
    return view.sources.some((s) => CONTEXT_SOURCES.has(s.source) && s.status !== 'not-collected');
  }
}

export function contextParts(view: HostView): ContextPart[] | undefined {
  const sources = new Sources(view);
  if (!sources.anyTried(view)) return undefined;
  const host = view.namespaces.find((n) => n.kind === 'host') ?? view.namespaces[0]!;
  return [resolversPart(view, sources), runtimePart(view, host, sources), managersPart(host, sources), podNetworkPart(host, sources)];
}

function status(text: string, missing = true): ContextBlock {
  return { kind: 'status', text, missing };
}

/* ---------- resolvers ---------- */

function resolvConfRow(namespace: string, label: string, f: ResolvConfView): ContextRow {
  const source = fileLabel(namespace, f.path);
  const about = [f.path, f.linkTarget ? `→ ${f.linkTarget}` : '', f.readFrom ? `read from ${f.readFrom}` : '', f.generatedBy ? `written by ${f.generatedBy}` : ''].filter(Boolean).join(' ');
  const servers = f.nameservers.map((s) => `${s.address}${s.ignored ? ' (ignored: only the first 3 are used)' : ''}`).join(', ') || 'none: the resolver asks 127.0.0.1';
  const lines = [f.generatedByLine, ...f.nameservers.map((s) => s.line), f.search?.line, ...(f.optionLines ?? [])].filter((l): l is number => l !== undefined);
  const where: Where[] = [{ source }, ...lines.map((line) => ({ source, line }))];
  return { cells: [label, about, servers, f.search?.domains.join(' ') ?? '', f.options.join(' ')], where };
}

function resolversPart(view: HostView, sources: Sources): ContextPart {
  const rows: ContextRow[] = [];
  const problems = new Map<string, string[]>();
  const noteProblem = (text: string, namespace: string) => problems.set(text, [...(problems.get(text) ?? []), namespace]);
  for (const ns of view.namespaces) {
    const problem = sources.problem(ns.name, 'resolv-conf');
    if (problem) noteProblem(`/etc/resolv.conf ${problem}`, ns.name);
    else if (ns.resolvers?.file) rows.push(resolvConfRow(ns.name, ns.name, ns.resolvers.file));
    else rows.push({ cells: [ns.name, 'no /etc/resolv.conf', 'none: the resolver asks 127.0.0.1', '', ''], where: [] });
    if (ns.kind !== 'host') continue;
    const upstream = sources.problem(ns.name, 'resolved-resolv-conf');
    if (upstream) noteProblem(`systemd-resolved's upstream file (/run/systemd/resolve/resolv.conf) ${upstream}`, ns.name);
    else if (ns.resolvers?.upstream) rows.push(resolvConfRow(ns.name, `${ns.name} (systemd-resolved upstream)`, ns.resolvers.upstream));
    else rows.push({ cells: [`${ns.name} (systemd-resolved upstream)`, 'no /run/systemd/resolve/resolv.conf: systemd-resolved does not run', '', '', ''], where: [] });
  }
  const blocks: ContextBlock[] = [];
  if (rows.length > 0) blocks.push({ kind: 'table', caption: 'resolv.conf', head: ['Namespace', 'File', 'Nameservers', 'Search', 'Options'], rows });
  for (const [text, namespaces] of problems) blocks.push(status(`${text}: ${namespaces.join(', ')}`));
  return { title: 'Resolvers', blocks };
}

/* ---------- runtimes ---------- */

function settingRow(name: string, s: SettingView): ContextRow {
  return { cells: [name, settingValueText(s.value), s.origin], where: s.source ? [{ source: s.source, ...(s.line !== undefined ? { line: s.line } : {}) }] : [] };
}

function runtimePart(view: HostView, host: NamespaceView, sources: Sources): ContextPart {
  const blocks: ContextBlock[] = [];
  const jsonProblem = sources.problem(host.name, 'docker-daemon-json');
  const cmdProblem = sources.problem(host.name, 'runtime-cmdlines');
  if (jsonProblem) blocks.push(status(`/etc/docker/daemon.json ${jsonProblem}`));
  if (cmdProblem) blocks.push(status(`command lines of dockerd, containerd, kubelet and kube-proxy ${cmdProblem}`));
  const runtime = view.runtime;
  const docker = runtime?.docker;
  // The processes first: a finding quoting a command line links to its process rather than to a setting.
  if (runtime?.processes) {
    if (runtime.processes.length === 0) blocks.push(status('no dockerd, containerd, kubelet or kube-proxy process', false));
    else {
      const rows = runtime.processes.map((p) => ({ cells: [p.program, String(p.pid), p.argv.slice(1).join(' ') || '(no arguments)'], where: [{ source: p.source, line: p.line }] }));
      blocks.push({ kind: 'table', caption: 'Runtime processes', head: ['Program', 'PID', 'Arguments'], rows });
    }
  }
  if (docker) {
    const rows = Object.entries(docker.settings).map(([name, s]) => settingRow(name, s));
    const running = docker.running === undefined ? '' : docker.running ? ' (dockerd running)' : ' (no dockerd process)';
    blocks.push({ kind: 'table', caption: `Docker${running}: each setting with where it comes from`, head: ['Setting', 'Value', 'Origin'], rows });
    if (docker.daemonJsonIgnored) blocks.push(status(`daemon.json not used: ${docker.daemonJsonIgnored}`, false));
    if (docker.conflicts.length > 0) {
      const rows = docker.conflicts.map((c) => ({ cells: [c.key, `set in ${c.file}:${c.line} and on dockerd's command line`], where: [{ source: c.file, line: c.line }, c.flag] }));
      blocks.push({ kind: 'table', caption: 'Settings dockerd refuses to start with (set in daemon.json and on its command line)', head: ['Setting', 'Where'], rows });
    }
  } else if (!jsonProblem) {
    blocks.push(status(cmdProblem ? 'no /etc/docker/daemon.json' : 'no /etc/docker/daemon.json and no dockerd process', false));
  }
  const kube: ContextRow[] = [];
  for (const [component, settings] of [['kube-proxy', runtime?.kubeProxy], ['kubelet', runtime?.kubelet]] as const) {
    if (!settings) continue;
    const entries = Object.entries(settings);
    if (entries.length === 0) kube.push({ cells: [component, '(no network flags)', '', ''], where: [] });
    for (const [name, s] of entries) {
      const row = settingRow(name, s);
      kube.push({ cells: [component, ...row.cells], where: row.where });
    }
  }
  if (kube.length > 0) blocks.push({ kind: 'table', caption: 'Kubernetes node flags', head: ['Component', 'Setting', 'Value', 'Origin'], rows: kube });
  return { title: 'Runtime configuration', blocks };
}

/* ---------- device managers ---------- */

function managersPart(host: NamespaceView, sources: Sources): ContextPart {
  const blocks: ContextBlock[] = [];
  const m = host.deviceManagers ?? {};
  const nmcli = sourceLabel(host.name, 'nmcli-device');
  const nmProblem = sources.problem(host.name, 'nmcli-device');
  if (nmProblem) blocks.push(status(`NetworkManager's devices (nmcli) ${nmProblem}`));
  else if (!m.networkManager?.length) blocks.push(status('nmcli listed no device', false));
  else {
    const rows = m.networkManager.map((d) => ({ cells: [d.device, d.type, d.state, d.connection], where: [{ source: nmcli, line: d.line }] }));
    blocks.push({ kind: 'table', caption: 'NetworkManager (nmcli device)', head: ['Device', 'Type', 'State', 'Connection'], rows });
  }
  const confProblem = sources.problem(host.name, 'nm-conf');
  if (confProblem) blocks.push(status(`NetworkManager's configuration (unmanaged-devices) ${confProblem}`));
  else if (m.unmanagedDevices) {
    const rows = [{ cells: [m.unmanagedDevices.specs.join(';') || '(empty: every device may be managed)'], where: m.unmanagedDevices.lines.map((l) => ({ source: l.source, line: l.line })) }];
    blocks.push({ kind: 'table', caption: 'NetworkManager [keyfile] unmanaged-devices, as the files merge it', head: ['Devices'], rows });
  }
  if (!confProblem) blocks.push(...configuredBlocks(m, sources.problem(host.name, 'udev-rules')));
  const ctl = sourceLabel(host.name, 'networkctl-list');
  const ctlProblem = sources.problem(host.name, 'networkctl-list');
  if (ctlProblem) blocks.push(status(`systemd-networkd's links (networkctl) ${ctlProblem}`));
  else if (m.networkdRunning === false) blocks.push(status('systemd-networkd is not running (networkctl said so): it manages no link', false));
  else if (!m.networkd?.length) blocks.push(status('networkctl listed no link', false));
  else {
    const rows = m.networkd.map((l) => ({ cells: [l.name, l.type, l.operational, l.setup], where: [{ source: ctl, line: l.line }] }));
    blocks.push({ kind: 'table', caption: 'systemd-networkd (networkctl list)', head: ['Link', 'Type', 'Operational', 'Setup'], rows });
  }
  const filesProblem = sources.problem(host.name, 'networkd-network');
  if (filesProblem) blocks.push(status(`systemd-networkd's .network files ${filesProblem}`));
  else if (!m.networkFiles?.length) blocks.push(status('no systemd-networkd .network file', false));
  else {
    const rows = m.networkFiles.map((f) => ({ cells: [f.path, f.match.join(' ') || '(none: every link)', f.unmanaged === undefined ? '' : f.unmanaged ? 'yes' : 'no'], where: [{ source: fileLabel(host.name, f.path) }] }));
    blocks.push({ kind: 'table', caption: 'systemd-networkd .network files, in the order it tries them', head: ['File', '[Match]', 'Unmanaged='], rows });
  }
  return { title: 'Network managers', blocks };
}

/** udev's verdict in a word, where the "Decided by" cell says the rest. */
const UDEV_SHORT = { unmanaged: 'NM_UNMANAGED=1', 'not-unmanaged': 'NM_UNMANAGED not set', unknown: 'unknown' } as const;

/** What NetworkManager's configuration makes of each device, beside nmcli's state, each row with the lines that decide it. */
function configuredBlocks(m: NetworkManagersView, udevProblem: string | undefined): ContextBlock[] {
  const blocks: ContextBlock[] = [];
  if (udevProblem) blocks.push(status(`udev's rules (NM_UNMANAGED) ${udevProblem}`));
  if (!m.configured?.length) return blocks;
  const states = new Map((m.networkManager ?? []).map((d) => [d.device, d.state]));
  const rows = m.configured.map((c) => ({
    cells: [c.device, c.management, decisionText(c), udevAside(c) ?? UDEV_SHORT[c.udev.result], states.get(c.device) ?? (m.networkManager ? 'not listed' : '')],
    where: [...(c.decidedBy?.lines ?? []), ...(c.udev.setBy ? [c.udev.setBy] : []), ...(c.exceptedBy ? [{ source: c.exceptedBy.source, line: c.exceptedBy.line }] : [])],
  }));
  blocks.push({ kind: 'table', caption: "NetworkManager's configuration per device (unmanaged-devices, [device*] managed=, udev's NM_UNMANAGED)", head: ['Device', 'Configured', 'Decided by', 'udev', 'nmcli state'], rows });
  return blocks;
}

/* ---------- pod network ---------- */

function podNetworkPart(host: NamespaceView, sources: Sources): ContextPart {
  const blocks: ContextBlock[] = [];
  const cni = host.cni;
  const confProblem = sources.problem(host.name, 'cni-conf');
  if (confProblem) blocks.push(status(`CNI network configuration (/etc/cni/net.d) ${confProblem}`));
  else if (!cni?.networks?.length) blocks.push(status('no CNI network configuration in /etc/cni/net.d', false));
  else {
    const rows = cni.networks.map((n) => {
      const source = fileLabel(host.name, n.file);
      const lines = [n.nameLine, ...n.plugins.flatMap((p) => [p.line, p.bridgeLine, ...p.subnetLines])].filter((l): l is number => l !== undefined);
      return {
        cells: [n.file, n.name ?? '(unnamed)', n.plugins.map((p) => `${p.type}${p.bridge ? ` bridge ${p.bridge}` : ''}${p.subnets.length > 0 ? ` ${p.subnets.join(' ')}` : ''}`).join(', ')],
        where: [{ source }, ...lines.map((line) => ({ source, line }))],
      };
    });
    blocks.push({ kind: 'table', caption: 'CNI networks', head: ['File', 'Network', 'Plugins'], rows });
  }
  const envProblem = sources.problem(host.name, 'flannel-subnet-env');
  if (envProblem) blocks.push(status(`flannel's lease (/run/flannel/subnet.env) ${envProblem}`));
  else if (!cni?.flannel) blocks.push(status('no /run/flannel/subnet.env: flanneld has leased no subnet', false));
  else {
    const source = cni.flannel.source;
    const lines = cni.flannel.lines;
    const rows = Object.entries(cni.flannel.values).map(([k, v]) => ({ cells: [k, v], where: [{ source, ...(lines[k] !== undefined ? { line: lines[k] } : {}) }] }));
    blocks.push({ kind: 'table', caption: `flannel lease (${source})`, head: ['Key', 'Value'], rows });
  }
  const assigned = [
    ...(cni?.assignments ?? []).map((a) => ({ cells: [a.bridge, a.subnet, a.via, a.network ?? ''], where: a.lines })),
    ...(cni?.unknown ?? []).map((u) => ({ cells: [u.bridge, `unknown: ${u.reason}`, '', ''], where: u.lines })),
  ];
  if (assigned.length > 0) blocks.push({ kind: 'table', caption: 'Subnets the configuration gives bridges', head: ['Bridge', 'Subnet', 'By', 'Network'], rows: assigned });
  const ipamProblem = sources.problem(host.name, 'cni-ipam');
  if (ipamProblem) blocks.push(status(`CNI host-local allocations (/var/lib/cni/networks) ${ipamProblem}`));
  else if (cni?.allocations?.length) {
    const rows = cni.allocations.map((a) => ({
      cells: [a.network, `${a.addresses.length}: ${a.addresses.slice(0, ALLOCATIONS_SHOWN).join(', ')}${a.addresses.length > ALLOCATIONS_SHOWN ? ', …' : ''}`],
      where: [],
    }));
    blocks.push({ kind: 'table', caption: 'host-local IPAM allocations', head: ['Network', 'Addresses'], rows });
  }
  return { title: 'Pod network (CNI, flannel)', blocks };
}
