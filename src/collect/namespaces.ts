/**
 * Which namespaces to collect besides the host: named ones (`ip netns`), and with `--netns all` also
 * the namespaces of running processes found through /proc/<pid>/ns/net (containers). Every namespace is
 * collected once, by its inode: a named namespace that is the collector's own (the collector runs inside
 * it) or another name for one already listed is dropped with a note.
 */
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { runCommand } from './run-command.js';

/**
 * Sources not taken from a namespace entered with nsenter. `brctl show` reads /sys/class/net, and
 * `nsenter --net` does not remount /sys, so there it would print the collector's own bridges.
 * `ip netns exec` remounts /sys in a private mount namespace; doing the same here needs util-linux's
 * unshare with private mount propagation (busybox hosts may lack it, and a shared propagation would
 * remount /sys for the whole host). The netlink sources (`ip -j -d link`, `bridge -j link`) already
 * give that namespace's bridges and ports.
 */
export const SYSFS_SOURCE_IDS: readonly string[] = ['brctl-show'];

export const REASON_SYSFS_UNDER_NSENTER =
  'not run: brctl reads /sys, which nsenter --net leaves on the collector\'s namespace (it would list the collector\'s bridges); ip -j -d link and bridge -j link give this namespace\'s bridges';

export interface NamedNamespace {
  kind: 'named';
  name: string;
  nsid?: number;
  inode?: number;
}

export interface ContainerNamespace {
  kind: 'container';
  /** "pid:<lowest pid>" */
  name: string;
  inode: number;
  pids: number[];
  processes: string[];
}

export type TargetNamespace = NamedNamespace | ContainerNamespace;

export interface DiscoverOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  procRoot: string;
  /** Where `ip netns` keeps its mount points. */
  netnsRunDir: string;
  /** Inode of the collector's own namespace, collected as "host". */
  hostInode: number | undefined;
}

export interface Discovery {
  targets: TargetNamespace[];
  /** Names dropped as duplicates, for the snapshot's notes. */
  notes: string[];
}

/** `ip -j netns list`: [{"name":"blue","id":0},{"name":"red"}]; falls back to listing /run/netns. */
export async function listNamedNamespaces(options: DiscoverOptions): Promise<Map<string, { nsid?: number }>> {
  const found = new Map<string, { nsid?: number }>();
  const run = await runCommand(['ip', '-j', 'netns', 'list'], { ...options, maxOutputBytes: 16 * 1024 * 1024 });
  if (run.exitCode === 0) {
    try {
      const text = run.stdout.toString('utf8').trim();
      const list: unknown = text === '' ? [] : JSON.parse(text);
      if (Array.isArray(list)) {
        for (const item of list as { name?: unknown; id?: unknown }[]) {
          if (typeof item?.name !== 'string') continue;
          found.set(item.name, typeof item.id === 'number' ? { nsid: item.id } : {});
        }
        return found;
      }
    } catch {
      // Old iproute2 without JSON for netns: fall through to the directory.
    }
  }
  try {
    for (const name of await readdir(options.netnsRunDir)) found.set(name, {});
  } catch {
    // No /run/netns: no named namespaces.
  }
  return found;
}

async function namespaceInode(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).ino;
  } catch {
    return undefined;
  }
}

/** "net:[4026531840]" → 4026531840 */
function inodeFromLink(link: string): number | undefined {
  const m = /^net:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : undefined;
}

/** The named namespaces asked for; a name that does not exist is a usage error (exit 2). */
export async function namedTargets(names: readonly string[], options: DiscoverOptions): Promise<Discovery> {
  const known = await listNamedNamespaces(options);
  const missing = names.filter((name) => !known.has(name));
  if (missing.length > 0) {
    const list = missing.map((n) => `"${n}"`).join(', ');
    throw new UsageError(`--netns: no network namespace named ${list}`, {}, '`ip netns list` lists the named namespaces; --netns all collects every namespace');
  }
  return dedupeNamed(await Promise.all(names.map((name) => describeNamed(name, known.get(name)!, options))), options.hostInode);
}

async function describeNamed(name: string, entry: { nsid?: number }, options: DiscoverOptions): Promise<NamedNamespace> {
  const inode = await namespaceInode(path.join(options.netnsRunDir, name));
  return {
    kind: 'named',
    name,
    ...(entry.nsid === undefined ? {} : { nsid: entry.nsid }),
    ...(inode === undefined ? {} : { inode }),
  };
}

/** One entry per inode, the host's own dropped (the collector runs inside a named namespace). */
function dedupeNamed(named: NamedNamespace[], hostInode: number | undefined): Discovery {
  const notes: string[] = [];
  const seen = new Map<number, string>();
  const targets: NamedNamespace[] = [];
  for (const ns of named) {
    if (ns.inode !== undefined && ns.inode === hostInode) {
      notes.push(`network namespace "${ns.name}" is the collector's own: collected once, as host`);
      continue;
    }
    const first = ns.inode === undefined ? undefined : seen.get(ns.inode);
    if (first !== undefined) {
      notes.push(`network namespace "${ns.name}" is the same namespace as "${first}": collected once, as "${first}"`);
      continue;
    }
    if (ns.inode !== undefined) seen.set(ns.inode, ns.name);
    targets.push(ns);
  }
  return { targets, notes };
}

/** Every named namespace, then one entry per other namespace that running processes are in. */
export async function allTargets(options: DiscoverOptions): Promise<Discovery> {
  const known = await listNamedNamespaces(options);
  const names = [...known.keys()].sort();
  const described = await Promise.all(names.map((name) => describeNamed(name, known.get(name)!, options)));
  const { targets: named, notes } = dedupeNamed(described, options.hostInode);
  const skip = new Set<number>(described.flatMap((n) => (n.inode === undefined ? [] : [n.inode])));
  if (options.hostInode !== undefined) skip.add(options.hostInode);

  const byInode = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = await readdir(options.procRoot);
  } catch {
    // No /proc: no containers to find.
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const inode = await readNetnsInode(path.join(options.procRoot, entry));
    if (inode === undefined || skip.has(inode)) continue;
    const pids = byInode.get(inode);
    if (pids) pids.push(Number(entry));
    else byInode.set(inode, [Number(entry)]);
  }

  const containers: ContainerNamespace[] = [];
  for (const [inode, pids] of byInode) {
    pids.sort((a, b) => a - b);
    const processes = new Set<string>();
    for (const pid of pids) {
      const comm = await readComm(path.join(options.procRoot, String(pid)));
      if (comm !== undefined) processes.add(comm);
    }
    containers.push({ kind: 'container', name: `pid:${pids[0]!}`, inode, pids, processes: [...processes] });
  }
  containers.sort((a, b) => a.pids[0]! - b.pids[0]!);
  if (named.length === 0 && containers.length === 0) notes.push(NO_OTHER_NAMESPACE_NOTE);
  return { targets: [...named, ...containers], notes };
}

export const NO_OTHER_NAMESPACE_NOTE = '--netns all: no other network namespace exists on this host';

export async function readNetnsInode(pidDir: string): Promise<number | undefined> {
  try {
    return inodeFromLink(await readlink(path.join(pidDir, 'ns', 'net')));
  } catch {
    // Process gone, or not ours to look at.
    return undefined;
  }
}
async function readComm(pidDir: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(pidDir, 'comm'), 'utf8')).trim();
  } catch {
    return undefined;
  }
}
