/**
 * One pass over the words of a rule line, for the lazy scan (src/parse/iptables-lazy.ts): where its target
 * flag is, and its destination when that is plain to see, without tokenising the line.
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

export class LineScanner {
  /** Index of the "-j"/"-g" word, or NO_TARGET. */
  targetFlag = NO_TARGET;
  /**
   * The -d value (`-d 10.96.0.1/32`, `! -d 10.0.0.0/8`) when the line plainly has one before its target,
   * undefined when it plainly has none, null when the full parse must tell (two of them, a long form, an
   * old-style `-d ! x`, a quoted value, "-d" as an argument).
   */
  destination: IptValue | undefined | null = null;

  /** Scan the words after `from` (the space after the chain name); false when the line needs the full parse. */
  scan(line: string, from: number): boolean {
    this.targetFlag = NO_TARGET;
    this.destination = null;
    if (line.indexOf('\t', from) >= 0) return false;
    const length = line.length;
    let destinationFlag = -1;
    let destinationUnclear = false;
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
          } else if (letter === LETTER_D) {
            if (destinationFlag >= 0 || this.targetFlag !== NO_TARGET || previousWordIsFreeText(line, word)) destinationUnclear = true;
            else destinationFlag = word;
          }
        } else if (letter === DASH) {
          if (line.startsWith('jump', word + 2) || line.startsWith('goto', word + 2) || line.startsWith('set-counters', word + 2)) return false;
          if (line.startsWith('destination', word + 2) || line.startsWith('dst', word + 2)) destinationUnclear = true;
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
    if (destinationUnclear) this.destination = null;
    else this.destination = destinationFlag < 0 ? undefined : plainValue(line, destinationFlag);
    return true;
  }
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

/** The value after the "-d" at `flag`, when it is one bare word; null otherwise (old-style "!", a flag, quotes). */
function plainValue(line: string, flag: number): IptValue | null {
  const start = flag + 3;
  const first = line.charCodeAt(start);
  if (Number.isNaN(first) || first === DASH || first === BANG || first === SPACE) return null;
  const space = line.indexOf(' ', start);
  const end = space < 0 ? line.length : space;
  const quote = line.indexOf('"', start);
  if (quote >= 0 && quote < end) return null;
  return { value: line.slice(start, end), negated: isBangBefore(line, flag) };
}
