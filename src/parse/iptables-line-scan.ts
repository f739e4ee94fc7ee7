/**
 * One pass over the words of a rule line, for the lazy scan (src/parse/iptables-lazy.ts): where its target
 * flag is, without tokenising the line; and, when a check first reads them, its built-in values and
 * destination port when they are plain to see (plainFields).
 *
 * The pass jumps from space to space (and over quoted parts) with indexOf rather than reading every
 * character. It gives up (the caller then parses the line in full) on whatever the tokenizer reads
 * differently from single spaces and plain quotes: tabs, runs of blanks, backslashes inside quotes, an
 * unterminated quote, text right after a closing quote; on flags iptables-save never prints (--jump, --goto, -c, --set-counters); on a
 * second -j/-g; and on a -j/-g that may be the argument of the word before it ("!" or a free-text option:
 * `--comment -j` is a comment reading "-j").
 */
import { FREE_TEXT_OPTIONS } from './iptables-shared.js';
import type { IptValue } from './types.js';

export const NO_TARGET = -1;

const SPACE = 0x20;
const DASH = 0x2d;
const BANG = 0x21;
const QUOTE = 0x22;
const LETTER_J = 0x6a;
const LETTER_G = 0x67;
const LETTER_C = 0x63;
const LETTER_D = 0x64;

/** 1 at the char code of the last character of each free-text option's name. */
const FREE_TEXT_LAST_CHARS = new Uint8Array(128);
for (const name of FREE_TEXT_OPTIONS) FREE_TEXT_LAST_CHARS[name.charCodeAt(name.length - 1)] = 1;

/** The built-in values a line can show plainly, in the order of LineScanner's flag slots. */
export type PlainValueField = 'protocol' | 'source' | 'destination' | 'inInterface' | 'outInterface';
/** The built-in value flags, one slot each: the field, the flag's letter, the words its long forms start with. */
const VALUE_FLAGS: readonly { field: PlainValueField; letter: string; long: readonly string[] }[] = [
  { field: 'protocol', letter: 'p', long: ['protocol'] },
  { field: 'source', letter: 's', long: ['source', 'src'] },
  { field: 'destination', letter: 'd', long: ['destination', 'dst'] },
  { field: 'inInterface', letter: 'i', long: ['in-interface'] },
  { field: 'outInterface', letter: 'o', long: ['out-interface'] },
];
const PLAIN_VALUE_SLOTS = Object.fromEntries(VALUE_FLAGS.map((f, slot) => [f.field, slot])) as Readonly<Record<PlainValueField, number>>;

/**
 * What a rule's line plainly says, read without parsing the rule. For each built-in value (-p -s -d -i -o):
 * the value (`-d 10.96.0.1/32`, `! -i docker0`), undefined when the line has none, null when only the full
 * parse can tell (two of them, a long form, an old-style `-d ! x`, a quoted value, a flag after the target
 * or as the argument of a free-text option). `dport`: the argument of the one destination-port option
 * before the target (--dport, --dports, --destination-port, --destination-ports), likewise.
 * Where the flags are is found in one pass; a value is made when first asked for, then kept.
 */
export class PlainFields {
  readonly #line: string;
  /** Per slot: the flag's index in the line, NOT_SEEN or UNCLEAR. */
  readonly #flags: number[];
  readonly #dportFlag: number;
  #values: (IptValue | undefined | null)[] | undefined = undefined;

  constructor(line: string, flags: number[], dportFlag: number) {
    this.#line = line;
    this.#flags = flags;
    this.#dportFlag = dportFlag;
  }

