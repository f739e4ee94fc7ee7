/**
 * Snapshot format v1 (DESIGN.md contract). zod is the source of truth; schemas/snapshot.schema.json
 * is generated from it (`npm run gen`).
 *
 * A snapshot holds the raw text of every command, never a pre-parsed form: parsers improve, evidence stays.
 */
import { z } from 'zod';
import { SNAPSHOT_SCHEMA_ID } from './schema-id.js';

export { SNAPSHOT_SCHEMA_ID };

/**
 * - ok: the command ran and printed something.
 * - empty: the command ran, succeeded and printed nothing (e.g. no bridges).
 * - failed: the command ran and failed, timed out, was denied, or the tool is missing (`reason` says which).
 * - not-collected: nobody tried (older collector, raw-output directory without the file, not applicable).
 */
export const SourceStatus = z.enum(['ok', 'empty', 'failed', 'not-collected']);
export type SourceStatus = z.infer<typeof SourceStatus>;

export const Encoding = z.enum(['utf8', 'base64']);

export const Source = z
  .object({
    status: SourceStatus,
    command: z.string().describe('The command line as run, e.g. "iptables-save -c"'),
    exitCode: z.number().int().nullable().describe('null when the process did not exit normally (timeout, signal, not started)'),
    stdout: z.string(),
    stdoutEncoding: Encoding.default('utf8').describe('base64 where the output was not valid UTF-8'),
    stderr: z.string().default(''),
    stderrEncoding: Encoding.default('utf8'),
    durationMs: z.number().nonnegative().default(0),
    truncated: z.boolean().default(false).describe('stdout was cut at the collector\'s size limit'),
    reason: z.string().optional().describe('Why the source failed or was not collected: "command not found", "timed out after 10 s", "permission denied"'),
    format: z
      .enum(['text', 'json', 'iptables-list', 'ss-peaonmi', 'netstat', 'proc-sys'])
      .optional()
      .describe('The form stdout is in, where a source has more than one (nft-ruleset: json from nft -j list ruleset, text from nft list ruleset in a raw-output directory; ip sources: text from ip without -j; iptables-save: iptables-list, the `iptables -vnxL` listing of each table, each headed by a line `==> table NAME: FILE <==`; ss-tlnp and ss-ulnp: ss-peaonmi, every socket as `ss -peaonmi` prints it, or netstat, `netstat -W -neopa`; sysctl: proc-sys, the files under /proc/sys a sosreport copied, each after a line `==> proc/sys/PATH <==`). Absent: the source\'s own form'),
  })
  .strict();
export type Source = z.infer<typeof Source>;
export type SourceInput = z.input<typeof Source>;

export const PersistedFile = z
  .object({
    path: z.string().describe('Absolute path on the collected host, e.g. /etc/sysctl.d/99-docker.conf or /usr/lib/sysctl.d/50-default.conf'),
    content: z.string(),
    encoding: Encoding.default('utf8'),
  })
  .strict();
export type PersistedFile = z.infer<typeof PersistedFile>;

export const PersistedSysctl = z
  .object({
    status: SourceStatus,
    reason: z.string().optional(),
    files: z.array(PersistedFile).default([]),
  })
  .strict();
export type PersistedSysctl = z.infer<typeof PersistedSysctl>;

/**
 * One file of a file source (src/snapshot/host-files.ts):
 * - ok: read, `content` holds it.
 * - absent: no such file (or, for a wildcard pattern, nothing matched: `path` is the pattern).
 * - unreadable: it exists and could not be read (`reason`: permission denied, not a regular file, ...).
 * - too-large: larger than the source's size limit; not read.
 */
export const FileStatus = z.enum(['ok', 'absent', 'unreadable', 'too-large']);
export type FileStatus = z.infer<typeof FileStatus>;

export const CollectedFile = z
  .object({
    path: z.string().describe('The path as the namespace sees it, e.g. /etc/resolv.conf or /proc/812/cmdline (the pattern when nothing matched)'),
    readFrom: z.string().optional().describe('Where the collector read it when that differs: /etc/netns/NAME/resolv.conf (what ip netns exec mounts over /etc/resolv.conf), /proc/PID/root/etc/resolv.conf (a container\'s mount namespace)'),
    status: FileStatus,
    reason: z.string().optional(),
    linkTarget: z.string().optional().describe('The path is a symbolic link to this (as readlink prints it); content is what it points to'),
    content: z.string().optional(),
    encoding: Encoding.optional(),
  })
  .strict();
export type CollectedFile = z.infer<typeof CollectedFile>;

/** A file source of one namespace: ok (a file read), empty (nothing there), failed (none readable), not-collected. */
export const FileSource = z
  .object({
    status: SourceStatus,
    reason: z.string().optional(),
    files: z.array(CollectedFile).default([]),
  })
  .strict();
export type FileSource = z.infer<typeof FileSource>;

export const NamespaceKind = z.enum(['host', 'named', 'container']);
export type NamespaceKind = z.infer<typeof NamespaceKind>;

export const Namespace = z
  .object({
    name: z.string().min(1).describe('"host" for the collector\'s own namespace; the netns name, or "pid:<pid>" for a container'),
    kind: NamespaceKind,
    inode: z.number().int().optional().describe('inode of the namespace file, used to drop duplicates'),
    nsid: z.number().int().optional().describe('The id the host namespace gives this namespace (ip netns list-id), which veth peers refer to as link_netnsid'),
    pids: z.array(z.number().int()).optional(),
    processes: z.array(z.string()).optional().describe('Command names of processes in the namespace (containers)'),
    sources: z.record(z.string(), Source),
    files: z.record(z.string(), FileSource).optional().describe('File sources (src/snapshot/host-files.ts) by id: host-scoped ones in the host namespace only'),
  })
  .strict();
export type Namespace = z.infer<typeof Namespace>;

export const Meta = z
  .object({
    hostname: z.string().optional(),
    kernel: z.string().optional(),
    collectedAt: z.string().optional().describe('ISO 8601 time'),
    collector: z.object({ name: z.string(), version: z.string() }).strict(),
    user: z.object({ uid: z.number().int().optional(), name: z.string().optional() }).strict().optional(),
    notes: z.array(z.string()).default([]).describe('What the collector wants a reader to know (e.g. "not root: iptables denied")'),
    netnsRequested: z
      .union([z.literal('all'), z.array(z.string())])
      .optional()
      .describe('The namespaces asked for besides the host: "all", or the names given to --netns ([] for none). Absent in older snapshots and raw-output directories'),
  })
  .strict();
export type Meta = z.infer<typeof Meta>;

export const Snapshot = z
  .object({
    schema: z.literal(SNAPSHOT_SCHEMA_ID),
    meta: Meta,
    namespaces: z.array(Namespace).min(1).describe('host first, then other namespaces when asked for'),
    sysctlFiles: PersistedSysctl.describe('Persisted sysctl files of the host: /etc/sysctl.conf and the *.conf of every sysctl.d directory systemd-sysctl reads'),
  })
  .strict();
export type Snapshot = z.infer<typeof Snapshot>;
export type SnapshotInput = z.input<typeof Snapshot>;
