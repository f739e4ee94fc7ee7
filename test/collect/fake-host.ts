/**
 * A fake host for collector tests: a temp dir of small sh scripts first on PATH standing in for
 * sysctl, iptables-save, ip, ss, nft ..., fake /proc, /sys, /etc and /run/netns trees, and the two
 * collectors run against it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collectSnapshot, type CollectOptions } from '../../src/collect/node-collector.js';
import { collectorScript } from '../../src/collect/sh-collector.js';
import { findExecutable } from '../../src/collect/which.js';
import { loadInput } from '../../src/snapshot/load.js';
import type { Snapshot, Source } from '../../src/snapshot/schema.js';
import { saveSnapshot } from '../../src/snapshot/save.js';

/** Every fake tool answers from $FAKE_DATA/[<namespace>/]<tool> <args>.{out,err,rc,sh}. */
const FAKE_TOOL = `#!/bin/sh
name=\${0##*/}
if [ "$name" = ip ] && [ "$1" = netns ] && [ "$2" = exec ]; then
  FAKE_NS=$3; export FAKE_NS; shift 3; exec "$@"
fi
if [ "$name" = nsenter ]; then
  p=\${1#--net=}; p=\${p%/ns/net}; FAKE_NS=pid\${p##*/}; export FAKE_NS; shift; exec "$@"
fi
d="$FAKE_DATA/$name $*"
if [ -n "\${FAKE_NS:-}" ]; then
  n="$FAKE_DATA/$FAKE_NS/$name $*"
  if [ -e "$n.out" ] || [ -e "$n.err" ] || [ -e "$n.rc" ] || [ -e "$n.sh" ]; then d=$n; fi
fi
[ -f "$d.sh" ] && exec /bin/sh "$d.sh"
[ -f "$d.err" ] && cat "$d.err" >&2
[ -f "$d.out" ] && cat "$d.out"
[ -f "$d.rc" ] && exit "$(cat "$d.rc")"
exit 0
`;

export const FAKE_TOOLS = [
  'sysctl', 'iptables-save', 'ip6tables-save', 'iptables-legacy-save', 'iptables-nft-save',
  'ip6tables-legacy-save', 'ip6tables-nft-save', 'iptables', 'ip', 'brctl', 'bridge', 'ss', 'nsenter', 'nft',
];

/** What the collectors (and the fake tools) need from the real system. */
const BASIC_TOOLS = [
  'sh', 'cat', 'sleep', 'od', 'awk', 'sed', 'tr', 'wc', 'head', 'tail', 'mktemp', 'rm', 'mkdir', 'mv',
  'date', 'uname', 'id', 'grep', 'sort', 'cut', 'ls', 'readlink', 'timeout', 'setsid', 'dd', 'yes', 'base64',
];

/** The inode the fake /proc/self/ns/net gives the collector's own namespace. */
export const HOST_NETNS_INODE = 4026531840;

export interface FakeHost {
  root: string;
  bin: string;
  data: string;
  proc: string;
  sys: string;
  etc: string;
  netnsDir: string;
  /** Environment of the Node collector and the sh collector under dash: fake tools, then GNU tools. */
  env: NodeJS.ProcessEnv;
  /** PATH of the sh collector under busybox sh: fake tools, then busybox applets only. */
  busyboxPath?: string;
}

