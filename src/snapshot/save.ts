/**
 * Writing a snapshot: pretty JSON, gzip when the name ends in .gz, "-" for stdout.
 * Files are written beside their final name and renamed, so a reader never sees half a snapshot.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { InputError } from '../errors.js';
import { systemMessage } from './read-bytes.js';
import { Snapshot } from './schema.js';

const gzipAsync = promisify(gzip);

/** The file's bytes. Throws (a netaudit bug, not bad input) when the snapshot breaks the schema. */
export async function serializeSnapshot(snapshot: Snapshot, options: { gzip: boolean }): Promise<Buffer> {
  const checked = Snapshot.safeParse(snapshot);
  if (!checked.success) {
    throw new Error(`internal: refusing to write an invalid snapshot: ${checked.error.issues[0]?.message ?? ''}`);
  }
  const json = Buffer.from(`${JSON.stringify(checked.data, null, 2)}\n`, 'utf8');
  return options.gzip ? gzipAsync(json) : json;
}

export async function saveSnapshot(snapshot: Snapshot, path: string): Promise<void> {
  const bytes = await serializeSnapshot(snapshot, { gzip: path.endsWith('.gz') });
  if (path === '-') {
    await writeStdout(bytes);
    return;
  }
  const temp = `${path}.tmp-${process.pid}`;
  try {
    // Snapshots are private data (addresses, rules, process names): owner only, whatever the umask.
    await writeFile(temp, bytes, { mode: 0o600 });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw new InputError(`cannot write: ${systemMessage(err)}`, { file: path });
  }
}

function writeStdout(bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
}
