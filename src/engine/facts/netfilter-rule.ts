/**
 * Subject kinds `netfilter-rule` and `netfilter-chain`: every rule and chain of the default iptables and
 * ip6tables views, for site rules ("no ACCEPT from anywhere to port 22", "no user chain left unreferenced").
 * Names: "filter/FORWARD#3" and "filter/FORWARD" (IPv4), "ip6:filter/FORWARD#3" (IPv6).
 */
import { ruleText } from '../../analysis/evidence.js';
import { normaliseProtocol } from '../../analysis/netfilter/match.js';
import { ruleDport } from '../../analysis/netfilter/rule-fields.js';
import { formatPortRange } from '../../analysis/netfilter/ports.js';
import type { Namespace, NfChain, NfRule, Ruleset } from '../../model/types.js';
import type { IptValue } from '../../parse/types.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

function rulesets(ns: Namespace): Ruleset[] {
  return [ns.netfilter.ipv4, ns.netfilter.ipv6].filter((r): r is Ruleset => r !== undefined);
}

function prefix(ruleset: Ruleset): string {
  return ruleset.family === 'ipv6' ? 'ip6:' : '';
}

/** Chains reachable from a built-in chain, per table; computed once per namespace. */
function reachableChains(env: FactEnv, ns: Namespace): Set<NfChain> {
  return env.cache.perNamespace(ns, 'netfilter-rule:reachable', () => {
    const reached = new Set<NfChain>();
    for (const ruleset of rulesets(ns)) {
      for (const table of ruleset.tables.values()) {
        const queue = [...table.chains.values()].filter((c) => c.builtin);
        for (const c of queue) reached.add(c);
        for (let i = 0; i < queue.length; i++) {
          for (const rule of (queue[i] as NfChain).rules) {
            const next = rule.jumpChain;
            if (next && !reached.has(next)) {
              reached.add(next);
              queue.push(next);
            }
          }
        }
      }
    }
    return reached;
  });
}

function chainOf(env: FactEnv, rule: NfRule): NfChain | undefined {
  const index = env.cache.perNamespace(env.namespace, 'netfilter-rule:chainOf', () => {
    const map = new Map<NfRule, NfChain>();
    for (const ruleset of rulesets(env.namespace)) {
      for (const table of ruleset.tables.values()) for (const chain of table.chains.values()) for (const r of chain.rules) map.set(r, chain);
    }
    return map;
  });
  return index.get(rule);
}

function valueText(value: IptValue | undefined): string | undefined {
  return value ? `${value.negated ? '!' : ''}${value.value}` : undefined;
}

interface RuleSubject {
  rule: NfRule;
  family: 4 | 6;
}

const ruleSubjects = defineSubjects<RuleSubject>({
  kind: 'netfilter-rule',
  description: 'Every rule of iptables-save and ip6tables-save, named "<table>/<chain>#<position>" ("ip6:" in front for IPv6)',
  namespaces: 'all',
  enumerate: ({ namespace }) =>
    rulesets(namespace).flatMap((ruleset) =>
      [...ruleset.tables.values()].flatMap((table) =>
        [...table.chains.values()].flatMap((chain) =>
          chain.rules.map((rule) => ({ name: `${prefix(ruleset)}${table.name}/${chain.name}#${rule.position}`, value: { rule, family: ruleset.family === 'ipv6' ? 6 : 4 } as RuleSubject })),
        ),
      ),
    ),
});

