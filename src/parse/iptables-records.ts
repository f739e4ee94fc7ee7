/**
 * The rule and chain records parseIptablesSave returns, each built at once with all its fields, after
 * the whole line is read.
 *
 * A large dump holds 100k+ rules. Literals grown one optional property at a time end up with a hidden
 * class per combination of fields and an out-of-object property store each; and the model used to add
 * `evidence` and `jumpChain` afterwards, reshaping every rule again. Here absent fields hold undefined
 * (which `toEqual` and JSON.stringify treat as absent), the `jumpChain` slot the model fills in
 * (src/model/netfilter.ts) is there from the start, and `evidence` is a getter: the evidence line is
 * made for the few rules a report quotes, not for 100k, and the label it names is a private field that
 * no comparison or serialisation sees.
 */
import type { Evidence } from './common.js';
import { LazyRuleRecord } from './iptables-lazy.js';
import type { IptChainDecl, IptCounters, IptMatch, IptRule, IptTarget, IptValue } from './types.js';

/** The parts of a rule read from its words (src/parse/iptables-rule.ts). */
export interface RuleParts {
  counters: IptCounters | undefined;
  protocol: IptValue | undefined;
  source: IptValue | undefined;
  destination: IptValue | undefined;
  inInterface: IptValue | undefined;
  outInterface: IptValue | undefined;
  fragment: { negated: boolean } | undefined;
  matches: IptMatch[];
  target: IptTarget | undefined;
  comment: string | undefined;
}

/** An IptRule quoting itself as evidence, with the slot for the chain its target names. */
export interface IptRuleRecord extends IptRule {
  readonly evidence: Evidence;
  jumpChain: object | undefined;
}

/** A parsed rule: every field assigned in one order (one hidden class), the label private (not a field anyone sees). */
class RuleRecord {
  declare table: string;
  declare chain: string;
  declare position: number;
  declare line: number;
  declare text: string;
  declare counters: IptCounters | undefined;
  declare protocol: IptValue | undefined;
  declare source: IptValue | undefined;
  declare destination: IptValue | undefined;
  declare inInterface: IptValue | undefined;
  declare outInterface: IptValue | undefined;
  declare fragment: { negated: boolean } | undefined;
  declare matches: IptMatch[];
  declare target: IptTarget | undefined;
  declare comment: string | undefined;
  declare jumpChain: object | undefined;
  readonly #source: string;

  constructor(source: string, table: string, chain: string, position: number, line: number, text: string, p: RuleParts) {
    this.table = table;
    this.chain = chain;
    this.position = position;
    this.line = line;
    this.text = text;
    this.counters = p.counters;
    this.protocol = p.protocol;
    this.source = p.source;
    this.destination = p.destination;
    this.inInterface = p.inInterface;
    this.outInterface = p.outInterface;
    this.fragment = p.fragment;
    this.matches = p.matches;
    this.target = p.target;
    this.comment = p.comment;
    this.jumpChain = undefined;
    this.#source = source;
  }

  get evidenceSource(): string {
    return this.#source;
  }

  get evidence(): Evidence {
    return { source: this.#source, line: this.line, text: this.text };
  }
}

/** The label a parsed rule's evidence names; undefined for a rule that was not made here (hand-built). */
export function evidenceSourceOf(rule: IptRule): string | undefined {
  return rule instanceof RuleRecord || rule instanceof LazyRuleRecord ? rule.evidenceSource : undefined;
}

/** A rule record whose evidence names `source`; a rule without -j/-g has `target` undefined. */
export function newRuleRecord(source: string, table: string, chain: string, position: number, line: number, text: string, p: RuleParts): IptRuleRecord {
  return new RuleRecord(source, table, chain, position, line, text, p);
}

/** A `:CHAIN POLICY [packets:bytes]` line. */
export function newChainDecl(name: string, policy: string | null, counters: IptCounters | undefined, line: number, text: string): IptChainDecl {
  return { name, builtin: policy !== null, policy, counters, line, text };
}

/** A chain the dump uses without declaring it: its line and text are those of its first rule. */
export function newImplicitChainDecl(name: string, builtin: boolean, line: number, text: string): IptChainDecl {
  return { name, builtin, policy: null, implicit: true, line, text };
}
