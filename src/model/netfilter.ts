/**
 * Netfilter rulesets from iptables-save: tables, chains (declared or implied), rules in chain order,
 * and jumps resolved to chains with back-references, all in one pass.
 *
 * Rules are the parser's own records (src/parse/iptables-records.ts), which already have the shape of
 * an NfRule: the model only fills `jumpChain` in, so 100k rules are neither copied nor reshaped.
 */
import type { Evidence } from '../parse/common.js';
import { IptRuleRecord } from '../parse/iptables-records.js';
import type { IptChainDecl, IptCounters, IptRule, IptablesSave } from '../parse/types.js';
import type { NetfilterFamily, NfChain, NfRule, NfTable, Ruleset } from './types.js';

/** A chain of the model; its evidence (the declaration line) is made on first use. */
class NetfilterChain implements NfChain {
  readonly rules: NfRule[] = [];
  readonly referencedBy: NfRule[] = [];
  readonly name: string;
  readonly builtin: boolean;
  readonly policy: string | null;
  readonly counters: IptCounters | undefined;
  readonly #label: string;
  #evidence: Evidence | undefined = undefined;

  constructor(
    readonly table: string,
    readonly declaration: IptChainDecl,
    label: string,
  ) {
    this.#label = label;
    this.name = declaration.name;
    this.builtin = declaration.builtin;
    this.policy = declaration.policy;
    this.counters = declaration.counters;
  }

  get evidence(): Evidence {
    return (this.#evidence ??= { source: this.#label, line: this.declaration.line, text: this.declaration.text });
  }
}

/** The parser's record as an NfRule quoting `label`; a hand-built plain rule gets its evidence added. */
function asNfRule(r: IptRule, label: string): NfRule {
  if (r instanceof IptRuleRecord) {
    const rule = r as IptRuleRecord<NfChain>;
    rule.evidenceSource = label;
    return rule;
  }
  const rule = r as NfRule;
  rule.evidence = { source: label, line: r.line, text: r.text };
  return rule;
}

export function buildRuleset(save: IptablesSave, sourceId: string, label: string, family: NetfilterFamily): Ruleset {
  const tables = new Map<string, NfTable>();
  let ruleCount = 0;
  for (const t of save.tables) {
    const chains = new Map<string, NetfilterChain>();
    for (const decl of t.chains) chains.set(decl.name, new NetfilterChain(t.name, decl, label));
    for (const r of t.rules) {
      const rule = asNfRule(r, label);
      // The parser declares undeclared chains itself; this is a guard for hand-built inputs.
      chains.get(r.chain)?.rules.push(rule);
    }
    // Back-references in file order, as the rules come.
    for (const r of t.rules) {
      const rule = r as NfRule;
      const target = rule.target ? chains.get(rule.target.name) : undefined;
      if (target && !target.builtin) {
        rule.jumpChain = target;
        target.referencedBy.push(rule);
      }
    }
    ruleCount += t.rules.length;
    tables.set(t.name, {
      name: t.name,
      chains,
      committed: t.commitLine !== undefined,
      evidence: { source: label, line: t.line, text: `*${t.name}` },
    });
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
