/**
 * `netaudit collect`: run the SOURCES commands in the host namespace (and in the namespaces asked
 * for), read the persisted sysctl files, and return a snapshot. Only a namespace named but not found
 * stops it (a usage error); whatever fails after that is recorded in its source with the reason, and
 * the snapshot always comes out.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Namespace, Snapshot, Source } from '../snapshot/schema.js';
import { SNAPSHOT_SCHEMA_ID } from '../snapshot/schema.js';
import { SOURCES, type SourceId, type SourceSpec } from '../snapshot/sources.js';
import { COLLECTOR_NAME, VERSION } from '../version.js';
import {
  backendFromVersion,
  IPTABLES_DUMP_IDS,
  type IptablesDumpId,
  type IptablesProbe,
  iptablesGate,
  isNftSource,
  listsTables,
  modulesListNfTables,
  nftGate,
} from './iptables-gate.js';
import { collectedArgv } from './collected-argv.js';
import { allTargets, type Discovery, namedTargets, readNetnsInode, REASON_SYSFS_UNDER_NSENTER, SYSFS_SOURCE_IDS, type TargetNamespace } from './namespaces.js';
import { runCommand, type RunOptions } from './run-command.js';
import { unavailableSource } from '../snapshot/unavailable.js';
import { REASON_NOT_FOUND, sourceFromRun } from './source-result.js';
import { readSysctlFiles } from './sysctl-files.js';
import { type FileRoots, readFileSources } from './host-files.js';
import { findExecutable } from './which.js';

export interface CollectOptions {
  /** Namespace names to collect besides the host, or ['all']. */
  netns?: string[];
  /** Per command (default 10 s). */
  timeoutMs?: number;
  /** Per source (default 64 MiB). */
  maxOutputBytes?: number;
  /** Environment of the commands, PATH included (tests put fake commands first). */
  env?: NodeJS.ProcessEnv;
  /** The directory standing in for / when reading the persisted sysctl files and the file sources (default /). */
  fileRoot?: string;
  /** Stand-in for /proc (default /proc). */
  procRoot?: string;
  /** Stand-in for /sys (default /sys). */
  sysRoot?: string;
  /** Where `ip netns` keeps its namespaces (default /run/netns). */
  netnsRunDir?: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Commands run at the same time within one namespace. */
const PARALLEL_COMMANDS = 4;

export const NOT_ROOT_NOTE = 'not root: iptables-save and ss -p need root; their output may be missing or partial';

interface Settings {
  run: RunOptions;
  env: NodeJS.ProcessEnv;
  procRoot: string;
  modulesLoadable: boolean;
  nfTablesLoaded: boolean;
  /** Where the file sources (host-files.ts) are read from. */
  files: FileRoots;
}

/** How to run a command in one namespace and read its /proc/net files. */
interface Entry {
  prefix: string[];
  readProcNet(file: string): Promise<string | undefined>;
  /** Entered by nsenter: /sys is still the collector's. */
  foreignSysfs?: boolean;
}

export async function collectSnapshot(options: CollectOptions = {}): Promise<Snapshot> {
  const env = options.env ?? process.env;
  const procRoot = options.procRoot ?? '/proc';
  const sysRoot = options.sysRoot ?? '/sys';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const procModules = await readOptional(path.join(procRoot, 'modules'));
  const settings: Settings = {
    // Untranslated messages, as the parsers expect (and as the sh collector runs them).
    run: { timeoutMs, maxOutputBytes, env: { ...env, LC_ALL: 'C' } },
    env,
    procRoot,
    modulesLoadable: procModules !== undefined,
    files: { fileRoot: options.fileRoot ?? '/', procRoot },
    nfTablesLoaded: (procModules !== undefined && modulesListNfTables(procModules)) || existsSync(path.join(sysRoot, 'module', 'nf_tables')),
  };
  const notes: string[] = [];
  const uid = process.getuid?.();
  if (uid !== 0) notes.push(NOT_ROOT_NOTE);

  const hostInode = await readNetnsInode(path.join(procRoot, 'self'));
  // Before anything runs: a mistyped namespace name stops here.
  const discovery = await resolveTargets(options, settings, hostInode);
  notes.push(...discovery.notes);
  const host: Namespace = {
    name: 'host',
    kind: 'host',
    ...(hostInode === undefined ? {} : { inode: hostInode }),
    sources: await collectSources(
      { prefix: [], readProcNet: (file) => readOptional(path.join(procRoot, 'net', file)) },
      settings,
      true,
    ),
    files: await readFileSources({ kind: 'host' }, settings.files),
  };

  const namespaces: Namespace[] = [host];
  for (const target of discovery.targets) {
    namespaces.push(await collectTarget(target, settings));
  }

  const sysctl = await readSysctlFiles(options.fileRoot ?? '/', maxOutputBytes);
  notes.push(...sysctl.notes);

  return {
    schema: SNAPSHOT_SCHEMA_ID,
    meta: {
      hostname: os.hostname(),
      kernel: os.release(),
      collectedAt: new Date().toISOString(),
      collector: { name: COLLECTOR_NAME, version: VERSION },
      user: { ...(uid === undefined ? {} : { uid }), ...userName() },
      notes,
      netnsRequested: requestedNamespaces(options.netns),
    },
    namespaces,
    sysctlFiles: sysctl.sysctl,
  };
}

/** What --netns asked for, as the snapshot records it: "all", or the names (none: []). */
function requestedNamespaces(netns: readonly string[] | undefined): 'all' | string[] {
  const names = netns ?? [];
  return names.includes('all') ? 'all' : [...new Set(names)];
}

