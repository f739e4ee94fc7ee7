/**
 * The words of one `-A CHAIN ...` line, after the chain name, turned into an IptRule's matches and target.
 *
 * Grammar as iptables-save prints it (all versions seen): built-in matches (-s -d -i -o -p -f), then
 * `-m MODULE --opt args...` groups, then `-j|-g TARGET --opt args...`. A "!" negates the next flag or
 * option (new style, `! -s x`, `! --dport 80`) or, placed after it, the flag or option it follows
 * (old style, `-s ! x`, `--dport ! 80`). Options after `-p PROTO` with no `-m` belong to the
 * protocol's implicit match (`-p tcp --dport 80`, old dumps and hand-written files).
 */
import type { IptCounters, IptMatch, IptTarget, IptValue } from './types.js';
import { looksLikeFlag, type RuleWords } from './iptables-tokens.js';
import { FREE_TEXT_OPTIONS, NO_MATCHES, PendingOptions, type SharedParts } from './iptables-shared.js';

const PROTOCOL = 0;
const SOURCE = 1;
const DESTINATION = 2;
const IN_INTERFACE = 3;
const OUT_INTERFACE = 4;

/** Built-in flags (short and long forms) that take one value. */
const VALUE_FLAGS: ReadonlyMap<string, number> = new Map([
  ['-s', SOURCE],
  ['--source', SOURCE],
  ['--src', SOURCE],
  ['-d', DESTINATION],
  ['--destination', DESTINATION],
  ['--dst', DESTINATION],
  ['-i', IN_INTERFACE],
  ['--in-interface', IN_INTERFACE],
  ['-o', OUT_INTERFACE],
  ['--out-interface', OUT_INTERFACE],
  ['-p', PROTOCOL],
  ['--protocol', PROTOCOL],
]);

/** Every flag that is not an option of a match or target: it ends the argument list of the option before it. */
export const STRUCTURAL_FLAGS: ReadonlySet<string> = new Set([
  ...VALUE_FLAGS.keys(),
  '-f',
  '--fragment',
  '-m',
  '--match',
  '-j',
  '--jump',
  '-g',
  '--goto',
  '-c',
  '--set-counters',
]);

/** The module of a protocol's implicit match: `-p tcp --dport 80` loads the tcp match. */
const IMPLICIT_MODULE: ReadonlyMap<string, string> = new Map([
  ['6', 'tcp'],
  ['17', 'udp'],
  ['1', 'icmp'],
  ['58', 'icmp6'],
  ['ipv6-icmp', 'icmp6'],
  ['icmpv6', 'icmp6'],
  ['132', 'sctp'],
  ['33', 'dccp'],
  ['136', 'udplite'],
]);

export function implicitModuleFor(protocol: string): string {
  const lower = protocol.toLowerCase();
  return IMPLICIT_MODULE.get(lower) ?? lower;
}


function isBang(t: RuleWords, k: number): boolean {
  return k < t.words.length && t.words[k] === '!' && !t.isQuoted(k);
}

function isFlag(t: RuleWords, k: number): boolean {
  return k < t.words.length && looksLikeFlag(t.words[k]!) && !t.isQuoted(k);
}

/** Old style "FLAG ! value": a "!" right after the flag, followed by a word that is neither a flag nor "!". */
function isOldStyleBang(t: RuleWords, k: number): boolean {
  return isBang(t, k) && k + 1 < t.words.length && !isFlag(t, k + 1) && !isBang(t, k + 1);
}

/**
 * Whether word k ends the arguments of an option: "!", or a flag that is not an unknown single-dash word.
 * Most words are plain values: they are told apart by their first character before anything else.
 */
function endsArguments(t: RuleWords, k: number): boolean {
  const word = t.words[k]!;
  const first = word.charCodeAt(0);
  if (first !== 0x2d /* - */ && first !== 0x21 /* ! */) return false;
  if (t.isQuoted(k)) return false;
  if (first === 0x21) return word.length === 1;
  if (!looksLikeFlag(word)) return false;
  return word.charCodeAt(1) === 0x2d || STRUCTURAL_FLAGS.has(word);
}

function needsValue(t: RuleWords, k: number): boolean {
  return k >= t.words.length || isFlag(t, k) || isBang(t, k);
}

const NO_CONTEXT = 0;
const MATCH = 1;
const TARGET = 2;

