/**
 * The chain walker: where does a packet class end up when it traverses a built-in chain?
 *
 * Follows jumps (-j CHAIN), gotos (-g CHAIN) and RETURN through user chains in rule order, as the
 * kernel does. Rules that "maybe" match are handled on two tracks:
 *  - the main track assumes they do not match and yields one decision, with the rules that led to it
 *    (the evidence);
 *  - every outcome some packets of the class could get instead is collected in `possible`, so a
 *    caller can tell a certain verdict from a likely one.
 * Each user chain is evaluated once per walk (memoised), so a walk costs at most one pass over the
 * rules of the chains it reaches; jump loops and absurd depths are cut off and reported in `limits`.
 */
import type { NfChain, NfRule, NfTable, Ruleset } from '../../model/types.js';
import { parseCidr, type Cidr } from '../../model/net.js';
import { matchRule } from './match.js';
import type { PacketClass } from './packet.js';
import { targetEffect, verdictKind, type VerdictKind } from './verdicts.js';

export interface Decision {
  /** ACCEPT, DROP, REJECT, DNAT, MASQUERADE, ...; RETURN when a walk from a user chain falls off its end. */
  verdict: string;
  kind: VerdictKind | 'return';
  /** rule: a rule's target; policy: the built-in chain's policy; absent: no such table or chain (nothing filters). */
  by: 'rule' | 'policy' | 'absent' | 'return';
  /** The deciding rule, when by === 'rule'. */
  rule?: NfRule;
  /** The built-in chain whose policy decided, when by === 'policy'. */
  chain?: NfChain;
  /** Jump and goto rules from the entry chain down to the deciding rule, then the deciding rule. */
  path: NfRule[];
}

export interface WalkResult {
  /** The outcome when every "maybe" rule is assumed not to match. */
  decision: Decision;
  /** True when every outcome some packets of the class may get has the decision's kind. */
  certain: boolean;
  /** Outcomes of a different kind than the decision that some packets may get (a few, for messages). */
  alternatives: Decision[];
  possibleKinds: Set<Decision['kind']>;
  /** Names of the user chains the class may enter. */
  enteredChains: Set<string>;
  /** Why the walk is not exact: a jump loop, the depth or step bound. */
  limits: string[];
  /** MARK and CONNMARK rules the packet may have passed through, in order, with whether they certainly matched. */
  markSetters: MarkSetter[];
}

export interface MarkSetter {
  rule: NfRule;
  match: 'yes' | 'maybe';
}

const MARK_TARGETS = new Set(['MARK', 'CONNMARK']);

export interface WalkOptions {
  /** Rules evaluated before the walk gives up (the rest counts as unknown). */
  maxSteps?: number;
  maxDepth?: number;
}

const DEFAULT_MAX_STEPS = 500_000;
// iptables-nft refuses more than 16 nested jumps; legacy iptables has no hard limit, real rulesets stay shallow.
const DEFAULT_MAX_DEPTH = 64;
const MAX_ALTERNATIVES = 8;
/** Chains shorter than this are walked rule by rule: an index would cost more than it saves. */
const INDEXED_CHAIN_RULES = 64;

/**
 * A chain's rule positions by the single address their plain, non-negated -d names (when all such rules
 * are of one family), else by the single port their --dport names, and the rest (`open`).
 */
interface ChainIndex {
  family: 4 | 6 | undefined;
  byHost: Map<bigint, number[]>;
  byPort: Map<number, number[]>;
  open: number[];
}

const chainIndexes = new WeakMap<NfChain, ChainIndex>();

const PORT_MODULES = new Set(['tcp', 'udp', 'sctp', 'dccp', 'udplite']);

/** The single destination port a rule requires (`-m tcp --dport 30000`), if it names exactly one. */
function singleDport(rule: NfRule): number | undefined {
  for (const match of rule.matches) {
    if (!PORT_MODULES.has(match.module)) continue;
    for (const option of match.options) {
      if ((option.name === 'dport' || option.name === 'destination-port') && !option.negated && /^\d+$/.test(option.args[0] ?? '')) return Number(option.args[0]);
    }
  }
  return undefined;
}

function singleHost(rule: NfRule): Cidr | undefined {
  const d = rule.destination;
  const cidr = d && !d.negated ? parseCidr(d.value) : undefined;
  return cidr && cidr.prefixLen === (cidr.family === 4 ? 32 : 128) ? cidr : undefined;
}

