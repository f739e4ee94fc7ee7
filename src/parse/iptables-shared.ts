/**
 * One object per distinct part of a rule, shared by every rule of a dump that has it.
 *
 * A Kubernetes node's dump repeats the same pieces on 100k lines: `-p tcp`, `-m tcp --dport 443`,
 * `-j KUBE-MARK-MASQ`, `-m statistic --mode random --probability 0.5`, a service's comment on its
 * consecutive rules. Each such piece is one object instead of one per line (fewer objects for the
 * garbage collector to copy and mark, and less memory). Nothing downstream may edit a
 * rule's parts in place (the shared empty lists are frozen; freezing every part would cost a runtime
 * call each, for 100k parts).
 *
 * Repeats are found cheaply: a part is first compared with the last one made for the same place (runs
 * of rules of one shape); options with one argument are looked up by name and argument, except free
 * text and names whose arguments turn out not to repeat; a match or target whose options are all shared
 * is looked up by its name and the identity of those options. Nothing is keyed by text built for the
 * purpose.
 */
import type { IptCounters, IptMatch, IptOption, IptTarget, IptValue } from './types.js';

/** Shared empty lists (frozen): most targets and many matches have no options, many options no arguments. */
export const NO_MATCHES: IptMatch[] = Object.freeze([]) as unknown as IptMatch[];
export const NO_OPTIONS: IptOption[] = Object.freeze([]) as unknown as IptOption[];
export const NO_ARGS: string[] = Object.freeze([]) as unknown as string[];

const ZERO_COUNTERS: IptCounters = Object.freeze({ packets: 0, bytes: 0 });

/** Free-text options (comments, log prefixes, strings): nearly always different, never looked up. */
export const FREE_TEXT_OPTIONS: ReadonlySet<string> = new Set(['comment', 'log-prefix', 'nflog-prefix', 'ulog-prefix', 'string', 'hex-string']);

/**
 * Options of one name and negation with one argument, by argument (`--dport 80`, `--probability 0.5`).
 * A name whose arguments hardly repeat (`--to-destination 10.244.3.7:8080` on every endpoint) stops
 * being looked up once that is clear: `byArg` is dropped.
 */
interface OptionTable {
  lookups: number;
  hits: number;
  byArg: Map<string, IptOption> | undefined;
}

/** Lookups after which an option name with fewer than one hit in four is no longer looked up. */
const OPTION_TRIAL = 256;

/** A node of the tree of shared matches (or targets): by name, then by each of its (shared) options. */
interface PartNode {
  match: IptMatch | undefined;
  target: IptTarget | undefined;
  readonly next: Map<IptOption, PartNode>;
}

function newNode(): PartNode {
  return { match: undefined, target: undefined, next: new Map() };
}

/**
 * Names repeat on every line (modules, options, targets, protocols): one string per name, so that
 * 100k rules do not hold 100k copies of "comment". Long names (per-service chains such as
 * KUBE-SEP-2NIF6FXTRQ7OA6YC) rarely repeat and are left alone.
 */
const SHARED_NAME_MAX = 16;

