/**
 * Building sosreport archives for tests: a tar (tar-stream) of a fixture directory or of hand-made entries,
 * compressed with gzip (zlib), xz or bzip2 (the xz and bzip2 programs CI installs).
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

export interface TarEntry {
  name: string;
  data?: Buffer | string;
  symlink?: string;
  hardlink?: string;
}

export async function tarOf(entries: readonly TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of entries) {
    if (e.symlink !== undefined) p.entry({ name: e.name, type: 'symlink', linkname: e.symlink });
    else if (e.hardlink !== undefined) p.entry({ name: e.name, type: 'link', linkname: e.hardlink });
    else p.entry({ name: e.name }, e.data ?? '');
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** Every file and symlink of a directory, under `top/` (as sos archives hold them). */
export function entriesOf(dir: string, top: string): TarEntry[] {
  const out: TarEntry[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const info = lstatSync(path.join(dir, r));
      if (info.isSymbolicLink()) out.push({ name: `${top}/${r}`, symlink: readlinkSync(path.join(dir, r)) });
      else if (info.isDirectory()) walk(r);
      else out.push({ name: `${top}/${r}`, data: readFileSync(path.join(dir, r)) });
    }
  };
  walk('');
  return out;
}

export type Format = 'xz' | 'gzip' | 'bzip2';

export function compress(tar: Buffer, format: Format): Buffer {
  if (format === 'gzip') return gzipSync(tar);
  const r = spawnSync(format, ['-c'], { input: tar, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${format} failed: ${r.stderr}`);
  return r.stdout;
}

export const EXTENSION: Record<Format, string> = { xz: '.tar.xz', gzip: '.tar.gz', bzip2: '.tar.bz2' };
