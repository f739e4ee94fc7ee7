/**
 * One native nftables base chain on the packet's path: evaluated for the concrete packet (nft-eval.ts), told
 * as a trace step with the rule lines of the nft ruleset, its NAT and its mark applied to the packet.
 */
import type { NftChainView, NftTableView } from '../../model/nftables.js';
import type { Evidence } from '../../parse/common.js';
import type { NftRule } from '../../parse/nft-types.js';
import type { BaseChain } from './hooks.js';
import type { NamespaceView } from './namespace-view.js';
import { evaluateNftChain, type NftChainResult, type NftPacket } from './nft-eval.js';
import type { NatAction } from './netfilter-stage.js';
import { describePacket, type ChainContext } from './packet.js';
import type { Packet, Stage, TraceStep } from './types.js';

/** The deciding rule behind each nftables step: its text and the chain that holds it (the step names the base chain). */
const decidingRules = new WeakMap<TraceStep, { text: string; chain: string }>();

export function nftDecidingRule(step: TraceStep): { text: string; chain: string } | undefined {
  return decidingRules.get(step);
}

export interface NftStepOutcome {
  step: TraceStep;
  nat?: NatAction;
  markChanged: boolean;
}

export function nftChainStep(view: NamespaceView, base: BaseChain & { kind: 'nft' }, packet: Packet, ctx: ChainContext, stage: Stage): NftStepOutcome {
  const result = evaluateNftChain(base.table.table, base.chain.chain, nftPacket(packet, ctx));
  const markChanged = Object.hasOwn(result, 'mark');
  if (markChanged) packet.mark = result.mark;
  const where = `${base.table.family} ${base.table.name} ${base.chain.chain.name}`;
  const evidence = ruleEvidence(base.table, result.path.length > 0 ? result.path : result.rule ? [result.rule] : []);
  if (result.by === 'policy') evidence.push(base.chain.evidence);
  const step: TraceStep = {
    namespace: view.name,
    stage,
    table: `nftables ${base.table.family} ${base.table.name}`,
    chain: base.chain.chain.name,
    rule: result.by === 'policy' ? `policy ${result.verdict}` : ruleName(base.table, result.rule),
    verdict: stepVerdict(result),
    packet: describePacket(packet),
    note: result.by === 'policy' ? `${where}: no rule decides, the chain's policy ${result.verdict} applies` : `${where}: ${result.rule?.text ?? result.verdict}`,
    evidence,
  };
  if (result.by !== 'policy' && result.rule) {
    const found = ruleIndex(base.table).get(result.rule);
    decidingRules.set(step, { text: result.rule.text, chain: found?.chain.chain.name ?? base.chain.chain.name });
  }
  if (base.type === 'filter' && result.verdict === 'accept') step.note += ' (an accept ends only this base chain: the next one on the hook still runs)';
  if (!result.certain && step.verdict !== 'drop') {
    step.verdict = 'maybe';
    const others = result.alternatives.map((a) => `${a.verdict}${a.rule ? ` at line ${a.rule.line}` : ' by policy'}`);
    const limits = result.limits.length > 0 ? `; ${result.limits.join('; ')}` : '';
    step.note = `${step.note}; but rules the snapshot cannot decide may instead give ${others.join(', ') || 'another verdict'}${limits}`;
    step.evidence.push(...ruleEvidence(base.table, result.alternatives.flatMap((a) => (a.rule ? [a.rule] : []))));
  }
  const outcome: NftStepOutcome = { step, markChanged };
  if (result.verdict === 'nat' && result.nat && step.verdict !== 'maybe') {
    const nat: NatAction = { kind: result.nat.kind };
    if (result.nat.address !== undefined && (result.nat.kind === 'dnat' || result.nat.kind === 'snat')) (nat as { address?: bigint }).address = result.nat.address;
    if (result.nat.port !== undefined) nat.port = result.nat.port;
    outcome.nat = nat;
  }
  return outcome;
}

function stepVerdict(result: NftChainResult): TraceStep['verdict'] {
  switch (result.verdict) {
    case 'accept':
      return 'accept';
    case 'drop':
      return 'drop';
    case 'nat':
      return result.nat?.kind === 'dnat' || result.nat?.kind === 'redirect' ? 'dnat' : 'snat';
    default:
      return 'maybe';
  }
}

function nftPacket(p: Packet, ctx: ChainContext): NftPacket {
  const status: string[] = [];
  if (ctx.connection.dnat) status.push('dnat');
  if (ctx.connection.snat) status.push('snat');
  const out: NftPacket = {
    family: p.family,
    src: p.src,
    dst: p.dst,
    protocol: p.protocol,
    ct: { state: ctx.connection.state === 'NEW' ? 'new' : 'established', direction: ctx.connection.direction === 'REPLY' ? 'reply' : 'original', status },
    dstLocal: ctx.dstLocal,
    srcLocal: ctx.srcLocal,
  };
  if (p.sport !== undefined) out.sport = p.sport;
  if (p.dport !== undefined) out.dport = p.dport;
  if (p.icmpType !== undefined) out.icmpType = p.icmpType;
  if (p.mark !== undefined) out.mark = p.mark;
  if (ctx.in !== undefined) out.iif = ctx.in;
  if (ctx.out !== undefined) out.oif = ctx.out;
  return out;
}

/** A rule's chain and its place there (1-based); its evidence is the chain's view of it. */
interface IndexedRule {
  chain: NftChainView;
  position: number;
}

/**
 * Each rule of a table with its chain and its place, indexed once per table over the parsed chains (a
 * kube-proxy table has 80k rules: their views and texts are made only for the rules a step quotes).
 */
const ruleIndexes = new WeakMap<NftTableView, Map<NftRule, IndexedRule>>();

function ruleIndex(table: NftTableView): Map<NftRule, IndexedRule> {
  let index = ruleIndexes.get(table);
  if (!index) {
    index = new Map();
    for (const chain of table.chains) chain.chain.rules.forEach((rule, i) => index!.set(rule, { chain, position: i + 1 }));
    ruleIndexes.set(table, index);
  }
  return index;
}

function evidenceOf(found: IndexedRule): Evidence {
  return found.chain.rules[found.position - 1]!.evidence;
}

/** The model's evidence of each rule, in order (the rule views hold the source label). */
function ruleEvidence(table: NftTableView, rules: readonly NftRule[]): Evidence[] {
  const index = ruleIndex(table);
  return rules.flatMap((rule) => {
    const found = index.get(rule);
    return found ? [evidenceOf(found)] : [];
  });
}

/** "forward:3" (chain:position) of the deciding rule. */
function ruleName(table: NftTableView, rule: NftRule | undefined): string {
  const found = rule ? ruleIndex(table).get(rule) : undefined;
  return found ? `${found.chain.chain.name}:${found.position}` : '';
}
