/**
 * Finding where JSON text breaks, once JSON.parse has said that it does: a strict checker of the JSON
 * grammar that stops at the first error and reports its line, with a hint for iproute2's known bugs.
 * Only ever run on invalid input, so it favours clear messages over speed.
 */
import { InputError } from '../errors.js';
import { clip, fail, type ParseInput } from './common.js';

const PRE_2019_ROUTE_HINT =
  'iproute2 before 5.1 (2019) printed non-unicast route types as a bare string (`{"local", "dst": ...`), ' +
  'which is not JSON; collect with iproute2 5.1 or later, ' +
  'or restrict the output to the main table (`ip -j route show table main`)';

const TWO_DOCUMENTS_HINT = "the file holds more than one JSON document; save each command's output in its own file";

const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /^[0-9a-fA-F]{4}$/;
const WORD = /^[A-Za-z0-9_.+-]+/;

class JsonSyntaxChecker {
  private pos = 0;
  private line = 1;

  constructor(
    private readonly input: ParseInput,
    private readonly text: string,
    private readonly maxDepth: number,
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  /** Check a whole document whose top level is an array; throws at the first error. */
  checkDocument(): void {
    this.skipWhitespace();
    this.value(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      const hint = this.text[this.pos] === '[' ? TWO_DOCUMENTS_HINT : undefined;
      this.error(`unexpected ${this.describeHere()} after the end of the JSON array`, hint);
    }
  }

  private value(depth: number): void {
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true');
    if (c === 'f') return this.literal('false');
    if (c === 'n') return this.literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    this.error(`expected a JSON value, found ${this.describeHere()}`);
  }

  private object(depth: number): void {
    this.checkDepth(depth);
    this.pos++; // {
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.error(`expected a property name in double quotes, found ${this.describeHere()}`);
      const keyStart = this.pos;
      this.string();
      const key = this.text.slice(keyStart + 1, this.pos - 1);
      this.skipWhitespace();
      const sep = this.text[this.pos];
      if (sep !== ':') {
        const bareString = sep === ',' || sep === '}';
        this.error(
          `expected ":" after the property name ${JSON.stringify(clip(key, 40))}, found ${this.describeHere()}`,
          bareString ? PRE_2019_ROUTE_HINT : undefined,
        );
      }
      this.pos++;
      this.skipWhitespace();
      this.value(depth);
      if (this.endOfList('}', 'a property value')) return;
    }
  }

