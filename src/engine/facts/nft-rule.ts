/**
 * Subject kinds `nft-rule` and `nft-chain`: every rule and chain of the native nftables tables (`nft list
 * ruleset`), for site rules as `netfilter-rule` and `netfilter-chain` serve iptables ("no base chain at the
 * forward hook with policy accept", "no nft rule accepts ssh from anywhere"). Tables iptables-nft manages
 * are listed too, flagged, since site rules may want them or not. Names: "inet filter/forward#3" and
 * "inet filter/forward".
 */
import type { NftChainView, NftRuleView, NftTableView } from '../../model/nftables.js';
import type { Namespace } from '../../model/types.js';
import { renderExpr, renderValue } from '../../parse/nft-render.js';
import type { NftStatement, NftValue, NftVerdict } from '../../parse/nft-types.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactModule } from './registry.js';

interface ChainSubject {
  table: NftTableView;
  chain: NftChainView;
}

interface RuleSubject extends ChainSubject {
  rule: NftRuleView;
  position: number;
}

function tables(ns: Namespace): NftTableView[] {
  return ns.nftables?.tables ?? [];
}

function chainName(table: NftTableView, chain: NftChainView): string {
  return `${table.family} ${table.name}/${chain.chain.name}`;
}

const chainSubjects = defineSubjects<ChainSubject>({
  kind: 'nft-chain',
  description: 'Every chain of the nftables ruleset (nft list ruleset), named "<family> <table>/<chain>", e.g. "inet filter/forward"',
  namespaces: 'all',
  enumerate: ({ namespace }) => tables(namespace).flatMap((table) => table.chains.map((chain) => ({ name: chainName(table, chain), value: { table, chain } }))),
});

const ruleSubjects = defineSubjects<RuleSubject>({
  kind: 'nft-rule',
  description: 'Every rule of the nftables ruleset, named "<family> <table>/<chain>#<position>", e.g. "inet filter/forward#3"',
  namespaces: 'all',
  enumerate: ({ namespace }) =>
    tables(namespace).flatMap((table) =>
      table.chains.flatMap((chain) => chain.rules.map((rule, i) => ({ name: `${chainName(table, chain)}#${i + 1}`, value: { table, chain, rule, position: i + 1 } }))),
    ),
});

/** Tables, chains and their references, once per table: which chains some rule jumps or goes to. */
const referenced = new WeakMap<NftTableView, Map<string, number>>();

function referencesTo(table: NftTableView, chain: string): number {
  let counts = referenced.get(table);
  if (!counts) {
    counts = new Map();
    const add = (v: NftVerdict): void => {
      if (v.kind === 'jump' || v.kind === 'goto') counts!.set(v.target, (counts!.get(v.target) ?? 0) + 1);
    };
    const addValue = (v: NftValue): void => {
      if (v.kind === 'verdict') add(v.verdict);
      else if (v.kind === 'map') for (const p of v.pairs) addValue(p.value);
    };
    for (const c of table.chains) {
      for (const r of c.rules) {
        for (const s of r.rule.statements) {
          if (s.kind === 'verdict') add(s.verdict);
          else if (s.kind === 'vmap') addValue(s.map);
        }
      }
    }
    for (const set of table.table.sets) for (const e of set.elements) if (e.value) addValue(e.value);
    referenced.set(table, counts);
  }
  return counts.get(chain) ?? 0;
}

/** The verdict that ends the rule: accept, drop, reject, jump, goto, return, continue, queue, "vmap", or a NAT. */
function verdictOf(statements: readonly NftStatement[]): string | undefined {
  for (let i = statements.length - 1; i >= 0; i--) {
    const s = statements[i]!;
    if (s.kind === 'verdict') return s.verdict.kind;
    if (s.kind === 'vmap') return 'vmap';
    if (s.kind === 'nat') return s.nat;
  }
  return undefined;
}

function jumpTarget(statements: readonly NftStatement[]): string | undefined {
  for (const s of statements) if (s.kind === 'verdict' && (s.verdict.kind === 'jump' || s.verdict.kind === 'goto')) return s.verdict.target;
  return undefined;
}

/** "tcp dport == 22", "iifname != docker0", as the matches read. */
function matchTexts(statements: readonly NftStatement[]): string[] {
  return statements.flatMap((s) => (s.kind === 'match' ? [`${renderExpr(s.left)} ${s.op} ${renderValue(s.right)}`] : []));
}

/** The destination port a `tcp|udp|th dport N` match requires, "8000-8010" for a range. */
function destinationPort(statements: readonly NftStatement[]): string | undefined {
  for (const s of statements) {
    if (s.kind !== 'match' || s.op !== '==' || s.left.kind !== 'payload' || s.left.field !== 'dport') continue;
    if (s.right.kind === 'number') return String(s.right.value);
    if (s.right.kind === 'range' && s.right.from.kind === 'number' && s.right.to.kind === 'number') return `${s.right.from.value}-${s.right.to.value}`;
  }
  return undefined;
}

/** No `ip saddr` / `ip6 saddr` match: any source address. */
function fromAnywhere(statements: readonly NftStatement[]): boolean {
  return !statements.some((s) => s.kind === 'match' && s.left.kind === 'payload' && (s.left.protocol === 'ip' || s.left.protocol === 'ip6') && s.left.field === 'saddr');
}

function counter(statements: readonly NftStatement[]): { packets?: number; bytes?: number } | undefined {
  return statements.find((s): s is NftStatement & { kind: 'counter' } => s.kind === 'counter');
}

