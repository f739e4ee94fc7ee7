/**
 * Netfilter rulesets from iptables-save: tables, chains (declared or implied), rules in chain order,
 * and jumps resolved to chains with back-references, all in one pass.
 *
 * Rules are the parser's own records, which already quote themselves as evidence and hold an empty
 * `jumpChain` slot (src/parse/iptables-records.ts): the model fills it in without copying or reshaping
 * 100k objects. Chains, likewise, make their evidence line when asked for it.
 * A Kubernetes node has tens of thousands of chains of one to three rules each, so their lists are
 * made at their exact length (an array grown by push from empty keeps room for 17).
 */
import type { Evidence } from '../parse/common.js';
import { evidenceSourceOf } from '../parse/iptables-records.js';
import type { IptChainDecl, IptCounters, IptRule, IptRuleIndex, IptablesSave } from '../parse/types.js';
import type { NetfilterFamily, NfChain, NfRule, NfTable, Ruleset, TableLayout } from './types.js';

/** A chain of the model; its evidence (the declaration line) is made when asked for. */
class NetfilterChain implements NfChain {
  declare name: string;
  declare table: string;
  declare builtin: boolean;
  declare policy: string | null;
  declare counters: IptCounters | undefined;
  declare declaration: IptChainDecl;
  declare rules: NfRule[];
  declare referencedBy: NfRule[];
  declare number: number;
  readonly #label: string;

  constructor(label: string, table: string, decl: IptChainDecl, number: number) {
    this.name = decl.name;
    this.table = table;
    this.builtin = decl.builtin;
    this.policy = decl.policy;
    this.counters = decl.counters;
    this.declaration = decl;
    this.rules = NO_RULES;
    this.referencedBy = NO_RULES;
    this.number = number;
    this.#label = label;
  }

  get evidence(): Evidence {
    return { source: this.#label, line: this.declaration.line, text: this.declaration.text };
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
 * assignRules and the jumps, by the positions the parser noted (no name looked up, no rule read but to set
 * its jump); the table's layout when its chains come in one run each, in declaration order.
 */
function placeByIndex(rules: NfRule[], chains: NfChain[], index: IptRuleIndex): TableLayout | undefined {
  const ruleChains = index.chain;
  const ruleStart = new Int32Array(chains.length + 1);
  // In declaration order with one run each: every chain's run starts after the previous chain's.
  let ordered = true;
  let nextChain = 0;
  let runStart = 0;
  for (let i = 1; i <= rules.length; i++) {
    if (i < rules.length && ruleChains[i] === ruleChains[runStart]) continue;
    const number = ruleChains[runStart]!;
    const chain = chains[number]!;
    chain.rules = chain.rules.length === 0 ? rules.slice(runStart, i) : chain.rules.concat(rules.slice(runStart, i));
    if (number < nextChain) ordered = false;
    for (; nextChain <= number; nextChain++) ruleStart[nextChain] = runStart;
    runStart = i;
  }
  for (; nextChain <= chains.length; nextChain++) ruleStart[nextChain] = rules.length;
  const jumps = index.jump;
  const jumpOf = new Int32Array(rules.length);
  for (let i = 0; i < rules.length; i++) {
    const j = jumps[i]!;
    jumpOf[i] = j >= 0 && addJump(rules[i]!, chains[j]!) ? j : -1;
  }
  return ordered ? { chains, rules, ruleStart, jumpOf } : undefined;
}

/** Resolve the jumps by the target's name (tables the parser could not index, hand-built ones). */
function resolveByName(rules: NfRule[], chains: Map<string, NfChain>): void {
  for (const rule of rules) {
    const target = rule.target ? chains.get(rule.target.name) : undefined;
    if (target) addJump(rule, target);
  }
}

/** A target naming a user chain is a jump to it (one naming a built-in chain is not); true when it is. */
function addJump(rule: NfRule, target: NfChain): boolean {
  if (target.builtin) return false;
  rule.jumpChain = target;
  target.referencedBy = withRule(target.referencedBy, rule);
  return true;
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
    const rules = t.rules as NfRule[];
    // A parse's records all quote the label they were parsed under: when the first does, all do.
    if (rules.length > 0 && evidenceSourceOf(rules[0] as IptRule) !== label) for (const rule of t.rules) quoteAs(rule, label);
    let layout: TableLayout | undefined;
    if (t.index && t.index.chain.length === rules.length) {
      layout = placeByIndex(rules, list, t.index);
    } else {
      assignRules(rules, chains);
      resolveByName(rules, chains);
    }
    ruleCount += rules.length;
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