const ruleFacts = defineFacts<RuleSubject>('netfilter-rule', [
  { name: 'table', type: 'string', description: 'raw, mangle, nat, filter, security', example: 'filter', compute: (s) => s.rule.table },
  { name: 'chain', type: 'string', description: 'The chain the rule is in', example: 'FORWARD', compute: (s) => s.rule.chain },
  { name: 'position', type: 'number', description: '1-based position in its chain (as `iptables -L --line-numbers` counts)', example: 3, compute: (s) => s.rule.position },
  { name: 'family', type: 'number', description: '4 (iptables) or 6 (ip6tables)', example: 4, compute: (s) => s.family },
  { name: 'target', type: 'string | undefined', description: 'The -j/-g target (ACCEPT, DROP, DNAT, a user chain); undefined for a counting rule', example: 'ACCEPT', compute: (s) => s.rule.target?.name },
  { name: 'protocol', type: 'string | undefined', description: '-p, lower-case, "!" in front when negated', example: 'tcp', compute: (s) => (s.rule.protocol ? `${s.rule.protocol.negated ? '!' : ''}${normaliseProtocol(s.rule.protocol.value)}` : undefined) },
  { name: 'source', type: 'string | undefined', description: '-s as printed, "!" in front when negated', example: '0.0.0.0/0', compute: (s) => valueText(s.rule.source) },
  {
    name: 'fromAnywhere',
    type: 'boolean',
    description: 'The rule does not restrict the source address (no -s, or -s 0.0.0.0/0 / ::/0)',
    example: true,
    compute: (s) => !s.rule.source || (!s.rule.source.negated && /^(0\.0\.0\.0|::)\/0$/.test(s.rule.source.value)),
  },
  { name: 'destination', type: 'string | undefined', description: '-d as printed, "!" in front when negated', example: '172.17.0.2/32', compute: (s) => valueText(s.rule.destination) },
  { name: 'inInterface', type: 'string | undefined', description: '-i, "!" in front when negated', example: '!docker0', compute: (s) => valueText(s.rule.inInterface) },
  { name: 'outInterface', type: 'string | undefined', description: '-o, "!" in front when negated', example: 'docker0', compute: (s) => valueText(s.rule.outInterface) },
  { name: 'destinationPort', type: 'string | undefined', description: 'The destination port or range the rule requires (--dport, a one-item multiport), "8000-8010" for ranges', example: '22', compute: (s) => { const r = ruleDport(s.rule); return r ? formatPortRange(r) : undefined; } },
  { name: 'matchModules', type: 'string[]', description: 'The -m modules used, in order', example: ['conntrack', 'comment'], compute: (s) => s.rule.matches.map((m) => m.module) },
  {
    name: 'conntrackStates',
    type: 'string[]',
    description: 'States of -m conntrack --ctstate / -m state --state ("!" in front of each when negated)',
    example: ['RELATED', 'ESTABLISHED'],
    compute: (s) =>
      s.rule.matches.flatMap((m) => m.options.filter((o) => o.name === 'ctstate' || o.name === 'state').flatMap((o) => (o.args[0] ?? '').split(',').map((x) => `${o.negated ? '!' : ''}${x}`))),
  },
  { name: 'comment', type: 'string | undefined', description: 'The -m comment text', example: 'kubernetes forwarding rules', compute: (s) => s.rule.comment },
  { name: 'packets', type: 'number | undefined', description: 'Packet counter (iptables-save -c); undefined without counters', example: 1234, compute: (s) => s.rule.counters?.packets },
  { name: 'bytes', type: 'number | undefined', description: 'Byte counter (iptables-save -c)', example: 98765, compute: (s) => s.rule.counters?.bytes },
  { name: 'reachable', type: 'boolean', description: 'Its chain is a built-in chain or reached from one through jumps (a rule in an orphaned user chain never runs)', example: true, compute: (s, env) => { const c = chainOf(env, s.rule); return c !== undefined && reachableChains(env, env.namespace).has(c); } },
  { name: 'ruleText', type: 'string', description: 'The rule as iptables-save prints it, without counters', example: '-A FORWARD -i docker0 ! -o docker0 -j ACCEPT', compute: (s) => ruleText(s.rule.text) },
  { name: 'ruleEvidence', type: EVIDENCE_TYPE, description: 'The rule\'s line in iptables-save', compute: (s) => [s.rule.evidence] },
]);

interface ChainSubject {
  chain: NfChain;
  family: 4 | 6;
}

const chainSubjects = defineSubjects<ChainSubject>({
  kind: 'netfilter-chain',
  description: 'Every chain of iptables-save and ip6tables-save, named "<table>/<chain>" ("ip6:" in front for IPv6)',
  namespaces: 'all',
  enumerate: ({ namespace }) =>
    rulesets(namespace).flatMap((ruleset) =>
      [...ruleset.tables.values()].flatMap((table) =>
        [...table.chains.values()].map((chain) => ({ name: `${prefix(ruleset)}${table.name}/${chain.name}`, value: { chain, family: ruleset.family === 'ipv6' ? 6 : 4 } as ChainSubject })),
      ),
    ),
});

const chainFacts = defineFacts<ChainSubject>('netfilter-chain', [
  { name: 'table', type: 'string', description: 'The table of the chain: raw, mangle, nat, filter, security', example: 'filter', compute: (s) => s.chain.table },
  { name: 'chainName', type: 'string', description: 'The chain\'s name', example: 'DOCKER-USER', compute: (s) => s.chain.name },
  { name: 'family', type: 'number', description: '4 (iptables) or 6 (ip6tables)', example: 4, compute: (s) => s.family },
  { name: 'builtin', type: 'boolean', description: 'A built-in chain (INPUT, FORWARD, PREROUTING, ...)', example: true, compute: (s) => s.chain.builtin },
  { name: 'policy', type: 'string | undefined', description: 'ACCEPT or DROP for built-in chains; undefined for user chains', example: 'DROP', compute: (s) => s.chain.policy ?? undefined },
  { name: 'ruleCount', type: 'number', description: 'Rules in the chain', example: 6, compute: (s) => s.chain.rules.length },
  { name: 'referenceCount', type: 'number', description: 'Rules of the table that jump or go to it', example: 1, compute: (s) => s.chain.referencedBy.length },
  { name: 'reachable', type: 'boolean', description: 'Built-in, or reached from a built-in chain through jumps', example: true, compute: (s, env) => reachableChains(env, env.namespace).has(s.chain) },
  { name: 'policyPackets', type: 'number | undefined', description: 'Packets that met the policy of a built-in chain (iptables-save -c)', example: 0, compute: (s) => (s.chain.builtin ? s.chain.counters?.packets : undefined) },
  { name: 'chainEvidence', type: EVIDENCE_TYPE, description: 'The chain declaration line (":FORWARD DROP [0:0]")', compute: (s) => [s.chain.evidence] },
]);

export const netfilterRuleModule: FactModule<RuleSubject> = { subjects: ruleSubjects, facts: ruleFacts };
export const netfilterChainModule: FactModule<ChainSubject> = { subjects: chainSubjects, facts: chainFacts };
