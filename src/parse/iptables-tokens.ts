/**
 * Splitting an iptables-save rule line into words the way iptables-restore does
 * (iptables/xshared.c, add_param_to_argv): words are separated by spaces or tabs;
 * a double quote opens a quoted part in which a backslash takes the next character literally;
 * the closing quote ends the word. Outside quotes a backslash is an ordinary character.
 */

/** The words of a rule line, and which of them were quoted (a quoted word is always an argument, never a flag or "!"). */
export interface RuleWords {
  readonly words: readonly string[];
  isQuoted(index: number): boolean;
}

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DASH = 0x2d;

/** "-A", "-m", "-j"...: two-character flags come from this table instead of a new string per word. */
const SHORT_FLAGS: readonly string[] = Array.from({ length: 128 }, (_, c) => `-${String.fromCharCode(c)}`);

/**
 * Splits rule lines into words. One tokenizer serves every line of a dump, reusing its buffers
 * (a large dump has 100k+ lines; fresh arrays per line would only feed the garbage collector).
 */
export class RuleTokenizer implements RuleWords {
  words: string[] = [];
  /**
   * The previous line's words. Lines of a dump come in runs of the same shape ("-A KUBE-SEP-… -p tcp -m
   * comment --comment … -m tcp -j DNAT --to-destination …"): a bare word equal to the previous line's word
   * at the same index is that string again, so most lines allocate no strings for their flags and names.
   */
  private previous: string[] = [];
  /** Separated somewhere by more than one blank, or by a tab (hand-edited files). */
  irregularSpacing = false;
  /** quotedIn[k] === line: word k of the current line was quoted (no clearing needed between lines). */
  private readonly quotedIn: number[] = [];
  private lineCount = 0;

  isQuoted(index: number): boolean {
    return this.quotedIn[index] === this.lineCount;
  }

  /**
   * Split `line` from offset `start` into this.words. Returns an error message, or undefined.
   * Linear in the line's length whatever it holds: the next space, quote, tab and backslash are found
   * with indexOf, each searched for again only once the scan has passed it.
   */
  tokenize(line: string, start = 0): string | undefined {
    const previous = this.words;
    // The older array is overwritten in place and cut to length at the end (cutting is a runtime call:
    // lines of one shape in a row need none).
    const words = this.previous;
    let count = 0;
    this.previous = previous;
    this.words = words;
    this.irregularSpacing = false;
    const lineId = ++this.lineCount;
    const len = line.length;
    let pos = start;
    let nextSpace = -1;
    let nextQuote = -1;
    let nextBackslash = -1;
    let nextTab = -1;
    /** Bare text that runs into an opening quote joins the quoted part: abc"def" is one word. */
    let prefix = '';

    while (pos < len) {
      if (nextQuote < pos) nextQuote = indexOrEnd(line, '"', pos);
      if (nextTab < pos) nextTab = indexOrEnd(line, '\t', pos);
      const c = line.charCodeAt(pos);
      if (c === SPACE || c === TAB) {
        const following = line.charCodeAt(pos + 1);
        if (c === TAB || following === SPACE || following === TAB) this.irregularSpacing = true;
        pos++;
        continue;
      }
      if (c === QUOTE) {
        let text = prefix;
        prefix = '';
        let from = pos + 1;
        for (;;) {
          if (nextQuote < from) nextQuote = indexOrEnd(line, '"', from);
          if (nextBackslash < from) nextBackslash = indexOrEnd(line, '\\', from);
          if (nextQuote === len) return this.failAt(count, 'unterminated quote');
          if (nextBackslash > nextQuote) break;
          // A backslash inside the quotes: the character after it is taken as it is.
          if (nextBackslash + 1 >= len) return this.failAt(count, 'unterminated quote');
          text += line.slice(from, nextBackslash) + line.charAt(nextBackslash + 1);
          from = nextBackslash + 2;
        }
        this.quotedIn[count] = lineId;
        words[count] = text === '' ? this.sameAsBefore(line, from, nextQuote, previous[count]) : text + line.slice(from, nextQuote);
        count++;
        // iptables-restore ends the word at the closing quote, whatever follows.
        pos = nextQuote + 1;
        continue;
      }
      if (nextSpace < pos) nextSpace = indexOrEnd(line, ' ', pos);
      const wordEnd = nextSpace < nextTab ? nextSpace : nextTab;
      if (nextQuote < wordEnd) {
        prefix = line.slice(pos, nextQuote);
        pos = nextQuote;
        continue;
      }
      words[count] = this.bareWord(line, pos, wordEnd, previous[count]);
      count++;
      pos = wordEnd;
    }
    if (words.length !== count) words.length = count;
    return undefined;
  }

