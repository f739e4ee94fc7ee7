/**
 * The one way into the pipeline: a snapshot file (.json, .json.gz; "-" is stdin) or a raw-output
 * directory. Every problem with the input is an InputError naming the file and, where it can,
 * the line or JSON path.
 */
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InputError } from '../errors.js';
import { importRawDir } from './import.js';
import { MAX_SNAPSHOT_BYTES, readInputBytes, systemMessage } from './read-bytes.js';
import type { Snapshot } from './schema.js';
import { mayBeArchive } from './sosreport/sniff.js';
import { decodeSnapshotBytes, parseSnapshotText, parseSnapshotTextSync } from './validate.js';

export interface LoadedInput {
  snapshot: Snapshot;
  /** How reports name the input: the path as given, or "stdin". */
  label: string;
  /** What the loader tolerated (the snapshot's own meta.notes stay in the snapshot). */
  notes: string[];
}

export interface LoadOptions {
  /** Size limit after decompression (default 256 MiB). */
  maxBytes?: number;
  /** Where "-" reads from (default process.stdin). */
  stdin?: Readable;
}

export async function loadInput(path: string, options: LoadOptions = {}): Promise<LoadedInput> {
  const maxBytes = options.maxBytes ?? MAX_SNAPSHOT_BYTES;
  if (path === '-') return loadSnapshotBytes(await readInputBytes('-', maxBytes, options.stdin), 'stdin');
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (err) {
    throw new InputError(`cannot read: ${systemMessage(err)}`, { file: path });
  }
  if (isDirectory) {
    // An extracted sosreport, by its layout; any other folder is a raw-output directory.
    const { isSosreportDirectory, readSosreportDirectory } = await import('./sosreport/index.js');
    if (await isSosreportDirectory(path)) return { snapshot: await readSosreportDirectory(path, { maxBytes }), label: path, notes: [] };
    return { snapshot: await importRawDir(path), label: path, notes: [] };
  }
  const sosreport = (await mayBeArchive(path)) ? await (await import('./sosreport/index.js')).readSosreportArchive(path, { maxBytes }) : undefined;
  if (sosreport) return { snapshot: sosreport, label: path, notes: [] };
  return loadSnapshotBytes(await readInputBytes(path, maxBytes), path);
}

/** Parse and validate snapshot bytes (plain JSON, already inflated). */
async function loadSnapshotBytes(bytes: Buffer, label: string): Promise<LoadedInput> {
  const decoded = decodeSnapshotBytes(bytes, label);
  const { snapshot, notes } = await parseSnapshotText(decoded.text, label);
  return { snapshot, label, notes: [...decoded.notes, ...notes] };
}

/**
 * The same, synchronously: it accepts the same snapshots, but a schema violation is worded as ajv words
 * it, not as zod does (loadInput, which the CLI uses, keeps zod's words).
 */
export function loadBytes(bytes: Buffer, label: string): LoadedInput {
  const decoded = decodeSnapshotBytes(bytes, label);
  const { snapshot, notes } = parseSnapshotTextSync(decoded.text, label);
  return { snapshot, label, notes: [...decoded.notes, ...notes] };
}
