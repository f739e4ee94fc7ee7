/**
 * A cheap look at a file's first bytes: could it be a sosreport archive (xz, bzip2, gzip, or a tar)?
 * The loader asks this before it reads a snapshot, and loads the sosreport reader only when it could.
 */
import { readHead } from '../read-bytes.js';

export type Compression = 'xz' | 'gzip' | 'bzip2' | 'none';

/** The compression of an archive by its magic bytes ('none': a plain tar); undefined for anything else. */
export function compressionOf(head: Uint8Array): Compression | undefined {
  const starts = (...bytes: number[]): boolean => bytes.every((b, i) => head[i] === b);
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x1f, 0x8b)) return 'gzip';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2';
  // A tar's header block says "ustar" at offset 257.
  if (head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar') return 'none';
  return undefined;
}

/** Could the file be a sosreport archive (xz, bzip2, gzip, or a tar)? Unreadable: no, the loader then says why. */
export async function mayBeArchive(file: string): Promise<boolean> {
  try {
    return compressionOf(await readHead(file, 262)) !== undefined;
  } catch {
    return false;
  }
}