const chainFacts = defineFacts<ChainSubject>('nft-chain', [
  { name: 'family', type: 'string', description: 'The table\'s family: ip, ip6, inet, bridge, arp, netdev', example: 'inet', compute: (s) => s.table.family },
  { name: 'table', type: 'string', description: 'The table\'s name', example: 'filter', compute: (s) => s.table.name },
  { name: 'chainName', type: 'string', description: 'The chain\'s name', example: 'forward', compute: (s) => s.chain.chain.name },
  { name: 'base', type: 'boolean', description: 'A base chain (registered at a hook)', example: true, compute: (s) => s.chain.base !== undefined },
  { name: 'chainType', type: 'string | undefined', description: 'filter, nat or route; undefined for a regular chain', example: 'filter', compute: (s) => s.chain.base?.type },
  { name: 'hook', type: 'string | undefined', description: 'The hook: prerouting, input, forward, output, postrouting, ingress, egress', example: 'forward', compute: (s) => s.chain.base?.hook },
  { name: 'priority', type: 'number | undefined', description: 'The priority as a number (named priorities resolved: filter 0, dstnat -100, srcnat 100, ...)', example: 0, compute: (s) => s.chain.base?.priority },
  { name: 'policy', type: 'string | undefined', description: 'accept or drop for a base chain', example: 'drop', compute: (s) => s.chain.base?.policy },
  { name: 'device', type: 'string | undefined', description: 'The device of a netdev (or ingress) base chain', example: 'eth0', compute: (s) => s.chain.base?.device },
  { name: 'ruleCount', type: 'number', description: 'Rules in the chain', example: 4, compute: (s) => s.chain.rules.length },
  { name: 'referenceCount', type: 'number', description: 'Jumps, gotos and verdict-map entries of the table that lead to the chain', example: 1, compute: (s) => referencesTo(s.table, s.chain.chain.name) },
  { name: 'managedByIptablesNft', type: 'boolean', description: 'The table is iptables-nft\'s (its rules are the iptables view\'s, evaluated there)', example: false, compute: (s) => s.table.managedByIptablesNft },
  { name: 'chainEvidence', type: EVIDENCE_TYPE, description: 'The chain\'s line (with its type, hook, priority and policy for a base chain)', compute: (s) => [s.chain.evidence] },
]);

const ruleFacts = defineFacts<RuleSubject>('nft-rule', [
  { name: 'family', type: 'string', description: 'The table\'s family: ip, ip6, inet, bridge, arp, netdev', example: 'inet', compute: (s) => s.table.family },
  { name: 'table', type: 'string', description: 'The table\'s name', example: 'filter', compute: (s) => s.table.name },
  { name: 'chain', type: 'string', description: 'The chain the rule is in', example: 'input', compute: (s) => s.chain.chain.name },
  { name: 'position', type: 'number', description: '1-based position in its chain', example: 3, compute: (s) => s.position },
  { name: 'hook', type: 'string | undefined', description: 'The hook of its chain when that is a base chain', example: 'input', compute: (s) => s.chain.base?.hook },
  { name: 'verdict', type: 'string | undefined', description: 'What ends the rule: accept, drop, reject, jump, goto, return, continue, queue, vmap, or a NAT (snat, dnat, masquerade, redirect); undefined for a rule that only counts or sets', example: 'accept', compute: (s) => verdictOf(s.rule.rule.statements) },
  { name: 'jumpTarget', type: 'string | undefined', description: 'The chain a jump or goto leads to', example: 'input_public', compute: (s) => jumpTarget(s.rule.rule.statements) },
  { name: 'matches', type: 'string[]', description: 'Its matches as nft prints them, one each: "tcp dport == 22", "iifname != docker0"', example: ['tcp dport == 22'], compute: (s) => matchTexts(s.rule.rule.statements) },
  { name: 'destinationPort', type: 'string | undefined', description: 'The destination port a tcp/udp/th dport match requires, "8000-8010" for a range', example: '22', compute: (s) => destinationPort(s.rule.rule.statements) },
  { name: 'fromAnywhere', type: 'boolean', description: 'The rule does not match on the source address (no ip saddr / ip6 saddr)', example: true, compute: (s) => fromAnywhere(s.rule.rule.statements) },
  { name: 'comment', type: 'string | undefined', description: 'The rule\'s comment', example: 'DNAT', compute: (s) => s.rule.rule.comment },
  { name: 'packets', type: 'number | undefined', description: 'Its counter\'s packets; undefined without a counter', example: 12, compute: (s) => counter(s.rule.rule.statements)?.packets },
  { name: 'bytes', type: 'number | undefined', description: 'Its counter\'s bytes', example: 720, compute: (s) => counter(s.rule.rule.statements)?.bytes },
  { name: 'managedByIptablesNft', type: 'boolean', description: 'The table is iptables-nft\'s', example: false, compute: (s) => s.table.managedByIptablesNft },
  { name: 'ruleText', type: 'string', description: 'The rule as nft prints it', example: 'tcp dport 22 accept', compute: (s) => s.rule.rule.text },
  { name: 'ruleEvidence', type: EVIDENCE_TYPE, description: 'The rule\'s line in the nft ruleset', compute: (s) => [s.rule.evidence] },
]);

export const nftChainModule: FactModule<ChainSubject> = { subjects: chainSubjects, facts: chainFacts };
export const nftRuleModule: FactModule<RuleSubject> = { subjects: ruleSubjects, facts: ruleFacts };