/** Built once per chain. */
function chainIndex(chain: NfChain): ChainIndex {
  let index = chainIndexes.get(chain);
  if (index) return index;
  const hosts = chain.rules.map(singleHost);
  const families = new Set(hosts.map((h) => h?.family).filter((f) => f !== undefined));
  const family = families.size === 1 ? ([...families][0] as 4 | 6) : undefined;
  index = { family, byHost: new Map(), byPort: new Map(), open: [] };
  chain.rules.forEach((rule, i) => {
    const host = family === undefined ? undefined : hosts[i];
    const port = host === undefined ? singleDport(rule) : undefined;
    const [map, key] = host !== undefined ? [index!.byHost as Map<bigint | number, number[]>, host.network] : port !== undefined ? [index!.byPort as Map<bigint | number, number[]>, port] : [undefined, undefined];
    if (!map || key === undefined) {
      index!.open.push(i);
      return;
    }
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  });
  chainIndexes.set(chain, index);
  return index;
}

interface Terminal {
  verdict: string;
  kind: VerdictKind;
  rule: NfRule;
  path: NfRule[];
}

/** What entering a chain does, for the main track and the alternatives. */
interface ChainOutcome {
  /** The main track's terminal outcome; undefined when the main track returns to the caller. */
  main?: Terminal;
  /** Some packets may return to the caller on an alternative track. */
  mayReturn: boolean;
  /** Terminal outcomes other packets may get, besides `main`. */
  others: Terminal[];
  otherKinds: Set<VerdictKind>;
}

class Walker {
  private readonly memo = new Map<NfChain, ChainOutcome>();
  private readonly stack = new Set<NfChain>();
  readonly entered = new Set<string>();
  readonly limits: string[] = [];
  readonly markSetters: MarkSetter[] = [];
  private uncertainDepth = 0;
  private steps = 0;

  constructor(
    private readonly packet: PacketClass,
    private readonly maxSteps: number,
    private readonly maxDepth: number,
  ) {}

  enter(chain: NfChain): ChainOutcome {
    const cached = this.memo.get(chain);
    if (cached) return cached;
    if (this.stack.has(chain)) {
      this.limit(`jump loop through ${chain.table}/${chain.name}`);
      return unknownOutcome();
    }
    if (this.stack.size >= this.maxDepth) {
      this.limit(`jumps nested deeper than ${this.maxDepth} at ${chain.table}/${chain.name}`);
      return unknownOutcome();
    }
    this.stack.add(chain);
    const outcome = this.evaluate(chain);
    this.stack.delete(chain);
    this.memo.set(chain, outcome);
    return outcome;
  }

  /**
   * The rules of a chain that may match the packet, in order. In a long chain a packet to one address and
   * port skips the rules whose plain -d names another single address (kube-proxy's KUBE-SERVICES: one per
   * service) or whose --dport names another single port (KUBE-NODEPORTS): they answer "no" for it, so the
   * walk is the same without reading them.
   */
  private candidates(chain: NfChain): readonly NfRule[] {
    if (chain.rules.length < INDEXED_CHAIN_RULES) return chain.rules;
    const index = chainIndex(chain);
    const dst = this.packet.dst;
    const host = dst && 'cidr' in dst && dst.cidr.family === index.family && dst.cidr.prefixLen === (dst.cidr.family === 4 ? 32 : 128) ? dst.cidr.network : undefined;
    const port = this.packet.dport;
    if (host === undefined && port === undefined) return chain.rules;
    const lists: number[][] = [index.open];
    if (host === undefined) lists.push(...index.byHost.values());
    else lists.push(index.byHost.get(host) ?? []);
    if (port === undefined) lists.push(...index.byPort.values());
    else lists.push(index.byPort.get(port) ?? []);
    const positions = lists.length === 1 ? (lists[0] as number[]) : lists.flat().sort((a, b) => a - b);
    return positions.map((i) => chain.rules[i] as NfRule);
  }

  private limit(message: string): void {
    if (!this.limits.includes(message)) this.limits.push(message);
  }

