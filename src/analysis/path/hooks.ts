/**
 * The netfilter pipeline as data: which base chains register on which hook, at which priority, for every
 * ruleset of a namespace. iptables-legacy (x_tables) and iptables-nft (nf_tables) are separate rulesets
 * and both run; a native nftables table registers its base chains the same way (with its own priorities).
 * Within a hook the base chains run by priority; ACCEPT ends only its own base chain, DROP is final.
 */
import type { NftChainView, NftTableView } from '../../model/nftables.js';
import type { Namespace, NfTable, Ruleset } from '../../model/types.js';

/** The nft table families whose base chains see routed packets of an address family (bridge and netdev do not). */
const NFT_FAMILIES_OF: Record<4 | 6, readonly string[]> = { 4: ['ip', 'inet'], 6: ['ip6', 'inet'] };

export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

/** The chain a NAT base chain is: destination NAT before routing, source NAT after. */
export type ChainType = 'filter' | 'nat' | 'route';

/** include/uapi/linux/netfilter_ipv4.h: NF_IP_PRI_* (IPv6 uses the same values). */
export const PRIORITY = { raw: -300, conntrack: -200, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 } as const;

interface IptablesChainSpec {
  table: string;
  chain: string;
  hook: Hook;
  priority: number;
  type: ChainType;
}

/** The built-in chains of the iptables tables, by the hook each registers on. */
const IPTABLES_CHAINS: IptablesChainSpec[] = [
  { table: 'raw', chain: 'PREROUTING', hook: 'prerouting', priority: PRIORITY.raw, type: 'filter' },
  { table: 'mangle', chain: 'PREROUTING', hook: 'prerouting', priority: PRIORITY.mangle, type: 'filter' },
  { table: 'nat', chain: 'PREROUTING', hook: 'prerouting', priority: PRIORITY.dstnat, type: 'nat' },
  { table: 'mangle', chain: 'INPUT', hook: 'input', priority: PRIORITY.mangle, type: 'filter' },
  { table: 'filter', chain: 'INPUT', hook: 'input', priority: PRIORITY.filter, type: 'filter' },
  { table: 'security', chain: 'INPUT', hook: 'input', priority: PRIORITY.security, type: 'filter' },
  { table: 'nat', chain: 'INPUT', hook: 'input', priority: PRIORITY.srcnat, type: 'nat' },
  { table: 'mangle', chain: 'FORWARD', hook: 'forward', priority: PRIORITY.mangle, type: 'filter' },
  { table: 'filter', chain: 'FORWARD', hook: 'forward', priority: PRIORITY.filter, type: 'filter' },
  { table: 'security', chain: 'FORWARD', hook: 'forward', priority: PRIORITY.security, type: 'filter' },
  { table: 'raw', chain: 'OUTPUT', hook: 'output', priority: PRIORITY.raw, type: 'filter' },
  { table: 'mangle', chain: 'OUTPUT', hook: 'output', priority: PRIORITY.mangle, type: 'route' },
  { table: 'nat', chain: 'OUTPUT', hook: 'output', priority: PRIORITY.dstnat, type: 'nat' },
  { table: 'filter', chain: 'OUTPUT', hook: 'output', priority: PRIORITY.filter, type: 'filter' },
  { table: 'security', chain: 'OUTPUT', hook: 'output', priority: PRIORITY.security, type: 'filter' },
  { table: 'mangle', chain: 'POSTROUTING', hook: 'postrouting', priority: PRIORITY.mangle, type: 'filter' },
  { table: 'nat', chain: 'POSTROUTING', hook: 'postrouting', priority: PRIORITY.srcnat, type: 'nat' },
];

interface BaseChainCommon {
  hook: Hook;
  priority: number;
  type: ChainType;
  /** "iptables-legacy", "iptables-nft", "iptables" (backend not known), "nftables". */
  backend: string;
  /** The ruleset's source, e.g. "iptables-save", "netns:blue/iptables-legacy-save", "nft-ruleset". */
  label: string;
}

/** One base chain on a hook, of any backend: enough to walk it and to say which ruleset and table it belongs to. */
export type BaseChain =
  | (BaseChainCommon & { kind: 'iptables'; table: NfTable; chain: string })
  | (BaseChainCommon & { kind: 'nft'; table: NftTableView; chain: NftChainView });