/**
 * Parses the words after `-A CHAIN` of one line after another, leaving each rule's parts in its fields
 * for the caller to build the rule from. One instance serves a whole dump: its scratch space is reused,
 * and the parts come from `shared`, so that a part seen before is not allocated again.
 */
export class RuleBodyParser {
  counters: IptCounters | undefined = undefined;
  protocol: IptValue | undefined = undefined;
  source: IptValue | undefined = undefined;
  destination: IptValue | undefined = undefined;
  inInterface: IptValue | undefined = undefined;
  outInterface: IptValue | undefined = undefined;
  fragment: { negated: boolean } | undefined = undefined;
  matches: IptMatch[] = [];
  target: IptTarget | undefined = undefined;
  comment: string | undefined = undefined;
  /** An icmp6 match was opened (explicit or implicit): the dump is ip6tables'. Set in both modes. */
  icmp6Match = false;

  /**
   * False while only checking a rule (src/parse/iptables-lazy.ts): the grammar is checked and the target
   * built as always, but values live in reused scratch objects and matches are not made at all.
   */
  private building = true;
  /** Reused values of the checking mode, one per place (-p, -s, -d, -i, -o). */
  private readonly scratchValues: IptValue[] = [0, 1, 2, 3, 4].map(() => ({ value: '', negated: false }));

  /** The match or target whose options are being read: what it is, its name, and its options so far. */
  private context = NO_CONTEXT;
  private contextName = '';
  private contextFlag = false;
  private readonly pending = new PendingOptions();
  private readonly matchScratch: IptMatch[] = [];
  private matchCount = 0;

  constructor(private readonly shared: SharedParts) {}

  /**
   * Parse words[from..] of a rule line. `counters` are those of a `[packets:bytes]` prefix, if any.
   * Returns an error message (the caller adds the location), or undefined.
   */
  parse(t: RuleWords, from: number, counters: IptCounters | undefined, building = true): string | undefined {
    this.building = building;
    this.counters = counters;
    this.protocol = undefined;
    this.source = undefined;
    this.destination = undefined;
    this.inInterface = undefined;
    this.outInterface = undefined;
    this.fragment = undefined;
    this.target = undefined;
    this.comment = undefined;
    this.icmp6Match = false;
    this.context = NO_CONTEXT;
    this.pending.count = 0;
    this.matchCount = 0;
    const error = this.parseWords(t, from);
    if (error !== undefined) return error;
    if (!building) {
      this.matches = NO_MATCHES;
      return undefined;
    }
    this.matches = this.shared.matchList(this.matchScratch, this.matchCount);
    this.comment = findComment(this.matches);
    return undefined;
  }

  /** After a parse: nothing but a target was read (no values, fragment flag or matches). */
  onlyTarget(): boolean {
    return (
      this.matchCount === 0 &&
      this.protocol === undefined &&
      this.source === undefined &&
      this.destination === undefined &&
      this.inInterface === undefined &&
      this.outInterface === undefined &&
      this.fragment === undefined
    );
  }

  private valueFor(field: number, word: string, negated: boolean): IptValue {
    if (this.building) return this.shared.value(field, field === PROTOCOL ? this.shared.name(word) : word, negated);
    const scratch = this.scratchValues[field]!;
    scratch.value = word;
    scratch.negated = negated;
    return scratch;
  }

  private valueOf(field: number): IptValue | undefined {
    switch (field) {
      case PROTOCOL:
        return this.protocol;
      case SOURCE:
        return this.source;
      case DESTINATION:
        return this.destination;
      case IN_INTERFACE:
        return this.inInterface;
      default:
        return this.outInterface;
    }
  }

  private setValue(field: number, value: IptValue): void {
    switch (field) {
      case PROTOCOL:
        this.protocol = value;
        break;
      case SOURCE:
        this.source = value;
        break;
      case DESTINATION:
        this.destination = value;
        break;
      case IN_INTERFACE:
        this.inInterface = value;
        break;
      default:
        this.outInterface = value;
    }
  }

  private open(kind: number, name: string, flag: boolean, words: readonly string[]): void {
    this.close(words);
    if (kind === MATCH && name === 'icmp6') this.icmp6Match = true;
    this.context = kind;
    this.contextName = name;
    this.contextFlag = flag;
  }

