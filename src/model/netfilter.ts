/**
 * Netfilter rulesets from iptables-save: tables, chains (declared or implied), rules in chain order,
 * and jumps resolved to chains with back-references.
 *
 * Rules are the parser's own records, which already quote themselves as evidence and hold an empty
 * `jumpChain` slot (src/parse/iptables-records.ts): the model fills it in without copying or reshaping
 * them. Chains, likewise, make their evidence line when asked for it. The parser numbers each rule's
 * chain and jump target, so nothing is looked up by name; a table laid out that way (TableLayout) has its
 * records made, its jumps set, and its chains' lists made only when read: a Kubernetes node has 100k+
 * rules in tens of thousands of chains, and an audit reads a fraction of them. Lists are made at their
 * exact length (an array grown by push from empty keeps room for 17).
 */
import type { Evidence } from '../parse/common.js';
import { evidenceSourceOf } from '../parse/iptables-records.js';
import { firstArgument } from '../parse/iptables-lazy.js';
import type { IptChainDecl, IptCounters, IptRule, IptRuleIndex, IptablesSave, LazyRules } from '../parse/types.js';
import type { NetfilterFamily, NfChain, NfRule, NfTable, Ruleset, TableLayout } from './types.js';

/**
 * A chain of the model; its evidence (the declaration line) is made when asked for. In a laid-out table
 * (TableLayout) its rule and reference lists are made when first read: a pass over a Kubernetes nat table
 * follows the layout's flat arrays and reads the lists of a few chains out of 40k.
 */
class NetfilterChain implements NfChain {
  declare name: string;
  declare table: string;
  declare builtin: boolean;
  declare policy: string | null;
  declare counters: IptCounters | undefined;
  declare declaration: IptChainDecl;
  declare number: number;
  readonly #label: string;
  #rules: NfRule[] | undefined;
  #referencedBy: NfRule[] | undefined;
  #laidOut: LaidOutLists | undefined;

  constructor(label: string, table: string, decl: IptChainDecl, number: number) {
    this.name = decl.name;
    this.table = table;
    this.builtin = decl.builtin;
    this.policy = decl.policy;
    this.counters = decl.counters;
    this.declaration = decl;
    this.number = number;
    this.#label = label;
    this.#rules = NO_RULES;
    this.#referencedBy = NO_RULES;
    this.#laidOut = undefined;
  }

  /** Take the lists from the table's layout when first read. */
  laidOut(lists: LaidOutLists): void {
    this.#laidOut = lists;
    this.#rules = undefined;
    this.#referencedBy = undefined;
  }

