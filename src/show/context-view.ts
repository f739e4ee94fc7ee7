/**
 * `show` for the host context read from files: each namespace's resolvers (the resolv.conf it reads, where
 * from, who manages it) and the runtimes' configuration (daemon.json and dockerd's flags merged, kube-proxy
 * and kubelet flags). view.ts and text.ts call these.
 */
import type { NamespaceResolvers, ResolverFile } from '../model/resolvers.js';
import type { DockerConfig, RuntimeConfig, Setting } from '../model/runtime-config.js';

export interface ResolvConfView {
  path: string;
  readFrom?: string;
  linkTarget?: string;
  generatedBy?: string;
  /** The line of the comment that names who writes the file. */
  generatedByLine?: number;
  nameservers: { address: string; line: number; ignored?: true }[];
  search?: { domains: string[]; line: number };
  options: string[];
  /** The lines the options are on, each once; absent without options. */
  optionLines?: number[];
}

export interface ResolversView {
  /** undefined: the namespace has no resolv.conf. */
  file?: ResolvConfView;
  upstream?: ResolvConfView;
}

export interface SettingView {
  value: unknown;
  origin: string;
  source?: string;
  line?: number;
}

export interface RuntimeView {
  /** `line`: the line of `source` that holds the command line. */
  processes?: { program: string; pid: number; source: string; line: number; argv: string[] }[];
  docker?: {
    running?: boolean;
    daemonJsonIgnored?: string;
    settings: Record<string, SettingView>;
    /** A key set in daemon.json (file, line) and on dockerd's command line (flag). */
    conflicts: { key: string; file: string; line: number; flag: { source: string; line: number } }[];
  };
  kubeProxy?: Record<string, SettingView>;
  kubelet?: Record<string, SettingView>;
}