  /** Keep the words read before the error, as a failed line leaves them. */
  private failAt(count: number, error: string): string {
    this.words.length = count;
    return error;
  }

  private bareWord(line: string, from: number, to: number, previous: string | undefined): string {
    const length = to - from;
    if (length === 2 && line.charCodeAt(from) === DASH) {
      const second = line.charCodeAt(from + 1);
      if (second < 128) return SHORT_FLAGS[second]!;
    }
    return this.sameAsBefore(line, from, to, previous);
  }

  /** line[from..to), as the previous line's word at this index when it is the same text. */
  private sameAsBefore(line: string, from: number, to: number, previous: string | undefined): string {
    if (previous !== undefined && previous.length === to - from && line.startsWith(previous, from)) return previous;
    return line.slice(from, to);
  }
}

/** Split one line into words (a fresh tokenizer: for tests and one-off use). */
export function tokenizeRule(line: string, start = 0): { words: string[]; quoted: boolean[]; irregularSpacing: boolean } | { error: string } {
  const tokenizer = new RuleTokenizer();
  const error = tokenizer.tokenize(line, start);
  if (error !== undefined) return { error };
  const words = [...tokenizer.words];
  return { words, quoted: words.map((_, k) => tokenizer.isQuoted(k)), irregularSpacing: tokenizer.irregularSpacing };
}

function indexOrEnd(line: string, char: string, from: number): number {
  const at = line.indexOf(char, from);
  return at < 0 ? line.length : at;
}

/** Characters iptables-save leaves unquoted in free-text strings (libxtables xtables_save_string). */
const SAVE_STRING_BARE = /^[A-Za-z0-9_-]+$/;
/** Characters that force quoting of any argument to keep it one word that reads back the same. */
const NEEDS_QUOTES = /[\s"'\\]/;

/**
 * Quote a word so that the tokenizer reads it back as the same single argument.
 * - when-needed: only if it would not read back as itself (blanks, quotes, backslash, "!", a leading dash);
 * - free-text: iptables-save's rule for comments and log prefixes, quoted unless [A-Za-z0-9_-]+;
 * - always: as libxt_string prints its pattern.
 */
export function quoteWord(word: string, style: 'when-needed' | 'free-text' | 'always' = 'when-needed'): string {
  const bare =
    style !== 'always' &&
    word.length > 0 &&
    !NEEDS_QUOTES.test(word) &&
    word !== '!' &&
    !looksLikeFlag(word) &&
    (style !== 'free-text' || SAVE_STRING_BARE.test(word));
  if (bare) return word;
  let out = '"';
  let from = 0;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c === QUOTE || c === BACKSLASH || c === 0x27) {
      out += `${word.slice(from, i)}\\${word.charAt(i)}`;
      from = i + 1;
    }
  }
  return `${out}${word.slice(from)}"`;
}

/** "-s", "--dport": a dash followed by a letter, or two dashes followed by a letter. */
export function looksLikeFlag(word: string): boolean {
  if (word.charCodeAt(0) !== 0x2d || word.length < 2) return false;
  const second = word.charCodeAt(1);
  if (second === 0x2d) return word.length > 2 && isLetter(word.charCodeAt(2));
  return isLetter(second);
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
