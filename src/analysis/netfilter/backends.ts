/**
 * iptables-legacy and iptables-nft are two separate rulesets in the kernel (x_tables and nf_tables),
 * both traversed by every packet. Tools that pick different backends (an older Docker or kube-proxy
 * image on legacy, the distribution's iptables on nft) each see only their half: rules seem to be
 * missing, and a DROP in one half cannot be undone by an ACCEPT in the other.
 *
 * Evidence of a split: both views collected and both holding rules, or iptables-nft's own
 * "# Warning: iptables-legacy tables present" when the legacy view was not collected.
 */
import type { Evidence, Namespace, Ruleset } from '../../model/types.js';

export interface BackendView {
  sourceId: string;
  label: string;
  ruleCount: number;
  /** The first rule line, as evidence that the view holds rules. */
  firstRule?: Evidence;
}

export interface BackendSplit {
  family: 4 | 6;
  split: boolean;
  legacy?: BackendView;
  nft?: BackendView;
  /** iptables-nft's warning lines. */
  warnings: Evidence[];
  evidence: Evidence[];
}

const LEGACY_WARNING = 'iptables-legacy tables present';

export function checkBackendSplit(ns: Namespace, family: 4 | 6): BackendSplit {
  const prefix = family === 4 ? 'iptables' : 'ip6tables';
  const main = family === 4 ? ns.netfilter.ipv4 : ns.netfilter.ipv6;
  const legacyRuleset = ns.netfilter.backends.get(`${prefix}-legacy-save`) ?? (main?.backend === 'legacy' ? main : undefined);
  const nftRuleset = ns.netfilter.backends.get(`${prefix}-nft-save`) ?? (main?.backend === 'nf_tables' ? main : undefined);
  const warnings = [main, nftRuleset, ...ns.netfilter.backends.values()]
    .filter((r): r is Ruleset => r !== undefined && r.family === (family === 4 ? 'ipv4' : 'ipv6'))
    .flatMap((r) => r.warnings.filter((w) => w.text.includes(LEGACY_WARNING)));
  const uniqueWarnings = [...new Map(warnings.map((w) => [`${w.source}:${w.line}`, w])).values()];

  const result: BackendSplit = { family, split: false, warnings: uniqueWarnings, evidence: [] };
  if (legacyRuleset) result.legacy = view(legacyRuleset);
  if (nftRuleset && nftRuleset !== legacyRuleset) result.nft = view(nftRuleset);

  if (result.legacy && result.nft) {
    result.split = result.legacy.ruleCount > 0 && result.nft.ruleCount > 0;
  } else if (!result.legacy && uniqueWarnings.length > 0) {
    // The legacy view was not collected: iptables-nft's warning is the evidence that legacy tables hold something.
    result.split = true;
  }
  if (result.split) {
    for (const v of [result.nft, result.legacy]) if (v?.firstRule) result.evidence.push(v.firstRule);
    result.evidence.push(...uniqueWarnings);
  }
  return result;
}

function view(ruleset: Ruleset): BackendView {
  const v: BackendView = { sourceId: ruleset.sourceId, label: ruleset.label, ruleCount: ruleset.ruleCount };
  let first: Evidence | undefined;
  for (const table of ruleset.tables.values()) {
    for (const chain of table.chains.values()) {
      for (const rule of chain.rules) if (!first || rule.line < first.line) first = rule.evidence;
    }
  }
  if (first) v.firstRule = first;
  return v;
}
