/**
 * Netfilter rulesets from iptables-save: tables, chains (declared or implied), rules in chain order,
 * and jumps resolved to chains with back-references, all in one pass.
 *
 * Rules are the parser's own records, which already hold (empty) `evidence` and `jumpChain` slots
 * (src/parse/iptables-records.ts): the model fills them in without copying or reshaping 100k objects.
 */
import type { Evidence } from '../parse/common.js';
import type { IptChainDecl, IptablesSave } from '../parse/types.js';
import type { NetfilterFamily, NfChain, NfRule, NfTable, Ruleset } from './types.js';

function newChain(table: string, decl: IptChainDecl, label: string): NfChain {
  return {
    name: decl.name,
    table,
    builtin: decl.builtin,
    policy: decl.policy,
    counters: decl.counters,
    declaration: decl,
    evidence: { source: label, line: decl.line, text: decl.text },
    rules: [],
    referencedBy: [],
  };
}

export function buildRuleset(save: IptablesSave, sourceId: string, label: string, family: NetfilterFamily): Ruleset {
  const tables = new Map<string, NfTable>();
  let ruleCount = 0;
  for (const t of save.tables) {
    const chains = new Map<string, NfChain>();
    for (const decl of t.chains) chains.set(decl.name, newChain(t.name, decl, label));
    const rules = t.rules as NfRule[];
    for (const rule of rules) {
      rule.evidence = { source: label, line: rule.line, text: rule.text };
      // The parser declares undeclared chains itself; this is a guard for hand-built inputs.
      chains.get(rule.chain)?.rules.push(rule);
    }
    for (const rule of rules) {
      const target = rule.target ? chains.get(rule.target.name) : undefined;
      if (target && !target.builtin) {
        rule.jumpChain = target;
        target.referencedBy.push(rule);
      }
    }
    ruleCount += rules.length;
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
