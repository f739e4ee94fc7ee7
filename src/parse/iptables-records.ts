/**
 * The rule and chain records parseIptablesSave returns, each built by one object literal with all its
 * fields, once the whole line is read.
 *
 * A large dump holds 100k+ rules. Literals grown one optional property at a time end up with a hidden
 * class per combination of fields and an out-of-object property store each; and the model used to add
 * `evidence` and `jumpChain` afterwards, reshaping every rule again. Here absent fields hold undefined
 * (which `toEqual` and JSON.stringify treat as absent), and the two slots the model fills in
 * (src/model/netfilter.ts) are there from the start. One literal per shape also lets V8 see that these
 * objects live long and allocate them where the young-generation collector does not copy them.
 */
import type { Evidence } from './common.js';
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

/** An IptRule with the slots a consumer fills in: its evidence line and the chain its target names. */
export interface IptRuleRecord extends IptRule {
  evidence: Evidence | undefined;
  jumpChain: object | undefined;
}

/** A rule record; a rule without -j/-g has no `target` key at all (as before: `'target' in rule` is false). */
export function newRuleRecord(table: string, chain: string, position: number, line: number, text: string, p: RuleParts): IptRuleRecord {
  if (p.target === undefined) return newCountingRule(table, chain, position, line, text, p);
  return {
    table,
    chain,
    position,
    line,
    text,
    counters: p.counters,
    protocol: p.protocol,
    source: p.source,
    destination: p.destination,
    inInterface: p.inInterface,
    outInterface: p.outInterface,
    fragment: p.fragment,
    matches: p.matches,
    target: p.target,
    comment: p.comment,
    evidence: undefined,
    jumpChain: undefined,
  };
}

/** A rule that only counts packets (rare): no target. */
function newCountingRule(table: string, chain: string, position: number, line: number, text: string, p: RuleParts): IptRuleRecord {
  return {
    table,
    chain,
    position,
    line,
    text,
    counters: p.counters,
    protocol: p.protocol,
    source: p.source,
    destination: p.destination,
    inInterface: p.inInterface,
    outInterface: p.outInterface,
    fragment: p.fragment,
    matches: p.matches,
    comment: p.comment,
    evidence: undefined,
    jumpChain: undefined,
  };
}

/** A `:CHAIN POLICY [packets:bytes]` line. */
export function newChainDecl(name: string, policy: string | null, counters: IptCounters | undefined, line: number, text: string): IptChainDecl {
  return { name, builtin: policy !== null, policy, counters, line, text };
}

/** A chain the dump uses without declaring it: its line and text are those of its first rule. */
export function newImplicitChainDecl(name: string, builtin: boolean, line: number, text: string): IptChainDecl {
  return { name, builtin, policy: null, implicit: true, line, text };
}
