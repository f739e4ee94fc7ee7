/**
 * One pass over every rule of a table, in table order, for the analyses that each needed one: whether
 * anything in the table can drop a packet (tableCanDrop) and, in the nat table, its jumps and DNAT rules
 * as a graph of numbered chains (the DNAT targets and published ports search it).
 *
 * A Kubernetes nat table holds over 100k rules in 40k chains, and a pass over their objects costs tens of
 * milliseconds, most of it waiting for memory. From the model's layout (TableLayout) the pass reads the
 * jumps from flat arrays and the target names of the rules that do not jump, without making any rule's record;
 * without one it reads every rule, in table order. A search from the hooks then follows the jumps in a few flat arrays instead of
 * visiting rule objects in the scattered order the jumps lead to.
 */
import type { NfChain, NfRule, NfTable, TableLayout } from '../../model/types.js';
import { firstArgument } from '../../parse/iptables-lazy.js';
import type { IptValue } from '../../parse/types.js';

export interface TableCensus {
  /** A built-in chain with a DROP/REJECT policy, or a rule whose target is neither a jump nor known to be harmless. */
  canDrop: boolean;
  /** The jumps and DNATs of the nat table; undefined for the other tables. */
  jumps: JumpGraph | undefined;
}

/**
 * The chains of a nat table numbered in table order, and what each rule is, by slot: the rules of chain
 * number c hold slots ruleSlots[c] to ruleSlots[c + 1] - 1, in chain order. From the model's layout, what
 * the analyses read of a rule (a DNAT's --to-destination, a jump's -d) is read without making its record.
 */
export class JumpGraph {
  /** Per DNAT (in table order, numbered as dnatAt numbers them): its slot and the number of its chain. */
  readonly #dnatSlots: number[] = [];
  readonly #dnatChains: number[] = [];

  constructor(
    /** The table's chains in table order: a chain's number (NfChain.number) is its index here. */
    readonly chains: NfChain[],
    /** The first slot of each chain, and the slot count last (chains.length + 1 entries). */
    readonly ruleSlots: Int32Array,
    /** Per slot: the number of the chain the rule jumps to (0 or more), NO_JUMP, or a DNAT (dnatAt). */
    readonly slots: Int32Array,
    /** The model's layout, whose rules are in slot order; undefined when the graph was taken from the chains' rules. */
    private readonly layout: TableLayout | undefined,
  ) {}

  /** How many DNAT rules (DNAT targets, not jumps to a chain of that name) the table has. */
  get dnatCount(): number {
    return this.#dnatSlots.length;
  }

