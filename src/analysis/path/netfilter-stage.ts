/**
 * One netfilter hook for one packet: every base chain registered there, by priority, walked with the chain
 * walker. ACCEPT ends only its own base chain; DROP or REJECT is final; a NAT chain runs only for the first
 * packet of a connection and rewrites it. A walk the snapshot cannot decide (ipset contents, marks, rate
 * limits, an unknown extension) is a step with verdict maybe: the main track goes on, the leg is unknown.
 */
import { sourceUsable } from '../../model/sources.js';
import type { NfRule } from '../../model/types.js';
import type { Evidence } from '../../parse/common.js';
import type { IptOption } from '../../parse/types.js';
import { firstArgument } from '../../parse/iptables-lazy.js';
import { parseNatAddress } from '../netfilter/rule-fields.js';
import { parseMark } from '../netfilter/match.js';
import { walkChain, type Decision, type WalkResult } from '../netfilter/walk.js';
import { baseChainsAt, type BaseChain, type Hook } from './hooks.js';
import { nftChainStep } from './nft-stage.js';
import type { NamespaceView } from './namespace-view.js';
import { describePacket, packetClass, type ChainContext } from './packet.js';
import type { Packet, Stage, TraceStep } from './types.js';

/** A rewrite a NAT chain asks for; MASQUERADE takes the address of the interface the packet leaves by. */
export type NatAction =
  | { kind: 'dnat'; address?: bigint; port?: number }
  | { kind: 'snat'; address?: bigint; port?: number }
  | { kind: 'masquerade'; port?: number }
  | { kind: 'redirect'; port?: number };

export interface HookOutcome {
  steps: TraceStep[];
  /** The packet was dropped or rejected here (certainly, on the main track). */
  dropped: boolean;
  nat?: NatAction;
  natStep?: TraceStep;
  /** A MARK rule changed the packet's mark (or made it unknown): routing may decide otherwise. */
  markChanged?: boolean;
}

/** The chain walker's decision behind each iptables step: the path rules word and quote it as before. */
const decisions = new WeakMap<TraceStep, Decision>();

export function iptablesDecisionOf(step: TraceStep): Decision | undefined {
  return decisions.get(step);
}

const STAGE_OF_HOOK: Record<Hook, Stage> = { prerouting: 'prerouting', input: 'input', forward: 'forward', output: 'output', postrouting: 'postrouting' };

/**
 * Run the base chains of `hook`; `newConnection` says whether NAT chains see the packet. `throughDrops` runs
 * the chains after a drop too (the kernel does not): what every ruleset would say, for the rules that compare
 * one ruleset's accept with another's drop.
 */
export function runHook(view: NamespaceView, hook: Hook, packet: Packet, ctx: ChainContext, newConnection: boolean, throughDrops = false): HookOutcome {
  const out: HookOutcome = { steps: [], dropped: false };
  const source = packet.family === 4 ? 'iptables-save' : 'ip6tables-save';
  if (!sourceUsable(view.source(source))) {
    // No rules seen is not "no rules": what the hook does is not known.
    const status = view.source(source);
    const why = status === undefined ? 'was not collected' : status.parseError ? 'could not be read' : `is ${status.status}`;
    out.steps.push({ namespace: view.name, stage: STAGE_OF_HOOK[hook], verdict: 'maybe', packet: describePacket(packet), note: `${source} of namespace ${view.name} ${why}: what its ${hook} hook does is not known`, evidence: [] });
    return out;
  }
  for (const base of baseChainsAt(view.ns, packet.family, hook)) {
    if (base.type === 'nat' && !newConnection) continue;
    if (base.kind === 'nft') {
      const nft = nftChainStep(view, base, packet, ctx, STAGE_OF_HOOK[hook]);
      if (nft.markChanged) out.markChanged = true;
      if (nft.nat && base.type === 'nat' && !out.nat) {
        out.nat = nft.nat;
        out.natStep = nft.step;
      }
      out.steps.push(nft.step);
      if (nft.step.verdict === 'drop') {
        out.dropped = true;
        if (!throughDrops) return out;
      }
      continue;
    }
    const result = walkChain(base.table, base.chain, packetClass(packet, ctx));
    const marked = applyMarks(result, packet, result.decision.kind !== 'drop');
    const step = chainStep(view, base, result, packet);
    if (marked) {
      step.note = `${step.note}; ${marked.note}`;
      step.evidence.push(...marked.evidence);
      out.markChanged = true;
    }
    if (result.decision.kind === 'nat' && base.type === 'nat' && !out.nat) {
      const action = natAction(result.decision);
      if (action) {
        out.nat = action;
        out.natStep = step;
      } else {
        step.verdict = 'maybe';
        step.note = `${result.decision.verdict} whose target the engine cannot read`;
      }
    }
    out.steps.push(step);
    if (step.verdict === 'drop') {
      out.dropped = true;
      if (!throughDrops) return out;
    }
  }
  return out;
}

function chainStep(view: NamespaceView, base: BaseChain & { kind: 'iptables' }, result: WalkResult, packet: Packet): TraceStep {
  const d = result.decision;
  const step: TraceStep = {
    namespace: view.name,
    stage: STAGE_OF_HOOK[base.hook],
    table: `${base.backend} ${base.table.name}`,
    chain: base.chain,
    rule: ruleName(d),
    verdict: verdictOf(d),
    packet: describePacket(packet),
    note: noteOf(base, d),
    evidence: evidenceOf(d),
  };
  decisions.set(step, d);
  if (!result.certain && step.verdict !== 'drop') {
    step.verdict = 'maybe';
    const others = result.alternatives.map((a) => `${a.verdict}${a.rule ? ` at ${a.rule.chain}:${a.rule.position}` : ''}`);
    const limits = result.limits.length > 0 ? `; ${result.limits.join('; ')}` : '';
    step.note = `${step.note}; but rules the snapshot cannot decide may instead give ${others.join(', ') || 'another verdict'}${limits}`;
    for (const alternative of result.alternatives) if (alternative.rule) step.evidence.push(alternative.rule.evidence);
  } else if (!result.certain) {
    step.note = `${step.note} (rules before it could not be decided, so some packets may fare otherwise)`;
  }
  return step;
}

