/**
 * File sources in a raw-output directory: `files/` mirrors the real paths (`files/etc/resolv.conf`,
 * `files/run/systemd/resolve/resolv.conf`, `files/etc/docker/daemon.json`, `files/proc/<pid>/cmdline`),
 * and `netns/<name>/files/` holds a namespace's view of the namespace-scoped ones. A pasted folder does not
 * prove a file absent: a source none of whose files is there is `not-collected`. Files under `files/` that
 * no file source reads are noted, never silently ignored.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { expandPattern } from './file-glob.js';
import { FILE_SOURCES, fileSourceStatus, type FileSourceSpec, RAW_FILES_DIR, tooLargeReason } from './host-files.js';
import { systemMessage } from './read-bytes.js';
import type { CollectedFile, FileSource } from './schema.js';
import { storeBytes } from './utf8.js';

export async function importFileSources(filesDir: string, where: { host: boolean }, notes: string[]): Promise<Record<string, FileSource>> {
  const out: Record<string, FileSource> = {};
  const used = new Set<string>();
  for (const spec of FILE_SOURCES as readonly FileSourceSpec[]) {
    if (!where.host && spec.scope !== 'namespace') continue;
    const files: CollectedFile[] = [];
    for (const pattern of spec.paths) {
      for (const match of await expandPattern(filesDir, pattern)) {
        const full = path.join(filesDir, match);
        used.add(match);
        files.push(await importOne(full, match, spec.maxBytes));
      }
    }
    out[spec.id] =
      files.length === 0
        ? { status: 'not-collected', reason: `no ${spec.paths.map((p) => `${RAW_FILES_DIR}${p}`).join(' or ')} in ${path.dirname(filesDir)}`, files: [] }
        : { ...fileSourceStatus(files), files };
  }
  for (const file of await listFiles(filesDir, '')) {
    if (used.has(file)) continue;
    const scoped = !where.host && FILE_SOURCES.some((s) => s.scope === 'host' && s.paths.some((p) => p === file));
    notes.push(
      scoped
        ? `${path.join(filesDir, file)}: read for the host only, ignored`
        : `${path.join(filesDir, file)}: not a file any file source reads, ignored (see the README's raw-directory table)`,
    );
  }
  return out;
}

async function importOne(full: string, recordedAs: string, maxBytes: number): Promise<CollectedFile> {
  try {
    const info = await stat(full);
    if (!info.isFile()) return { path: recordedAs, status: 'unreadable', reason: 'not a regular file' };
    if (info.size > maxBytes) return { path: recordedAs, status: 'too-large', reason: tooLargeReason(maxBytes) };
    const stored = storeBytes(await readFile(full));
    return { path: recordedAs, status: 'ok', content: stored.text, encoding: stored.encoding };
  } catch (err) {
    return { path: recordedAs, status: 'unreadable', reason: systemMessage(err) };
  }
}

/** Every file under dir (paths starting with /), a few levels deep. */
async function listFiles(dir: string, prefix: string, depth = 0): Promise<string[]> {
  if (depth > 8) return [];
  let entries;
  try {
    entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const rel = `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel, depth + 1)));
    else out.push(rel);
  }
  return out.sort();
}