/** Whether a name is too long to be shared (see SHARED_NAME_MAX): a target so named is likely the only one. */
export function isOneOffName(name: string): boolean {
  return name.length > SHARED_NAME_MAX;
}

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
  private readonly optionTables = new Map<string, OptionTable>();
  private readonly negatedOptionTables = new Map<string, OptionTable>();
  private readonly noArgOptions = new Map<string, IptOption>();
  private readonly negatedNoArgOptions = new Map<string, IptOption>();
  /** Matches and targets whose options are all shared, by name: `-m tcp --dport 80`, `-j REJECT --reject-with …`. */
  private readonly matchRoots = new Map<string, PartNode>();
  private readonly implicitMatchRoots = new Map<string, PartNode>();
  private readonly jumpRoots = new Map<string, PartNode>();
  private readonly gotoRoots = new Map<string, PartNode>();
  /** The options of the part being made, and whether option() returned a shared one. */
  private readonly optionScratch: IptOption[] = [];
  private lastOptionShared = false;
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
    if (options.count === 0) return this.plainTarget(name, goto);
    const last = this.lastTarget;
    if (last !== undefined && last.name === name && last.goto === goto && sameOptions(last.options, words, options)) return last;
    const made = this.newTarget(name, goto, words, options);
    this.lastTarget = made;
    return made;
  }

  /** A target without options (`-j KUBE-MARK-MASQ`), as target() makes it. */
  plainTarget(name: string, goto: boolean): IptTarget {
    const last = this.lastTarget;
    if (last !== undefined && last.name === name && last.goto === goto && last.options.length === 0) return last;
    const made: IptTarget = name.length <= SHARED_NAME_MAX ? this.bareTarget(name, goto) : { name, goto, options: NO_OPTIONS };
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
    const n = options.count;
    if (!this.gatherOptions(words, options)) return { module: this.name(module), implicit, options: copyList(this.optionScratch, n) };
    const node = this.nodeOf(implicit ? this.implicitMatchRoots : this.matchRoots, module, n);
    return (node.match ??= { module: this.name(module), implicit, options: copyList(this.optionScratch, n) });
  }

  private newTarget(name: string, goto: boolean, words: readonly string[], options: PendingOptions): IptTarget {
    const n = options.count;
    if (!this.gatherOptions(words, options)) return { name: this.name(name), goto, options: copyList(this.optionScratch, n) };
    const node = this.nodeOf(goto ? this.gotoRoots : this.jumpRoots, name, n);
    return (node.target ??= { name: this.name(name), goto, options: copyList(this.optionScratch, n) });
  }

  /** The node for `name` and the first n options in optionScratch. */
  private nodeOf(roots: Map<string, PartNode>, name: string, n: number): PartNode {
    let node: PartNode | undefined = roots.get(name);
    if (node === undefined) {
      node = newNode();
      roots.set(name, node);
    }
    for (let k = 0; k < n; k++) {
      const option = this.optionScratch[k]!;
      let next: PartNode | undefined = node.next.get(option);
      if (next === undefined) {
        next = newNode();
        node.next.set(option, next);
      }
      node = next;
    }
    return node;
  }

  /** Make the pending options into optionScratch; true when every one of them is shared. */
  private gatherOptions(words: readonly string[], options: PendingOptions): boolean {
    let allShared = true;
    for (let k = 0; k < options.count; k++) {
      this.optionScratch[k] = this.option(words, options, k);
      if (!this.lastOptionShared) allShared = false;
    }
    return allShared;
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

  private option(words: readonly string[], options: PendingOptions, k: number): IptOption {
    const name = options.names[k]!;
    const negated = options.negated[k]!;
    const from = options.from[k]!;
    const to = options.to[k]!;
    this.lastOptionShared = false;
    if (to === from) return this.noArgOption(name, negated);
    if (to > from + 1 || FREE_TEXT_OPTIONS.has(name)) return { name, args: words.slice(from, to), negated };
    const tables = negated ? this.negatedOptionTables : this.optionTables;
    let table = tables.get(name);
    if (table === undefined) {
      table = { lookups: 0, hits: 0, byArg: new Map() };
      tables.set(name, table);
    }
    const arg = words[from]!;
    const byArg = table.byArg;
    if (byArg === undefined) return { name, args: [arg], negated };
    table.lookups++;
    const known = byArg.get(arg);
    if (known !== undefined) {
      table.hits++;
      this.lastOptionShared = true;
      return known;
    }
    const made: IptOption = { name, args: [arg], negated };
    if (table.lookups >= OPTION_TRIAL && table.hits * 4 < table.lookups) {
      table.byArg = undefined;
    } else {
      byArg.set(arg, made);
      this.lastOptionShared = true;
    }
    return made;
  }

  private noArgOption(name: string, negated: boolean): IptOption {
    const known = negated ? this.negatedNoArgOptions : this.noArgOptions;
    let option = known.get(name);
    if (option === undefined) {
      option = { name, args: NO_ARGS, negated };
      known.set(name, option);
    }
    this.lastOptionShared = true;
    return option;
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
