/**
 * A sosreport archive (.tar.xz, .tar.gz, .tar.bz2, or .tar) read into memory without extracting it: only
 * the entries netaudit reads are kept (wanted()), every other entry is skipped as it streams past. An entry
 * whose path would land outside the archive (absolute, or `..` past its top) is refused, as is an archive
 * that expands past the size limit or ends early.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError } from '../../errors.js';
import { formatBytes, readHead, systemMessage } from '../read-bytes.js';
import { type Compression, compressionOf, decompressedChunks } from './decompress.js';
import { wanted } from './layout.js';
import { MemoryTree, type TreeEntry } from './memory-tree.js';

/** The compression of a sosreport archive, from its first bytes; undefined for anything else. */
export async function archiveCompression(file: string): Promise<Compression | undefined> {
  let head: Buffer;
  try {
    head = await readHead(file, 512);
  } catch (err) {
    throw new InputError(`cannot read: ${systemMessage(err)}`, { file });
  }
  const compression = compressionOf(head);
  if (compression !== 'gzip') return compression;
  // gzip is also a compressed snapshot (.json.gz): a tar inside says ustar at offset 257.
  return (await gzipHoldsTar(file)) ? 'gzip' : undefined;
}

async function gzipHoldsTar(file: string): Promise<boolean> {
  const { createGunzip } = await import('node:zlib');
  const { createReadStream } = await import('node:fs');
  const gunzip = createReadStream(file, { end: 64 * 1024 }).pipe(createGunzip());
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of gunzip) {
      chunks.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      if (total >= 512) break;
    }
  } catch {
    // a cut prefix or corrupt data: decided on what came out
  } finally {
    gunzip.destroy();
  }
  return compressionOf(Buffer.concat(chunks)) === 'none';
}

/** The entry path inside the archive, normalised; an error for a path that leaves it. */
function entryPath(name: string, file: string): string {
  const parts: string[] = [];
  if (name.startsWith('/')) throw new InputError(`tar entry "${name}" has an absolute path (path traversal): refused`, { file });
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new InputError(`tar entry "${name}" leads outside the archive with .. (path traversal): refused`, { file });
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join('/');
}

export async function openArchiveTree(file: string, compression: Compression, maxBytes: number): Promise<MemoryTree> {
  const tar = await import('tar-stream');
  const extract = tar.extract();
  const entries = new Map<string, TreeEntry>();
  const done = pipeline(Readable.from(decompressedChunks(file, compression, maxBytes)), extract).then(
    () => undefined,
    (err: unknown) => err,
  );
  let kept = 0;
  try {
    for await (const entry of extract) {
      const header = entry.header;
      const name = entryPath(header.name, file);
      if (header.type === 'symlink' || header.type === 'link') {
        const target = header.linkname ?? '';
        entries.set(name, header.type === 'symlink' ? { kind: 'symlink', target } : { kind: 'hardlink', target: entryPath(target, file) });
        entry.resume();
      } else if (header.type === 'directory') {
        entries.set(name, { kind: 'directory' });
        entry.resume();
      } else if ((header.type === 'file' || header.type === 'contiguous-file') && (wanted(withoutTop(name)) || wanted(name))) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) {
          kept += (chunk as Buffer).length;
          if (kept > maxBytes) throw new InputError(`the files netaudit reads from the archive come to more than ${formatBytes(maxBytes)}, the size limit`, { file });
          chunks.push(chunk as Buffer);
        }
        entries.set(name, { kind: 'file', data: Buffer.concat(chunks) });
      } else {
        entries.set(name, { kind: 'skipped' });
        entry.resume();
      }
    }
  } catch (err) {
    extract.destroy();
    await done;
    if (err instanceof InputError) throw err;
    const cause = await done;
    throw cause instanceof InputError ? cause : tarError(file, err);
  }
  const err = await done;
  if (err) throw err instanceof InputError ? err : tarError(file, err);
  return new MemoryTree(file, underTop(entries));
}

function tarError(file: string, err: unknown): InputError {
  const message = systemMessage(err);
  if (/unexpected end/i.test(message)) return new InputError('the tar archive is truncated (it ends inside an entry)', { file });
  return new InputError(`not a readable tar archive: ${message}`, { file });
}

/** sos archives hold one top directory (sosreport-HOST-DATE-ID/); paths inside the report are below it. */
function withoutTop(name: string): string {
  const slash = name.indexOf('/');
  return slash === -1 ? '' : name.slice(slash + 1);
}

function underTop(entries: Map<string, TreeEntry>): Map<string, TreeEntry> {
  const tops = new Set([...entries.keys()].map((p) => p.split('/')[0]));
  if (tops.size !== 1) return entries;
  const top = [...tops][0] as string;
  const inside = new Map<string, TreeEntry>();
  for (const [p, entry] of entries) {
    if (p === top) continue;
    inside.set(p.slice(top.length + 1), entry.kind === 'hardlink' ? { kind: 'hardlink', target: entry.target.startsWith(`${top}/`) ? entry.target.slice(top.length + 1) : entry.target } : entry);
  }
  return inside;
}
