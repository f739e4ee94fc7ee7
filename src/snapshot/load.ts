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
import { decodeSnapshotBytes, parseSnapshotText } from './validate.js';

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
  if (path === '-') return loadBytes(await readInputBytes('-', maxBytes, options.stdin), 'stdin');
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (err) {
    throw new InputError(`cannot read: ${systemMessage(err)}`, { file: path });
  }
  if (isDirectory) return { snapshot: await importRawDir(path), label: path, notes: [] };
  return loadBytes(await readInputBytes(path, maxBytes), path);
}

/** Parse and validate snapshot bytes (plain JSON, already inflated). */
export function loadBytes(bytes: Buffer, label: string): LoadedInput {
  const decoded = decodeSnapshotBytes(bytes, label);
  const { snapshot, notes } = parseSnapshotText(decoded.text, label);
  return { snapshot, label, notes: [...decoded.notes, ...notes] };
}
