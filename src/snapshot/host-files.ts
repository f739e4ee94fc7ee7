/**
 * File sources: configuration files the collectors read (rather than commands they run). The catalogue is
 * data; both collectors, `netaudit import`, `show`, a rule's `requires` and `redact` work from it.
 *
 * To add a file source, add one entry to FILE_SOURCES:
 *   { id: 'flannel-subnet-env', title: 'flannel subnet.env', paths: ['/run/flannel/subnet.env'],
 *     scope: 'host', maxBytes: 64 * 1024, redact: 'addresses' },
 * - `paths`: absolute paths; a segment may hold `*` and `?` (sh glob rules: they never match `/` nor a
 *   leading dot; matches are taken in byte order). Only the characters of SAFE_PATTERN (tested).
 * - `scope`: 'host' (read once, recorded in the host namespace) or 'namespace' (each collected namespace's
 *   view: /etc/netns/NAME/… over /etc/… for a named namespace, /proc/PID/root/… for a container).
 * - `processes`: for /proc/<pid>/… paths only, keep the processes whose comm is one of these.
 * - `redact`: how `netaudit redact` rewrites the content (src/redact/sources/files.ts).
 * A rule lists the id in `requires`; raw-output directories hold the file under `files/<real path>`
 * (README, raw-directory table). Then write its parser (src/parse) and model where rules read it.
 */
import type { CollectedFile, FileSource } from './schema.js';

export type FileScope = 'host' | 'namespace';

/** How `netaudit redact` rewrites a file source's content (src/redact/sources/files.ts). */
export type FileRedaction = 'resolv-conf' | 'json' | 'cmdline' | 'addresses' | 'nm-conf' | 'networkd' | 'cni-json';

export interface FileSourceSpec {
  readonly id: string;
  /** What a person reading a report calls it. */
  readonly title: string;
  readonly paths: readonly string[];
  readonly scope: FileScope;
  /** A file larger than this is recorded as too-large, without its content. */
  readonly maxBytes: number;
  readonly processes?: readonly string[];
  readonly redact: FileRedaction;
}

export const FILE_SOURCES = [
  { id: 'resolv-conf', title: '/etc/resolv.conf', paths: ['/etc/resolv.conf'], scope: 'namespace', maxBytes: 64 * 1024, redact: 'resolv-conf' },
  {
    id: 'resolved-resolv-conf',
    title: "systemd-resolved's upstream resolvers (/run/systemd/resolve/resolv.conf)",
    paths: ['/run/systemd/resolve/resolv.conf'],
    scope: 'host',
    maxBytes: 64 * 1024,
    redact: 'resolv-conf',
  },
  { id: 'docker-daemon-json', title: '/etc/docker/daemon.json', paths: ['/etc/docker/daemon.json'], scope: 'host', maxBytes: 1024 * 1024, redact: 'json' },
  {
    id: 'runtime-cmdlines',
    title: 'command lines of dockerd, containerd, kubelet and kube-proxy (/proc/PID/cmdline)',
    paths: ['/proc/*/cmdline'],
    processes: ['dockerd', 'containerd', 'kubelet', 'kube-proxy'],
    scope: 'host',
    maxBytes: 256 * 1024,
    redact: 'cmdline',
  },
  // NetworkManager's configuration, in the order it reads it (src/model/nm-config.ts): /usr/lib's and /run's conf.d, the main file, /etc's conf.d.
  {
    id: 'nm-conf',
    title: 'NetworkManager configuration (/usr/lib, /run and /etc NetworkManager/conf.d/*.conf, /etc/NetworkManager/NetworkManager.conf)',
    paths: ['/usr/lib/NetworkManager/conf.d/*.conf', '/run/NetworkManager/conf.d/*.conf', '/etc/NetworkManager/NetworkManager.conf', '/etc/NetworkManager/conf.d/*.conf'],
    scope: 'host',
    maxBytes: 256 * 1024,
    redact: 'nm-conf',
  },
  // udev rules that can set NM_UNMANAGED (src/model/udev-nm.ts): every file of /etc, /run and /usr/local, and NetworkManager's own of /usr/lib (85-nm-unmanaged.rules). Same line syntax as far as redaction goes.
  {
    id: 'udev-rules',
    title: 'udev rules (/etc, /run, /usr/local/lib udev/rules.d/*.rules; NetworkManager\'s *-nm-*.rules of /usr/lib)',
    paths: ['/etc/udev/rules.d/*.rules', '/run/udev/rules.d/*.rules', '/usr/local/lib/udev/rules.d/*.rules', '/usr/lib/udev/rules.d/*-nm-*.rules', '/lib/udev/rules.d/*-nm-*.rules'],
    scope: 'host',
    maxBytes: 256 * 1024,
    redact: 'nm-conf',
  },
  // systemd-networkd's .network files, for [Match] and [Link] Unmanaged= (src/parse/networkd-network.ts); a name in /etc masks it in /run and below, /run in /usr (/lib: split-/usr systems).
  {
    id: 'networkd-network',
    title: 'systemd-networkd .network files (/etc, /run, /usr/local/lib, /usr/lib, /lib systemd/network/*.network)',
    paths: ['/etc/systemd/network/*.network', '/run/systemd/network/*.network', '/usr/local/lib/systemd/network/*.network', '/usr/lib/systemd/network/*.network', '/lib/systemd/network/*.network'],
    scope: 'host',
    maxBytes: 256 * 1024,
    redact: 'networkd',
  },
  // flannel's node lease and the CNI configuration and host-local allocations (src/parse/flannel-subnet-env.ts, src/parse/cni-conf.ts).
  { id: 'flannel-subnet-env', title: 'flannel subnet.env (/run/flannel/subnet.env)', paths: ['/run/flannel/subnet.env'], scope: 'host', maxBytes: 64 * 1024, redact: 'addresses' },
  { id: 'cni-conf', title: 'CNI network configuration (/etc/cni/net.d/*.conflist, *.conf, *.json)', paths: ['/etc/cni/net.d/*.conflist', '/etc/cni/net.d/*.conf', '/etc/cni/net.d/*.json'], scope: 'host', maxBytes: 1024 * 1024, redact: 'cni-json' },
  { id: 'cni-ipam', title: 'CNI host-local IPAM allocations (/var/lib/cni/networks/NETWORK/ADDRESS)', paths: ['/var/lib/cni/networks/*/*'], scope: 'host', maxBytes: 4 * 1024, redact: 'addresses' },
] as const satisfies readonly FileSourceSpec[];

