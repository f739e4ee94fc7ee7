/**
 * One hook asked about one packet: what every base chain registered there does to it, in priority order,
 * across every ruleset of the namespace (iptables-legacy, iptables-nft, native nftables). The path rules
 * ask these questions of the engine instead of walking one iptables table on their own; the words and the
 * lines of the step that decided come with the answer.
 */
import { decisionEvidence, describeDecision } from '../evidence.js';
import type { Evidence } from '../../parse/common.js';
import type { Hook } from './hooks.js';
import type { NamespaceView } from './namespace-view.js';
import { iptablesDecisionOf, runHook, type NatAction } from './netfilter-stage.js';
import { nftDecidingRule } from './nft-stage.js';
import type { ChainContext } from './packet.js';
import type { Packet, TraceStep } from './types.js';

export interface HookAnswer {
  steps: TraceStep[];
  /** The (first) step that certainly dropped or rejected the packet. */
  drop?: TraceStep;
  /** Every step was decided: no rule the snapshot cannot follow, no ruleset that could not be read. */
  certain: boolean;
  nat?: NatAction;
  natStep?: TraceStep;
  /** The packet as the hook leaves it: its mark set by MARK rules (undefined when one may have set it). */
  packet: Packet;
}

/**
 * Runs `hook` for a copy of `packet` (a MARK rule changes the copy's mark, not the caller's packet). With
 * `everyChain`, the base chains after a drop run too, so that what each ruleset says can be compared.
 */
export function askHook(view: NamespaceView, hook: Hook, packet: Packet, ctx: ChainContext, newConnection: boolean, everyChain = false): HookAnswer {
  const copy = { ...packet };
  const outcome = runHook(view, hook, copy, ctx, newConnection, everyChain);
  const answer: HookAnswer = { steps: outcome.steps, certain: outcome.steps.every((s) => s.verdict !== 'maybe'), packet: copy };
  const drop = outcome.dropped ? outcome.steps.find((s) => s.verdict === 'drop') : undefined;
  if (drop) answer.drop = drop;
  if (outcome.nat) answer.nat = outcome.nat;
  if (outcome.natStep) answer.natStep = outcome.natStep;
  return answer;
}

/**
 * The step in words, for messages: "the DROP policy of filter/FORWARD (1,234 packets so far)", "rule 2 of
 * filter/DOCKER-USER (-A DOCKER-USER -i eth0 -j DROP)", "the drop policy of nftables inet filter/forward".
 */
export function describeStep(step: TraceStep): string {
  const decision = iptablesDecisionOf(step);
  if (decision) return describeDecision(decision);
  const where = `${step.table ?? 'netfilter'}/${step.chain ?? ''}`;
  if (step.rule?.startsWith('policy ')) return `the ${step.rule.slice('policy '.length)} policy of ${where}`;
  const rule = nftDecidingRule(step);
  if (!rule) return `${where}: ${step.note}`;
  return `rule ${step.rule ?? ''} of ${step.table ?? 'netfilter'}/${rule.chain} (${rule.text})`;
}

/** The lines that prove the step: jumps, then the deciding rule or the chain's policy line, marked primary. */
export function stepEvidence(step: TraceStep): Evidence[] {
  const decision = iptablesDecisionOf(step);
  if (decision) return decisionEvidence(decision);
  const last = step.evidence.length - 1;
  return step.evidence.map((e, i) => (i === last ? { ...e, primary: true } : e));
}

/** A base chain of another table at the same hook that accepts the packet by one of its rules (not by policy). */
export function acceptedElsewhere(answer: HookAnswer, drop: TraceStep): TraceStep | undefined {
  return answer.steps.find((s) => s !== drop && s.verdict === 'accept' && s.table !== drop.table && s.rule !== undefined && !s.rule.startsWith('policy '));
}
