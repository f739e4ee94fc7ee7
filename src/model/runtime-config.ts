/**
 * The container runtimes' configuration, as the host runs them: /etc/docker/daemon.json and dockerd's
 * command line merged the way dockerd merges them (a setting comes from one or the other; both at once
 * and dockerd refuses to start: "the following directives are specified both as a flag and in the
 * configuration file", recorded as a conflict), then Docker's defaults; kube-proxy's and kubelet's flags.
 *
 * dockerd's `--config-file` names the file it reads: when that is not /etc/docker/daemon.json, the
 * collected daemon.json is not its configuration and is left out (noted on the config).
 */
import type { Evidence, ParseNote, Parsed } from '../parse/common.js';
import { type AddressPool, type DockerDaemonJson, parseDockerDaemonJson } from '../parse/docker-daemon-json.js';
import { type CmdlineFlag, parseProcessCmdline, type ProcessCmdline } from '../parse/process-cmdline.js';
import type { Namespace as SnapshotNamespace } from '../snapshot/schema.js';
import { type ReadFile, readFileSource } from './file-sources.js';
import type { SourceInfo } from './types.js';

export const DOCKER_DAEMON_JSON = '/etc/docker/daemon.json';

/** Where a setting's value came from. */
export type SettingOrigin = 'daemon.json' | 'flag' | 'default';

export interface Setting<T> {
  value: T;
  origin: SettingOrigin;
  /** The daemon.json line or the command line; none for a default. */
  evidence?: Evidence;
}

export interface RuntimeProcess extends ReadFile {
  pid: number;
  cmdline: ProcessCmdline;
}

export interface DockerConfig {
  /** dockerd's process was seen (undefined: the command lines were not collected). */
  running: boolean | undefined;
  /** daemon.json as read (undefined when absent, not collected, or not the file dockerd reads). */
  daemonJson?: DockerDaemonJson;
  /** Why the collected daemon.json is not dockerd's configuration (`--config-file` elsewhere). */
  daemonJsonIgnored?: string;
  iptables: Setting<boolean>;
  ip6tables: Setting<boolean>;
  ipForward: Setting<boolean>;
  ipMasq: Setting<boolean>;
  userlandProxy: Setting<boolean>;
  /** "iptables" (the default) or "nftables" (Docker 29). */
  firewallBackend: Setting<string>;
  bip?: Setting<string>;
  fixedCidr?: Setting<string>;
  fixedCidrV6?: Setting<string>;
  bridge?: Setting<string>;
  /** Configured pools only (Docker's built-in defaults are not listed). */
  defaultAddressPools?: Setting<AddressPool[]>;
  /** A key set both in daemon.json and on the command line: dockerd does not start with it. */
  conflicts: { key: string; file: Evidence; flag: Evidence }[];
}

export interface KubeConfig {
  proxyMode?: Setting<string>;
  clusterCidr?: Setting<string>;
  podCidr?: Setting<string>;
}

export interface RuntimeConfig {
  /** The runtime processes seen; undefined when their command lines were not collected. */
  processes?: RuntimeProcess[];
  /** Present when daemon.json was read or dockerd runs. */
  docker?: DockerConfig;
  kubeProxy?: KubeConfig;
  kubelet?: KubeConfig;
}

/** dockerd's flag names whose daemon.json key differs (the rest are the same). */
const JSON_KEY_OF_FLAG: Record<string, string> = {
  H: 'hosts',
  host: 'hosts',
  b: 'bridge',
  D: 'debug',
  l: 'log-level',
  G: 'group',
  p: 'pidfile',
  'default-address-pool': 'default-address-pools',
  'dns-opt': 'dns-opts',
  label: 'labels',
  'storage-opt': 'storage-opts',
  'log-opt': 'log-opts',
  'exec-opt': 'exec-opts',
  'insecure-registry': 'insecure-registries',
  'registry-mirror': 'registry-mirrors',
  'add-runtime': 'runtimes',
  'authorization-plugin': 'authorization-plugins',
  'default-ulimit': 'default-ulimits',
  'node-generic-resource': 'node-generic-resources',
};
/** Flags that are not settings of the configuration file. */
const NOT_SETTINGS = new Set(['config-file', 'validate', 'version', 'v', 'help']);

