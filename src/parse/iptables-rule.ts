/**
 * The words of one `-A CHAIN ...` line, after the chain name, turned into an IptRule's matches and target.
 *
 * Grammar as iptables-save prints it (all versions seen): built-in matches (-s -d -i -o -p -f), then
 * `-m MODULE --opt args...` groups, then `-j|-g TARGET --opt args...`. A "!" negates the next flag or
 * option (new style, `! -s x`, `! --dport 80`) or, placed after it, the flag or option it follows
 * (old style, `-s ! x`, `--dport ! 80`). Options after `-p PROTO` with no `-m` belong to the
 * protocol's implicit match (`-p tcp --dport 80`, old dumps and hand-written files).
 */
import type { IptMatch, IptOption, IptRule, IptTarget, IptValue } from './types.js';
import { looksLikeFlag, type RuleWords } from './iptables-tokens.js';
import { NO_MATCHES } from './iptables-records.js';

/** Shared empty lists (frozen): most targets and many matches have no options, many options no arguments. */
const NO_OPTIONS: IptOption[] = Object.freeze([]) as unknown as IptOption[];
const NO_ARGS: string[] = Object.freeze([]) as unknown as string[];

/** The part of a rule its words describe; parseRuleBody fills it in (an IptRule being built, usually). */
export type RuleBody = Pick<
  IptRule,
  'counters' | 'protocol' | 'source' | 'destination' | 'inInterface' | 'outInterface' | 'fragment' | 'matches' | 'target' | 'comment'
>;

type ValueField = 'protocol' | 'source' | 'destination' | 'inInterface' | 'outInterface';

/** Built-in flags (short and long forms) that take one value. */
const VALUE_FLAGS: ReadonlyMap<string, ValueField> = new Map([
  ['-s', 'source'],
  ['--source', 'source'],
  ['--src', 'source'],
  ['-d', 'destination'],
  ['--destination', 'destination'],
  ['--dst', 'destination'],
  ['-i', 'inInterface'],
  ['--in-interface', 'inInterface'],
  ['-o', 'outInterface'],
  ['--out-interface', 'outInterface'],
  ['-p', 'protocol'],
  ['--protocol', 'protocol'],
]);

