/**
 * The catalogue of sources a snapshot can hold: their ids, the command that produces each,
 * and the file name each has in a raw-output directory (DESIGN.md contract).
 */

export const SOURCE_IDS = [
  'sysctl',
  'iptables-save',
  'ip6tables-save',
  'iptables-legacy-save',
  'iptables-nft-save',
  'ip6tables-legacy-save',
  'ip6tables-nft-save',
  'iptables-version',
  'ip-link',
  'ip-addr',
  'ip-route',
  'ip6-route',
  'ip-rule',
  'ip6-rule',
  'ip-neigh',
  'brctl-show',
  'bridge-link',
  'ss-tlnp',
  'ss-ulnp',
  'nft-ruleset',
  'wg-listen-port',
  'nmcli-device',
  'networkctl-list',
] as const;

export type SourceId = (typeof SOURCE_IDS)[number];

export interface SourceSpec {
  id: SourceId;
  /** The argv run by the collectors (inside `ip netns exec NAME` for other namespaces). */
  argv: readonly string[];
  /** File name in a raw-output directory, if the source has one. */
  rawFile?: string;
  /** What a person reading a report calls it. */
  title: string;
  /** Output format: text lines or JSON. */
  format: SourceFormat;
  /** Collected only in the host namespace (they describe the whole machine). */
  hostOnly?: boolean;
  /**
   * Other forms a raw-output directory may hold the source in (the collectors always take `format`):
   * a file read from one is stored with `format` set on the Source, so a parser never has to guess.
   */
  otherRawForms?: readonly RawForm[];
  /**
   * A tool many hosts do not have (NetworkManager, systemd-networkd, WireGuard's wg): where it is missing the
   * source is recorded as not-collected ("nmcli is not installed"), not as failed.
   */
  optionalTool?: boolean;
}

/**
 * `iptables-list`: the `iptables -vnxL` listing of one or more tables (iptables-list-files.ts joins them).
 * `ss-peaonmi`: `ss -peaonmi`, every socket with its details (a sosreport's), read for ss-tlnp's and ss-ulnp's
 * listeners; `netstat`: `netstat -W -neopa`, the same from net-tools. `proc-sys`: the files under /proc/sys a sosreport
 * copied, for sysctl where it holds no `sysctl -a` (parse/text/proc-sys.ts joins them).
 */
export type SourceFormat = 'text' | 'json' | 'iptables-list' | 'ss-peaonmi' | 'netstat' | 'proc-sys';

/** A second file name a raw-output directory may use for a source, in another output format. */
export interface RawForm {
  rawFile: string;
  format: SourceFormat;
  /** The command line recorded for it, e.g. "nft list ruleset". */
  command: string;
  title: string;
  /**
   * One file per iptables table: `rawFile` holds `<table>` for the table's name (`iptables-L-<table>.txt`),
   * and `singleFile` is the file of the filter table alone (`iptables-L.txt`).
   */
  perTable?: { singleFile: string };
}

/** The plain-text form of an `ip` or `bridge` source: what a bug report carries instead of `ip -j`. */
const ipText = (rawFile: string, command: string): RawForm => ({ rawFile, format: 'text', command, title: command });

/** `iptables -L` of each table, in a file per table. */
const iptablesList = (program: 'iptables' | 'ip6tables'): RawForm => ({
  rawFile: `${program}-L-<table>.txt`,
  format: 'iptables-list',
  command: `${program} -t <table> -vnxL`,
  title: `${program} -t <table> -vnxL (or -nvL, -L -n; ${program}-L.txt: the filter table)`,
  perTable: { singleFile: `${program}-L.txt` },
});

/** What sosreports carry: every socket, read for its listening TCP ones (ss-tlnp) and its bound UDP ones (ss-ulnp). */
const SOCKET_LISTINGS: readonly RawForm[] = [
  { rawFile: 'ss-peaonmi.txt', format: 'ss-peaonmi', command: 'ss -peaonmi', title: 'ss -peaonmi (every socket; the listening TCP and the bound UDP ones are read)' },
  { rawFile: 'netstat.txt', format: 'netstat', command: 'netstat -W -neopa', title: 'netstat -W -neopa (or netstat -Wtlnp, netstat -Wulnp)' },
];