  /** Turn the open context and the options gathered for it into its (shared) match or target. */
  private close(words: readonly string[]): void {
    if (this.context === MATCH) {
      if (this.building) this.matchScratch[this.matchCount] = this.shared.match(this.matchCount, this.contextName, this.contextFlag, words, this.pending);
      this.matchCount++;
    } else if (this.context === TARGET) {
      this.target = this.shared.target(this.contextName, this.contextFlag, words, this.pending);
    }
    this.context = NO_CONTEXT;
    this.pending.count = 0;
  }

  private parseWords(t: RuleWords, from: number): string | undefined {
    const words = t.words;
    const n = words.length;
    let negateNext = false;
    let hasTarget = false;
    let i = from;

    while (i < n) {
      const word = words[i]!;
      if (isBang(t, i)) {
        if (negateNext) return '"!" given twice';
        negateNext = true;
        i++;
        continue;
      }
      if (!isFlag(t, i)) return `unexpected argument ${JSON.stringify(word)}`;

      const field = VALUE_FLAGS.get(word);
      if (field !== undefined) {
        if (this.valueOf(field) !== undefined) return `${word} given twice`;
        let negated = negateNext;
        negateNext = false;
        i++;
        if (isOldStyleBang(t, i)) {
          if (negated) return `${word} negated twice`;
          negated = true;
          i++;
        }
        if (needsValue(t, i)) return `${word} needs a value`;
        this.setValue(field, this.valueFor(field, words[i]!, negated));
        i++;
        continue;
      }

      switch (word) {
        case '-f':
        case '--fragment':
          if (this.fragment) return `${word} given twice`;
          this.fragment = negateNext ? NEGATED_FRAGMENT : FRAGMENT;
          negateNext = false;
          i++;
          continue;
        case '-m':
        case '--match':
          if (negateNext) return `"!" cannot negate ${word}`;
          if (needsValue(t, i + 1)) return `${word} needs a module name`;
          this.open(MATCH, words[i + 1]!, false, words);
          i += 2;
          continue;
        case '-j':
        case '--jump':
        case '-g':
        case '--goto':
          if (negateNext) return `"!" cannot negate ${word}`;
          if (hasTarget) return 'more than one target (-j/-g)';
          if (needsValue(t, i + 1)) return `${word} needs a target name`;
          this.open(TARGET, words[i + 1]!, word === '-g' || word === '--goto', words);
          hasTarget = true;
          i += 2;
          continue;
        case '-c':
        case '--set-counters': {
          const packets = i + 1 < n ? parseCount(words[i + 1]!) : undefined;
          const bytes = i + 2 < n ? parseCount(words[i + 2]!) : undefined;
          if (packets === undefined || bytes === undefined) return `${word} needs two counts`;
          if (this.counters) return 'counters given twice';
          this.counters = this.shared.counters(packets, bytes);
          i += 3;
          continue;
        }
      }

      if (word.charCodeAt(1) !== 0x2d) return `unknown flag ${word}`;
      if (this.context === NO_CONTEXT) {
        if (this.protocol === undefined) return `option ${word} is not inside a -m match or a -j target`;
        this.open(MATCH, implicitModuleFor(this.protocol.value), true, words);
      }
      const name = this.shared.optionName(word);
      let negated = negateNext;
      negateNext = false;
      i++;
      if (isOldStyleBang(t, i)) {
        if (negated) return `${word} negated twice`;
        negated = true;
        i++;
      }
      let end = i;
      if (end < n && FREE_TEXT_OPTIONS.has(name) && !isBang(t, end)) end++;
      // Arguments run until the next "!" or flag; an unknown single-dash word (a value such as "-foo") is an argument.
      while (end < n && !endsArguments(t, end)) end++;
      this.pending.add(name, negated, i, end);
      i = end;
    }
    if (negateNext) return '"!" at the end of the rule negates nothing';
    this.close(words);
    return undefined;
  }
}

const FRAGMENT: { negated: boolean } = Object.freeze({ negated: false });
const NEGATED_FRAGMENT: { negated: boolean } = Object.freeze({ negated: true });

function findComment(matches: IptMatch[]): string | undefined {
  for (const m of matches) {
    if (m.module !== 'comment') continue;
    for (const o of m.options) if (o.name === 'comment') return o.args.length === 1 ? o.args[0] : o.args.join(' ');
  }
  return undefined;
}

/** A packet or byte count: digits only. */
export function parseCount(text: string): number | undefined {
  if (text.length === 0 || text.length > 20) return undefined;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  return Number(text);
}