export type FileSourceId = (typeof FILE_SOURCES)[number]['id'];

export const FILE_SOURCE_IDS: readonly FileSourceId[] = FILE_SOURCES.map((s) => s.id);

export const FILE_SOURCE_BY_ID: ReadonlyMap<string, FileSourceSpec> = new Map(FILE_SOURCES.map((s) => [s.id, s]));

export function isFileSourceId(id: string): id is FileSourceId {
  return FILE_SOURCE_BY_ID.has(id);
}

/** The characters a path pattern may hold: they go into the sh collector unquoted (for globbing). */
export const SAFE_PATTERN = /^(\/[A-Za-z0-9_.*?-]+)+$/;

/** Raw-output directory: the folder mirroring the real paths of file sources (`files/etc/resolv.conf`). */
export const RAW_FILES_DIR = 'files';

/**
 * The label a file carries in evidence: its path in the host namespace, `netns:NAME/etc/resolv.conf`
 * elsewhere (the form sourceLabel gives sources, so reports find it the same way).
 */
export function fileLabel(namespace: string, filePath: string): string {
  return namespace === 'host' ? filePath : `netns:${namespace}${filePath}`;
}

/**
 * The namespace and path of a file's evidence label (fileLabel's inverse), when the path is one a file
 * source reads: `/etc/resolv.conf` → host; `netns:blue/etc/resolv.conf` → blue. Anything else: undefined.
 */
export function parseFileLabel(label: string): { namespace: string; path: string } | undefined {
  const netns = /^netns:([^/]+)(\/.+)$/.exec(label);
  const [namespace, filePath] = netns ? [netns[1]!, netns[2]!] : ['host', label];
  if (!filePath.startsWith('/')) return undefined;
  const segments = filePath.split('/');
  const read = (FILE_SOURCES as readonly FileSourceSpec[]).some((spec) =>
    spec.paths.some((p) => {
      const pattern = p.split('/');
      return pattern.length === segments.length && pattern.every((seg, i) => segmentMatches(seg, segments[i]!));
    }),
  );
  return read ? { namespace, path: filePath } : undefined;
}

/** Whether one path segment matches a glob segment (`*`, `?`; a leading dot only by a literal dot). */
export function segmentMatches(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  let re = '^';
  for (const c of pattern) re += c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.\\+^$(){}|[\]-]/g, '\\$&');
  return new RegExp(`${re}$`, 's').test(name);
}

export function hasWildcard(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** Byte order (sh globs under LC_ALL=C sort this way). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Why a file was not read: over its source's maxBytes (every collector and importer says it so). */
export const tooLargeReason = (maxBytes: number): string => `larger than ${maxBytes} bytes, not read`;

/** ok: a file read; empty: nothing there; failed: something there and nothing readable (reasons joined). */
export function fileSourceStatus(files: readonly CollectedFile[]): Pick<FileSource, 'status' | 'reason'> {
  if (files.some((f) => f.status === 'ok')) return { status: 'ok' };
  const problems = files.filter((f) => f.status !== 'absent');
  if (problems.length === 0) return { status: 'empty' };
  return { status: 'failed', reason: problems.map((f) => `${f.path}: ${f.reason ?? f.status}`).join('; ') };
}
