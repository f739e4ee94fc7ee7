/**
 * From text to a validated Snapshot: JSON syntax errors with line and column, a guard against
 * `__proto__` keys, schema violations reported as one message with a JSON path, and the checks the
 * schema cannot express (host first, unique namespace names, base64 that is base64).
 *
 * The schema is checked by the ajv validator precompiled from the zod schema (src/generated): importing
 * zod costs more than auditing a small snapshot. Only when that validator rejects a snapshot is zod, the
 * source of truth, loaded to decide and to word the problem; hence parseSnapshotText is async.
 */
import { isAscii } from 'node:buffer';
import { InputError } from '../errors.js';
import { validate } from '../generated/snapshot-validator.js';
import { escapePointer } from './json-pointer.js';
import type { Snapshot } from './schema.js';
import { SNAPSHOT_SCHEMA_ID } from './schema-id.js';
import { isSourceId } from './sources.js';

/** The generated validator: true for a snapshot, whose missing fields it has then set to their defaults. */
interface SchemaCheck {
  (data: unknown): boolean;
  errors?: readonly { instancePath: string; message?: string }[] | null;
}
const matchesSnapshotSchema = validate as SchemaCheck;

export interface ValidatedSnapshot {
  snapshot: Snapshot;
  notes: string[];
}

/** Decode bytes as UTF-8, tolerating (with a note) bytes that are not. */
export function decodeSnapshotBytes(bytes: Buffer, label: string): { text: string; notes: string[] } {
  const notes: string[] = [];
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  // Snapshots are nearly always plain ASCII: then a byte-for-byte copy is the exact text, without the
  // UTF-8 decoder's work (a few ms on 20 MB).
  if (isAscii(body)) return { text: body.toString('latin1'), notes };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), notes };
  } catch {
    notes.push(`${label}: the file is not valid UTF-8; invalid bytes were replaced by U+FFFD`);
    return { text: body.toString('utf8'), notes };
  }
}

export async function parseSnapshotText(text: string, label: string): Promise<ValidatedSnapshot> {
  const data = parseSnapshotJson(text, label);
  if (matchesSnapshotSchema(data)) return withChecks(data as Snapshot, label);
  const { parseWithZod } = await import('./zod-check.js');
  // A fresh parse: the validator may have filled in defaults before it found the problem.
  return withChecks(parseWithZod(JSON.parse(text), label), label);
}

/**
 * parseSnapshotText for a caller that cannot wait. It accepts the same snapshots, but words a schema
 * violation as ajv does rather than as zod does.
 */
export function parseSnapshotTextSync(text: string, label: string): ValidatedSnapshot {
  const data = parseSnapshotJson(text, label);
  if (matchesSnapshotSchema(data)) return withChecks(data as Snapshot, label);
  const first = matchesSnapshotSchema.errors?.[0];
  throw new InputError(`does not match the snapshot schema: ${first?.message ?? 'invalid'}`, { file: label, path: first?.instancePath || '/' });
}

/** JSON text to data that claims to be a snapshot of this format version. */
function parseSnapshotJson(text: string, label: string): unknown {
  if (text.trim() === '') {
    throw new InputError('empty file, not a netaudit snapshot', { file: label });
  }
  const data = parseJson(text, label);
  rejectProtoKeys(data, label);
  checkSchemaId(data, label);
  return data;
}

/** The checks the schema cannot express, and notes on sources this version does not read. */
function withChecks(snapshot: Snapshot, label: string): ValidatedSnapshot {
  checkNamespaces(snapshot, label);
  checkBase64(snapshot, label);
  return { snapshot, notes: unknownSourceNotes(snapshot, label) };
}

