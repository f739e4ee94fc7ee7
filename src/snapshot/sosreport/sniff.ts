/**
 * A cheap look at a file's first bytes: could it be a sosreport archive (xz, bzip2, gzip, or a tar)?
 * The loader asks this before it reads a snapshot, and loads the sosreport reader only when it could.
 */
import { open } from 'node:fs/promises';

export async function mayBeArchive(file: string): Promise<boolean> {
  let head: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(262), 0, 262, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
  const starts = (...bytes: number[]): boolean => bytes.every((b, i) => head[i] === b);
  return starts(0xfd, 0x37, 0x7a, 0x58, 0x5a) || starts(0x42, 0x5a, 0x68) || starts(0x1f, 0x8b) || (head.length === 262 && head.subarray(257).toString('latin1') === 'ustar');
}