function fileView(f: ResolverFile): ResolvConfView {
  const view: ResolvConfView = {
    path: f.path,
    nameservers: f.conf.nameservers.map((s) => (s.ignored ? { address: s.address, line: s.evidence.line, ignored: true as const } : { address: s.address, line: s.evidence.line })),
    options: f.conf.options.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`)),
  };
  if (f.readFrom !== undefined) view.readFrom = f.readFrom;
  if (f.linkTarget !== undefined) view.linkTarget = f.linkTarget;
  if (f.conf.generatedBy) {
    view.generatedBy = f.conf.generatedBy.name;
    view.generatedByLine = f.conf.generatedBy.evidence.line;
  }
  if (f.conf.search) view.search = { domains: f.conf.search.domains, line: f.conf.search.evidence.line };
  if (f.conf.options.length > 0) view.optionLines = [...new Set(f.conf.options.map((o) => o.evidence.line))];
  return view;
}

export function resolversView(r: NamespaceResolvers): ResolversView {
  const view: ResolversView = {};
  if (r.file) view.file = fileView(r.file);
  if (r.upstream) view.upstream = fileView(r.upstream);
  return view;
}

function settingView<T>(s: Setting<T>): SettingView {
  const view: SettingView = { value: s.value, origin: s.origin };
  if (s.evidence) {
    view.source = s.evidence.source;
    view.line = s.evidence.line;
  }
  return view;
}

/** Docker's merged settings by the name dockerd knows them by, in this order (show and diff list them so). */
export function dockerSettings(d: DockerConfig): [string, Setting<unknown>][] {
  const named: [string, Setting<unknown> | undefined][] = [
    ['iptables', d.iptables],
    ['ip6tables', d.ip6tables],
    ['ip-forward', d.ipForward],
    ['ip-masq', d.ipMasq],
    ['userland-proxy', d.userlandProxy],
    ['firewall-backend', d.firewallBackend],
    ['bridge', d.bridge],
    ['bip', d.bip],
    ['fixed-cidr', d.fixedCidr],
    ['fixed-cidr-v6', d.fixedCidrV6],
    ['default-address-pools', d.defaultAddressPools],
  ];
  return named.filter((entry): entry is [string, Setting<unknown>] => entry[1] !== undefined);
}

export function runtimeView(r: RuntimeConfig): RuntimeView {
  const view: RuntimeView = {};
  if (r.processes) view.processes = r.processes.map((p) => ({ program: p.cmdline.program, pid: p.pid, source: p.label, line: p.cmdline.evidence.line, argv: p.cmdline.argv }));
  if (r.docker) {
    const d = r.docker;
    const settings: Record<string, SettingView> = {};
    for (const [key, s] of dockerSettings(d)) settings[key] = settingView(s);
    view.docker = { settings, conflicts: d.conflicts.map((c) => ({ key: c.key, file: c.file.source, line: c.file.line, flag: { source: c.flag.source, line: c.flag.line } })) };
    if (d.running !== undefined) view.docker.running = d.running;
    if (d.daemonJsonIgnored) view.docker.daemonJsonIgnored = d.daemonJsonIgnored;
  }
  for (const [field, kube] of [['kubeProxy', r.kubeProxy], ['kubelet', r.kubelet]] as const) {
    if (!kube) continue;
    const settings: Record<string, SettingView> = {};
    for (const [key, s] of Object.entries(kube)) if (s) settings[key] = settingView(s);
    view[field] = settings;
  }
  return view;
}

function confLines(label: string, f: ResolvConfView): string[] {
  const from = [f.linkTarget ? `-> ${f.linkTarget}` : '', f.readFrom ? `read from ${f.readFrom}` : '', f.generatedBy ? `written by ${f.generatedBy}` : ''].filter(Boolean).join('; ');
  const out = [`    ${label} ${f.path}${from ? ` (${from})` : ''}`];
  if (f.nameservers.length === 0) out.push('      no nameserver line: the resolver asks 127.0.0.1');
  for (const s of f.nameservers) out.push(`      nameserver ${s.address}  (line ${s.line}${s.ignored ? '; ignored: only the first 3 are used' : ''})`);
  if (f.search) out.push(`      search ${f.search.domains.join(' ')}  (line ${f.search.line})`);
  if (f.options.length > 0) out.push(`      options ${f.options.join(' ')}`);
  return out;
}

export function resolversText(view: ResolversView | undefined): string[] {
  if (!view) return [];
  const out = ['  Resolvers'];
  if (view.file) out.push(...confLines('resolv.conf', view.file));
  else out.push('    no resolv.conf');
  if (view.upstream) out.push(...confLines("systemd-resolved's upstream", view.upstream));
  return out;
}

const originText = (s: SettingView): string => (s.origin === 'default' ? 'default' : `${s.source}${s.line !== undefined && s.origin === 'daemon.json' ? `:${s.line}` : ''}`);
const valueText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

export function runtimeText(view: RuntimeView | undefined): string[] {
  if (!view) return [];
  const out = ['', 'Runtime configuration'];
  if (view.processes) {
    if (view.processes.length === 0) out.push('  no dockerd, containerd, kubelet or kube-proxy process');
    for (const p of view.processes) out.push(`  ${p.program} (pid ${p.pid}): ${p.argv.slice(1).join(' ') || 'no arguments'}`);
  }
  if (view.docker) {
    const d = view.docker;
    out.push(`  Docker${d.running === undefined ? '' : d.running ? ' (dockerd running)' : ' (no dockerd process)'}`);
    if (d.daemonJsonIgnored) out.push(`    daemon.json not used: ${d.daemonJsonIgnored}`);
    for (const [key, s] of Object.entries(d.settings)) out.push(`    ${key} = ${valueText(s.value)}  (${originText(s)})`);
    for (const c of d.conflicts) out.push(`    conflict: ${c.key} is set in ${c.file}:${c.line} and on dockerd's command line: dockerd refuses to start`);
  }
  for (const [name, settings] of [['kube-proxy', view.kubeProxy], ['kubelet', view.kubelet]] as const) {
    if (!settings) continue;
    const entries = Object.entries(settings);
    out.push(`  ${name}: ${entries.length === 0 ? 'no network flags' : entries.map(([k, s]) => `${k} = ${valueText(s.value)}`).join(', ')}`);
  }
  return out;
}
