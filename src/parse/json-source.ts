/**
 * Reading the JSON arrays that `ip -j` and `bridge -j` print (compact, `-p` pretty, or re-indented by jq).
 *
 * A small parser of our own rather than JSON.parse, for three reasons: every top-level element needs the
 * line its `{` starts on (evidence); a syntax error must name its line (JSON.parse messages do not reliably);
 * and nesting is capped before it can exhaust the stack. Objects are built without a prototype, so keys
 * such as `__proto__` or `constructor` are plain data and pollute nothing.
 */
import { clip, fail, type ParseInput, type ParseNote } from './common.js';
import { wrongFormatHint } from './wrong-format.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A parsed JSON object: null prototype, own keys only. */
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

const Ch = {
  Tab: 9,
  LF: 10,
  CR: 13,
  Space: 32,
  Quote: 34,
  Plus: 43,
  Comma: 44,
  Minus: 45,
  Dot: 46,
  Zero: 48,
  Nine: 57,
  Colon: 58,
  OpenBracket: 91,
  Backslash: 92,
  CloseBracket: 93,
  LowerE: 101,
  UpperE: 69,
  OpenBrace: 123,
  CloseBrace: 125,
} as const;

const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);

const PRE_2019_ROUTE_HINT =
  'iproute2 before 5.1 (2019) printed non-unicast route types as a bare string (`{"local", "dst": ...`), which is not JSON; ' +
  'collect with iproute2 5.1 or later, or restrict the output to the main table (`ip -j route show table main`)';

class JsonReader {
  private pos = 0;
  private line = 1;

  constructor(
    private readonly input: ParseInput,
    private readonly text: string,
    private readonly command: string,
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  readArray(): JsonElement[] {
    this.skipWhitespace();
    if (this.pos >= this.text.length) return [];
    const first = this.text.charCodeAt(this.pos);
    if (first !== Ch.OpenBracket) this.rejectTopLevel(first);
    this.pos++;
    const elements: JsonElement[] = [];
    this.skipWhitespace();
    if (this.peek() === Ch.CloseBracket) {
      this.pos++;
    } else {
      for (;;) {
        this.skipWhitespace();
        const line = this.line;
        const value = this.readValue(1);
        elements.push({ value, line, text: clip(JSON.stringify(value)) });
        this.skipWhitespace();
        const next = this.peek();
        if (next === Ch.Comma) {
          this.pos++;
          this.skipWhitespace();
          if (this.peek() === Ch.CloseBracket) this.error('trailing comma before "]"');
          continue;
        }
        if (next === Ch.CloseBracket) {
          this.pos++;
          break;
        }
        this.error(`expected "," or "]" after an array element, found ${this.describeHere()}`);
      }
    }
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      const hint =
        this.peek() === Ch.OpenBracket
          ? 'the file holds more than one JSON document; save each command\'s output in its own file'
          : undefined;
      this.error(`unexpected ${this.describeHere()} after the end of the JSON array`, hint);
    }
    return elements;
  }

  private rejectTopLevel(first: number): never {
    const expected = `the output of \`${this.command}\``;
    if (first === Ch.OpenBrace) this.error(`expected a JSON array (${expected}), found an object`);
    if (first === Ch.Quote) this.error(`expected a JSON array (${expected}), found a bare value`);
    // Checked before numbers: "1: lo: <LOOPBACK,UP>" starts with a digit too.
    const wrongFormat = wrongFormatHint(this.text);
    if (wrongFormat !== undefined) fail(this.input, `not JSON: expected ${expected}`, this.line, wrongFormat);
    if (first === Ch.Minus || (first >= Ch.Zero && first <= Ch.Nine)) {
      this.error(`expected a JSON array (${expected}), found a bare value`);
    }
    fail(this.input, `not JSON: expected ${expected}`, this.line, `run \`${this.command}\``);
  }

  private readValue(depth: number): JsonValue {
    const c = this.peek();
    switch (c) {
      case Ch.OpenBrace:
        return this.readObject(depth + 1);
      case Ch.OpenBracket:
        return this.readNestedArray(depth + 1);
      case Ch.Quote:
        return this.readString();
      case 116: // t
        return this.readLiteral('true', true);
      case 102: // f
        return this.readLiteral('false', false);
      case 110: // n
        return this.readLiteral('null', null);
      default:
        if (c === Ch.Minus || (c >= Ch.Zero && c <= Ch.Nine)) return this.readNumber();
        return this.error(`expected a JSON value, found ${this.describeHere()}`);
    }
  }