  private array(depth: number): void {
    this.checkDepth(depth);
    this.pos++; // [
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      this.value(depth);
      if (this.endOfList(']', 'an array element')) return;
    }
  }

  /** After a member: true at the closing bracket, false after a comma that a member follows. */
  private endOfList(close: string, after: string): boolean {
    this.skipWhitespace();
    const next = this.text[this.pos];
    if (next === close) {
      this.pos++;
      return true;
    }
    if (next !== ',') this.error(`expected "," or "${close}" after ${after}, found ${this.describeHere()}`);
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === close) this.error(`trailing comma before "${close}"`);
    return false;
  }

  private string(): void {
    const text = this.text;
    let i = this.pos + 1;
    for (;;) {
      if (i >= text.length) {
        this.pos = i;
        this.error('unterminated string');
      }
      const c = text.charCodeAt(i);
      if (c === 34) break; // "
      if (c < 0x20) {
        this.pos = i;
        this.error('control character inside a string (JSON needs it escaped)');
      }
      if (c === 92) {
        // backslash
        const e = text[i + 1];
        if (e === 'u') {
          if (!HEX4.test(text.slice(i + 2, i + 6))) {
            this.pos = i;
            this.error('invalid \\u escape in a string');
          }
          i += 6;
          continue;
        }
        if (e === undefined || !SIMPLE_ESCAPES.has(e)) {
          this.pos = i;
          this.error('invalid escape in a string');
        }
        i += 2;
        continue;
      }
      i++;
    }
    this.pos = i + 1;
  }

  private number(): void {
    const text = this.text;
    const start = this.pos;
    let i = start;
    const digits = () => {
      const from = i;
      for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(i)) i++; // 0-9
      return i - from;
    };
    if (text[i] === '-') i++;
    const intStart = i;
    const intLen = digits();
    if (intLen === 0 || (intLen > 1 && text[intStart] === '0')) this.invalidNumber(start, i);
    if (text[i] === '.') {
      i++;
      if (digits() === 0) this.invalidNumber(start, i);
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (digits() === 0) this.invalidNumber(start, i);
    }
    this.pos = i;
  }

  private invalidNumber(start: number, end: number): never {
    this.pos = start;
    return this.error(`invalid number ${JSON.stringify(clip(this.text.slice(start, end + 1), 40))}`);
  }

  private literal(word: string): void {
    if (!this.text.startsWith(word, this.pos)) this.error(`expected a JSON value, found ${this.describeHere()}`);
    this.pos += word.length;
  }

  private checkDepth(depth: number): void {
    if (depth > this.maxDepth) this.error(`JSON nested deeper than ${this.maxDepth} levels`);
  }

  /** JSON whitespace; line breaks counted as splitLines does (LF, CRLF, lone CR). */
  private skipWhitespace(): void {
    const text = this.text;
    let i = this.pos;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9) i++;
      else if (c === 10) {
        this.line++;
        i++;
      } else if (c === 13) {
        this.line++;
        i += text.charCodeAt(i + 1) === 10 ? 2 : 1;
      } else break;
    }
    this.pos = i;
  }

  private describeHere(): string {
    if (this.pos >= this.text.length) return 'the end of the input';
    if (this.text[this.pos] === '{') return '"{"';
    const word = WORD.exec(this.text.slice(this.pos, this.pos + 24))?.[0];
    return JSON.stringify(word ?? this.text[this.pos]);
  }

  private error(message: string, hint?: string): never {
    return fail(this.input, `invalid JSON: ${message}`, this.line, hint);
  }
}

/**
 * Throw a ParseError at the first syntax error of `input.text` (a document meant to be one JSON array).
 * Called after JSON.parse rejected the text; should the checker find nothing, the parser's own message is used.
 */
export function failAtJsonError(input: ParseInput, maxDepth: number, nativeMessage: string): never {
  new JsonSyntaxChecker(input, input.text, maxDepth).checkDocument();
  return fail(input, `invalid JSON: ${clip(nativeMessage, 160)}`);
}

/**
 * JSON.parse of a configuration file (a BOM already dropped); invalid JSON is a ParseError at the line of the
 * error, found by the syntax checker where Node's message gives no position ("Unexpected token '}', ...").
 */
export function parseJsonDocument(input: ParseInput, maxDepth: number, hint: string): unknown {
  try {
    return JSON.parse(input.text);
  } catch (err) {
    const message = (err as Error).message;
    const line = jsonErrorLine(input.text, message);
    if (line === undefined) failAtJsonError(input, maxDepth, message);
    return fail(input, `invalid JSON: ${clip(message, 160)}`, line, hint);
  }
}

/** The line of a JSON.parse error message ("Unexpected token } in JSON at position 120" → the line of position 120). */
export function jsonErrorLine(text: string, message: string): number | undefined {
  const pos = /position (\d+)/.exec(message);
  if (pos) return text.slice(0, Number(pos[1])).split('\n').length;
  const line = /line (\d+)/.exec(message);
  return line ? Number(line[1]) : undefined;
}

/** A JSON file's document (a BOM allowed); invalid JSON is an InputError naming the file and line, "<prefix><what JSON.parse said>". */
export function parseJsonFile(text: string, file: string, prefix: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const message = (err as Error).message;
    const line = jsonErrorLine(text, message);
    throw new InputError(`${prefix}${message}`, line === undefined ? { file } : { file, line });
  }
}
