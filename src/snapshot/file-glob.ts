/**
 * Path patterns of the file sources (host-files.ts) expanded against a directory standing for /: the
 * matches in byte order, as the sh collector's globs give them under LC_ALL=C.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { byteOrder, hasWildcard, segmentMatches } from './host-files.js';

/** The matches of `pattern` (absolute, relative to `dir`) that exist, symbolic links included. */
export async function expandPattern(dir: string, pattern: string): Promise<string[]> {
  let found = [''];
  const segments = pattern.split('/').filter(Boolean);
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const prefix of found) {
      if (!hasWildcard(segment)) {
        next.push(`${prefix}/${segment}`);
        continue;
      }
      let names: string[] = [];
      try {
        names = await readdir(path.join(dir, prefix || '/'));
      } catch {
        continue;
      }
      for (const name of names) {
        if (!segmentMatches(segment, name)) continue;
        if (!last && !(await isDirectory(path.join(dir, prefix, name)))) continue;
        next.push(`${prefix}/${name}`);
      }
    }
    found = next;
  }
  const existing: string[] = [];
  for (const p of found) if (await pathExists(path.join(dir, p))) existing.push(p);
  return existing.sort(byteOrder);
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** lstat: a dangling symbolic link exists. */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}
