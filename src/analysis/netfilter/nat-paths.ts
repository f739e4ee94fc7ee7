/**
 * How the nat hooks (PREROUTING, OUTPUT) reach the chains of a nat table, and what the jumps on the way
 * require: shared by the published ports (which stop at service VIPs) and the DNAT targets (which do not).
 *
 * A Kubernetes nat table has tens of thousands of chains and rules. The search follows the jumps as the
 * table's census lists them (table-census.ts), without visiting the rule objects (when it stops at service
 * VIPs, it reads the destination of the jumps that would lead somewhere new, from the layout); what a jump matches
 * is read for the jumps of the chains whose context is asked for, once per chain.
 */
import { formatAddress, parseCidr, type Cidr } from '../../model/net.js';
import { sourceUsable } from '../../model/sources.js';
import type { Namespace, NfChain, NfRule, NfTable } from '../../model/types.js';
import { firstArgument } from '../../parse/iptables-lazy.js';
import type { IptTarget, IptValue } from '../../parse/types.js';
import { isOwnAddress, ownAddressKeys } from '../topology.js';
import { isLoopbackAddress } from './addresses.js';
import { formatPortRange, type PortRange } from './ports.js';
import { excludedInterface, hostV4, requiredInterface, ruleAddress, ruleDport, ruleProtocol } from './rule-fields.js';
import { natJumpGraph, numberOf, type JumpGraph } from './table-census.js';

export type NatHook = 'PREROUTING' | 'OUTPUT';

const HOOK_BITS: Record<NatHook, number> = { PREROUTING: 1, OUTPUT: 2 };
/** Shared hook lists by bit mask, so that thousands of ports do not each allocate one. */
const HOOK_LISTS: NatHook[][] = [[], ['PREROUTING'], ['OUTPUT'], ['PREROUTING', 'OUTPUT']];

/**
 * How the nat hooks reach a chain: which of them (bit mask), and the first jump that does, with its chain.
 * A class, so that the tens of thousands of entries of a Kubernetes nat table share one shape.
 */
export class ChainReach {
  hooks: number;
  jump: NfRule | undefined = undefined;
  from: NfChain | undefined = undefined;
  /** What the jumps leading here require; filled in on first use. */
  context: ChainContext | undefined = undefined;

  constructor(hooks: number, jump?: NfRule, from?: NfChain) {
    this.hooks = hooks;
    this.jump = jump;
    this.from = from;
  }

  /** The hooks as a shared list. */
  get hookList(): NatHook[] {
    return HOOK_LISTS[this.hooks] ?? [];
  }
}

/** The chains the hooks reach, each with its ChainReach. */
export class NatReach {
  /** By chain number (see JumpGraph). */
  readonly #states: (ChainReach | undefined)[];
  /** The numbers of the chains reached, in the order the search reached them. */
  readonly #reached: number[] = [];

  constructor(readonly graph: JumpGraph) {
    this.#states = new Array<ChainReach | undefined>(graph.chains.length).fill(undefined);
  }

  get(chain: NfChain): ChainReach | undefined {
    const number = numberOf(this.graph, chain);
    return number === undefined ? undefined : this.#states[number];
  }

  has(chain: NfChain): boolean {
    return this.get(chain) !== undefined;
  }

