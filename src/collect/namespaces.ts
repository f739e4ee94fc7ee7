/**
 * Which namespaces to collect besides the host: named ones (`ip netns`), and with `--netns all` also
 * the namespaces of running processes found through /proc/<pid>/ns/net (containers), deduplicated by
 * the namespace inode.
 */
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from './run-command.js';

export interface NamedNamespace {
  kind: 'named';
  name: string;
  nsid?: number;
  inode?: number;
  /** false when `--netns NAME` names a namespace that `ip netns list` does not know. */
  exists: boolean;
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

export async function namedTargets(names: readonly string[], options: DiscoverOptions): Promise<NamedNamespace[]> {
  const known = await listNamedNamespaces(options);
  const targets: NamedNamespace[] = [];
  for (const name of names) {
    const entry = known.get(name);
    const inode = await namespaceInode(path.join(options.netnsRunDir, name));
    targets.push({
      kind: 'named',
      name,
      exists: entry !== undefined,
      ...(entry?.nsid === undefined ? {} : { nsid: entry.nsid }),
      ...(inode === undefined ? {} : { inode }),
    });
  }
  return targets;
}

/** Every named namespace, then one entry per other namespace that running processes are in. */
export async function allTargets(options: DiscoverOptions): Promise<TargetNamespace[]> {
  const known = await listNamedNamespaces(options);
  const named = await namedTargets([...known.keys()].sort(), options);
  const skip = new Set<number>(named.flatMap((n) => (n.inode === undefined ? [] : [n.inode])));
  const hostInode = await readNetnsInode(path.join(options.procRoot, 'self'));
  if (hostInode !== undefined) skip.add(hostInode);

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
  return [...named, ...containers];
}

async function readNetnsInode(pidDir: string): Promise<number | undefined> {
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