function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    const firstChar = text.length - text.trimStart().length;
    const startsLikeJson = '{["tfn-0123456789'.includes(text.charAt(firstChar));
    // V8 gives no position for "Unexpected token 'x', "…" is not valid JSON"; when the very first
    // character is the culprit, say so.
    const offset = at ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : startsLikeJson ? undefined : firstChar;
    const hint = text.charAt(firstChar) === '{' ? undefined : 'expected a netaudit snapshot (.json or .json.gz) or a raw-output directory';
    const reason = message.replace(/\s*in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/s, '');
    if (offset === undefined) throw new InputError(`not valid JSON: ${reason}`, { file: label }, hint);
    const { line, column } = lineColumn(text, offset);
    throw new InputError(`not valid JSON: ${reason} (column ${column})`, { file: label, line }, hint);
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * JSON.parse keeps "__proto__" as an own key, but anything that later copies the object by assignment
 * (zod included, which silently drops it) would set a prototype instead. No snapshot needs the key.
 */
function rejectProtoKeys(root: unknown, label: string): void {
  const stack: { value: object; path: string }[] = [];
  if (root !== null && typeof root === 'object') stack.push({ value: root, path: '' });
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    for (const key of Object.keys(value)) {
      const childPath = `${path}/${escapePointer(key)}`;
      if (key === '__proto__') {
        throw new InputError('the key "__proto__" is not allowed', { file: label, path: childPath });
      }
      const child = (value as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') stack.push({ value: child, path: childPath });
    }
  }
}

function checkSchemaId(data: unknown, label: string): void {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError('not a netaudit snapshot: expected a JSON object', { file: label });
  }
  const id = (data as Record<string, unknown>).schema;
  if (id === SNAPSHOT_SCHEMA_ID) return;
  if (typeof id === 'string' && id.startsWith('netaudit/snapshot@')) {
    throw new InputError(`snapshot format "${id}" is not supported (this netaudit reads "${SNAPSHOT_SCHEMA_ID}")`, {
      file: label,
      path: '/schema',
    });
  }
  throw new InputError(`not a netaudit snapshot: expected "schema": "${SNAPSHOT_SCHEMA_ID}"`, { file: label, path: '/schema' });
}

function checkNamespaces(snapshot: Snapshot, label: string): void {
  const first = snapshot.namespaces[0]!;
  if (first.kind !== 'host' || first.name !== 'host') {
    throw new InputError('the first namespace must be the host (name "host", kind "host")', {
      file: label,
      path: '/namespaces/0',
    });
  }
  const seen = new Set<string>();
  snapshot.namespaces.forEach((ns, i) => {
    if (seen.has(ns.name)) {
      throw new InputError(`duplicate namespace name "${ns.name}"`, { file: label, path: `/namespaces/${i}/name` });
    }
    if (i > 0 && (ns.kind === 'host' || ns.name === 'host')) {
      throw new InputError('only the first namespace may be the host', { file: label, path: `/namespaces/${i}` });
    }
    seen.add(ns.name);
  });
}

/** Strict base64 (no line breaks): a linear, anchored regex with no nested quantifiers. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64.test(text);
}

function checkBase64(snapshot: Snapshot, label: string): void {
  const bad = (path: string): never => {
    throw new InputError('declared base64 but is not valid base64', { file: label, path });
  };
  snapshot.namespaces.forEach((ns, i) => {
    for (const [id, source] of Object.entries(ns.sources)) {
      const base = `/namespaces/${i}/sources/${escapePointer(id)}`;
      if (source.stdoutEncoding === 'base64' && !isBase64(source.stdout)) bad(`${base}/stdout`);
      if (source.stderrEncoding === 'base64' && !isBase64(source.stderr)) bad(`${base}/stderr`);
    }
  });
  snapshot.sysctlFiles.files.forEach((file, i) => {
    if (file.encoding === 'base64' && !isBase64(file.content)) bad(`/sysctlFiles/files/${i}/content`);
  });
}

function unknownSourceNotes(snapshot: Snapshot, label: string): string[] {
  const notes: string[] = [];
  snapshot.namespaces.forEach((ns, i) => {
    for (const id of Object.keys(ns.sources)) {
      if (!isSourceId(id)) {
        notes.push(`${label}: /namespaces/${i}/sources/${escapePointer(id)}: unknown source (not read by this netaudit version), ignored`);
      }
    }
  });
  return notes;
}
