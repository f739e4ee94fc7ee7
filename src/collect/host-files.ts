/**
 * The node collector's side of the file sources (src/snapshot/host-files.ts): each namespace's view of the
 * catalogued paths, read without running anything. Symbolic links are followed inside the view's root (a
 * container's /proc/PID/root: an absolute link target there means the container's file, not the host's)
 * and the first link's target is recorded. The sh collector (sh-collector.ts, na_file_sources) does the
 * same, with the same statuses and reasons; test/collect/collectors.test.ts holds them to it.
 */
import { lstat, open, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CollectedFile, FileSource } from '../snapshot/schema.js';
import { expandPattern, pathExists } from '../snapshot/file-glob.js';
import { FILE_SOURCES, fileSourceStatus, type FileSourceSpec, hasWildcard, tooLargeReason } from '../snapshot/host-files.js';
import { systemMessage } from '../snapshot/read-bytes.js';
import { storeBytes } from '../snapshot/utf8.js';

/** Whose view of the files: the collector's own, a named namespace's (ip netns exec), a container's. */
export type FileView = { kind: 'host' } | { kind: 'named'; name: string } | { kind: 'container'; pid: number };

export interface FileRoots {
  /** The directory standing in for / (default /). */
  fileRoot: string;
  /** Stand-in for /proc (default /proc). */
  procRoot: string;
}

/** Symbolic links followed before giving up (the kernel's limit). */
const MAX_LINKS = 40;

export const REASON_NOT_REGULAR = 'not a regular file';
export const REASON_BROKEN_LINK = 'broken symbolic link';
export const REASON_LINK_LOOP = 'too many levels of symbolic links';
export const noProcessReason = (processes: readonly string[]): string => `no process named ${processes.join(', ')}`;

/** The file sources of one namespace view: every host-scoped one too for the host. */
export async function readFileSources(view: FileView, roots: FileRoots): Promise<Record<string, FileSource>> {
  const out: Record<string, FileSource> = {};
  for (const spec of FILE_SOURCES as readonly FileSourceSpec[]) {
    if (view.kind !== 'host' && spec.scope !== 'namespace') continue;
    out[spec.id] = await readFileSource(spec, view, roots);
  }
  return out;
}

async function readFileSource(spec: FileSourceSpec, view: FileView, roots: FileRoots): Promise<FileSource> {
  const files: CollectedFile[] = [];
  for (const pattern of spec.paths) {
    const wildcard = hasWildcard(pattern);
    const place = placeOf(pattern, view, roots);
    let matches = wildcard ? (await expandPattern(place.dir, pattern.slice(place.strip.length))).map((m) => place.strip + m) : [pattern];
    if (spec.processes) matches = await ofProcesses(matches, spec.processes, roots);
    const before = files.length;
    for (const match of matches) {
      const file = await readOne(match, view, roots, spec.maxBytes);
      // A file a wildcard matched that went away (a process that exited) is not recorded.
      if (!(wildcard && file.status === 'absent')) files.push(file);
    }
    // Nothing matched: the pattern itself is recorded as absent.
    if (files.length === before) files.push({ path: pattern, status: 'absent', ...(spec.processes ? { reason: noProcessReason(spec.processes) } : {}) });
  }
  return { ...fileSourceStatus(files), files };
}

/** Where a path is read from: the directory standing for its root, and the prefix that root replaces. */
interface Place {
  dir: string;
  /** '' for /, '/proc' for /proc paths (read under procRoot). */
  strip: string;
  /** The path a reader is told it was read from (with /proc/PID/root), '' for the view's own. */
  shown: string;
}

function placeOf(filePath: string, view: FileView, roots: FileRoots): Place {
  if (filePath === '/proc' || filePath.startsWith('/proc/')) return { dir: roots.procRoot, strip: '/proc', shown: '' };
  if (view.kind === 'container') return { dir: path.join(roots.procRoot, String(view.pid), 'root'), strip: '', shown: `/proc/${view.pid}/root` };
  return { dir: roots.fileRoot, strip: '', shown: '' };
}

/** /proc/<pid>/... paths of the processes whose comm is listed. */
async function ofProcesses(paths: string[], processes: readonly string[], roots: FileRoots): Promise<string[]> {
  const kept: string[] = [];
  for (const p of paths) {
    const pid = /^\/proc\/(\d+)\//.exec(p)?.[1];
    if (pid === undefined) continue;
    let comm: string;
    try {
      comm = (await readFile(path.join(roots.procRoot, pid, 'comm'), 'utf8')).replace(/\n$/, '');
    } catch {
      continue;
    }
    if (processes.includes(comm)) kept.push(p);
  }
  return kept;
}

async function readOne(filePath: string, view: FileView, roots: FileRoots, maxBytes: number): Promise<CollectedFile> {
  const place = placeOf(filePath, view, roots);
  let inRoot = filePath.slice(place.strip.length);
  let shown = place.shown ? place.shown + filePath : undefined;
  // `ip netns exec NAME` mounts each file of /etc/netns/NAME over the one of the same name in /etc.
  if (view.kind === 'named' && filePath.startsWith('/etc/')) {
    const overlay = `/etc/netns/${view.name}/${filePath.slice('/etc/'.length)}`;
    if (await pathExists(path.join(place.dir, overlay))) {
      inRoot = overlay;
      shown = overlay;
    }
  }
  const base: CollectedFile = { path: filePath, ...(shown === undefined ? {} : { readFrom: shown }), status: 'ok' };

  let current = inRoot;
  for (let hops = 0; ; hops++) {
    let info;
    try {
      info = await lstat(path.join(place.dir, current));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return hops === 0 ? { ...base, status: 'absent' } : { ...base, status: 'absent', reason: REASON_BROKEN_LINK };
      return { ...base, status: 'unreadable', reason: systemMessage(err) };
    }
    if (!info.isSymbolicLink()) break;
    if (hops >= MAX_LINKS) return { ...base, status: 'unreadable', reason: REASON_LINK_LOOP };
    const target = await readlink(path.join(place.dir, current));
    if (hops === 0) base.linkTarget = target;
    // Resolved inside the view's root: "/" of a link in a container is the container's.
    current = path.posix.resolve(path.posix.dirname(current), target);
  }

  const full = path.join(place.dir, current);
  try {
    const info = await stat(full);
    if (!info.isFile()) return { ...base, status: 'unreadable', reason: REASON_NOT_REGULAR };
    // /proc files say size 0: read up to one byte past the limit instead of trusting stat.
    const bytes = await readCapped(full, maxBytes + 1);
    if (bytes.length > maxBytes) return { ...base, status: 'too-large', reason: tooLargeReason(maxBytes) };
    const stored = storeBytes(bytes);
    return { ...base, content: stored.text, encoding: stored.encoding };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...base, status: 'absent' };
    return { ...base, status: 'unreadable', reason: systemMessage(err) };
  }
}

async function readCapped(file: string, cap: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < cap) {
      const buffer = Buffer.alloc(Math.min(64 * 1024, cap - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    return Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
}