/** Every flag that is not an option of a match or target: it ends the argument list of the option before it. */
const STRUCTURAL_FLAGS: ReadonlySet<string> = new Set([
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

/** Free-text options that always take the next word as their argument, even one that starts with a dash. */
const FREE_TEXT_OPTIONS: ReadonlySet<string> = new Set([
  'comment',
  'log-prefix',
  'nflog-prefix',
  'ulog-prefix',
  'string',
  'hex-string',
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

/**
 * Names repeat on every line of a large dump (modules, options, targets, protocols): one parse keeps
 * one string per name, so that 100k rules do not hold 100k copies of "comment". Long names
 * (per-service chains such as KUBE-SEP-2NIF6FXTRQ7OA6YC) rarely repeat and are left alone.
 */
const SHARED_NAME_MAX = 16;

export class NameCache {
  private readonly names = new Map<string, string>();
  private readonly options = new Map<string, string>();

  name(word: string): string {
    if (word.length > SHARED_NAME_MAX) return word;
    const known = this.names.get(word);
    if (known !== undefined) return known;
    this.names.set(word, word);
    return word;
  }

  /** "--dport" → "dport". */
  option(flag: string): string {
    const known = this.options.get(flag);
    if (known !== undefined) return known;
    const name = flag.slice(2);
    this.options.set(flag, name);
    return name;
  }
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

/** Whether word k ends the arguments of an option: "!", or a flag that is not an unknown single-dash word. */
function endsArguments(t: RuleWords, k: number): boolean {
  if (isBang(t, k)) return true;
  if (!isFlag(t, k)) return false;
  const word = t.words[k]!;
  return word.charCodeAt(1) === 0x2d || STRUCTURAL_FLAGS.has(word);
}

function needsValue(t: RuleWords, k: number): boolean {
  return k >= t.words.length || isFlag(t, k) || isBang(t, k);
}

// Named property accesses, not body[field]: a computed key makes every access to rules megamorphic.
function valueOf(body: RuleBody, field: ValueField): IptValue | undefined {
  switch (field) {
    case 'protocol':
      return body.protocol;
    case 'source':
      return body.source;
    case 'destination':
      return body.destination;
    case 'inInterface':
      return body.inInterface;
    case 'outInterface':
      return body.outInterface;
  }
}

function setValue(body: RuleBody, field: ValueField, value: IptValue): void {
  switch (field) {
    case 'protocol':
      body.protocol = value;
      break;
    case 'source':
      body.source = value;
      break;
    case 'destination':
      body.destination = value;
      break;
    case 'inInterface':
      body.inInterface = value;
      break;
    case 'outInterface':
      body.outInterface = value;
      break;
  }
}

/**
 * Matches and options are gathered here and copied out at their exact length: arrays grown with push
 * keep room for 16 elements, and a large dump has hundreds of thousands of them, most holding one or two.
 */
const matchScratch: IptMatch[] = [];
const optionScratch: IptOption[] = [];

/**
 * Parse words[from..] of a rule line into `body` (its `matches` are replaced).
 * Returns an error message (the caller adds the location), or undefined.
 */
export function parseRuleBody(t: RuleWords, from: number, body: RuleBody, names: NameCache = new NameCache()): string | undefined {
  matchScratch.length = 0;
  optionScratch.length = 0;
  const error = parseWords(t, from, body, names);
  matchScratch.length = 0;
  optionScratch.length = 0;
  return error;
}

/** Give the options gathered so far to the context they belong to. */
function flushOptions(context: IptMatch | IptTarget | undefined): void {
  if (context !== undefined && optionScratch.length > 0) {
    context.options = optionScratch.slice();
    optionScratch.length = 0;
  }
}

function parseWords(t: RuleWords, from: number, body: RuleBody, names: NameCache): string | undefined {
  const words = t.words;
  const n = words.length;
  /** Where options go: the last -m match, the target, or an implicit protocol match. */
  let context: IptMatch | IptTarget | undefined;
  let negateNext = false;
  let i = from;

  while (i < n) {
    const word = words[i]!;
    if (isBang(t, i)) {
      if (negateNext) return fail('"!" given twice');
      negateNext = true;
      i++;
      continue;
    }
    if (!isFlag(t, i)) return fail(`unexpected argument ${JSON.stringify(word)}`);

    const field = VALUE_FLAGS.get(word);
    if (field !== undefined) {
      if (valueOf(body, field) !== undefined) return fail(`${word} given twice`);
      let negated = negateNext;
      negateNext = false;
      i++;
      if (isOldStyleBang(t, i)) {
        if (negated) return fail(`${word} negated twice`);
        negated = true;
        i++;
      }
      if (needsValue(t, i)) return fail(`${word} needs a value`);
      setValue(body, field, { value: field === 'protocol' ? names.name(words[i]!) : words[i]!, negated });
      i++;
      continue;
    }

    switch (word) {
      case '-f':
      case '--fragment':
        if (body.fragment) return fail(`${word} given twice`);
        body.fragment = { negated: negateNext };
        negateNext = false;
        i++;
        continue;
      case '-m':
      case '--match': {
        if (negateNext) return fail(`"!" cannot negate ${word}`);
        if (needsValue(t, i + 1)) return fail(`${word} needs a module name`);
        const match: IptMatch = { module: names.name(words[i + 1]!), implicit: false, options: NO_OPTIONS };
        flushOptions(context);
        matchScratch.push(match);
        context = match;
        i += 2;
        continue;
      }
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        if (negateNext) return fail(`"!" cannot negate ${word}`);
        if (body.target) return fail('more than one target (-j/-g)');
        if (needsValue(t, i + 1)) return fail(`${word} needs a target name`);
        const target: IptTarget = { name: names.name(words[i + 1]!), goto: word === '-g' || word === '--goto', options: NO_OPTIONS };
        flushOptions(context);
        body.target = target;
        context = target;
        i += 2;
        continue;
      }
      case '-c':
      case '--set-counters': {
        const packets = i + 1 < n ? parseCount(words[i + 1]!) : undefined;
        const bytes = i + 2 < n ? parseCount(words[i + 2]!) : undefined;
        if (packets === undefined || bytes === undefined) return fail(`${word} needs two counts`);
        if (body.counters) return fail('counters given twice');
        body.counters = { packets, bytes };
        i += 3;
        continue;
      }
    }

    if (word.charCodeAt(1) !== 0x2d) return fail(`unknown flag ${word}`);
    if (context === undefined) {
      if (body.protocol === undefined) {
        return fail(`option ${word} is not inside a -m match or a -j target`);
      }
      const implicit: IptMatch = { module: names.name(implicitModuleFor(body.protocol.value)), implicit: true, options: NO_OPTIONS };
      matchScratch.push(implicit);
      context = implicit;
    }
    const name = names.option(word);
    let negated = negateNext;
    negateNext = false;
    i++;
    if (isOldStyleBang(t, i)) {
      if (negated) return fail(`${word} negated twice`);
      negated = true;
      i++;
    }
    let end = i;
    if (end < n && FREE_TEXT_OPTIONS.has(name) && !isBang(t, end)) end++;
    // Arguments run until the next "!" or flag; an unknown single-dash word (a value such as "-foo") is an argument.
    while (end < n && !endsArguments(t, end)) end++;
    optionScratch.push({ name, args: end > i ? words.slice(i, end) : NO_ARGS, negated });
    i = end;
  }
  if (negateNext) return fail('"!" at the end of the rule negates nothing');
  flushOptions(context);
  body.matches = matchScratch.length > 0 ? matchScratch.slice() : NO_MATCHES;

  const comment = findComment(body.matches);
  if (comment !== undefined) body.comment = comment;
  return undefined;
}

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

function fail(error: string): string {
  return error;
}
