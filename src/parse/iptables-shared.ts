/**
 * One object per distinct part of a rule, shared by every rule of a dump that has it.
 *
 * A Kubernetes node's dump repeats the same pieces on 100k lines: `-p tcp`, `-m tcp`, `-j KUBE-MARK-MASQ`,
 * the service's `-m comment --comment "ns/svc:port"` on each of its rules, `-m statistic --mode random
 * --probability 0.5`. Parsed once per distinct text, each is one object instead of one per line (fewer
 * objects for the garbage collector to copy and mark, and less memory). Nothing downstream may edit a
 * rule's parts in place (the shared empty lists are frozen; freezing every part would cost a runtime
 * call each, for 100k parts).
 *
 * Repeats are found without hashing text: a part is compared with the last one made for the same place
 * (runs of rules of one shape), and parts without options are looked up by their name, a string the
 * tokenizer usually hands over again from the line before, with its hash already computed.
 */
import type { IptCounters, IptMatch, IptOption, IptTarget, IptValue } from './types.js';

/** Shared empty lists (frozen): most targets and many matches have no options, many options no arguments. */
export const NO_MATCHES: IptMatch[] = Object.freeze([]) as unknown as IptMatch[];
export const NO_OPTIONS: IptOption[] = Object.freeze([]) as unknown as IptOption[];
export const NO_ARGS: string[] = Object.freeze([]) as unknown as string[];

const ZERO_COUNTERS: IptCounters = Object.freeze({ packets: 0, bytes: 0 });

/**
 * Names repeat on every line (modules, options, targets, protocols): one string per name, so that
 * 100k rules do not hold 100k copies of "comment". Long names (per-service chains such as
 * KUBE-SEP-2NIF6FXTRQ7OA6YC) rarely repeat and are left alone.
 */
const SHARED_NAME_MAX = 16;

/**
 * Options of the context (match or target) being parsed, as word indices: nothing is allocated for
 * them until the context turns out to be new.
 */
export class PendingOptions {
  count = 0;
  readonly names: string[] = [];
  readonly negated: boolean[] = [];
  /** Arguments of option k are words[from[k]..to[k]). */
  readonly from: number[] = [];
  readonly to: number[] = [];

  add(name: string, negated: boolean, from: number, to: number): void {
    const k = this.count++;
    this.names[k] = name;
    this.negated[k] = negated;
    this.from[k] = from;
    this.to[k] = to;
  }
}

export class SharedParts {
  private readonly names = new Map<string, string>();
  private readonly optionNames = new Map<string, string>();
  /** Options-free matches and targets by name: `-m tcp`, `-j KUBE-MARK-MASQ` (not the one-off `-j KUBE-SEP-…`). */
  private readonly bareMatches = new Map<string, IptMatch>();
  private readonly bareImplicitMatches = new Map<string, IptMatch>();
  private readonly bareJumps = new Map<string, IptTarget>();
  private readonly bareGotos = new Map<string, IptTarget>();
  private readonly singleMatchLists = new Map<IptMatch, IptMatch[]>();
  /**
   * The last part made for each place: rules come in runs of one shape (a chain's rules, a service's
   * endpoints), so comparing with the previous one finds most repeats without hashing any text.
   */
  private readonly lastValues: (IptValue | undefined)[] = [];
  private readonly lastMatches: (IptMatch | undefined)[] = [];
  private lastTarget: IptTarget | undefined;
  private lastMatchList: IptMatch[] = NO_MATCHES;

  name(word: string): string {
    if (word.length > SHARED_NAME_MAX) return word;
    const known = this.names.get(word);
    if (known !== undefined) return known;
    this.names.set(word, word);
    return word;
  }

  /** "--dport" → "dport". */
  optionName(flag: string): string {
    const known = this.optionNames.get(flag);
    if (known !== undefined) return known;
    const name = flag.slice(2);
    this.optionNames.set(flag, name);
    return name;
  }

  /** The value of a built-in match; `field` numbers the place (-p, -s, -d, -i, -o) so that each has its own last value. */
  value(field: number, value: string, negated: boolean): IptValue {
    const last = this.lastValues[field];
    if (last !== undefined && last.value === value && last.negated === negated) return last;
    const made: IptValue = { value, negated };
    this.lastValues[field] = made;
    return made;
  }

