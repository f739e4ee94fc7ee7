/**
 * The routing decision as the kernel makes it (fib_rules_lookup, then fib_table_lookup): policy rules by
 * priority, each rule whose selector matches runs its action; a lookup takes the table's longest matching
 * prefix (lowest metric among equals) whose next hop fits the output interface asked for; a `throw` route,
 * a route cut by suppress_prefixlength or a table without a match goes on to the next rule.
 *
 * Three-valued: a rule whose selector the snapshot cannot decide (a mark nobody knows, a selector the model
 * does not read) makes the decision unknown, with that rule as the reason, never a guess.
 */
import { parseCidr, type Cidr } from '../../model/net.js';
import { tableKey, type PolicyRule } from '../../model/policy-rules.js';
import type { Route } from '../../model/types.js';

export interface FibQuery {
  family: 4 | 6;
  dst: bigint;
  /** The source address; undefined for a local packet whose source the route will choose. */
  src?: bigint;
  /** The input interface; "lo" for a packet this namespace sends (the kernel matches `iif lo` to it). */
  iif: string;
  /** The interface a local socket is bound to (SO_BINDTODEVICE, ip route get oif). */
  oif?: string;
  /** The packet's mark; undefined when the snapshot cannot tell it. */
  mark?: number;
}

/** A rule whose selector matched, and what its action led to. */
export interface FibStep {
  rule: PolicyRule;
  outcome: string;
}

export type FibDecision =
  | { outcome: 'route'; route: Route; rule: PolicyRule; steps: FibStep[] }
  | { outcome: 'refused'; refusal: 'blackhole' | 'unreachable' | 'prohibit'; rule: PolicyRule; route?: Route; steps: FibStep[] }
  | { outcome: 'no-route'; steps: FibStep[] }
  | { outcome: 'unknown'; reason: string; rule: PolicyRule; steps: FibStep[] };

const REFUSING_TYPES = new Set(['blackhole', 'unreachable', 'prohibit']);
/** Route types a lookup takes as its answer; `throw` sends the lookup on to the next rule. */
const ANSWER_TYPES = new Set(['unicast', 'local', 'broadcast', 'anycast', 'multicast', 'nat', ...REFUSING_TYPES]);

interface IndexedRoute {
  route: Route;
  cidr: Cidr;
}

/** One table's routes by prefix length (longest first), each length a map from network to routes by metric. */
class RouteTable {
  private readonly byLength = new Map<number, Map<bigint, IndexedRoute[]>>();
  private lengths: number[] = [];

  add(route: Route, cidr: Cidr): void {
    let networks = this.byLength.get(cidr.prefixLen);
    if (!networks) {
      networks = new Map();
      this.byLength.set(cidr.prefixLen, networks);
      this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
    }
    const routes = networks.get(cidr.network) ?? [];
    routes.push({ route, cidr });
    routes.sort((a, b) => (a.route.metric ?? 0) - (b.route.metric ?? 0));
    networks.set(cidr.network, routes);
  }

  /** Longest prefix first, lowest metric among equals; a route through another interface than `oif` does not fit. */
  lookup(family: 4 | 6, dst: bigint, oif: string | undefined): IndexedRoute | undefined {
    const bits = family === 4 ? 32 : 128;
    for (const length of this.lengths) {
      const mask = length === 0 ? 0n : ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - length)) - 1n);
      const candidates = this.byLength.get(length)?.get(dst & mask);
      const fit = candidates?.find((c) => !c.route.flags?.includes('dead') && (oif === undefined || routeLeavesBy(c.route, oif)));
      if (fit) return fit;
    }
    return undefined;
  }
}

function routeLeavesBy(route: Route, oif: string): boolean {
  if (route.dev === oif) return true;
  return route.nexthops.some((hop) => hop.dev === oif);
}

/** Routes of one namespace and family, indexed once for every lookup. */
export class Fib {
  private readonly tables = new Map<string, RouteTable>();
  private readonly rules: PolicyRule[];

  constructor(
    readonly family: 4 | 6,
    routes: readonly Route[],
    rules: readonly PolicyRule[],
  ) {
    for (const route of routes) {
      if (route.family !== family || (!ANSWER_TYPES.has(route.type) && route.type !== 'throw')) continue;
      const cidr = parseCidr(route.dst, family);
      if (!cidr) continue;
      const key = tableKey(route.table);
      let table = this.tables.get(key);
      if (!table) {
        table = new RouteTable();
        this.tables.set(key, table);
      }
      table.add(route, cidr);
    }
    this.rules = rules.filter((r) => r.family === family).sort((a, b) => a.priority - b.priority);
  }