export const SOURCES: readonly SourceSpec[] = [
  { id: 'sysctl', argv: ['sysctl', '-a'], rawFile: 'sysctl-a.txt', title: 'sysctl -a', format: 'text' },
  { id: 'iptables-save', argv: ['iptables-save', '-c'], rawFile: 'iptables-save.txt', title: 'iptables-save -c', format: 'text', otherRawForms: [iptablesList('iptables')] },
  { id: 'ip6tables-save', argv: ['ip6tables-save', '-c'], rawFile: 'ip6tables-save.txt', title: 'ip6tables-save -c', format: 'text', otherRawForms: [iptablesList('ip6tables')] },
  { id: 'iptables-legacy-save', argv: ['iptables-legacy-save', '-c'], rawFile: 'iptables-legacy-save.txt', title: 'iptables-legacy-save -c', format: 'text' },
  { id: 'iptables-nft-save', argv: ['iptables-nft-save', '-c'], rawFile: 'iptables-nft-save.txt', title: 'iptables-nft-save -c', format: 'text' },
  { id: 'ip6tables-legacy-save', argv: ['ip6tables-legacy-save', '-c'], rawFile: 'ip6tables-legacy-save.txt', title: 'ip6tables-legacy-save -c', format: 'text' },
  { id: 'ip6tables-nft-save', argv: ['ip6tables-nft-save', '-c'], rawFile: 'ip6tables-nft-save.txt', title: 'ip6tables-nft-save -c', format: 'text' },
  { id: 'iptables-version', argv: ['iptables', '-V'], rawFile: 'iptables-version.txt', title: 'iptables -V', format: 'text' },
  { id: 'ip-link', argv: ['ip', '-j', '-d', 'link', 'show'], rawFile: 'ip-link.json', title: 'ip -j -d link show', format: 'json', otherRawForms: [ipText('ip-link.txt', 'ip -d link show')] },
  { id: 'ip-addr', argv: ['ip', '-j', 'addr', 'show'], rawFile: 'ip-addr.json', title: 'ip -j addr show', format: 'json', otherRawForms: [ipText('ip-addr.txt', 'ip addr show')] },
  { id: 'ip-route', argv: ['ip', '-j', 'route', 'show', 'table', 'all'], rawFile: 'ip-route.json', title: 'ip -j route show table all', format: 'json', otherRawForms: [ipText('ip-route.txt', 'ip route show table all')] },
  { id: 'ip6-route', argv: ['ip', '-j', '-6', 'route', 'show', 'table', 'all'], rawFile: 'ip6-route.json', title: 'ip -j -6 route show table all', format: 'json', otherRawForms: [ipText('ip6-route.txt', 'ip -6 route show table all')] },
  { id: 'ip-rule', argv: ['ip', '-j', 'rule', 'show'], rawFile: 'ip-rule.json', title: 'ip -j rule show', format: 'json', otherRawForms: [ipText('ip-rule.txt', 'ip rule show')] },
  { id: 'ip6-rule', argv: ['ip', '-j', '-6', 'rule', 'show'], rawFile: 'ip6-rule.json', title: 'ip -j -6 rule show', format: 'json', otherRawForms: [ipText('ip6-rule.txt', 'ip -6 rule show')] },
  { id: 'ip-neigh', argv: ['ip', '-j', 'neigh', 'show'], rawFile: 'ip-neigh.json', title: 'ip -j neigh show', format: 'json', otherRawForms: [ipText('ip-neigh.txt', 'ip neigh show')] },
  { id: 'brctl-show', argv: ['brctl', 'show'], rawFile: 'brctl-show.txt', title: 'brctl show', format: 'text' },
  { id: 'bridge-link', argv: ['bridge', '-j', 'link', 'show'], rawFile: 'bridge-link.json', title: 'bridge -j link show', format: 'json', otherRawForms: [ipText('bridge-link.txt', 'bridge link show')] },
  { id: 'ss-tlnp', argv: ['ss', '-Htlnp'], rawFile: 'ss-tlnp.txt', title: 'ss -Htlnp', format: 'text', otherRawForms: SOCKET_LISTINGS },
  // UDP sockets bound to a port and not connected to a peer: the programs' and the kernel's own (VXLAN, WireGuard).
  { id: 'ss-ulnp', argv: ['ss', '-Hulnp'], rawFile: 'ss-ulnp.txt', title: 'ss -Hulnp', format: 'text', otherRawForms: SOCKET_LISTINGS },
  {
    id: 'nft-ruleset',
    argv: ['nft', '-j', 'list', 'ruleset'],
    rawFile: 'nft-ruleset.json',
    title: 'nft -j list ruleset',
    format: 'json',
    // What sosreports and bug reports carry: `nft list ruleset` or `nft -a list ruleset`.
    otherRawForms: [{ rawFile: 'nft-ruleset.txt', format: 'text', command: 'nft list ruleset', title: 'nft list ruleset (or nft -a list ruleset)' }],
  },
  // Each WireGuard device's UDP port, which `ip -d link` does not print (src/parse/wg-listen-port.ts).
  { id: 'wg-listen-port', argv: ['wg', 'show', 'all', 'listen-port'], rawFile: 'wg-listen-port.txt', title: 'wg show all listen-port', format: 'text', optionalTool: true },
  // Which devices NetworkManager and systemd-networkd manage (src/parse/nmcli.ts, src/parse/networkctl.ts).
  { id: 'nmcli-device', argv: ['nmcli', '-t', '-f', 'DEVICE,TYPE,STATE,CONNECTION', 'device'], rawFile: 'nmcli-device.txt', title: 'nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device', format: 'text', hostOnly: true, optionalTool: true },
  { id: 'networkctl-list', argv: ['networkctl', 'list', '--no-legend'], rawFile: 'networkctl-list.txt', title: 'networkctl list --no-legend', format: 'text', hostOnly: true, optionalTool: true },
];

export const SOURCE_BY_ID: ReadonlyMap<SourceId, SourceSpec> = new Map(SOURCES.map((s) => [s.id, s]));

/** Raw-output directory: the folder holding copies of /etc/sysctl.conf and /etc/sysctl.d/*.conf. */
export const RAW_SYSCTL_DIR = 'sysctl.d';

/** Persisted sysctl files the collectors read. */
export const SYSCTL_CONF_PATHS = ['/etc/sysctl.conf', '/etc/sysctl.d'] as const;

/**
 * The form a stored source's stdout is in: the `format` the Source records (set where a raw-output
 * directory held another form, e.g. nft-ruleset.txt), else the source's own format.
 */
export function storedFormat(id: SourceId, source: { format?: SourceFormat | undefined }): SourceFormat {
  return source.format ?? SOURCE_BY_ID.get(id)!.format;
}

export function isSourceId(id: string): id is SourceId {
  return (SOURCE_IDS as readonly string[]).includes(id);
}

/**
 * The name a source carries in evidence and messages: bare in the host namespace,
 * prefixed with the namespace elsewhere ("netns:blue/ip-link").
 */
export function sourceLabel(namespace: string, source: string): string {
  return namespace === 'host' ? source : `netns:${namespace}/${source}`;
}