  get rules(): NfRule[] {
    return (this.#rules ??= (this.#laidOut as LaidOutLists).rulesOf(this.number));
  }

  set rules(rules: NfRule[]) {
    this.#rules = rules;
  }

  get referencedBy(): NfRule[] {
    return (this.#referencedBy ??= (this.#laidOut as LaidOutLists).referencesTo(this.number));
  }

  set referencedBy(rules: NfRule[]) {
    this.#referencedBy = rules;
  }

  get evidence(): Evidence {
    return { source: this.#label, line: this.declaration.line, text: this.declaration.text };
  }
}

/** The rule and reference lists of a laid-out table's chains, each made on first use. */
class LaidOutLists {
  /** The rules jumping to each chain, by position: those to chain c at refs[refStart[c]] to refs[refStart[c + 1] - 1]. */
  #refStart: Int32Array | undefined = undefined;
  #refs: Int32Array | undefined = undefined;

  constructor(private readonly layout: TableLayout) {}

  rulesOf(number: number): NfRule[] {
    const layout = this.layout;
    const start = layout.ruleStart[number] as number;
    const end = layout.ruleStart[number + 1] as number;
    if (start === end) return NO_RULES;
    const list = new Array<NfRule>(end - start);
    for (let i = start; i < end; i++) list[i - start] = layout.ruleAt(i);
    return list;
  }

  referencesTo(number: number): NfRule[] {
    if (this.#refStart === undefined) this.indexReferences();
    const refStart = this.#refStart as Int32Array;
    const refs = this.#refs as Int32Array;
    const start = refStart[number] as number;
    const end = refStart[number + 1] as number;
    if (start === end) return NO_RULES;
    const layout = this.layout;
    const list = new Array<NfRule>(end - start);
    for (let k = start; k < end; k++) list[k - start] = layout.ruleAt(refs[k] as number);
    return list;
  }

  /** Every chain's referring rules at once, in file order (a counting sort of the jumps). */
  private indexReferences(): void {
    const { chains, jumpOf } = this.layout;
    const refStart = new Int32Array(chains.length + 1);
    for (let i = 0; i < jumpOf.length; i++) {
      const j = jumpOf[i] as number;
      if (j >= 0) refStart[j + 1]!++;
    }
    for (let c = 0; c < chains.length; c++) refStart[c + 1]! += refStart[c] as number;
    const next = refStart.slice(0, chains.length);
    const refs = new Int32Array(refStart[chains.length] as number);
    for (let i = 0; i < jumpOf.length; i++) {
      const j = jumpOf[i] as number;
      if (j >= 0) refs[next[j]!++] = i;
    }
    this.#refStart = refStart;
    this.#refs = refs;
  }
}

/** Chains without rules, or without references, share this (frozen) list. */
const NO_RULES: NfRule[] = Object.freeze([]) as unknown as NfRule[];

/** `list` with `rule` added: a new exact-length list for the first few, push after that. */
function withRule(list: NfRule[], rule: NfRule): NfRule[] {
  switch (list.length) {
    case 0:
      return [rule];
    case 1:
      return [list[0]!, rule];
    case 2:
      return [list[0]!, list[1]!, rule];
    default:
      list.push(rule);
      return list;
  }
}

/**
 * Give each chain its rules in file order. iptables-save prints a chain's rules together, so a run of
 * rules of one chain becomes one slice; rules of a chain that come in several runs (hand-edited files)
 * are appended.
 */
function assignRules(rules: NfRule[], chains: Map<string, NfChain>): void {
  let runStart = 0;
  for (let i = 1; i <= rules.length; i++) {
    const name = rules[runStart]!.chain;
    if (i < rules.length && rules[i]!.chain === name) continue;
    // The parser declares undeclared chains itself; a missing chain is a guard for hand-built inputs.
    const chain = chains.get(name);
    if (chain) chain.rules = chain.rules.length === 0 ? rules.slice(runStart, i) : chain.rules.concat(rules.slice(runStart, i));
    runStart = i;
  }
}

/**
 * The table laid out by the positions the parser noted (TableLayout), when its chains come in one run
 * each, in declaration order: no name looked up, its rules made only when read, each given its jump then,
 * and the chains' lists made when first read. Undefined for other orders (hand-edited dumps), which are
 * placed by name.
 */
function layOut(source: LazyRules, chains: NetfilterChain[], index: IptRuleIndex): TableLayout | undefined {
  const ruleChains = index.chain;
  const count = source.count;
  const ruleStart = new Int32Array(chains.length + 1);
  let nextChain = 0;
  for (let runStart = 0, i = 1; i <= count; i++) {
    if (i < count && ruleChains[i] === ruleChains[runStart]) continue;
    const number = ruleChains[runStart] as number;
    // Each run must start a chain after the previous run's: declaration order, one run per chain.
    if (number < nextChain) return undefined;
    for (; nextChain <= number; nextChain++) ruleStart[nextChain] = runStart;
    runStart = i;
  }
  for (; nextChain <= chains.length; nextChain++) ruleStart[nextChain] = count;
  const jumpOf = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const j = index.jump[i] as number;
    jumpOf[i] = j >= 0 && !(chains[j] as NfChain).builtin ? j : -1;
  }
  const ruleAt = (i: number): NfRule => {
    const rule = source.ruleAt(i) as NfRule;
    const jump = jumpOf[i] as number;
    if (jump >= 0 && rule.jumpChain === undefined) rule.jumpChain = chains[jump];
    return rule;
  };
  const layout: TableLayout = {
    chains,
    ruleCount: count,
    ruleAt,
    targetNameAt: (i) => source.targetNameAt(i),
    targetArgumentAt: (i, option) => source.targetArgumentAt(i, option),
    destinationAt: (i) => {
      const destination = source.destinationAt(i);
      return destination === null ? ruleAt(i).destination : destination;
    },
    ruleStart,
    jumpOf,
  };
  const lists = new LaidOutLists(layout);
  for (const chain of chains) chain.laidOut(lists);
  return layout;
}

/** A table's rules in an array, as LazyRules. */
function arrayRules(rules: readonly IptRule[]): LazyRules {
  return {
    count: rules.length,
    ruleAt: (i) => rules[i] as IptRule,
    targetAt: (i) => (rules[i] as IptRule).target,
    targetNameAt: (i) => (rules[i] as IptRule).target?.name,
    targetArgumentAt: (i, option) => firstArgument((rules[i] as IptRule).target, option),
    destinationAt: (i) => (rules[i] as IptRule).destination,
  };
}

/** Resolve the jumps by the target's name (tables the parser could not index, hand-built ones). */
function resolveByName(rules: NfRule[], chains: Map<string, NfChain>): void {
  for (const rule of rules) {
    const target = rule.target ? chains.get(rule.target.name) : undefined;
    if (target) addJump(rule, target);
  }
}

/** A target naming a user chain is a jump to it (one naming a built-in chain is not). */
function addJump(rule: NfRule, target: NfChain): void {
  if (target.builtin) return;
  rule.jumpChain = target;
  target.referencedBy = withRule(target.referencedBy, rule);
}

/**
 * Make sure `rule.evidence` quotes `label`: the parser's records already do when they were parsed under
 * that label; others (hand-built rules, or records parsed under another label) get their own.
 */
function quoteAs(rule: IptRule, label: string): void {
  if (evidenceSourceOf(rule) === label) return;
  const evidence: Evidence = { source: label, line: rule.line, text: rule.text };
  Object.defineProperty(rule, 'evidence', { value: evidence, writable: true, enumerable: true, configurable: true });
}

export function buildRuleset(save: IptablesSave, sourceId: string, label: string, family: NetfilterFamily): Ruleset {
  const tables = new Map<string, NfTable>();
  let ruleCount = 0;
  for (const t of save.tables) {
    const list = t.chains.map((decl, number) => new NetfilterChain(label, t.name, decl, number));
    const chains = new Map<string, NfChain>();
    for (const chain of list) chains.set(chain.name, chain);
    // The lazy scan's records are made when read; they quote the label they were parsed under.
    let source: LazyRules = t.lazy ?? arrayRules(t.rules);
    // A parse's records all quote the label they were parsed under: when the first does, all do.
    if (source.count > 0 && evidenceSourceOf(source.ruleAt(0)) !== label) {
      for (const rule of t.rules) quoteAs(rule, label);
      source = arrayRules(t.rules);
    }
    const layout = t.index && t.index.chain.length === source.count ? layOut(source, list, t.index) : undefined;
    if (!layout) {
      const rules = t.rules as NfRule[];
      assignRules(rules, chains);
      resolveByName(rules, chains);
    }
    ruleCount += source.count;
    const table: NfTable = {
      name: t.name,
      chains,
      committed: t.commitLine !== undefined,
      evidence: { source: label, line: t.line, text: `*${t.name}` },
    };
    if (layout) table.layout = layout;
    tables.set(t.name, table);
  }
  const ruleset: Ruleset = {
    sourceId,
    label,
    family: save.family === 'ipv6' ? 'ipv6' : save.family === 'ipv4' ? 'ipv4' : family,
    tables,
    ruleCount,
    warnings: save.warnings.map((w): Evidence => ({ source: label, line: w.line, text: w.text })),
  };
  if (save.generator) {
    ruleset.generator = `${save.generator.program} ${save.generator.version}`;
    if (save.generator.backend) ruleset.backend = save.generator.backend;
  }
  return ruleset;
}
