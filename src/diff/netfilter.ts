/**
 * iptables rulesets of one namespace (iptables-save, ip6tables-save, and the legacy and nft backends where
 * both were saved), table by table and chain by chain: chains created and deleted, policies, rules added and
 * deleted, and rules that stayed but run in another order. Counters are not configuration: a rule is its
 * text without them, so two collections of an untouched host compare equal.
 */
import type { NfChain, NfRule, Namespace, Ruleset } from '../model/types.js';
import { byKey, compareKeyed, compareMultiset, type ChangeList, type Pair } from './change-list.js';
import { sourceRead } from './sources.js';

/** "[12:3456] -A FORWARD -j DOCKER-USER" → "-A FORWARD -j DOCKER-USER"; `-c 12 3456` inside a rule, likewise. */
export function ruleWithoutCounters(text: string): string {
  let rule = text;
  // 150k rules on a Kubernetes node: a prefix cut, not a regular expression, where the line has counters.
  if (rule.charCodeAt(0) === 0x5b) {
    const close = rule.indexOf('] ');
    if (close > 0 && COUNTERS.test(rule.slice(0, close + 1))) rule = rule.slice(close + 2).trimStart();
  }
  if (rule.includes(' -c ')) rule = rule.replace(/ -c \d+ \d+(?= |$)/g, '');
  return rule.trim();
}

const COUNTERS = /^\[\d+:\d+\]$/;

/**
 * The rulesets of a namespace, each once: where iptables-save runs on the nf_tables backend,
 * iptables-nft-save shows the same tables (and iptables-legacy-save likewise on legacy), so that view is
 * left out rather than every change listed twice.
 */
function rulesets(ns: Namespace): Map<string, Ruleset> {
  const { ipv4, ipv6, backends } = ns.netfilter;
  const sameAsDefault = (r: Ruleset): boolean => {
    const main = r.family === 'ipv4' ? ipv4 : ipv6;
    if (main === undefined || main === r || main.backend === undefined) return false;
    return r.sourceId.includes(main.backend === 'nf_tables' ? '-nft-' : '-legacy-');
  };
  const all = [ipv4, ipv6, ...[...backends.values()].filter((r) => !sameAsDefault(r))].filter((r): r is Ruleset => r !== undefined);
  return byKey(all, (r) => r.sourceId);
}

function chainsOf(ruleset: Ruleset): Map<string, NfChain> {
  const chains = new Map<string, NfChain>();
  for (const table of ruleset.tables.values()) for (const chain of table.chains.values()) chains.set(`${table.name}/${chain.name}`, chain);
  return chains;
}

const ruleText = (r: NfRule): string => ruleWithoutCounters(r.text);

export function diffNetfilter(pair: Pair<Namespace>, changes: ChangeList): void {
  const ns = pair.after.name;
  compareKeyed(rulesets(pair.before), rulesets(pair.after), {
    // A ruleset on one side only: its chains came or went where the other side read an empty save; where it
    // did not read the source at all, the source change says so.
    removed: (sourceId, ruleset) => {
      if (sourceRead(pair.after, sourceId)) diffChains(sourceId, { before: chainsOf(ruleset), after: new Map() }, ns, changes);
    },
    added: (sourceId, ruleset) => {
      if (sourceRead(pair.before, sourceId)) diffChains(sourceId, { before: new Map(), after: chainsOf(ruleset) }, ns, changes);
    },
    both: (sourceId, rulesets) => diffChains(sourceId, { before: chainsOf(rulesets.before), after: chainsOf(rulesets.after) }, ns, changes),
  });
}

function diffChains(sourceId: string, chains: Pair<Map<string, NfChain>>, ns: string, changes: ChangeList): void {
  compareKeyed(chains.before, chains.after, {
    removed: (chain, c) => changes.add('netfilter.chain', ns, `${sourceId} ${chain}`, describeChain(c), null, { before: c.evidence }),
    added: (chain, c) => changes.add('netfilter.chain', ns, `${sourceId} ${chain}`, null, describeChain(c), { after: c.evidence }),
    both: (chain, c) => diffChain(`${sourceId} ${chain}`, c, ns, changes),
  });
}

/** "policy DROP, 3 rules", "user chain, 0 rules". */
function describeChain(c: NfChain): string {
  const rules = c.rules.length === 1 ? '1 rule' : `${c.rules.length} rules`;
  return `${c.policy === null ? 'user chain' : `policy ${c.policy}`}, ${rules}`;
}

function diffChain(name: string, { before, after }: Pair<NfChain>, ns: string, changes: ChangeList): void {
  if (before.policy !== after.policy) changes.add('netfilter.policy', ns, name, before.policy, after.policy, { before: before.evidence, after: after.evidence });
  const [was, is] = [before.rules, after.rules];
  if (sameRules(was, is)) return;
  const { removed, added, kept } = compareMultiset(was, is, ruleText);
  for (const r of removed) changes.add('netfilter.rule', ns, name, ruleText(r), null, { before: r.evidence });
  for (const r of added) changes.add('netfilter.rule', ns, name, null, ruleText(r), { after: r.evidence });
  const moved = firstDifference(kept.before, kept.after, ruleText);
  if (moved) changes.add('netfilter.order', ns, name, ruleText(moved.before), ruleText(moved.after), { before: moved.before.evidence, after: moved.after.evidence });
}

/** The common case, checked first: the same rules in the same order. */
function sameRules(a: readonly NfRule[], b: readonly NfRule[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i] as NfRule, b[i] as NfRule];
    if (x.text !== y.text && ruleText(x) !== ruleText(y)) return false;
  }
  return true;
}

/**
 * Where two orderings of the same rules first part: the rule that sat there before, and the one that sits there
 * now (a REJECT moved to the top of FORWARD now runs before the accepts).
 */
export function firstDifference<T>(before: readonly T[], after: readonly T[], key: (item: T) => string): Pair<T> | undefined {
  for (let i = 0; i < before.length && i < after.length; i++) {
    const [b, a] = [before[i] as T, after[i] as T];
    if (key(b) !== key(a)) return { before: b, after: a };
  }
  return undefined;
}