export function buildRuntimeConfig(ns: SnapshotNamespace, infos: Map<string, SourceInfo>, notes: ParseNote[]): RuntimeConfig | undefined {
  // A process that exited or is a zombie between listing and reading has an empty command line: noted, left out.
  const cmdlines = readFileSource(ns, 'runtime-cmdlines', infos, notes, (input): Parsed<ProcessCmdline | undefined> =>
    input.text === '' ? { value: undefined, notes: [{ source: input.source, message: 'empty command line (the process exited, or is a zombie): left out' }] } : parseProcessCmdline(input),
  )?.flatMap((c) => (c.value === undefined ? [] : [{ file: c.file, value: c.value }]));
  const daemonFiles = readFileSource(ns, 'docker-daemon-json', infos, notes, parseDockerDaemonJson);
  if (cmdlines === undefined && daemonFiles === undefined) return undefined;
  const result: RuntimeConfig = {};
  if (cmdlines) {
    result.processes = cmdlines.map(({ file, value }) => ({ ...file, pid: pidOf(file.path), cmdline: value }));
  }
  const dockerd = result.processes?.find((p) => p.cmdline.program === 'dockerd');
  const daemonJson = daemonFiles?.[0]?.value;
  if (dockerd || daemonJson) result.docker = dockerConfig(dockerd, daemonJson, cmdlines === undefined ? undefined : dockerd !== undefined);
  const proxy = result.processes?.find((p) => p.cmdline.program === 'kube-proxy');
  if (proxy) result.kubeProxy = kubeConfig(proxy.cmdline, { proxyMode: 'proxy-mode', clusterCidr: 'cluster-cidr' });
  const kubelet = result.processes?.find((p) => p.cmdline.program === 'kubelet');
  if (kubelet) result.kubelet = kubeConfig(kubelet.cmdline, { podCidr: 'pod-cidr' });
  return result;
}

