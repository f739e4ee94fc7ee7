/**
 * From text to a validated Snapshot: JSON syntax errors with line and column, a guard against
 * `__proto__` keys, zod validation reported as one message with a JSON path, and the checks the
 * schema cannot express (host first, unique namespace names, base64 that is base64).
 */
import { isAscii } from 'node:buffer';
import type { core } from 'zod';
import { InputError } from '../errors.js';
import { SNAPSHOT_SCHEMA_ID, Snapshot } from './schema.js';
import { isSourceId } from './sources.js';

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

export function parseSnapshotText(text: string, label: string): ValidatedSnapshot {
  if (text.trim() === '') {
    throw new InputError('empty file, not a netaudit snapshot', { file: label });
  }
  const data = parseJson(text, label);
  rejectProtoKeys(data, label);
  checkSchemaId(data, label);
  const result = Snapshot.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues;
    const first = issues[0]!;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    throw new InputError(`${describeIssue(first, data)}${more}`, { file: label, path: pointer(issuePath(first)) });
  }
  const snapshot = result.data;
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

function issuePath(issue: core.$ZodIssue): PropertyKey[] {
  if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) return [...issue.path, issue.keys[0]!];
  return issue.path;
}

function describeIssue(issue: core.$ZodIssue, data: unknown): string {
  switch (issue.code) {
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}`
        : `expected one of ${issue.values.map(String).join('|')}`;
    case 'invalid_type': {
      const actual = valueAt(data, issue.path);
      return actual.found ? `expected ${issue.expected}, got ${typeName(actual.value)}` : `missing required ${issue.expected}`;
    }
    case 'unrecognized_keys':
      return issue.keys.length === 1
        ? 'unknown key'
        : `unknown keys ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `expected at least ${String(issue.minimum)} character${issue.minimum === 1 ? '' : 's'}`;
      return `expected a number ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'invalid_format':
    case 'too_big':
    case 'not_multiple_of':
    case 'invalid_key':
    case 'invalid_element':
    case 'invalid_union':
    case 'custom':
      return issue.message;
  }
}

function valueAt(data: unknown, path: PropertyKey[]): { found: boolean; value?: unknown } {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return { found: false };
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: cur };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isInteger(value)) return `number ${value}`;
  return typeof value;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(path: PropertyKey[]): string {
  return path.length === 0 ? '/' : path.map((k) => `/${escapePointer(String(k))}`).join('');
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