  private evaluate(chain: NfChain): ChainOutcome {
    const out: ChainOutcome = { mayReturn: false, others: [], otherKinds: new Set() };
    // mainAlive: the main track reaches the current rule; altAlive: some other packets do.
    let mainAlive = true;
    let altAlive = false;
    const addOther = (t: Terminal): void => {
      out.otherKinds.add(t.kind);
      if (out.others.length < MAX_ALTERNATIVES) out.others.push(t);
    };
    const absorb = (sub: ChainOutcome, via: NfRule): void => {
      for (const k of sub.otherKinds) out.otherKinds.add(k);
      for (const t of sub.others) if (out.others.length < MAX_ALTERNATIVES) out.others.push(prefixed(t, via));
    };

    for (const rule of this.candidates(chain)) {
      if (!mainAlive && !altAlive) break;
      if (++this.steps > this.maxSteps) {
        this.limit(`walk stopped after ${this.maxSteps} rules`);
        out.otherKinds.add('unknown');
        out.mayReturn = true;
        return out;
      }
      const m = matchRule(rule, this.packet);
      if (m === 'no' || !rule.target) continue;
      const target = rule.target;

      if (rule.jumpChain) {
        // A MARK in a chain entered by a jump that may not happen may not happen either.
        const uncertainEntry = m === 'maybe' || !mainAlive;
        if (uncertainEntry) this.uncertainDepth++;
        const sub = this.enter(rule.jumpChain);
        if (uncertainEntry) this.uncertainDepth--;
        this.entered.add(rule.jumpChain.name);
        absorb(sub, rule);
        const subReturns = sub.main === undefined;
        if (m === 'maybe') {
          if (sub.main) addOther(prefixed(sub.main, rule));
          if (target.goto && (subReturns || sub.mayReturn)) out.mayReturn = true;
          continue;
        }
        if (sub.main) {
          if (mainAlive) out.main = prefixed(sub.main, rule);
          else addOther(prefixed(sub.main, rule));
        }
        const anyReturns = subReturns || sub.mayReturn;
        if (target.goto) {
          // Returning from a goto target returns from this chain as well.
          if (anyReturns) out.mayReturn = out.mayReturn || altAlive || (mainAlive && sub.mayReturn);
          if (mainAlive && subReturns) return { ...out, main: undefined };
          mainAlive = false;
          altAlive = false;
          break;
        }
        const nextAlt: boolean = (altAlive && anyReturns) || (mainAlive && sub.mayReturn);
        mainAlive = mainAlive && subReturns;
        altAlive = nextAlt;
        continue;
      }

      const effect = targetEffect(target.name);
      if (effect.type === 'continue') {
        if (MARK_TARGETS.has(target.name) && (mainAlive || altAlive)) this.markSetters.push({ rule, match: m === 'yes' && mainAlive && this.uncertainDepth === 0 ? 'yes' : 'maybe' });
        continue;
      }
      if (effect.type === 'unknown') {
        addOther({ verdict: target.name, kind: 'unknown', rule, path: [rule] });
        continue;
      }
      if (effect.type === 'return') {
        if (m === 'yes') {
          if (mainAlive) return { ...out, main: undefined, mayReturn: out.mayReturn || altAlive };
          out.mayReturn = true;
          break;
        }
        out.mayReturn = true;
        continue;
      }
      const terminal: Terminal = { verdict: target.name, kind: effect.kind, rule, path: [rule] };
      if (m === 'maybe') {
        addOther(terminal);
        continue;
      }
      if (mainAlive) out.main = terminal;
      else addOther(terminal);
      mainAlive = false;
      altAlive = false;
      break;
    }
    if (altAlive) out.mayReturn = true;
    return out;
  }
}

function unknownOutcome(): ChainOutcome {
  return { mayReturn: true, others: [], otherKinds: new Set(['unknown']) };
}

function prefixed(t: Terminal, via: NfRule): Terminal {
  return { ...t, path: [via, ...t.path] };
}

function toDecision(t: Terminal): Decision {
  return { verdict: t.verdict, kind: t.kind, by: 'rule', rule: t.rule, path: t.path };
}

/** Walk `chainName` of `table` for the packet class. A missing table or chain filters nothing. */
export function walkChain(table: NfTable | undefined, chainName: string, packet: PacketClass, options: WalkOptions = {}): WalkResult {
  const chain = table?.chains.get(chainName);
  if (!chain) {
    const decision: Decision = { verdict: 'ACCEPT', kind: 'accept', by: 'absent', path: [] };
    return { decision, certain: true, alternatives: [], possibleKinds: new Set(['accept']), enteredChains: new Set(), limits: [], markSetters: [] };
  }
  const walker = new Walker(packet, options.maxSteps ?? DEFAULT_MAX_STEPS, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const outcome = walker.enter(chain);
  const fallOff: Decision = chain.builtin
    ? { verdict: chain.policy ?? 'ACCEPT', kind: verdictKind(chain.policy ?? 'ACCEPT'), by: 'policy', chain, path: [] }
    : { verdict: 'RETURN', kind: 'return', by: 'return', path: [] };
  const decision = outcome.main ? toDecision(outcome.main) : fallOff;
  const possibleKinds = new Set<Decision['kind']>(outcome.otherKinds);
  possibleKinds.add(decision.kind);
  const alternatives = outcome.others.filter((t) => t.kind !== decision.kind).map(toDecision);
  if (outcome.mayReturn && decision !== fallOff) {
    possibleKinds.add(fallOff.kind);
    if (fallOff.kind !== decision.kind) alternatives.push(fallOff);
  }
  return {
    decision,
    certain: possibleKinds.size === 1,
    alternatives,
    possibleKinds,
    enteredChains: walker.entered,
    limits: walker.limits,
    markSetters: walker.markSetters,
  };
}

/** Walk a built-in chain of a ruleset's table ("filter", "FORWARD"). */
export function walkHook(ruleset: Ruleset | undefined, table: string, chain: string, packet: PacketClass, options?: WalkOptions): WalkResult {
  return walkChain(ruleset?.tables.get(table), chain, packet, options);
}
