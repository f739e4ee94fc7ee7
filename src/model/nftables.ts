/**
 * The nftables ruleset of one namespace (`nft -j list ruleset`, or `nft [-a] list ruleset` text) as the
 * model holds it: every table, chain and rule with the line it came from, and which tables are iptables-nft's.
 *
 * One netfilter picture per namespace: a table iptables-nft manages holds the same rules the iptables-nft
 * view (iptables-nft-save, or iptables-save on the nf_tables backend) already shows. It stays here, flagged
 * `managedByIptablesNft`, so that the engine evaluates those rules once, through the iptables view.
 */
import type { Evidence } from '../parse/common.js';
import type { NftChain, NftFamily, NftRule, NftTable } from '../parse/nft-types.js';
import type { Netfilter, Ruleset } from './types.js';

export interface NftRuleView {
  rule: NftRule;
  evidence: Evidence;
}

export interface NftChainView {
  chain: NftChain;
  /** Base chains only (type, hook, priority, policy); undefined for a regular chain. */
  base: NftChain['base'];
  evidence: Evidence;
  readonly rules: NftRuleView[];
}

export interface NftTableView {
  /** The parsed table, as the parser gave it. */
  table: NftTable;
  family: NftFamily;
  name: string;
  evidence: Evidence;
  /** In the order the ruleset lists them. */
  chains: NftChainView[];
  chainByName: Map<string, NftChainView>;
  ruleCount: number;
  /**
   * iptables-nft made this table: nft says so (its `# Warning: table ... is managed by iptables-nft`, or xt
   * compat statements), or the namespace's iptables-nft view holds the same table and the table's base
   * chains are exactly iptables built-ins. Its rules are evaluated through the iptables view, not twice.
   */
  managedByIptablesNft: boolean;
  /** Where the flag comes from when nft itself did not say: the table line of the iptables view. */
  managedEvidence?: Evidence;
  /**
   * iptables-nft's table, and an iptables view of the snapshot holds it: evaluated there, not here. A
   * sosreport of an nf_tables host lists the filter table with `iptables -L` and holds the nat table only as
   * `nft list ruleset` text: that one is evaluated here, from nft's translation.
   */
  evaluatedThroughIptables: boolean;
}

export interface NftNetfilter {
  /** Source label ("nft-ruleset", "netns:blue/nft-ruleset"). */
  label: string;
  tables: NftTableView[];
}

/**
 * A chain of the model. Its rules' views are made when first read: a kube-proxy table has 40k chains, and
 * the checks read the few on the paths they ask about (a JSON rule's text is made on first use too).
 */
class ChainView implements NftChainView {
  readonly base: NftChain['base'];
  readonly evidence: Evidence;
  #rules: NftRuleView[] | undefined;

  constructor(
    readonly chain: NftChain,
    private readonly label: string,
  ) {
    this.base = chain.base;
    this.evidence = { source: label, line: chain.line, text: chain.text };
  }

  get rules(): NftRuleView[] {
    return (this.#rules ??= this.chain.rules.map((rule) => ({ rule, evidence: { source: this.label, line: rule.line, text: rule.text } })));
  }
}

/** The built-in chains of each iptables table (iptables-nft names its base chains after the hook). */
const IPTABLES_BUILTINS: Readonly<Record<string, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** The iptables views of a family that come from nf_tables: iptables-nft-save, and iptables-save when its backend is nf_tables. */
function iptablesNftViews(family: NftFamily, netfilter: Netfilter | undefined): Ruleset[] {
  if (!netfilter || (family !== 'ip' && family !== 'ip6')) return [];
  const nftSave = netfilter.backends.get(family === 'ip' ? 'iptables-nft-save' : 'ip6tables-nft-save');
  const save = family === 'ip' ? netfilter.ipv4 : netfilter.ipv6;
  return [nftSave, save?.backend === 'nf_tables' ? save : undefined].filter((r): r is Ruleset => r !== undefined && r.tables.size > 0);
}

/** The iptables views of a family that may show nf_tables' rules: every one but iptables-legacy's. */
function iptablesViews(family: NftFamily, netfilter: Netfilter | undefined): Ruleset[] {
  if (!netfilter || (family !== 'ip' && family !== 'ip6')) return [];
  const name = family === 'ip' ? 'ipv4' : 'ipv6';
  const main = family === 'ip' ? netfilter.ipv4 : netfilter.ipv6;
  const views = [main, ...[...netfilter.backends.values()].filter((r) => r.family === name)];
  return views.filter((r): r is Ruleset => r !== undefined && r.backend !== 'legacy' && !r.sourceId.endsWith('-legacy-save'));
}

/** A table shaped as iptables-nft makes it: an iptables table name, and every base chain an iptables built-in on its own hook. */
function looksLikeIptablesTable(table: NftTable): boolean {
  const builtins = IPTABLES_BUILTINS[table.name];
  if (builtins === undefined || (table.family !== 'ip' && table.family !== 'ip6')) return false;
  const bases = table.chains.filter((c) => c.base !== undefined);
  return bases.length > 0 && bases.every((c) => builtins.includes(c.name) && c.base!.hook === c.name.toLowerCase());
}

/**
 * The model's view of a parsed nft ruleset. `netfilter` is the namespace's iptables views, used to recognise
 * iptables-nft tables nft did not mark (the JSON form carries no warning line).
 */
export function buildNftables(ruleset: { tables: readonly NftTable[] }, label: string, netfilter?: Netfilter): NftNetfilter {
  const tables = ruleset.tables.map((table): NftTableView => {
    const chains = table.chains.map((chain): NftChainView => new ChainView(chain, label));
    const view: NftTableView = {
      table,
      family: table.family,
      name: table.name,
      evidence: { source: label, line: table.line, text: `table ${table.family} ${table.name}` },
      chains,
      chainByName: new Map(chains.map((c) => [c.chain.name, c])),
      ruleCount: table.chains.reduce((n, c) => n + c.rules.length, 0),
      managedByIptablesNft: table.managedBy === 'iptables-nft',
      evaluatedThroughIptables: false,
    };
    if (!view.managedByIptablesNft && looksLikeIptablesTable(table)) {
      const same = iptablesNftViews(table.family, netfilter)
        .map((r) => r.tables.get(table.name))
        .find((t) => t !== undefined);
      if (same) {
        view.managedByIptablesNft = true;
        view.managedEvidence = same.evidence;
      }
    }
    view.evaluatedThroughIptables = view.managedByIptablesNft && iptablesViews(table.family, netfilter).some((r) => (r.tables.get(table.name)?.chains.size ?? 0) > 0);
    return view;
  });
  return { label, tables };
}