  decide(query: FibQuery): FibDecision {
    const steps: FibStep[] = [];
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i] as PolicyRule;
      const match = selectorMatches(rule, query);
      if (match === 'maybe') {
        return { outcome: 'unknown', reason: undecidableReason(rule, query), rule, steps };
      }
      if (!match) continue;
      switch (rule.action) {
        case 'nop':
          steps.push({ rule, outcome: 'nop: on to the next rule' });
          continue;
        case 'goto': {
          const target = this.rules.findIndex((r) => r.priority === rule.gotoPriority);
          if (target === -1) {
            steps.push({ rule, outcome: `goto ${rule.gotoPriority}: no rule has that priority, on to the next rule` });
            continue;
          }
          steps.push({ rule, outcome: `goto ${rule.gotoPriority}` });
          i = target - 1;
          continue;
        }
        case 'blackhole':
        case 'unreachable':
        case 'prohibit':
          steps.push({ rule, outcome: rule.action });
          return { outcome: 'refused', refusal: rule.action, rule, steps };
        case 'lookup': {
          const table = rule.table === undefined ? undefined : this.tables.get(tableKey(rule.table));
          const found = table?.lookup(this.family, query.dst, query.oif);
          if (!found) {
            steps.push({ rule, outcome: `no route in table ${rule.table}` });
            continue;
          }
          const { route } = found;
          if (route.type === 'throw') {
            steps.push({ rule, outcome: `throw route ${route.dst} in table ${rule.table}: on to the next rule` });
            continue;
          }
          if (rule.suppressPrefixLength !== undefined && found.cidr.prefixLen <= rule.suppressPrefixLength) {
            steps.push({ rule, outcome: `route ${route.dst} suppressed (prefix length ${found.cidr.prefixLen} ≤ ${rule.suppressPrefixLength})` });
            continue;
          }
          if (REFUSING_TYPES.has(route.type)) {
            steps.push({ rule, outcome: `${route.type} route ${route.dst} in table ${rule.table}` });
            return { outcome: 'refused', refusal: route.type as 'blackhole' | 'unreachable' | 'prohibit', rule, route, steps };
          }
          steps.push({ rule, outcome: `${route.type} route ${route.dst} in table ${rule.table}` });
          return { outcome: 'route', route, rule, steps };
        }
      }
    }
    return { outcome: 'no-route', steps };
  }
}

/** true, false, or 'maybe' when the snapshot cannot tell (unknown mark, a selector the model does not read). */
function selectorMatches(rule: PolicyRule, query: FibQuery): boolean | 'maybe' {
  let matched: boolean | 'maybe' = true;
  if (rule.from && (query.src === undefined ? rule.from.prefixLen !== 0 : !inCidr(rule.from, query.src))) matched = false;
  else if (rule.to && !inCidr(rule.to, query.dst)) matched = false;
  else if (rule.iif !== undefined && rule.iif !== query.iif) matched = false;
  else if (rule.oif !== undefined && rule.oif !== query.oif) matched = false;
  else if (rule.fwmark !== undefined) {
    if (query.mark === undefined) matched = 'maybe';
    else if (((query.mark & (rule.fwmask ?? 0xffffffff)) >>> 0) !== rule.fwmark >>> 0) matched = false;
  }
  if (matched === true && rule.unmodelled.length > 0) matched = 'maybe';
  if (matched === 'maybe') return 'maybe';
  return rule.invert ? !matched : matched;
}

function inCidr(cidr: Cidr, address: bigint): boolean {
  const bits = cidr.family === 4 ? 32 : 128;
  const shift = BigInt(bits - cidr.prefixLen);
  return address >> shift === cidr.network >> shift;
}

function undecidableReason(rule: PolicyRule, query: FibQuery): string {
  if (rule.unmodelled.length > 0) return `policy rule ${rule.priority} selects on ${rule.unmodelled.join(', ')}, which the snapshot cannot evaluate`;
  if (rule.fwmark !== undefined && query.mark === undefined) return `policy rule ${rule.priority} selects on fwmark, and the packet's mark is not known`;
  return `policy rule ${rule.priority} cannot be evaluated`;
}

/**
 * What a local sender is told when the lookup fails (fib4_rule_action, fib_props): the error of a refusing
 * rule differs from that of a refusing route; a forwarded packet gets the matching ICMP error, a blackhole none.
 */
export function lookupError(decision: FibDecision): string | undefined {
  switch (decision.outcome) {
    case 'no-route':
      return 'Network is unreachable';
    case 'refused':
      if (decision.refusal === 'blackhole') return 'Invalid argument';
      if (decision.refusal === 'prohibit') return 'Permission denied';
      return decision.route ? 'No route to host' : 'Network is unreachable';
    default:
      return undefined;
  }
}
