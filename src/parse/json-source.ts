/**
 * Reading the JSON arrays that `ip -j` and `bridge -j` print (compact, `-p` pretty, or re-indented by jq).
 *
 * Values come from JSON.parse (native, linear, and safe with hostile keys: `__proto__` becomes an own data
 * property, never a prototype). Around it, one linear scan caps the nesting before JSON.parse runs and
 * records the line where each top-level element starts (evidence); when JSON.parse rejects the text,
 * json-syntax.ts finds the line of the error. Records are read through JsonRecord: own known keys only.
 */
import { clip, DROPPED, fail, type ParseInput, type ParseNote } from './common.js';
import { failAtJsonError } from './json-syntax.js';
import { wrongFormatHint } from './wrong-format.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A parsed JSON object; read it with Object.hasOwn / JsonRecord, never through inherited names. */
export interface JsonObject {
  readonly [key: string]: JsonValue | undefined;
}

/** One element of the top-level array, with the 1-based line where it starts and its compact rendering. */
export interface JsonElement {
  value: JsonValue;
  line: number;
  text: string;
}

/** Deeper nesting than this is rejected: iproute2 output never goes beyond 6 levels. */
export const MAX_JSON_DEPTH = 64;

/** Character codes the JSON scanners compare against. */
export const QUOTE = 34;
export const BACKSLASH = 92;
export const LF = 10;
export const CR = 13;
export const SPACE = 32;
export const TAB = 9;
export const COMMA = 44;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;

/** Offset and line of the first non-whitespace character (after a BOM), or undefined for blank text. */
function firstToken(text: string): { at: number; line: number } | undefined {
  let line = 1;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) line++;
    else if (c === CR) {
      line++;
      if (text.charCodeAt(i + 1) === LF) i++;
    } else if (c !== SPACE && c !== TAB) return { at: i, line };
  }
  return undefined;
}

function rejectTopLevel(input: ParseInput, command: string, first: string, line: number): never {
  const expected = `the output of \`${command}\``;
  if (first === '{') fail(input, `invalid JSON: expected a JSON array (${expected}), found an object`, line);
  if (first === '"') fail(input, `invalid JSON: expected a JSON array (${expected}), found a bare value`, line);
  // Checked before numbers: "1: lo: <LOOPBACK,UP>" starts with a digit too.
  const wrongFormat = wrongFormatHint(input.text);
  if (wrongFormat !== undefined) fail(input, `not JSON: expected ${expected}`, line, wrongFormat);
  if (first === '-' || (first >= '0' && first <= '9')) {
    fail(input, `invalid JSON: expected a JSON array (${expected}), found a bare value`, line);
  }
  return fail(input, `not JSON: expected ${expected}`, line, `run \`${command}\``);
}

/** Where a top-level element is: the line it starts on, the line of its identifying member, the line it ends on. */
interface ElementLines {
  start: number;
  member: number;
  end: number;
  identified: boolean;
}

/** The member a person looks for in an element (an interface's name, a route's or neighbour's destination, a rule's priority). */
const IDENTITY_KEYS = new Set(['"ifname"', '"dst"', '"priority"']);

/**
 * One pass over the text: where each top-level element is, and a ParseError as soon as nesting passes
 * MAX_JSON_DEPTH. Grammar is left to JSON.parse; on invalid text the lines found here are not used.
 */
function scanElementLines(input: ParseInput, start: number, startLine: number): ElementLines[] {
  const text = input.text;
  const elements: ElementLines[] = [];
  let current: ElementLines | undefined;
  let line = startLine;
  let depth = 0;
  let expectElement = false;
  let expectKey = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) {
      line++;
      continue;
    }
    if (c === CR) {
      line++;
      if (text.charCodeAt(i + 1) === LF) i++;
      continue;
    }
    if (c === SPACE || c === TAB) continue;
    if (depth === 1 && expectElement && c !== CLOSE_BRACKET) {
      current = { start: line, member: line, end: line, identified: false };
      elements.push(current);
      expectElement = false;
    }
    if (c === QUOTE) {
      const close = endOfString(text, i);
      if (expectKey && current && !current.identified && IDENTITY_KEYS.has(text.slice(i, close + 1))) {
        current.member = line;
        current.identified = true;
      }
      expectKey = false;
      i = close;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > MAX_JSON_DEPTH) fail(input, `invalid JSON: nested deeper than ${MAX_JSON_DEPTH} levels`, line);
      if (depth === 1) expectElement = true;
      expectKey = depth === 2 && c === OPEN_BRACE;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 1 && current) current.end = line;
    } else if (c === COMMA) {
      if (depth === 1) expectElement = true;
      expectKey = depth === 2;
    }
  }
  return elements;
}

