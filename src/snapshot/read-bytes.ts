/**
 * Reading a snapshot's bytes with a hard size cap: plain files, stdin, and gzip (detected by its magic
 * bytes, whatever the file is called). Inflation stops as soon as the cap is passed, so a small
 * gzip bomb costs at most the cap in memory.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InputError } from '../errors.js';

/** Largest snapshot accepted, after decompression. */
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Read a stream into one buffer, failing once more than maxBytes arrive. */
export async function readStreamBounded(stream: Readable, maxBytes: number, label: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      total += buf.length;
      if (total > maxBytes) {
        stream.destroy();
        throw new InputError(`larger than ${formatBytes(maxBytes)}, the size limit`, { file: label });
      }
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read: ${systemMessage(err)}`, { file: label });
  }
  return Buffer.concat(chunks, total);
}

/** The bytes of a file ("-" is stdin), inflated when gzip, never more than maxBytes. */
export async function readInputBytes(file: string, maxBytes: number, stdin: Readable = process.stdin): Promise<Buffer> {
  const label = file === '-' ? 'stdin' : file;
  // The compressed form of an acceptable snapshot is never larger than the snapshot itself.
  const raw = file === '-' ? await readStreamBounded(stdin, maxBytes, label) : await readFileBounded(file, maxBytes);
  if (!isGzip(raw)) return raw;
  return inflateBounded(raw, maxBytes, label);
}

/** A regular file in one read (much faster than a stream); pipes and devices as a stream. */
async function readFileBounded(file: string, maxBytes: number): Promise<Buffer> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return await readStreamBounded(createReadStream(file), maxBytes, file);
    if (info.size > maxBytes) throw new InputError(`larger than ${formatBytes(maxBytes)}, the size limit`, { file });
    return await readFile(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read: ${systemMessage(err)}`, { file });
  }
}

export async function inflateBounded(compressed: Buffer, maxBytes: number, label: string): Promise<Buffer> {
  // Loaded here, not at start-up: most snapshots are plain JSON.
  const { gunzip } = await import('node:zlib');
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      gunzip(compressed, { maxOutputLength: maxBytes }, (err, inflated) => (err ? reject(err) : resolve(inflated)));
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new InputError(`inflates to more than ${formatBytes(maxBytes)}, the size limit (gzip bomb?)`, { file: label });
    }
    if (code === 'Z_BUF_ERROR') {
      throw new InputError('gzip data is truncated (unexpected end of file)', { file: label });
    }
    throw new InputError(`gzip data is corrupt: ${systemMessage(err)}`, { file: label });
  }
}

export function systemMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return e instanceof Error ? e.message : String(err);
  }
}

/** The first `count` bytes of a file (fewer when it is shorter): enough to tell its format by its magic bytes. */
export async function readHead(file: string, count: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(count), 0, count, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
