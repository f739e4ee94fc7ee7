/**
 * Netfilter facts about the host (subject kind `host`): is the ruleset split between the
 * iptables-legacy and iptables-nft backends?
 */
import { checkBackendSplit, type BackendSplit } from '../../analysis/netfilter/index.js';
import type { Namespace } from '../../model/types.js';
import { mergeEvidence } from './lib/evidence.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

function splits(env: FactEnv, ns: Namespace): BackendSplit[] {
  return env.cache.perNamespace(ns, 'netfilter-host:backend-split', () => [checkBackendSplit(ns, 4), checkBackendSplit(ns, 6)].filter((s) => s.split));
}

function describe(s: BackendSplit): string {
  const tool = s.family === 4 ? 'iptables' : 'ip6tables';
  if (s.legacy && s.nft) return `${s.nft.label} shows ${s.nft.ruleCount} rules and ${s.legacy.label} another ${s.legacy.ruleCount}`;
  return `${tool}-nft warns that ${tool}-legacy tables are present (the legacy view was not collected)`;
}

const facts = defineFacts<Namespace>('host', [
  {
    name: 'iptablesBackendSplit',
    type: 'boolean',
    description:
      'Rules live in both the iptables-legacy (x_tables) and iptables-nft (nf_tables) backends, for IPv4 or IPv6: both views hold rules, or iptables-nft printed "# Warning: iptables-legacy tables present" and the legacy view was not collected',
    example: false,
    compute: (ns, env) => splits(env, ns).length > 0,
  },
  {
    name: 'iptablesBackendSplitSummary',
    type: 'string',
    description: 'Which views hold rules, for messages (empty when there is no split)',
    example: 'iptables-nft-save shows 212 rules and iptables-legacy-save another 14',
    compute: (ns, env) => splits(env, ns).map(describe).join('; '),
  },
  {
    name: 'iptablesBackendEvidence',
    type: EVIDENCE_TYPE,
    description: 'The first rule of each view and iptables-nft\'s warning line',
    compute: (ns, env) => mergeEvidence(...splits(env, ns).map((s) => s.evidence)),
  },
]);

export const netfilterHostModule: FactModule<Namespace> = { facts };
