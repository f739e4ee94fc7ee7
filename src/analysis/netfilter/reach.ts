/**
 * Structural reachability: which user chains can a packet class get into from a built-in chain,
 * following every jump whose rule may match, regardless of what earlier rules decide. Used to tell
 * "the jump to DOCKER is gone" apart from "something before it drops the packet".
 */
import type { NfChain, NfTable } from '../../model/types.js';
import { matchRule } from './match.js';
import type { PacketClass } from './packet.js';
import { isHarmlessTarget, tableCensus } from './table-census.js';

export function reachableChains(table: NfTable | undefined, start: string, packet: PacketClass): Set<string> {
  const reached = new Set<string>();
  searchChains(table, start, packet, (chain) => {
    reached.add(chain.name);
    return false;
  });
  return reached;
}

/**
 * Can the packet class get from `start` into chain `wanted`? Stops as soon as it does: on a Kubernetes
 * node nat PREROUTING jumps to DOCKER next to KUBE-SERVICES, whose tens of thousands of chains need no visit.
 */
export function reachesChain(table: NfTable | undefined, start: string, packet: PacketClass, wanted: string): boolean {
  return searchChains(table, start, packet, (chain) => chain.name === wanted);
}

/** Breadth-first over the jumps that may match; `visit` sees each chain reached once and returns true to stop. */
function searchChains(table: NfTable | undefined, start: string, packet: PacketClass, visit: (chain: NfChain) => boolean): boolean {
  const first = table?.chains.get(start);
  if (!first) return false;
  const queue: NfChain[] = [first];
  const seen = new Set<NfChain>([first]);
  for (let i = 0; i < queue.length; i++) {
    for (const rule of (queue[i] as NfChain).rules) {
      const next = rule.jumpChain;
      if (!next || seen.has(next) || matchRule(rule, packet) === 'no') continue;
      seen.add(next);
      if (visit(next)) return true;
      queue.push(next);
    }
  }
  return false;
}

/** Per table (a plain Map per table: a WeakMap entry per chain would burden every garbage collection). */
const dropCapableByTable = new WeakMap<object, Map<NfChain, boolean>>();

/** Can traversing this chain end in DROP or REJECT (or in a target whose effect is unknown)? Memoised per table. */
export function chainCanDrop(chain: NfChain, table: object = chain): boolean {
  let dropCapable = dropCapableByTable.get(table);
  if (!dropCapable) dropCapableByTable.set(table, (dropCapable = new Map()));
  const known = dropCapable.get(chain);
  if (known !== undefined) return known;
  return searchDrop(chain, dropCapable, new Set());
}

function searchDrop(chain: NfChain, dropCapable: Map<NfChain, boolean>, stack: Set<NfChain>): boolean {
  const known = dropCapable.get(chain);
  if (known !== undefined) return known;
  if (stack.has(chain)) return true;
  stack.add(chain);
  let result = chain.builtin && (chain.policy === 'DROP' || chain.policy === 'REJECT');
  for (const rule of chain.rules) {
    if (result) break;
    const name = rule.target?.name;
    if (!name) continue;
    if (rule.jumpChain) result = searchDrop(rule.jumpChain, dropCapable, stack);
    else result = !isHarmlessTarget(name);
  }
  stack.delete(chain);
  dropCapable.set(chain, result);
  return result;
}

/**
 * Does the table hold anything that can drop a packet: a built-in chain with a DROP/REJECT policy, or a rule
 * whose target is neither a jump nor known to be harmless? One linear pass per table (its census), where
 * chainCanDrop follows the jumps: a Kubernetes nat table (tens of thousands of chains, no DROP) is then settled
 * at once. Without any, no walk of the table can end in a certain drop.
 */
export function tableCanDrop(table: NfTable): boolean {
  return tableCensus(table).canDrop;
}
