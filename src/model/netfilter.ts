/**
 * Netfilter rulesets from iptables-save: tables, chains (declared or implied), rules in chain order,
 * and jumps resolved to chains with back-references, all in one pass.
 */
import type { Evidence } from '../parse/common.js';
import type { IptablesSave } from '../parse/types.js';
import type { NetfilterFamily, NfChain, NfRule, NfTable, Ruleset } from './types.js';

export function buildRuleset(save: IptablesSave, sourceId: string, label: string, family: NetfilterFamily): Ruleset {
  const tables = new Map<string, NfTable>();
  let ruleCount = 0;
  for (const t of save.tables) {
    const chains = new Map<string, NfChain>();
    for (const decl of t.chains) {
      chains.set(decl.name, {
        name: decl.name,
        table: t.name,
        builtin: decl.builtin,
        policy: decl.policy,
        ...(decl.counters ? { counters: decl.counters } : {}),
        declaration: decl,
        evidence: { source: label, line: decl.line, text: decl.text },
        rules: [],
        referencedBy: [],
      });
    }
    const rules: NfRule[] = [];
    for (const r of t.rules) {
      const rule = r as NfRule;
      rule.evidence = { source: label, line: r.line, text: r.text };
      const chain = chains.get(r.chain);
      // The parser declares undeclared chains itself; this is a guard for hand-built inputs.
      if (chain) chain.rules.push(rule);
      rules.push(rule);
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