function pidOf(file: string): number {
  return Number(/^\/proc\/(\d+)\//.exec(file)?.[1] ?? NaN);
}

function lastFlag(cmdline: ProcessCmdline | undefined, ...names: string[]): CmdlineFlag | undefined {
  return cmdline?.flags.filter((f) => names.includes(f.name)).pop();
}

function boolFlag(flag: CmdlineFlag): boolean | undefined {
  if (flag.value === undefined) return true;
  const v = flag.value.toLowerCase();
  if (v === 'true' || v === '1' || v === 't') return true;
  if (v === 'false' || v === '0' || v === 'f') return false;
  return undefined;
}

function dockerConfig(dockerd: RuntimeProcess | undefined, file: DockerDaemonJson | undefined, running: boolean | undefined): DockerConfig {
  const cmdline = dockerd?.cmdline;
  const configFile = lastFlag(cmdline, 'config-file')?.value;
  let json = file;
  let ignored: string | undefined;
  if (file && configFile !== undefined && configFile !== DOCKER_DAEMON_JSON) {
    ignored = `dockerd reads ${configFile} (--config-file), not ${DOCKER_DAEMON_JSON}`;
    json = undefined;
  }
  const flagEvidence = cmdline?.evidence;
  const bool = (key: 'iptables' | 'ip6tables' | 'ip-forward' | 'ip-masq' | 'userland-proxy', fromJson: DockerDaemonJson[keyof DockerDaemonJson] | undefined, fallback: boolean): Setting<boolean> => {
    const flag = lastFlag(cmdline, key);
    const value = flag ? boolFlag(flag) : undefined;
    if (flag && value !== undefined) return { value, origin: 'flag', ...(flagEvidence ? { evidence: flagEvidence } : {}) };
    const j = fromJson as { value: boolean; evidence: Evidence } | undefined;
    if (j) return { value: j.value, origin: 'daemon.json', evidence: j.evidence };
    return { value: fallback, origin: 'default' };
  };
  const str = (names: string[], fromJson: { value: string; evidence: Evidence } | undefined): Setting<string> | undefined => {
    const flag = lastFlag(cmdline, ...names);
    if (flag?.value !== undefined) return { value: flag.value, origin: 'flag', ...(flagEvidence ? { evidence: flagEvidence } : {}) };
    return fromJson ? { value: fromJson.value, origin: 'daemon.json', evidence: fromJson.evidence } : undefined;
  };
  const config: DockerConfig = {
    running,
    iptables: bool('iptables', json?.iptables, true),
    ip6tables: bool('ip6tables', json?.ip6tables, true),
    ipForward: bool('ip-forward', json?.ipForward, true),
    ipMasq: bool('ip-masq', json?.ipMasq, true),
    userlandProxy: bool('userland-proxy', json?.userlandProxy, true),
    firewallBackend: str(['firewall-backend'], json?.firewallBackend) ?? { value: 'iptables', origin: 'default' },
    conflicts: [],
  };
  if (json) config.daemonJson = json;
  if (ignored) config.daemonJsonIgnored = ignored;
  const bip = str(['bip'], json?.bip);
  if (bip) config.bip = bip;
  const fixed = str(['fixed-cidr'], json?.fixedCidr);
  if (fixed) config.fixedCidr = fixed;
  const fixed6 = str(['fixed-cidr-v6'], json?.fixedCidrV6);
  if (fixed6) config.fixedCidrV6 = fixed6;
  const bridge = str(['bridge', 'b'], json?.bridge);
  if (bridge) config.bridge = bridge;
  const poolFlags = cmdline?.flags.filter((f) => f.name === 'default-address-pool' && f.value !== undefined) ?? [];
  if (poolFlags.length > 0) {
    const pools = poolFlags.flatMap((f) => {
      const pool = parsePoolFlag(f.value!);
      return pool ? [pool] : [];
    });
    config.defaultAddressPools = { value: pools, origin: 'flag', ...(flagEvidence ? { evidence: flagEvidence } : {}) };
  } else if (json?.defaultAddressPools) {
    config.defaultAddressPools = { value: json.defaultAddressPools.value, origin: 'daemon.json', evidence: json.defaultAddressPools.evidence };
  }
  if (json && cmdline && flagEvidence) {
    const seen = new Set<string>();
    for (const flag of cmdline.flags) {
      if (NOT_SETTINGS.has(flag.name)) continue;
      const key = JSON_KEY_OF_FLAG[flag.name] ?? flag.name;
      const line = json.keys.get(key);
      if (!line || seen.has(key)) continue;
      seen.add(key);
      config.conflicts.push({ key, file: line, flag: flagEvidence });
    }
  }
  return config;
}

/** `--default-address-pool base=10.10.0.0/16,size=24` */
function parsePoolFlag(value: string): AddressPool | undefined {
  const fields = new Map(value.split(',').map((kv) => kv.split('=', 2) as [string, string | undefined]));
  const base = fields.get('base');
  const size = Number(fields.get('size'));
  return base && Number.isInteger(size) ? { base, size } : undefined;
}

function kubeConfig(cmdline: ProcessCmdline, wanted: Partial<Record<keyof KubeConfig, string>>): KubeConfig {
  const out: KubeConfig = {};
  for (const [field, flagName] of Object.entries(wanted) as [keyof KubeConfig, string][]) {
    const flag = lastFlag(cmdline, flagName);
    if (flag?.value !== undefined) out[field] = { value: flag.value, origin: 'flag', evidence: cmdline.evidence };
  }
  return out;
}
