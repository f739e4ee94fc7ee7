/**
 * The bytes of a sosreport archive as its tar stream: xz, gzip or bzip2 (by their magic bytes, whatever
 * the file is called), or a plain tar. Decompression stops as soon as more than the size limit came out,
 * so a small bomb costs at most the limit; a stream cut short is said to be truncated.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { InputError } from '../../errors.js';
import { formatBytes, systemMessage } from '../read-bytes.js';

import type { Compression } from './sniff.js';

export type { Compression } from './sniff.js';
export { compressionOf } from './sniff.js';

const NAMES: Record<Compression, string> = { xz: 'xz', gzip: 'gzip', bzip2: 'bzip2', none: 'tar' };

function bombError(file: string, compression: Compression, maxBytes: number): InputError {
  return new InputError(
    `the ${NAMES[compression]} archive expands to more than ${formatBytes(maxBytes)}, the size limit (a decompression bomb?); for a genuine sosreport that large, extract it and give netaudit the directory`,
    { file },
  );
}

function truncatedOrCorrupt(file: string, compression: Compression, err: unknown): InputError {
  const message = systemMessage(err);
  // xz-embedded's XZ_BUF_ERROR (8): the input ended before the stream did.
  const truncated = /unexpected end|truncated|end of (file|data|stream)|premature|error code 8\b/i.test(message) || (err as NodeJS.ErrnoException)?.code === 'Z_BUF_ERROR';
  return new InputError(truncated ? `the ${NAMES[compression]} data is truncated (it ends before the archive does)` : `the ${NAMES[compression]} data is corrupt: ${message}`, { file });
}

/** The decompressed stream, in chunks, never more than maxBytes in all. */
export async function* decompressedChunks(file: string, compression: Compression, maxBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  const counted = (chunk: Buffer): Buffer => {
    total += chunk.length;
    if (total > maxBytes) throw bombError(file, compression, maxBytes);
    return chunk;
  };
  try {
    if (compression === 'bzip2') {
      yield* bunzipChunks(file, maxBytes, counted);
      return;
    }
    const raw = createReadStream(file);
    let stream: AsyncIterable<Uint8Array | Buffer>;
    if (compression === 'gzip') {
      const { createGunzip } = await import('node:zlib');
      stream = raw.pipe(createGunzip()).on('error', () => undefined);
      raw.on('error', (err) => (stream as Readable).destroy(err));
    } else if (compression === 'xz') {
      // A CommonJS package: its exports are on the namespace or under default, depending on the loader.
      const xz = (await import('xz-decompress')) as typeof import('xz-decompress') & { default?: typeof import('xz-decompress') };
      const XzReadableStream = xz.XzReadableStream ?? xz.default!.XzReadableStream;
      stream = new XzReadableStream(Readable.toWeb(raw) as ReadableStream<Uint8Array>) as unknown as AsyncIterable<Uint8Array>;
    } else {
      stream = raw;
    }
    for await (const chunk of stream) yield counted(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw truncatedOrCorrupt(file, compression, err);
  }
}

/** bzip2 decodes synchronously, a byte at a time: collected in 64 KiB pieces, stopped at the limit. */
async function* bunzipChunks(file: string, maxBytes: number, counted: (chunk: Buffer) => Buffer): AsyncGenerator<Buffer> {
  const { readFile } = await import('node:fs/promises');
  const { default: Bunzip } = await import('seek-bzip');
  // A bzip2 stream never shrinks data by less than the limit allows: the compressed file is read whole.
  const input = await readFile(file);
  const pieces: Buffer[] = [];
  let piece = Buffer.allocUnsafe(64 * 1024);
  let used = 0;
  const sink = {
    writeByte(byte: number): void {
      piece[used++] = byte;
      if (used === piece.length) {
        pieces.push(counted(piece));
        piece = Buffer.allocUnsafe(64 * 1024);
        used = 0;
      }
    },
  };
  // The decoder's input, noting when it asked for bytes past the end: the stream was cut short.
  let pastEnd = false;
  const source = {
    pos: 0,
    readByte(): number {
      if (this.pos >= input.length) {
        pastEnd = true;
        return -1;
      }
      return input[this.pos++] as number;
    },
    read(buffer: Uint8Array, offset: number, length: number): number {
      let n = 0;
      while (n < length) {
        const b = this.readByte();
        if (b < 0) return n === 0 ? -1 : n;
        buffer[offset + n++] = b;
      }
      return n;
    },
    seek(pos: number): void {
      this.pos = pos;
    },
    eof(): boolean {
      return this.pos >= input.length;
    },
  };
  // seek-bzip makes its tables with the deprecated `new Buffer(n)`: no warning on the user's terminal for that.
  const warned = process.noDeprecation;
  process.noDeprecation = true;
  try {
    Bunzip.decode(source as unknown as Buffer, sink, true);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw truncatedOrCorrupt(file, 'bzip2', pastEnd ? new Error('unexpected end of data') : err);
  } finally {
    process.noDeprecation = warned;
  }
  if (used > 0) pieces.push(counted(piece.subarray(0, used)));
  yield* pieces;
}