  private readObject(depth: number): JsonObject {
    this.checkDepth(depth);
    this.pos++; // {
    const obj = Object.create(null) as Record<string, JsonValue>;
    this.skipWhitespace();
    if (this.peek() === Ch.CloseBrace) {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.peek() !== Ch.Quote) {
        this.error(`expected a property name in double quotes, found ${this.describeHere()}`);
      }
      const key = this.readString();
      this.skipWhitespace();
      const sep = this.peek();
      if (sep !== Ch.Colon) {
        const bareString = sep === Ch.Comma || sep === Ch.CloseBrace;
        this.error(
          `expected ":" after the property name ${JSON.stringify(clip(key, 40))}, found ${this.describeHere()}`,
          bareString ? PRE_2019_ROUTE_HINT : undefined,
        );
      }
      this.pos++;
      this.skipWhitespace();
      // Own data property even for "__proto__": obj has no prototype, so no setter is reached.
      obj[key] = this.readValue(depth);
      this.skipWhitespace();
      const next = this.peek();
      if (next === Ch.Comma) {
        this.pos++;
        this.skipWhitespace();
        if (this.peek() === Ch.CloseBrace) this.error('trailing comma before "}"');
        continue;
      }
      if (next === Ch.CloseBrace) {
        this.pos++;
        return obj;
      }
      this.error(`expected "," or "}" after a property value, found ${this.describeHere()}`);
    }
  }

  private readNestedArray(depth: number): JsonValue[] {
    this.checkDepth(depth);
    this.pos++; // [
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.peek() === Ch.CloseBracket) {
      this.pos++;
      return items;
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.readValue(depth));
      this.skipWhitespace();
      const next = this.peek();
      if (next === Ch.Comma) {
        this.pos++;
        this.skipWhitespace();
        if (this.peek() === Ch.CloseBracket) this.error('trailing comma before "]"');
        continue;
      }
      if (next === Ch.CloseBracket) {
        this.pos++;
        return items;
      }
      this.error(`expected "," or "]" after an array element, found ${this.describeHere()}`);
    }
  }

  private readString(): string {
    const text = this.text;
    let i = this.pos + 1; // after the opening quote
    let start = i;
    let out = '';
    for (;;) {
      if (i >= text.length) {
        this.pos = i;
        this.error('unterminated string');
      }
      const c = text.charCodeAt(i);
      if (c === Ch.Quote) {
        this.pos = i + 1;
        return out + text.slice(start, i);
      }
      if (c < 0x20) {
        this.pos = i;
        this.error('control character inside a string (JSON needs it escaped)');
      }
      if (c === Ch.Backslash) {
        out += text.slice(start, i);
        const e = text[i + 1];
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = i;
            this.error('invalid \\u escape in a string');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else {
          const decoded = e === undefined ? undefined : ESCAPES.get(e);
          if (decoded === undefined) {
            this.pos = i;
            this.error('invalid escape in a string');
          }
          out += decoded;
          i += 2;
        }
        start = i;
        continue;
      }
      i++;
    }
  }

  private readNumber(): number {
    const text = this.text;
    const start = this.pos;
    let i = start;
    if (text.charCodeAt(i) === Ch.Minus) i++;
    const intStart = i;
    while (isDigit(text.charCodeAt(i))) i++;
    const intLen = i - intStart;
    if (intLen === 0 || (intLen > 1 && text.charCodeAt(intStart) === Ch.Zero)) this.invalidNumber(start, i);
    if (text.charCodeAt(i) === Ch.Dot) {
      i++;
      const fracStart = i;
      while (isDigit(text.charCodeAt(i))) i++;
      if (i === fracStart) this.invalidNumber(start, i);
    }
    const e = text.charCodeAt(i);
    if (e === Ch.LowerE || e === Ch.UpperE) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === Ch.Plus || sign === Ch.Minus) i++;
      const expStart = i;
      while (isDigit(text.charCodeAt(i))) i++;
      if (i === expStart) this.invalidNumber(start, i);
    }
    this.pos = i;
    return Number(text.slice(start, i));
  }

  private invalidNumber(start: number, end: number): never {
    this.pos = start;
    return this.error(`invalid number ${JSON.stringify(clip(this.text.slice(start, end + 1), 40))}`);
  }

  private readLiteral<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) {
      this.error(`expected a JSON value, found ${this.describeHere()}`);
    }
    this.pos += word.length;
    return value;
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_JSON_DEPTH) this.error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }

  /** Whitespace is the only place a JSON text can break lines; count them as splitLines does. */
  private skipWhitespace(): void {
    const text = this.text;
    let i = this.pos;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === Ch.Space || c === Ch.Tab) {
        i++;
      } else if (c === Ch.LF) {
        this.line++;
        i++;
      } else if (c === Ch.CR) {
        this.line++;
        i += text.charCodeAt(i + 1) === Ch.LF ? 2 : 1;
      } else {
        break;
      }
    }
    this.pos = i;
  }

  private peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  private describeHere(): string {
    if (this.pos >= this.text.length) return 'the end of the input';
    const c = this.text.charCodeAt(this.pos);
    if (c === Ch.OpenBrace) return '"{"';
    const token = /^[A-Za-z0-9_.+-]+/.exec(this.text.slice(this.pos, this.pos + 24))?.[0];
    return JSON.stringify(token ?? this.text[this.pos]);
  }

  private error(message: string, hint?: string): never {
    return fail(this.input, `invalid JSON: ${message}`, this.line, hint);
  }
}

function isDigit(c: number): boolean {
  return c >= Ch.Zero && c <= Ch.Nine;
}

/**
 * Parse the JSON array printed by `command` (named in messages and hints). Empty or blank text gives [].
 * Throws ParseError, with the line, for anything that is not one well-formed JSON array.
 */
export function readJsonArray(input: ParseInput, command: string): JsonElement[] {
  return new JsonReader(input, input.text, command).readArray();
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

  /** Leave a note about this element, at its line. */
  note(message: string): void {
    this.notes.push({ source: this.input.source, line: this.line, message });
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
      else this.note(`"${key}" holds ${describeJson(item)} among its strings; dropped`);
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
    this.note(`"${key}" is ${describeJson(value)}, expected ${expected}; ignored`);
    return undefined;
  }
}

function own(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
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
  for (const el of readJsonArray(input, command)) {
    if (isJsonObject(el.value)) {
      records.push(new JsonRecord(el.value, el.line, el.text, input, notes));
    } else {
      notes.push({ source: input.source, line: el.line, message: `${describeJson(el.value)} in the array, not an object; skipped` });
    }
  }
  return records;
}