function ruleName(d: Decision): string {
  if (d.by === 'policy') return `policy ${d.verdict}`;
  if (d.rule) return `${d.rule.chain}:${d.rule.position}`;
  return d.by === 'absent' ? 'no chain' : d.verdict;
}

function verdictOf(d: Decision): TraceStep['verdict'] {
  switch (d.kind) {
    case 'accept':
      return 'accept';
    case 'drop':
      return 'drop';
    case 'nat':
      return d.verdict === 'DNAT' || d.verdict === 'REDIRECT' ? 'dnat' : 'snat';
    default:
      return 'maybe';
  }
}

function noteOf(base: BaseChain & { kind: 'iptables' }, d: Decision): string {
  const where = `${base.table.name} ${base.chain}`;
  if (d.by === 'policy') return `${where}: no rule decides, the chain's policy ${d.verdict} applies`;
  if (d.by === 'absent') return `${where}: no such chain`;
  if (d.kind === 'queue') return `${where}: ${d.verdict} hands the packet to a userspace program, which the snapshot does not show`;
  if (d.kind === 'unknown') return `${where}: ${d.verdict} is a target whose effect the engine does not know`;
  if (d.verdict === 'REJECT') return `${where}: REJECT (the sender gets an error)`;
  return `${where}: ${d.verdict}`;
}

/** The jumps down to the deciding rule, then that rule; none for a policy or an absent chain. */
export function decisionRules(d: Decision): NfRule[] {
  return d.path.length > 0 ? d.path : d.rule ? [d.rule] : [];
}

function evidenceOf(d: Decision): Evidence[] {
  const evidence = decisionRules(d).map((r) => r.evidence);
  if (d.by === 'policy' && d.chain) evidence.push(d.chain.evidence);
  return evidence;
}

function natAction(d: Decision): NatAction | undefined {
  const target = d.rule?.target;
  if (!target) return undefined;
  if (target.name === 'MASQUERADE') return withPort({ kind: 'masquerade' }, firstArgument(target, 'to-ports'));
  if (target.name === 'REDIRECT') return withPort({ kind: 'redirect' }, firstArgument(target, 'to-ports'));
  const option = target.name === 'DNAT' ? 'to-destination' : target.name === 'SNAT' ? 'to-source' : undefined;
  if (!option) return undefined;
  const text = firstArgument(target, option);
  if (text === undefined) return undefined;
  const kind = target.name === 'DNAT' ? 'dnat' : 'snat';
  if (text.startsWith(':')) return withPort({ kind }, text.slice(1));
  const parsed = parseNatAddress(text);
  if (!parsed) return undefined;
  const action: NatAction = { kind, address: parsed.address.network };
  if (parsed.ports) action.port = parsed.ports.from;
  return action;
}

function withPort<T extends NatAction>(action: T, ports: string | undefined): T {
  const port = ports === undefined ? undefined : Number.parseInt(ports, 10);
  if (port !== undefined && Number.isInteger(port)) action.port = port;
  return action;
}

/**
 * The packet's mark after the MARK and CONNMARK rules it passed: exact when each certainly matched and sets
 * a mark from a value (--set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark), unknown (undefined) when
 * one may match, restores a connection mark (the snapshot has no conntrack table), or cannot be read.
 */
function applyMarks(result: WalkResult, packet: Packet, reached: boolean): { note: string; evidence: Evidence[] } | undefined {
  if (!reached || result.markSetters.length === 0) return undefined;
  const evidence: Evidence[] = [];
  for (const setter of result.markSetters) {
    const target = setter.rule.target;
    if (!target) continue;
    const next = setter.match === 'yes' && packet.mark !== undefined ? markAfter(target.name, target.options, packet.mark) : undefined;
    if (next === 'unchanged') continue;
    evidence.push(setter.rule.evidence);
    packet.mark = next;
  }
  if (evidence.length === 0) return undefined;
  return { note: packet.mark === undefined ? 'a MARK or CONNMARK rule may set the mark to a value the snapshot cannot tell' : `mark set to 0x${packet.mark.toString(16)}`, evidence };
}

function markAfter(target: string, options: readonly IptOption[], mark: number): number | 'unchanged' | undefined {
  const option = options[0];
  if (!option) return undefined;
  if (target === 'CONNMARK') {
    // --save-mark and setting the connection's mark leave the packet's mark as it is.
    if (option.name === 'save-mark' || option.name === 'set-xmark' || option.name === 'set-mark' || option.name === 'and-mark' || option.name === 'or-mark' || option.name === 'xor-mark') return 'unchanged';
    return undefined;
  }
  const given = option.args[0] === undefined ? undefined : parseMark(option.args[0]);
  if (!given) return undefined;
  switch (option.name) {
    case 'set-xmark':
      return (((mark & ~given.mask) ^ given.value) >>> 0);
    case 'set-mark':
      return (((mark & ~given.mask) | given.value) >>> 0);
    case 'and-mark':
      return (mark & given.value) >>> 0;
    case 'or-mark':
      return (mark | given.value) >>> 0;
    case 'xor-mark':
      return (mark ^ given.value) >>> 0;
    default:
      return undefined;
  }
}