export async function makeFakeHost(options: { tools?: string[] } = {}): Promise<FakeHost> {
  const root = await mkdtemp(path.join(tmpdir(), 'netaudit-fake-'));
  const host: FakeHost = {
    root,
    bin: path.join(root, 'bin'),
    data: path.join(root, 'data'),
    proc: path.join(root, 'proc'),
    sys: path.join(root, 'sys'),
    etc: path.join(root, 'etc'),
    netnsDir: path.join(root, 'run-netns'),
    env: {},
  };
  const gnu = path.join(root, 'basics-gnu');
  const bb = path.join(root, 'basics-busybox');
  for (const dir of [host.bin, host.data, host.proc, host.sys, host.etc, host.netnsDir, gnu]) await mkdir(dir, { recursive: true });
  for (const tool of options.tools ?? FAKE_TOOLS) {
    await writeFile(path.join(host.bin, tool), FAKE_TOOL);
    await chmod(path.join(host.bin, tool), 0o755);
  }
  for (const tool of BASIC_TOOLS) {
    const real = findExecutable(tool, { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' });
    if (real) await symlink(real, path.join(gnu, tool));
  }
  const busybox = findExecutable('busybox', process.env);
  if (busybox) {
    await mkdir(bb);
    // A host with busybox applets only, without GNU timeout (so the sh collector uses its watchdog)
    // and without base64 (so it uses its awk encoder).
    for (const tool of BASIC_TOOLS) {
      if (tool !== 'timeout' && tool !== 'base64') await symlink(busybox, path.join(bb, tool));
    }
    host.busyboxPath = `${host.bin}:${bb}`;
  }
  await mkdir(path.join(host.proc, 'self', 'ns'), { recursive: true });
  await symlink(`net:[${HOST_NETNS_INODE}]`, path.join(host.proc, 'self', 'ns', 'net'));
  await mkdir(path.join(host.proc, 'net'), { recursive: true });
  host.env = { PATH: `${host.bin}:${gnu}`, FAKE_DATA: host.data, LC_ALL: 'C' };
  return host;
}

export async function removeFakeHost(host: FakeHost): Promise<void> {
  await rm(host.root, { recursive: true, force: true });
}

/** The fake answer of `<tool> <args>` (in namespace `ns` when given). */
export async function fake(
  host: FakeHost,
  command: string,
  answer: { out?: string | Buffer; err?: string | Buffer; rc?: number; sh?: string },
  ns?: string,
): Promise<void> {
  const dir = ns ? path.join(host.data, ns) : host.data;
  await mkdir(dir, { recursive: true });
  const base = path.join(dir, command);
  if (answer.out !== undefined) await writeFile(`${base}.out`, answer.out);
  if (answer.err !== undefined) await writeFile(`${base}.err`, answer.err);
  if (answer.rc !== undefined) await writeFile(`${base}.rc`, String(answer.rc));
  if (answer.sh !== undefined) await writeFile(`${base}.sh`, answer.sh);
}

export async function removeTool(host: FakeHost, tool: string): Promise<void> {
  await rm(path.join(host.bin, tool), { force: true });
}

export interface ProcEntry {
  pid: number;
  netnsInode: number;
  comm: string;
}

export async function addProcesses(host: FakeHost, entries: ProcEntry[]): Promise<void> {
  for (const e of entries) {
    const dir = path.join(host.proc, String(e.pid));
    await mkdir(path.join(dir, 'ns'), { recursive: true });
    await symlink(`net:[${e.netnsInode}]`, path.join(dir, 'ns', 'net'));
    await writeFile(path.join(dir, 'comm'), `${e.comm}\n`);
  }
}

/** A named namespace mount point; returns its inode. */
export async function addNamedNamespace(host: FakeHost, name: string): Promise<number> {
  const file = path.join(host.netnsDir, name);
  await writeFile(file, '');
  return (await stat(file)).ino;
}

export type CollectorKind = 'node' | 'dash' | 'busybox';

export interface RunOutcome {
  snapshot: Snapshot;
  /** The file the collector wrote, loaded back through loadInput. */
  file: string;
  stderr: string;
}

export interface CollectArgs {
  netns?: string[];
  timeoutSeconds?: number;
  maxOutputBytes?: number;
}

/** Run one collector against the fake host; the snapshot goes through a file and loadInput. */
export async function runCollector(kind: CollectorKind, host: FakeHost, args: CollectArgs = {}): Promise<RunOutcome> {
  const file = snapshotFile(host, kind);
  let stderr = '';
  if (kind === 'node') {
    await saveSnapshot(await collectSnapshot(nodeOptions(host, args)), file);
  } else {
    const result = await runShCollector(kind, host, args, file);
    stderr = result.stderr;
    if (result.code !== 0) throw new Error(`${kind} collector exited ${String(result.code)}: ${stderr}`);
  }
  return { snapshot: (await loadInput(file)).snapshot, file, stderr };
}

export function snapshotFile(host: FakeHost, kind: CollectorKind): string {
  return path.join(host.root, `snapshot-${kind}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
}

export function nodeOptions(host: FakeHost, args: CollectArgs = {}): CollectOptions {
  return {
    env: host.env,
    procRoot: host.proc,
    sysRoot: host.sys,
    fileRoot: host.root,
    netnsRunDir: host.netnsDir,
    ...(args.netns ? { netns: args.netns } : {}),
    ...(args.timeoutSeconds ? { timeoutMs: args.timeoutSeconds * 1000 } : {}),
    ...(args.maxOutputBytes ? { maxOutputBytes: args.maxOutputBytes } : {}),
  };
}

/** The sh collector under dash or busybox sh, writing to `file`; its exit code and stderr. */
export async function runShCollector(
  kind: Exclude<CollectorKind, 'node'>,
  host: FakeHost,
  args: CollectArgs,
  file: string,
): Promise<{ code: number | null; stderr: string }> {
  const script = path.join(host.root, 'collect.sh');
  if (!existsSync(script)) await writeFile(script, collectorScript());
  const shell = kind === 'dash' ? ['dash', '-u'] : ['busybox', 'sh', '-u'];
  const argv = [
    script, '-o', file,
    ...(args.timeoutSeconds ? ['--timeout', String(args.timeoutSeconds)] : []),
    ...(args.maxOutputBytes ? ['--max-bytes', String(args.maxOutputBytes)] : []),
    ...(args.netns ? ['--netns', ...args.netns] : []),
  ];
  if (kind === 'busybox' && !host.busyboxPath) throw new Error('busybox is not installed');
  const env = {
    ...host.env,
    ...(kind === 'busybox' ? { PATH: host.busyboxPath } : {}),
    NETAUDIT_PROC_ROOT: host.proc,
    NETAUDIT_SYS_ROOT: host.sys,
    NETAUDIT_ROOT: host.root,
    NETAUDIT_NETNS_DIR: host.netnsDir,
    TMPDIR: host.root,
  };
  const shellPath = findExecutable(shell[0]!, process.env);
  if (!shellPath) throw new Error(`${shell[0]!} is not installed`);
  const result = await runProcess([shellPath, ...shell.slice(1), ...argv], env, 120_000);
  return { code: result.code, stderr: result.stderr };
}

export function runProcess(argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function stdoutBytes(source: Source | undefined): Buffer {
  if (!source) throw new Error('source missing');
  return Buffer.from(source.stdout, source.stdoutEncoding === 'base64' ? 'base64' : 'utf8');
}

export function stderrBytes(source: Source | undefined): Buffer {
  if (!source) throw new Error('source missing');
  return Buffer.from(source.stderr, source.stderrEncoding === 'base64' ? 'base64' : 'utf8');
}

/** A source without what differs between runs (duration). */
export function comparable(source: Source | undefined): Omit<Source, 'durationMs' | 'stdout' | 'stderr'> & { stdout: string; stderr: string } {
  if (!source) throw new Error('source missing');
  const { durationMs: _d, ...rest } = source;
  return { ...rest, stdout: stdoutBytes(source).toString('hex'), stderr: stderrBytes(source).toString('hex') };
}

/** True while the process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

export async function readPid(file: string): Promise<number> {
  return Number((await readFile(file, 'utf8')).trim());
}
