/**
 * `netaudit audit|show|import SOSREPORT`: an extracted sosreport directory, or the archive itself
 * (.tar.xz, .tar.gz, .tar.bz2, .tar), recognised by its layout and magic bytes rather than its name.
 */
import { InputError } from '../../errors.js';
import { MAX_SNAPSHOT_BYTES } from '../read-bytes.js';
import type { Snapshot } from '../schema.js';
import { archiveCompression, openArchiveTree } from './archive.js';
import { openDirectoryTree } from './directory-tree.js';
import { isSosreportTop } from './layout.js';
import { sosreportSnapshot } from './snapshot.js';

export { SOSREPORT_COLLECTOR_NAME } from './snapshot.js';

export interface SosreportOptions {
  /** Size limit: of the expanded archive, and of each file read (default: the snapshot limit, 256 MiB). */
  maxBytes?: number;
}

/** True for a directory laid out as a sosreport. */
export async function isSosreportDirectory(dir: string): Promise<boolean> {
  const tree = await openDirectoryTree(dir, MAX_SNAPSHOT_BYTES);
  return isSosreportTop((await tree.list('')) ?? []);
}

export async function readSosreportDirectory(dir: string, options: SosreportOptions = {}): Promise<Snapshot> {
  return sosreportSnapshot(await openDirectoryTree(dir, options.maxBytes ?? MAX_SNAPSHOT_BYTES));
}

/** The snapshot of a sosreport archive; undefined when the file is no tar archive (a snapshot, say). */
export async function readSosreportArchive(file: string, options: SosreportOptions = {}): Promise<Snapshot | undefined> {
  const compression = await archiveCompression(file);
  if (compression === undefined) return undefined;
  const tree = await openArchiveTree(file, compression, options.maxBytes ?? MAX_SNAPSHOT_BYTES);
  if (!isSosreportTop((await tree.list('')) ?? [])) {
    throw new InputError('a tar archive, but not a sosreport (no sos_commands/ beside sos_logs/ or sos_reports/ in its top directory)', { file });
  }
  return sosreportSnapshot(tree);
}

/** What `netaudit import` reads: a sosreport (directory or archive), else a raw-output directory. */
export async function snapshotToImport(input: string): Promise<{ snapshot: Snapshot; sosreport: boolean }> {
  const { stat } = await import('node:fs/promises');
  const { systemMessage } = await import('../read-bytes.js');
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(input)).isDirectory();
  } catch (err) {
    throw new InputError(`cannot read: ${systemMessage(err)}`, { file: input });
  }
  if (isDirectory) {
    if (await isSosreportDirectory(input)) return { snapshot: await readSosreportDirectory(input), sosreport: true };
    const { importRawDir } = await import('../import.js');
    return { snapshot: await importRawDir(input), sosreport: false };
  }
  const snapshot = await readSosreportArchive(input);
  if (!snapshot) throw new InputError('not a directory (expected a raw-output directory, a sosreport directory, or a sosreport .tar.xz/.tar.gz/.tar.bz2)', { file: input });
  return { snapshot, sosreport: true };
}