async function resolveTargets(options: CollectOptions, settings: Settings, hostInode: number | undefined): Promise<Discovery> {
  const names = options.netns ?? [];
  if (names.length === 0) return { targets: [], notes: [] };
  const discover = {
    env: settings.env,
    timeoutMs: settings.run.timeoutMs,
    procRoot: settings.procRoot,
    netnsRunDir: options.netnsRunDir ?? '/run/netns',
    hostInode,
  };
  if (names.includes('all')) return allTargets(discover);
  return namedTargets([...new Set(names)], discover);
}

async function collectTarget(target: TargetNamespace, settings: Settings): Promise<Namespace> {
  const identity = {
    name: target.name,
    kind: target.kind,
    ...(target.inode === undefined ? {} : { inode: target.inode }),
    ...(target.kind === 'named' && target.nsid !== undefined ? { nsid: target.nsid } : {}),
    ...(target.kind === 'container' ? { pids: target.pids, processes: target.processes } : {}),
  };
  if (target.kind === 'named') {
    const prefix = ['ip', 'netns', 'exec', target.name];
    const entry: Entry = {
      prefix,
      readProcNet: async (file) => {
        const run = await runCommand([...prefix, 'cat', path.join(settings.procRoot, 'net', file)], {
          ...settings.run,
          maxOutputBytes: 1024 * 1024,
        });
        return run.exitCode === 0 ? run.stdout.toString('utf8') : undefined;
      },
    };
    return { ...identity, sources: await collectSources(entry, settings, false), files: await readFileSources({ kind: 'named', name: target.name }, settings.files) };
  }

  const files = await readFileSources({ kind: 'container', pid: target.pids[0]! }, settings.files);
  const pidDir = path.join(settings.procRoot, String(target.pids[0]));
  const prefix = ['nsenter', `--net=${path.join(pidDir, 'ns', 'net')}`];
  if (findExecutable('nsenter', settings.env) === undefined) {
    return { ...identity, sources: allSkipped(prefix, 'not-collected', 'nsenter not found: cannot enter the namespace of a process'), files };
  }
  const entry: Entry = { prefix, readProcNet: (file) => readOptional(path.join(pidDir, 'net', file)), foreignSysfs: true };
  return { ...identity, sources: await collectSources(entry, settings, false), files };
}

function allSkipped(prefix: string[], status: 'failed' | 'not-collected', reason: string): Record<string, Source> {
  return Object.fromEntries(
    SOURCES.filter((s) => !s.hostOnly).map((s) => [s.id, unavailableSource(commandLine(prefix, s), status, reason)]),
  );
}

async function collectSources(entry: Entry, settings: Settings, isHost: boolean): Promise<Record<string, Source>> {
  const specs = SOURCES.filter((s) => isHost || !s.hostOnly);
  const results = new Map<SourceId, Source>();

  const versionSpec = specs.find((s) => s.id === 'iptables-version');
  let versionText: string | undefined;
  if (versionSpec) {
    const version = await runSpec(entry, versionSpec, settings);
    results.set(versionSpec.id, version);
    if (version.status === 'ok' && version.stdoutEncoding === 'utf8') versionText = version.stdout;
  }
  const probe: IptablesProbe = {
    modulesLoadable: settings.modulesLoadable,
    nfTablesLoaded: settings.nfTablesLoaded,
    legacyTables4: settings.modulesLoadable && listsTables(await entry.readProcNet('ip_tables_names')),
    legacyTables6: settings.modulesLoadable && listsTables(await entry.readProcNet('ip6_tables_names')),
    backend: backendFromVersion(versionText),
  };

  const pending = specs.filter((s) => !results.has(s.id));
  await forEachLimited(pending, PARALLEL_COMMANDS, async (spec) => {
    const dump = (IPTABLES_DUMP_IDS as readonly string[]).includes(spec.id) ? (spec.id as IptablesDumpId) : undefined;
    const command = commandLine(entry.prefix, spec);
    if (entry.foreignSysfs && SYSFS_SOURCE_IDS.includes(spec.id)) {
      results.set(spec.id, unavailableSource(command, 'not-collected', REASON_SYSFS_UNDER_NSENTER));
      return;
    }
    const nft = isNftSource(spec.id);
    const optionalTool = nft || spec.optionalTool === true || (dump !== undefined && dump !== 'iptables-save' && dump !== 'ip6tables-save');
    if (optionalTool && !findExecutable(spec.argv[0]!, settings.env)) {
      results.set(spec.id, unavailableSource(command, 'not-collected', `${spec.argv[0]!} is not installed`));
      return;
    }
    const gate = dump ? iptablesGate(dump, probe) : nft ? nftGate(probe) : null;
    results.set(spec.id, gate === null ? await runSpec(entry, spec, settings) : unavailableSource(command, 'not-collected', gate));
  });

  // Same key order as SOURCES, whatever order the commands finished in.
  return Object.fromEntries(specs.map((s) => [s.id, results.get(s.id)!]));
}

async function runSpec(entry: Entry, spec: SourceSpec, settings: Settings): Promise<Source> {
  const command = commandLine(entry.prefix, spec);
  // With a prefix (ip netns exec, nsenter) a missing tool would surface as the prefix's own error.
  if (findExecutable(spec.argv[0]!, settings.env) === undefined) return unavailableSource(command, 'failed', REASON_NOT_FOUND);
  const run = await runCommand([...entry.prefix, ...collectedArgv(spec)], settings.run);
  return sourceFromRun(command, run, settings.run);
}

function commandLine(prefix: string[], spec: SourceSpec): string {
  return [...prefix, ...collectedArgv(spec)].join(' ');
}

async function forEachLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function userName(): { name?: string } {
  try {
    return { name: os.userInfo().username };
  } catch {
    return {};
  }
}