  counters(packets: number, bytes: number): IptCounters {
    return packets === 0 && bytes === 0 ? ZERO_COUNTERS : { packets, bytes };
  }

  /** The match at position `slot` of a rule's match list. */
  match(slot: number, module: string, implicit: boolean, words: readonly string[], options: PendingOptions): IptMatch {
    const last = this.lastMatches[slot];
    if (last !== undefined && last.module === module && last.implicit === implicit && sameOptions(last.options, words, options)) return last;
    const made = options.count === 0 ? this.bareMatch(module, implicit) : this.newMatch(module, implicit, words, options);
    this.lastMatches[slot] = made;
    return made;
  }

  target(name: string, goto: boolean, words: readonly string[], options: PendingOptions): IptTarget {
    const last = this.lastTarget;
    if (last !== undefined && last.name === name && last.goto === goto && sameOptions(last.options, words, options)) return last;
    const made: IptTarget =
      options.count === 0 && name.length <= SHARED_NAME_MAX
        ? this.bareTarget(name, goto)
        : { name: this.name(name), goto, options: this.optionList(words, options) };
    this.lastTarget = made;
    return made;
  }

  /** The first `count` matches, as a list shared with earlier rules that have the same matches. */
  matchList(matches: readonly IptMatch[], count: number): IptMatch[] {
    if (count === 0) return NO_MATCHES;
    const last = this.lastMatchList;
    if (last.length === count && sameItems(last, matches, count)) return last;
    let list: IptMatch[] | undefined;
    if (count === 1) {
      list = this.singleMatchLists.get(matches[0]!);
      if (list === undefined) {
        list = [matches[0]!];
        this.singleMatchLists.set(matches[0]!, list);
      }
    } else {
      list = copyList(matches, count);
    }
    this.lastMatchList = list;
    return list;
  }

  private newMatch(module: string, implicit: boolean, words: readonly string[], options: PendingOptions): IptMatch {
    return { module: this.name(module), implicit, options: this.optionList(words, options) };
  }

  private bareMatch(module: string, implicit: boolean): IptMatch {
    const matches = implicit ? this.bareImplicitMatches : this.bareMatches;
    let shared = matches.get(module);
    if (shared === undefined) {
      shared = { module: this.name(module), implicit, options: NO_OPTIONS };
      matches.set(module, shared);
    }
    return shared;
  }

  private bareTarget(name: string, goto: boolean): IptTarget {
    const targets = goto ? this.bareGotos : this.bareJumps;
    let shared = targets.get(name);
    if (shared === undefined) {
      shared = { name: this.name(name), goto, options: NO_OPTIONS };
      targets.set(name, shared);
    }
    return shared;
  }

  private optionList(words: readonly string[], options: PendingOptions): IptOption[] {
    const n = options.count;
    if (n === 0) return NO_OPTIONS;
    const list: IptOption[] = n === 1 ? [this.option(words, options, 0)] : [];
    for (let k = list.length; k < n; k++) list.push(this.option(words, options, k));
    return list;
  }

  private option(words: readonly string[], options: PendingOptions, k: number): IptOption {
    const from = options.from[k]!;
    const to = options.to[k]!;
    const args = to === from ? NO_ARGS : to === from + 1 ? [words[from]!] : words.slice(from, to);
    return { name: options.names[k]!, args, negated: options.negated[k]! };
  }
}

/** Whether `options` (made earlier) are exactly the pending ones. */
function sameOptions(options: readonly IptOption[], words: readonly string[], pending: PendingOptions): boolean {
  if (options.length !== pending.count) return false;
  for (let k = 0; k < options.length; k++) {
    const option = options[k]!;
    const from = pending.from[k]!;
    const args = option.args;
    if (option.name !== pending.names[k] || option.negated !== pending.negated[k] || args.length !== pending.to[k]! - from) return false;
    for (let a = 0; a < args.length; a++) if (args[a] !== words[from + a]) return false;
  }
  return true;
}

function sameItems<T>(a: readonly T[], b: readonly T[], count: number): boolean {
  for (let k = 0; k < count; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** The first `count` items, in an array of exactly that length (literals for the usual short lists). */
function copyList<T>(items: readonly T[], count: number): T[] {
  switch (count) {
    case 1:
      return [items[0]!];
    case 2:
      return [items[0]!, items[1]!];
    case 3:
      return [items[0]!, items[1]!, items[2]!];
    default:
      return items.slice(0, count);
  }
}
