/**
 * Evidence and wording for netfilter decisions: the lines that led to a verdict (with their
 * [packets:bytes] counters) and a sentence describing it.
 */
import type { Evidence } from '../model/types.js';
import type { Decision, WalkResult } from './netfilter/walk.js';

/**
 * Jump rules and the deciding rule, or the built-in chain's declaration (its policy) when it decided. The
 * deciding line, last, is marked primary: it proves the verdict, the jumps only lead to it.
 */
export function decisionEvidence(decision: Decision): Evidence[] {
  const lines = decision.path.map((r) => r.evidence);
  if (decision.by === 'policy' && decision.chain) lines.push(decision.chain.evidence);
  const decisive = lines.length > 0 && (decision.by === 'rule' || decision.by === 'policy') ? lines.length - 1 : -1;
  return decisive === -1 ? lines : lines.map((e, i) => (i === decisive ? { ...e, primary: true } : e));
}

export function walkEvidence(walk: WalkResult): Evidence[] {
  return decisionEvidence(walk.decision);
}

/** "1,234 packets" from counters, for messages; empty when the dump has no counters. */
export function packetCount(counters: { packets: number; bytes: number } | undefined): string {
  if (!counters) return '';
  return `${counters.packets.toLocaleString('en-US')} packet${counters.packets === 1 ? '' : 's'}`;
}

/** "rule 2 of filter/DOCKER-USER (-A DOCKER-USER -i eth0 -j DROP, 1,234 packets)" or "the DROP policy of filter/FORWARD (…)". */
export function describeDecision(decision: Decision): string {
  if (decision.by === 'absent') return 'no rules (the chain is not loaded)';
  if (decision.by === 'return') return 'the end of the chain';
  if (decision.by === 'policy' && decision.chain) {
    const count = packetCount(decision.chain.counters);
    return `the ${decision.verdict} policy of ${decision.chain.table}/${decision.chain.name}${count ? ` (${count} so far)` : ''}`;
  }
  const rule = decision.rule;
  if (!rule) return decision.verdict;
  const count = packetCount(rule.counters);
  return `rule ${rule.position} of ${rule.table}/${rule.chain} (${ruleText(rule.text)}${count ? `, ${count} matched` : ''})`;
}

/** The rule as iptables-save prints it, without the counters prefix. */
export function ruleText(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return trimmed;
  const close = trimmed.indexOf(']');
  return close === -1 ? trimmed : trimmed.slice(close + 1).trim();
}