  value(field: PlainValueField): IptValue | undefined | null {
    const slot = PLAIN_VALUE_SLOTS[field];
    const values = (this.#values ??= [null, null, null, null, null]);
    const known = values[slot];
    if (known !== null) return known;
    const value = valueAtFlag(this.#line, this.#flags[slot] as number);
    values[slot] = value;
    return value;
  }

  /** The values made so far (to hand on to the full parse: whoever read one keeps seeing the same object). */
  madeValues(): [PlainValueField, IptValue][] {
    const values = this.#values;
    if (values === undefined) return [];
    return (Object.keys(PLAIN_VALUE_SLOTS) as PlainValueField[]).flatMap((field) => {
      const value = values[PLAIN_VALUE_SLOTS[field]];
      return value ? [[field, value] as [PlainValueField, IptValue]] : [];
    });
  }

  get dport(): string | undefined | null {
    const flag = this.#dportFlag;
    return flag === NOT_SEEN ? undefined : flag === UNCLEAR ? null : plainArgument(this.#line, flag);
  }
}

/** The value flags' slots by the char code of their letter; -1 for other letters. */
const VALUE_SLOTS = new Int8Array(128).fill(-1);
VALUE_FLAGS.forEach((f, slot) => (VALUE_SLOTS[f.letter.charCodeAt(0)] = slot));
/** Long forms of the value flags, by slot: any word starting with one leaves its value to the full parse. */
const LONG_VALUE_FLAGS: readonly (readonly string[])[] = VALUE_FLAGS.map((f) => f.long);
/** The slots whose long forms start with a letter, by that letter's char code (--protocol, --source, ...). */
const LONG_FLAG_SLOTS: readonly (readonly number[])[] = Array.from({ length: 128 }, (_, c) =>
  LONG_VALUE_FLAGS.flatMap((names, slot) => (names.some((name) => name.charCodeAt(0) === c) ? [slot] : [])),
);
const DPORT_FLAGS: readonly string[] = ['--dport', '--dports', '--destination-port', '--destination-ports'];
/** Where a flag is: its index in the line, or one of these. */
export const NOT_SEEN = -1;
export const UNCLEAR = -2;
const DESTINATION_SLOT = PLAIN_VALUE_SLOTS.destination;

/** What a line that needs the full parse plainly says: nothing. */
export const NOTHING_PLAIN = new PlainFields('', [UNCLEAR, UNCLEAR, UNCLEAR, UNCLEAR, UNCLEAR], UNCLEAR);

export class LineScanner {
  /** Index of the "-j"/"-g" word, or NO_TARGET. */
  targetFlag = NO_TARGET;
  /**
   * Where each value flag and the destination-port option are (NOT_SEEN, UNCLEAR): -d on every scan (a
   * Kubernetes node's service rules are told by it), the others while plainFields runs.
   */
  private recording = false;
  private readonly valueFlags = new Int32Array(5);
  private dportFlag = NOT_SEEN;

  /** After a scan: where the line's plain -d is (NOT_SEEN, UNCLEAR: see PlainFields). */
  get destinationFlag(): number {
    return this.valueFlags[DESTINATION_SLOT] as number;
  }

  /** Scan the words after `from` (the space after the chain name); false when the line needs the full parse. */
  scan(line: string, from: number): boolean {
    this.targetFlag = NO_TARGET;
    this.valueFlags[DESTINATION_SLOT] = NOT_SEEN;
    if (line.indexOf('\t', from) >= 0) return false;
    const length = line.length;
    let quote = line.indexOf('"', from);
    let backslash = quote < 0 ? -1 : line.indexOf('\\', quote);
    let space = from;
    while (space >= 0) {
      const word = space + 1;
      if (word >= length) break;
      const first = line.charCodeAt(word);
      if (first === SPACE) return false;
      if (first === DASH) {
        const letter = line.charCodeAt(word + 1);
        const after = line.charCodeAt(word + 2);
        if (after === SPACE || word + 2 >= length) {
          if (letter === LETTER_J || letter === LETTER_G) {
            if (this.targetFlag !== NO_TARGET || mayBeArgument(line, word)) return false;
            this.targetFlag = word;
          } else if (letter === LETTER_C) {
            return false;
          } else if (letter === LETTER_D || this.recording) {
            this.noteValueFlag(line, word, letter);
          }
        } else if (letter === DASH) {
          if (line.startsWith('jump', word + 2) || line.startsWith('goto', word + 2) || line.startsWith('set-counters', word + 2)) return false;
          if (this.recording || line.charCodeAt(word + 2) === LETTER_D) this.noteLongFlag(line, word);
        }
      }
      let next = line.indexOf(' ', word);
      // A quoted part inside this word runs to its closing quote, blanks included.
      while (quote >= 0 && (next < 0 || quote < next)) {
        const close = line.indexOf('"', quote + 1);
        // A closing quote ends the word (iptables-restore): text right after it is a word of its own.
        if (close < 0 || (close + 1 < length && line.charCodeAt(close + 1) !== SPACE)) return false;
        while (backslash >= 0 && backslash < quote) backslash = line.indexOf('\\', backslash + 1);
        if (backslash >= 0 && backslash < close) return false;
        quote = line.indexOf('"', close + 1);
        next = line.indexOf(' ', close + 1);
      }
      space = next;
    }
    return true;
  }

  /** The fields `line` (words after `from`) plainly gives; undefined when the line needs the full parse. */
  plainFields(line: string, from: number): PlainFields | undefined {
    this.valueFlags.fill(NOT_SEEN);
    this.dportFlag = NOT_SEEN;
    this.recording = true;
    const plain = this.scan(line, from);
    this.recording = false;
    return plain ? new PlainFields(line, Array.from(this.valueFlags), this.dportFlag) : undefined;
  }

  /** A single-letter flag at `word`: one of the value flags, seen once, before the target, and not an argument. */
  private noteValueFlag(line: string, word: number, letter: number): void {
    const slot = VALUE_SLOTS[letter] ?? -1;
    if (slot === -1) return;
    const unclear = this.valueFlags[slot] !== NOT_SEEN || this.targetFlag !== NO_TARGET || previousWordIsFreeText(line, word);
    this.valueFlags[slot] = unclear ? UNCLEAR : word;
  }

  /** A long flag at `word`: a value flag's long form, or a destination-port option before the target. */
  private noteLongFlag(line: string, word: number): void {
    // Told by the first letter of the name first: most options (--comment, --probability) are none of these.
    const slots = LONG_FLAG_SLOTS[line.charCodeAt(word + 2)];
    if (slots === undefined || slots.length === 0) return;
    // Indexed loops, no closures: this runs for every long flag of every rule whose fields are read.
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s] as number;
      if (startsWithAny(line, word + 2, LONG_VALUE_FLAGS[slot] as readonly string[])) this.valueFlags[slot] = UNCLEAR;
    }
    if (this.targetFlag !== NO_TARGET || !isAnyWordAt(line, word, DPORT_FLAGS)) return;
    const unclear = this.dportFlag !== NOT_SEEN || isBangBefore(line, word) || previousWordIsFreeText(line, word);
    this.dportFlag = unclear ? UNCLEAR : word;
  }
}

/** Whether `line` has one of `names` at `at`. */
function startsWithAny(line: string, at: number, names: readonly string[]): boolean {
  for (let i = 0; i < names.length; i++) if (line.startsWith(names[i] as string, at)) return true;
  return false;
}

/** Whether the word at `word` is one of `texts`. */
function isAnyWordAt(line: string, word: number, texts: readonly string[]): boolean {
  for (let i = 0; i < texts.length; i++) if (isWordAt(line, word, texts[i] as string)) return true;
  return false;
}

/** Whether the word at `word` is `text`. */
function isWordAt(line: string, word: number, text: string): boolean {
  const end = word + text.length;
  return line.startsWith(text, word) && (end === line.length || line.charCodeAt(end) === SPACE);
}

/** A -j/-g right after "!" (an error) or after a free-text option (its argument). */
function mayBeArgument(line: string, word: number): boolean {
  return isBangBefore(line, word) || previousWordIsFreeText(line, word);
}

function isBangBefore(line: string, word: number): boolean {
  return line.charCodeAt(word - 2) === BANG && line.charCodeAt(word - 3) === SPACE;
}

function previousWordIsFreeText(line: string, word: number): boolean {
  // Most words end in a character no free-text option's name ends in (t, x, g): told without a slice.
  if (FREE_TEXT_LAST_CHARS[line.charCodeAt(word - 2)] !== 1) return false;
  const start = line.lastIndexOf(' ', word - 2) + 1;
  return line.startsWith('--', start) && FREE_TEXT_OPTIONS.has(line.slice(start + 2, word - 1));
}

/** The value of the flag a scan noted at `flag`: undefined for NOT_SEEN, null for UNCLEAR (see plainValue). */
export function valueAtFlag(line: string, flag: number): IptValue | undefined | null {
  return flag === NOT_SEEN ? undefined : flag === UNCLEAR ? null : plainValue(line, flag);
}

/** The value after the single-letter flag at `flag`, when it is one bare word; null otherwise (old-style "!", a flag, quotes). */
function plainValue(line: string, flag: number): IptValue | null {
  const value = bareWordAt(line, flag + 3);
  return value === null ? null : { value, negated: isBangBefore(line, flag) };
}

/** The argument after the option word at `flag`, when it is one bare word; null otherwise. */
function plainArgument(line: string, flag: number): string | null {
  const space = line.indexOf(' ', flag);
  return space < 0 ? null : bareWordAt(line, space + 1);
}

/** The word at `start` when it is bare (no quotes) and neither a flag nor "!"; null otherwise. */
function bareWordAt(line: string, start: number): string | null {
  const first = line.charCodeAt(start);
  if (Number.isNaN(first) || first === DASH || first === BANG || first === SPACE) return null;
  const space = line.indexOf(' ', start);
  const end = space < 0 ? line.length : space;
  const quote = line.indexOf('"', start);
  if (quote >= 0 && quote < end) return null;
  return line.slice(start, end);
}