  /** Note the DNAT at a slot of chain number `chain`; returns the slot value that marks it. */
  addDnat(chain: number, slot: number): number {
    this.#dnatSlots.push(slot);
    this.#dnatChains.push(chain);
    return dnatSlot(this.#dnatSlots.length - 1);
  }

  /** The rule at a slot of chain number `chain`. */
  ruleAt(chain: number, slot: number): NfRule {
    // From the layout without making the chain's list of rules (see NfChain.rules).
    if (this.layout !== undefined) return this.layout.ruleAt(slot);
    return (this.chains[chain] as NfChain).rules[slot - (this.ruleSlots[chain] as number)] as NfRule;
  }

  /** The first argument of the first option called `option` of the target of the rule at a slot of chain number `chain`. */
  targetArgumentAt(chain: number, slot: number, option: string): string | undefined {
    return this.layout !== undefined ? this.layout.targetArgumentAt(slot, option) : firstArgument(this.ruleAt(chain, slot).target, option);
  }

  /** The destination (-d) of the rule at a slot of chain number `chain`. */
  destinationAt(chain: number, slot: number): IptValue | undefined {
    return this.layout !== undefined ? this.layout.destinationAt(slot) : this.ruleAt(chain, slot).destination;
  }

  /** DNAT number `index` (see dnatAt). */
  dnatRule(index: number): NfRule {
    return this.ruleAt(this.#dnatChains[index] as number, this.#dnatSlots[index] as number);
  }

  /** Where DNAT number `index` sends connections: its --to-destination ("10.244.3.7:8080"), '' without one. */
  dnatDestination(index: number): string {
    return this.targetArgumentAt(this.#dnatChains[index] as number, this.#dnatSlots[index] as number, 'to-destination') ?? '';
  }
}

/** The slot of a rule that neither jumps nor DNATs. */
export const NO_JUMP = -1;

/** The slot value of DNAT number `index`. */
function dnatSlot(index: number): number {
  return -2 - index;
}

/** The number of the DNAT a slot holds; -1 when the slot holds none. */
export function dnatAt(slot: number): number {
  return slot <= -2 ? -2 - slot : -1;
}

/** Does chain number `chain` hold a DNAT? */
export function holdsDnat(graph: JumpGraph, chain: number): boolean {
  const end = graph.ruleSlots[chain + 1] as number;
  for (let slot = graph.ruleSlots[chain] as number; slot < end; slot++) if (dnatAt(graph.slots[slot] as number) !== -1) return true;
  return false;
}

/** Each DNAT of chain number `chain`, in chain order: its slot and its DNAT number. */
export function forEachDnat(graph: JumpGraph, chain: number, visit: (slot: number, dnat: number) => void): void {
  const end = graph.ruleSlots[chain + 1] as number;
  for (let slot = graph.ruleSlots[chain] as number; slot < end; slot++) {
    const dnat = dnatAt(graph.slots[slot] as number);
    if (dnat !== -1) visit(slot, dnat);
  }
}

/** The number of a chain of the graph's table; undefined for a chain of another table. */
export function numberOf(graph: JumpGraph, chain: NfChain): number | undefined {
  return graph.chains[chain.number] === chain ? chain.number : undefined;
}

/** Targets that never drop. */
const KNOWN_HARMLESS = new Set([
  'ACCEPT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP', 'LOG', 'NFLOG', 'ULOG', 'MARK', 'CONNMARK', 'CT',
  'NOTRACK', 'CHECKSUM', 'TCPMSS', 'TOS', 'DSCP', 'TTL', 'HL', 'ECN', 'CLASSIFY', 'SET', 'TRACE', 'AUDIT', 'SECMARK',
  'CONNSECMARK', 'IDLETIMER', 'LED', 'RATEEST', 'TEE', 'HMARK', 'TCPOPTSTRIP', 'JOURNAL',
]);

/** Does a rule with this target (not a jump) never drop? */
export function isHarmlessTarget(name: string): boolean {
  return KNOWN_HARMLESS.has(name);
}

const censuses = new WeakMap<NfTable, TableCensus>();

/** The census of a table, taken on first use. */
export function tableCensus(table: NfTable): TableCensus {
  let census = censuses.get(table);
  if (!census) {
    census = table.name === 'nat' ? natCensus(table) : { canDrop: canDropAnywhere(table), jumps: undefined };
    censuses.set(table, census);
  }
  return census;
}

/** The jump graph of a nat table (see tableCensus), taken as for one named nat whatever its name. */
export function natJumpGraph(table: NfTable): JumpGraph {
  let census = tableCensus(table);
  if (!census.jumps) {
    census = natCensus(table);
    censuses.set(table, census);
  }
  return census.jumps as JumpGraph;
}

/** Outside the nat table the census ends at the first thing that can drop. */
function canDropAnywhere(table: NfTable): boolean {
  let canDrop = false;
  // forEach: this pass runs once, before V8 optimises it, where for...of would allocate per step.
  table.chains.forEach((chain) => {
    if (!canDrop) canDrop = holdsDropSource(chain);
  });
  return canDrop;
}

/** What natCensus builds as it goes. */
interface NatCensusState {
  graph: JumpGraph;
  canDrop: boolean;
}

function natCensus(table: NfTable): TableCensus {
  if (table.layout) return natCensusByLayout(table.layout);
  const chains: NfChain[] = [];
  let ruleCount = 0;
  table.chains.forEach((chain) => {
    chains.push(chain);
    ruleCount += chain.rules.length;
  });
  const graph = new JumpGraph(chains, new Int32Array(chains.length + 1), new Int32Array(ruleCount), undefined);
  const state: NatCensusState = { graph, canDrop: false };
  let slot = 0;
  for (let c = 0; c < chains.length; c++) {
    graph.ruleSlots[c] = slot;
    slot = countNatChain(state, c, slot);
  }
  graph.ruleSlots[chains.length] = slot;
  return { canDrop: state.canDrop, jumps: graph };
}

/**
 * The same from the model's layout, whose rules are already in chain order with their jumps numbered:
 * only the target names of the rules that do not jump are read, and no rule's record (nor target) is made.
 */
function natCensusByLayout(layout: TableLayout): TableCensus {
  const { chains, jumpOf, ruleStart } = layout;
  const graph = new JumpGraph(chains, ruleStart, new Int32Array(layout.ruleCount), layout);
  const state: NatCensusState = { graph, canDrop: chains.some(isDroppingPolicy) };
  for (let chain = 0; chain < chains.length; chain++) {
    const end = ruleStart[chain + 1] as number;
    for (let slot = ruleStart[chain] as number; slot < end; slot++) {
      const next = jumpOf[slot] as number;
      graph.slots[slot] = next >= 0 ? next : countTarget(state, layout.targetNameAt(slot), chain, slot);
    }
  }
  return { canDrop: state.canDrop, jumps: graph };
}

/**
 * The slots of one chain, from `slot` on; returns the slot after them. A function of its own rather than
 * the body of the loop over every chain: V8 then optimises it as a whole.
 */
function countNatChain(state: NatCensusState, number: number, slot: number): number {
  const slots = state.graph.slots;
  const chain = state.graph.chains[number] as NfChain;
  if (isDroppingPolicy(chain)) state.canDrop = true;
  const rules = chain.rules;
  for (let i = 0; i < rules.length; i++, slot++) {
    const rule = rules[i] as NfRule;
    const next = rule.jumpChain;
    // The model resolves jumps within the table: every chain jumped to has a number.
    slots[slot] = next !== undefined ? next.number : countTarget(state, rule.target?.name, number, slot);
  }
  return slot;
}

/** The slot value of a rule that does not jump, whose target is called `target`: a DNAT (noted), or nothing (noted when it can drop). */
function countTarget(state: NatCensusState, target: string | undefined, chain: number, slot: number): number {
  if (target === undefined) return NO_JUMP;
  if (target === 'DNAT') return state.graph.addDnat(chain, slot);
  if (!state.canDrop && !KNOWN_HARMLESS.has(target)) state.canDrop = true;
  return NO_JUMP;
}

function holdsDropSource(chain: NfChain): boolean {
  if (isDroppingPolicy(chain)) return true;
  const rules = chain.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as NfRule;
    if (!rule.jumpChain && rule.target !== undefined && !KNOWN_HARMLESS.has(rule.target.name)) return true;
  }
  return false;
}

function isDroppingPolicy(chain: NfChain): boolean {
  return chain.builtin && (chain.policy === 'DROP' || chain.policy === 'REJECT');
}
