/**
 * One pass over every rule of a table, in table order, for the analyses that each needed one: whether
 * anything in the table can drop a packet (tableCanDrop) and where its DNAT rules are (the DNAT targets).
 *
 * A Kubernetes nat table holds over 100k rules, and a pass over them costs tens of milliseconds, most of
 * it waiting for memory: one pass serves both, in table order (the order the rule objects were made in).
 */
import type { NfChain, NfRule, NfTable } from '../../model/types.js';

export interface TableCensus {
  /** A built-in chain with a DROP/REJECT policy, or a rule whose target is neither a jump nor known to be harmless. */
  canDrop: boolean;
  /** The DNAT rules (DNAT targets, not jumps to a chain of that name), in table order; none outside the nat table. */
  dnats: NfRule[];
  /** dnatChains[i] holds dnats[i]: a chain's DNATs are consecutive. */
  dnatChains: NfChain[];
  /** The index in `dnats` of the first DNAT of each chain that holds some (ascending in table order). */
  firstDnat: Map<NfChain, number>;
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
    const taken: TableCensus = { canDrop: false, dnats: [], dnatChains: [], firstDnat: new Map() };
    // DNAT is a target of the nat table only: elsewhere the census ends at the first thing that can drop.
    const nat = table.name === 'nat';
    // forEach and indexed loops: this pass runs once, before V8 optimises it, where for...of would allocate per step.
    table.chains.forEach((chain) => {
      if (nat) countNatChain(taken, chain);
      else if (!taken.canDrop) taken.canDrop = holdsDropSource(chain);
    });
    census = taken;
    censuses.set(table, census);
  }
  return census;
}

function countNatChain(census: TableCensus, chain: NfChain): void {
  if (isDroppingPolicy(chain)) census.canDrop = true;
  const rules = chain.rules;
  let holdsDnat = false;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as NfRule;
    const target = rule.target;
    if (rule.jumpChain || target === undefined) continue;
    if (target.name === 'DNAT') {
      if (!holdsDnat) census.firstDnat.set(chain, census.dnats.length);
      holdsDnat = true;
      census.dnats.push(rule);
      census.dnatChains.push(chain);
    } else if (!census.canDrop && !KNOWN_HARMLESS.has(target.name)) {
      census.canDrop = true;
    }
  }
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