/** Offset of the quote closing the string opened at `open` (or the end of the text). */
function endOfString(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const close = text.indexOf('"', from);
    if (close < 0) return text.length;
    let backslashes = 0;
    for (let j = close - 1; j > open && text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return close;
    from = close + 1;
  }
}

/** How many lines of paste damage (prompts, the command line) are looked past at each end. */
const MAX_PASTE_LINES = 3;

/** `[root@node1 ~]# ip -j addr` starts with a bracket but is a shell prompt, not JSON. */
const BRACKETED_PROMPT = /^\[[^\]"]*\][#$%>]/;

function startsJson(line: string): boolean {
  const t = line.trimStart();
  return (t.startsWith('[') && !BRACKETED_PROMPT.test(t)) || t.startsWith('{');
}

/**
 * Shell prompts or the command line pasted before the JSON, and a prompt after it: blanked (line numbers
 * kept) with a note naming them. Undefined when there is nothing to blank or the text is not a pasted array.
 */
function withoutPasteDamage(input: ParseInput, notes: ParseNote[] | undefined): ParseInput | undefined {
  const text = input.text;
  const firstLineEnd = text.indexOf('\n');
  const trimmedEnd = text.trimEnd();
  // The usual case, decided without splitting a large text: it starts and ends like an array.
  if (startsJson(firstLineEnd < 0 ? text : text.slice(0, firstLineEnd)) && (trimmedEnd.endsWith(']') || trimmedEnd.endsWith('}'))) return undefined;
  const lines = text.split('\n');
  const nonBlank = lines.map((l, i) => [l, i] as const).filter(([l]) => l.trim() !== '');
  const head = nonBlank.slice(0, MAX_PASTE_LINES + 1);
  const jsonStart = head.findIndex(([l]) => startsJson(l));
  const tail = nonBlank.slice(-(MAX_PASTE_LINES + 1)).reverse();
  const jsonEnd = tail.findIndex(([l]) => /[\]}]\s*$/.test(l) && !BRACKETED_PROMPT.test(l.trimStart()));
  if (jsonStart <= 0 && jsonEnd <= 0) return undefined;
  if (jsonStart < 0 || jsonEnd < 0 || (head[jsonStart]?.[0].trimStart()[0] ?? '') !== '[') return undefined;
  const skipped = [...head.slice(0, jsonStart), ...tail.slice(0, jsonEnd)];
  for (const [, index] of skipped) lines[index] = lines[index]?.endsWith('\r') ? '\r' : '';
  for (const [line, index] of skipped) {
    notes?.push({ source: input.source, line: index + 1, message: `not JSON, skipped as paste damage: ${clip(line.trim(), 80)}` });
  }
  return { source: input.source, text: lines.join('\n') };
}

/**
 * Parse the JSON array printed by `command` (named in messages and hints). Empty or blank text gives [].
 * Prompt lines pasted around the array are skipped with a note. Throws ParseError, with the line, for
 * anything else that is not one well-formed JSON array.
 */
export function readJsonArray(input: ParseInput, command: string, notes?: ParseNote[]): JsonElement[] {
  return readCleanJsonArray(withoutPasteDamage(input, notes) ?? input, command);
}

function readCleanJsonArray(input: ParseInput, command: string): JsonElement[] {
  const text = input.text;
  const first = firstToken(text);
  if (first === undefined) return [];
  if (text.charCodeAt(first.at) !== OPEN_BRACKET) rejectTopLevel(input, command, text[first.at] ?? '', first.line);
  const lines = scanElementLines(input, first.at, first.line);
  let values: JsonValue[];
  try {
    values = JSON.parse(first.at === 0 ? text : text.slice(first.at)) as JsonValue[];
  } catch (err) {
    return failAtJsonError(input, MAX_JSON_DEPTH, err instanceof Error ? err.message : String(err));
  }
  return values.map((value, i) => {
    const at = lines[i];
    // Compact output: the element's own line, quoted as it is. Pretty output (`ip -j -p`, jq): the line of
    // its identifying member, quoted with the element's other members on one readable line.
    if (at === undefined || at.end === at.start) return { value, line: at?.start ?? first.line, text: clip(JSON.stringify(value)) };
    return { value, line: at.member, text: clip(readableMembers(value)) };
  });
}

