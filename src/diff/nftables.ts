/**
 * Native nftables of one namespace (`nft list ruleset`): tables, chains, base chain policies, rules and the
 * size of sets and maps. Tables iptables-nft manages hold the rules the iptables view already shows
 * (netfilter.ts): they are compared there, once. Counters and handles are not configuration: a rule is its
 * text without them.
 */
import type { NftChainView, NftRuleView, NftTableView } from '../model/nftables.js';
import type { Namespace } from '../model/types.js';
import type { NftSet } from '../parse/nft-types.js';
import { byKey, compareKeyed, compareMultiset, type ChangeList, type Pair } from './change-list.js';
import { firstDifference } from './netfilter.js';

/** "ip daddr 10.0.0.1 counter packets 3 bytes 180 accept # handle 7" → "ip daddr 10.0.0.1 counter accept". */
export function nftRuleWithoutCounters(text: string): string {
  return text
    .replace(/\bcounter packets \d+ bytes \d+/g, 'counter')
    .replace(/\s*# handle \d+\s*$/, '')
    .trim();
}

const ruleText = (r: NftRuleView): string => nftRuleWithoutCounters(r.rule.text);

function tables(ns: Namespace): Map<string, NftTableView> {
  return byKey(ns.nftables?.tables ?? [], (t) => `${t.family} ${t.name}`);
}

function describeChain(c: NftChainView): string {
  const rules = c.rules.length === 1 ? '1 rule' : `${c.rules.length} rules`;
  if (!c.base) return `regular chain, ${rules}`;
  return `type ${c.base.type} hook ${c.base.hook} priority ${c.base.priority}; policy ${c.base.policy}, ${rules}`;
}

function describeSet(s: NftSet): string {
  return `${s.kind} of ${s.type}${s.dataType ? ` : ${s.dataType}` : ''}, ${s.elements.length === 1 ? '1 element' : `${s.elements.length} elements`}`;
}

export function diffNftables(pair: Pair<Namespace>, changes: ChangeList): void {
  const ns = pair.after.name;
  // Not collected (or unreadable) on one side: the source change says so.
  if (!pair.before.nftables || !pair.after.nftables) return;
  compareKeyed(tables(pair.before), tables(pair.after), {
    removed: (name, t) => {
      if (!t.managedByIptablesNft) changes.add('nft.table', ns, name, `${t.chains.length} chains, ${t.ruleCount} rules`, null, { before: t.evidence });
    },
    added: (name, t) => {
      if (!t.managedByIptablesNft) changes.add('nft.table', ns, name, null, `${t.chains.length} chains, ${t.ruleCount} rules`, { after: t.evidence });
    },
    both: (name, t) => {
      if (t.before.managedByIptablesNft && t.after.managedByIptablesNft) return;
      diffTable(name, t, ns, changes);
    },
  });
}

function diffTable(table: string, { before, after }: Pair<NftTableView>, ns: string, changes: ChangeList): void {
  compareKeyed(before.chainByName, after.chainByName, {
    removed: (chain, c) => changes.add('nft.chain', ns, `${table} ${chain}`, describeChain(c), null, { before: c.evidence }),
    added: (chain, c) => changes.add('nft.chain', ns, `${table} ${chain}`, null, describeChain(c), { after: c.evidence }),
    both: (chain, c) => diffChain(`${table} ${chain}`, c, ns, changes),
  });
  const evidence = { before: before.evidence, after: after.evidence };
  compareKeyed(byKey(before.table.sets, (s) => s.name), byKey(after.table.sets, (s) => s.name), {
    removed: (set, s) => changes.add('nft.set', ns, `${table} ${set}`, describeSet(s), null, { before: before.evidence }),
    added: (set, s) => changes.add('nft.set', ns, `${table} ${set}`, null, describeSet(s), { after: after.evidence }),
    both: (set, s) => {
      const [was, is] = [describeSet(s.before), describeSet(s.after)];
      if (was !== is) changes.add('nft.set', ns, `${table} ${set}`, was, is, evidence);
    },
  });
}

/** Rules read from JSON with the same statements' source, in the same order: no rule changed (their texts are not made). */
function sameSources(before: NftChainView, after: NftChainView): boolean {
  const [a, b] = [before.chain.rules, after.chain.rules];
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const key = a[i]!.sourceKey;
    if (key === undefined || key !== b[i]!.sourceKey) return false;
  }
  return true;
}

function diffChain(name: string, { before, after }: Pair<NftChainView>, ns: string, changes: ChangeList): void {
  const evidence = { before: before.evidence, after: after.evidence };
  const [policyBefore, policyAfter] = [before.base?.policy ?? null, after.base?.policy ?? null];
  if (policyBefore !== policyAfter) changes.add('nft.policy', ns, name, policyBefore, policyAfter, evidence);
  if (sameSources(before, after)) return;
  const { removed, added, kept } = compareMultiset(before.rules, after.rules, ruleText);
  for (const r of removed) changes.add('nft.rule', ns, name, ruleText(r), null, { before: r.evidence });
  for (const r of added) changes.add('nft.rule', ns, name, null, ruleText(r), { after: r.evidence });
  const moved = firstDifference(kept.before, kept.after, ruleText);
  if (moved) changes.add('nft.order', ns, name, ruleText(moved.before), ruleText(moved.after), { before: moved.before.evidence, after: moved.after.evidence });
}