function backendName(ruleset: Ruleset): string {
  const prefix = ruleset.family === 'ipv6' ? 'ip6tables' : 'iptables';
  if (ruleset.backend === 'legacy' || ruleset.sourceId.endsWith('-legacy-save')) return `${prefix}-legacy`;
  if (ruleset.backend === 'nf_tables' || ruleset.sourceId.endsWith('-nft-save')) return `${prefix}-nft`;
  return prefix;
}

/** No rule and every chain's policy ACCEPT: the ruleset lets everything through, as if it were not there. */
function addsNothing(ruleset: Ruleset): boolean {
  if (ruleset.ruleCount > 0) return false;
  for (const table of ruleset.tables.values()) {
    for (const chain of table.chains.values()) if (chain.policy !== null && chain.policy !== 'ACCEPT') return false;
  }
  return true;
}

/** As many rules, and the same chains with the same policies: the backend's own dump of the default view. */
function sameShape(a: Ruleset, b: Ruleset): boolean {
  if (a.ruleCount !== b.ruleCount || a.tables.size !== b.tables.size) return false;
  for (const [name, table] of a.tables) {
    const other = b.tables.get(name);
    if (!other || other.chains.size !== table.chains.size) return false;
    for (const [chainName, chain] of table.chains) if (other.chains.get(chainName)?.policy !== chain.policy) return false;
  }
  return true;
}

/**
 * Every iptables ruleset of the namespace for the family that the kernel runs: the default view, and
 * the other backend's view when it was collected and does something (both run; a view without rules whose
 * policies all accept adds nothing, but a leftover FORWARD policy DROP with no rules drops everything).
 */
export function iptablesRulesets(ns: Namespace, family: 4 | 6): Ruleset[] {
  const familyName = family === 4 ? 'ipv4' : 'ipv6';
  const main = family === 4 ? ns.netfilter.ipv4 : ns.netfilter.ipv6;
  const byBackend = new Map<string, Ruleset>();
  if (main) byBackend.set(backendName(main), main);
  for (const view of ns.netfilter.backends.values()) {
    if (view.family !== familyName || addsNothing(view)) continue;
    const name = backendName(view);
    // The default view is one of the two backends: the same ruleset seen twice is walked once.
    const sameAsMain = main !== undefined && (name === backendName(main) || (backendName(main) === (family === 4 ? 'iptables' : 'ip6tables') && sameShape(view, main)));
    if (!sameAsMain && !byBackend.has(name)) byBackend.set(name, view);
  }
  return [...byBackend.values()];
}

/** A table's base chains in its order, found once: kube-proxy's table has 8 among 40k chains at 10k services. */
const nftBaseChainLists = new WeakMap<NftTableView, NftChainView[]>();

function nftBaseChains(table: NftTableView): NftChainView[] {
  let list = nftBaseChainLists.get(table);
  if (!list) nftBaseChainLists.set(table, (list = table.chains.filter((c) => c.base !== undefined)));
  return list;
}

/** The base chains on a hook, lowest priority first (the order the kernel calls them in). */
export function baseChainsAt(ns: Namespace, family: 4 | 6, hook: Hook): BaseChain[] {
  const chains: BaseChain[] = [];
  for (const ruleset of iptablesRulesets(ns, family)) {
    for (const spec of IPTABLES_CHAINS) {
      if (spec.hook !== hook) continue;
      const table = ruleset.tables.get(spec.table);
      if (!table || !table.chains.has(spec.chain)) continue;
      chains.push({ kind: 'iptables', hook, priority: spec.priority, type: spec.type, backend: backendName(ruleset), label: ruleset.label, table, chain: spec.chain });
    }
  }
  // Native nftables tables; those iptables-nft manages are walked once, through the iptables view that holds them (or here, when none does).
  const nft = ns.nftables;
  for (const table of nft?.tables ?? []) {
    if (table.evaluatedThroughIptables || !NFT_FAMILIES_OF[family].includes(table.family)) continue;
    for (const chain of nftBaseChains(table)) {
      const base = chain.base!;
      if (base.hook !== hook) continue;
      chains.push({ kind: 'nft', hook, priority: base.priority, type: base.type, backend: 'nftables', label: nft!.label, table, chain });
    }
  }
  // Stable: at equal priority, rulesets keep the order above (registration order, which the snapshot does not show).
  return chains.sort((a, b) => a.priority - b.priority);
}