  /** The reached chains (with their numbers), in the order the search reached them. */
  forEach(visit: (state: ChainReach, chain: NfChain, number: number) => void): void {
    for (const number of this.#reached) visit(this.#states[number] as ChainReach, this.graph.chains[number] as NfChain, number);
  }

  /** The state of chain number `number`. */
  at(number: number): ChainReach | undefined {
    return this.#states[number];
  }

  /** Chain number `number` is reached, with `state`. */
  add(number: number, state: ChainReach): void {
    this.#states[number] = state;
    this.#reached.push(number);
  }
}

/** A test of a rule's destination (-d), absent when the rule has none. */
export type DestinationTest = (destination: IptValue | undefined) => boolean;

/**
 * Chains of a nat table reachable from PREROUTING and OUTPUT, breadth-first from each hook in turn, following
 * every jump but those whose destination `stopAt` is true of.
 */
export function reachFromHooks(table: NfTable, stopAt?: DestinationTest): NatReach {
  const graph = natJumpGraph(table);
  const reach = new NatReach(graph);
  const queue: number[] = [];
  const search: JumpSearch = { graph, reach, queue, stopAt, refused: stopAt === undefined ? undefined : new Uint8Array(graph.slots.length) };
  for (const hook of ['PREROUTING', 'OUTPUT'] as const) {
    const bit = HOOK_BITS[hook];
    const hookChain = table.chains.get(hook);
    const start = hookChain === undefined ? undefined : numberOf(graph, hookChain);
    if (start === undefined) continue;
    const first = reach.at(start);
    if (first) first.hooks |= bit;
    else reach.add(start, new ChainReach(bit));
    queue.length = 0;
    queue.push(start);
    for (let i = 0; i < queue.length; i++) followJumps(search, queue[i] as number, bit);
  }
  return reach;
}

/** The state of reachFromHooks. */
interface JumpSearch {
  graph: JumpGraph;
  reach: NatReach;
  /** Chain numbers. */
  queue: number[];
  stopAt: DestinationTest | undefined;
  /**
   * 1 at the slots of the jumps not followed: the second hook meets the same ones (kube-proxy's tens of
   * thousands of service VIP jumps) and the test would answer the same.
   */
  refused: Uint8Array | undefined;
}

/** One step of the search: the chains chain number `chain` jumps to that hook `bit` had not reached yet join the queue. */
function followJumps(search: JumpSearch, chain: number, bit: number): void {
  const { graph, reach, queue, stopAt, refused } = search;
  const { slots, ruleSlots } = graph;
  const end = ruleSlots[chain + 1] as number;
  for (let slot = ruleSlots[chain] as number; slot < end; slot++) {
    const next = slots[slot] as number;
    if (next < 0) continue;
    const known = reach.at(next);
    if (known !== undefined && (known.hooks & bit) !== 0) continue;
    // Asked only of jumps that would lead somewhere new; the destination is read without making the rule's record.
    if (stopAt !== undefined && refused !== undefined) {
      if (refused[slot] === 1) continue;
      if (stopAt(graph.destinationAt(chain, slot))) {
        refused[slot] = 1;
        continue;
      }
    }
    const rule = graph.ruleAt(chain, slot);
    if (!known) reach.add(next, new ChainReach(bit, rule, graph.chains[chain]));
    else {
      known.hooks |= bit;
      if (!known.jump) {
        known.jump = rule;
        known.from = graph.chains[chain];
      }
    }
    queue.push(next);
  }
}

/**
 * A test of a rule's destination: is it one address this namespace does not hold (-d of a /32 or /128, not
 * negated; loopback counts as held)? Connections such a rule matches are addressed to a service VIP
 * (a Kubernetes cluster IP, a load-balancer address held elsewhere), not to this host. Undefined when the
 * namespace's addresses are unknown (ip addr not collected): no address is then taken for a VIP.
 */
export function serviceVipTest(ns: Namespace): DestinationTest | undefined {
  if (!sourceUsable(ns.sources.get('ip-addr'))) return undefined;
  const own = ownAddressKeys(ns);
  return (destination) => {
    if (destination === undefined || destination.negated) return false;
    // "-d 10.96.0.10/32", as nearly every kube-proxy rule reads: no CIDR object made (addressKey of an IPv4 address is its number).
    const v4 = hostV4(destination.value);
    if (v4 !== -1) return v4 >>> 24 !== 127 && !own.has(v4);
    const cidr = parseCidr(destination.value);
    if (!cidr || cidr.prefixLen !== (cidr.family === 4 ? 32 : 128)) return false;
    return !isLoopbackAddress(cidr) && !isOwnAddress(ns, cidr);
  };
}

/**
 * What the jumps leading into a chain require, nearest jump first; shared by every DNAT of the chain.
 * Every field is always present (possibly undefined): one shape for the tens of thousands made.
 */
export interface ChainContext {
  via: NfRule[];
  protocol: string | undefined;
  hostPorts: PortRange | undefined;
  hostAddress: Cidr | undefined;
  inInterface: string | undefined;
  excludedIn: string[];
}

const NO_VIA: NfRule[] = [];
const NO_EXCLUSIONS: string[] = [];
const HOOK_CONTEXT: ChainContext = { via: NO_VIA, protocol: undefined, hostPorts: undefined, hostAddress: undefined, inInterface: undefined, excludedIn: NO_EXCLUSIONS };

/** The context of a chain: what its first jumps from the hook require. Memoised on the chain's entry. */
export function chainContext(chain: NfChain, reach: NatReach, depth = 0): ChainContext {
  const state = reach.get(chain);
  if (state?.context) return state.context;
  const jump = state?.jump;
  const up = state?.from;
  // The first jumps come from a breadth-first search, so they never loop; the depth guard is for safety.
  const outer: ChainContext = jump && up && up !== chain && depth < 64 ? chainContext(up, reach, depth + 1) : HOOK_CONTEXT;
  let context = outer;
  if (jump) {
    context = contextWithRule(outer, jump);
    const via = new Array<NfRule>(outer.via.length + 1);
    for (let i = 0; i < outer.via.length; i++) via[i] = outer.via[i] as NfRule;
    via[outer.via.length] = jump;
    context.via = via;
  }
  if (state) state.context = context;
  return context;
}

/** What a path of jumps from a hook requires (outermost first), without `via`. */
export function pathContext(jumps: readonly NfRule[]): ChainContext {
  let context = HOOK_CONTEXT;
  for (const jump of jumps) context = contextWithRule(context, jump);
  return context;
}

/** The context seen from a rule: its own criteria win over those of the jumps before it. */
export function contextWithRule(outer: ChainContext, rule: NfRule): ChainContext {
  const excluded = excludedInterface(rule, 'inInterface');
  // `|| undefined`: an empty value counts as none, as it always has.
  return {
    via: outer.via,
    protocol: (ruleProtocol(rule) ?? outer.protocol) || undefined,
    hostPorts: ruleDport(rule) ?? outer.hostPorts,
    hostAddress: ruleAddress(rule, 'destination') ?? outer.hostAddress,
    inInterface: (requiredInterface(rule, 'inInterface') ?? outer.inInterface) || undefined,
    excludedIn: excluded && !outer.excludedIn.includes(excluded) ? [excluded, ...outer.excludedIn] : outer.excludedIn,
  };
}

/** Where a DNAT sends connections: its --to-destination argument, '' without one. */
export function toDestination(target: IptTarget): string {
  return firstArgument(target, 'to-destination') ?? '';
}

/** "192.0.2.10:", "[2001:db8::1]:", "10.0.0.0/8:": the host address part of a port's name. */
function hostText(address: Cidr, family: 4 | 6): string {
  const text = family === 6 ? `[${formatAddress(6, address.network)}]` : formatAddress(4, address.network);
  return `${text}${address.prefixLen === (family === 6 ? 128 : 32) ? '' : `/${address.prefixLen}`}:`;
}

/**
 * "tcp/192.0.2.10:8080->": what a DNAT's connections are addressed to, up to its target. `hostTexts` keeps the
 * host address parts by address object (the endpoints of a service share the address of its jump).
 */
export function namePrefix(c: ChainContext, family: 4 | 6, hostTexts?: Map<Cidr, string>): string {
  let host = '';
  if (c.hostAddress) {
    const known = hostTexts?.get(c.hostAddress);
    host = known ?? hostText(c.hostAddress, family);
    if (known === undefined) hostTexts?.set(c.hostAddress, host);
  }
  return `${c.protocol ?? 'all'}/${host}${c.hostPorts ? formatPortRange(c.hostPorts) : '*'}->`;
}