/** `"ifname": "eth0", "operstate": "DOWN", "mtu": 1500, ...`: an object's members, the identifying one first. */
function readableMembers(value: JsonValue): string {
  if (!isJsonObject(value)) return readable(value);
  const members = Object.keys(value).map((key) => `${JSON.stringify(key)}: ${readable(value[key] ?? null)}`);
  const identity = Object.keys(value).findIndex((key) => IDENTITY_KEYS.has(JSON.stringify(key)));
  if (identity > 0) members.unshift(...members.splice(identity, 1));
  return members.join(', ');
}

function readable(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(readable).join(', ')}]`;
  if (isJsonObject(value)) return `{${readableMembers(value)}}`;
  return JSON.stringify(value);
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Detach parsed data handed on as a free-form record (linkinfo.info_data) from Object.prototype, in place
 * and all the way down, so a consumer reading any key sees only what the input held. The objects are
 * fresh from JSON.parse and owned by the caller; "__proto__" keys there are already own data properties.
 */
export function withoutPrototypes<T extends JsonValue>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (const item of value) withoutPrototypes(item);
    return value;
  }
  Object.setPrototypeOf(value, null);
  for (const key of Object.keys(value)) withoutPrototypes((value as Record<string, JsonValue>)[key] as JsonValue);
  return value;
}

/** A top-level object element with typed, note-leaving accessors for its known keys. */
export class JsonRecord {
  constructor(
    readonly obj: JsonObject,
    readonly line: number,
    readonly text: string,
    private readonly input: ParseInput,
    private readonly notes: ParseNote[],
  ) {}

  has(key: string): boolean {
    return Object.hasOwn(this.obj, key);
  }

  /** Leave a note about this element, at its line; `dropped` when input is left out of the model (ParseNote.dropped). */
  note(message: string, dropped?: typeof DROPPED): void {
    this.notes.push({ source: this.input.source, line: this.line, message, ...dropped });
  }

  string(key: string, from: JsonObject = this.obj): string | undefined {
    const v = own(from, key);
    if (v === undefined || typeof v === 'string') return v;
    return this.wrongType(key, v, 'a string');
  }

  /** A name that some iproute2 versions print as a number (table 254, protocol 4, ...). */
  label(key: string, from: JsonObject = this.obj): string | undefined {
    const v = own(from, key);
    if (v === undefined || typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    return this.wrongType(key, v, 'a string');
  }

  integer(key: string, from: JsonObject = this.obj): number | undefined {
    const v = own(from, key);
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
    return this.wrongType(key, v, 'an integer');
  }

  boolean(key: string, from: JsonObject = this.obj): boolean | undefined {
    const v = own(from, key);
    if (v === undefined || typeof v === 'boolean') return v;
    return this.wrongType(key, v, 'true or false');
  }

  /** An array of strings; a lone string is accepted as a one-element list. Non-strings are dropped with a note. */
  strings(key: string, from: JsonObject = this.obj): string[] | undefined {
    const v = own(from, key);
    if (v === undefined) return undefined;
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v)) return this.wrongType(key, v, 'a list of strings');
    const out: string[] = [];
    for (const item of v) {
      if (typeof item === 'string') out.push(item);
      else this.note(`"${key}" holds ${describeJson(item)} among its strings; dropped`, DROPPED);
    }
    return out;
  }

  object(key: string, from: JsonObject = this.obj): JsonObject | undefined {
    const v = own(from, key);
    if (v === undefined || isJsonObject(v)) return v;
    return this.wrongType(key, v, 'an object');
  }

  array(key: string, from: JsonObject = this.obj): JsonValue[] | undefined {
    const v = own(from, key);
    if (v === undefined || Array.isArray(v)) return v;
    return this.wrongType(key, v, 'a list');
  }

  private wrongType(key: string, value: JsonValue, expected: string): undefined {
    this.note(`"${key}" is ${describeJson(value)}, expected ${expected}; ignored`, DROPPED);
    return undefined;
  }
}

/** An own key's value; null counts as absent (iproute2 prints `"link": null` for a tunnel without lower device). */
function own(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? (obj[key] ?? undefined) : undefined;
}

export function describeJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(clip(value, 40))}`;
  return `the ${typeof value} ${String(value)}`;
}

/**
 * The object elements of `command`'s output as records; anything else in the array is skipped with a note.
 */
export function readJsonRecords(input: ParseInput, command: string, notes: ParseNote[]): JsonRecord[] {
  const records: JsonRecord[] = [];
  for (const el of readJsonArray(input, command, notes)) {
    if (isJsonObject(el.value)) {
      records.push(new JsonRecord(el.value, el.line, el.text, input, notes));
    } else {
      const message = `${describeJson(el.value)} in the array, not an object; skipped`;
      notes.push({ source: input.source, line: el.line, message, ...DROPPED });
    }
  }
  return records;
}
