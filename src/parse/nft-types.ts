/**
 * One typed model of an nftables ruleset, read from `nft -j list ruleset` (nft-json.ts) or from
 * `nft [-a] list ruleset` text (nft-text.ts). Every table, chain, set and rule keeps the line it came from
 * and a one-line text in nft syntax, for evidence.
 */

export type NftFamily = 'ip' | 'ip6' | 'inet' | 'bridge' | 'arp' | 'netdev';
export const NFT_FAMILIES: readonly NftFamily[] = ['ip', 'ip6', 'inet', 'bridge', 'arp', 'netdev'];

export interface NftRuleset {
  tables: NftTable[];
}

export interface NftTable {
  family: NftFamily;
  name: string;
  line: number;
  handle?: number;
  /** `# Warning: table ip filter is managed by iptables-nft`, or a table holding iptables compat (xt) statements. */
  managedBy?: 'iptables-nft';
  chains: NftChain[];
  sets: NftSet[];
  /** Kept, not evaluated. */
  flowtables: NftFlowtable[];
  /** Other named objects (counters, quotas, ct helpers, ...): kept by kind and name only. */
  objects: NftObject[];
}

export interface NftBaseChain {
  type: 'filter' | 'nat' | 'route';
  hook: string;
  /** Named priorities resolved per family (filter = 0, bridge filter = -200, ...). */
  priority: number;
  device?: string;
  /** `accept` where the ruleset does not say. */
  policy: 'accept' | 'drop';
}

export interface NftChain {
  name: string;
  line: number;
  text: string;
  handle?: number;
  base?: NftBaseChain;
  rules: NftRule[];
}

export interface NftRule {
  line: number;
  text: string;
  handle?: number;
  comment?: string;
  statements: NftStatement[];
  /**
   * A JSON rule read lazily: its comment and statements' source text with the counters' values left out.
   * Two rules with the same key have the same text (the diff's quick check before it makes the texts).
   */
  readonly sourceKey?: string;
}

export interface NftSet {
  kind: 'set' | 'map';
  name: string;
  line: number;
  handle?: number;
  /** `ipv4_addr`, `ipv4_addr . inet_proto . inet_service`; maps: the key type. */
  type: string;
  /** Maps: the data type (`verdict`, `ipv4_addr`, ...). */
  dataType?: string;
  flags: string[];
  elements: NftSetElement[];
}

export interface NftSetElement {
  key: NftValue;
  /** Maps only. */
  value?: NftValue;
}

export interface NftFlowtable {
  name: string;
  line: number;
  hook?: string;
  priority?: number;
  devices: string[];
}

export interface NftObject {
  kind: string;
  name: string;
  line: number;
}

/* ---------- expressions (left-hand sides) ---------- */

export type NftExpr =
  | { kind: 'payload'; protocol: string; field: string }
  | { kind: 'meta'; key: string }
  | { kind: 'ct'; key: string; dir?: 'original' | 'reply'; family?: string }
  | { kind: 'fib'; flags: string[]; result: string }
  | { kind: 'binop'; op: '&' | '|' | '^' | '<<' | '>>'; left: NftExpr; right: NftValue }
  | { kind: 'concat'; parts: NftExpr[] }
  /** `numgen random|inc mod N [offset K]`: a number from K to K+N-1 (kube-proxy's endpoint choice). */
  | { kind: 'numgen'; mode: string; mod: number; offset: number }
  | { kind: 'unknown'; text: string };

/* ---------- values (right-hand sides, set elements) ---------- */

export type NftValue =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'prefix'; addr: string; len: number }
  | { kind: 'range'; from: NftValue; to: NftValue }
  | { kind: 'set'; items: NftValue[] }
  | { kind: 'ref'; name: string }
  | { kind: 'concat'; parts: NftValue[] }
  | { kind: 'map'; pairs: { key: NftValue; value: NftValue }[] }
  | { kind: 'verdict'; verdict: NftVerdict }
  | { kind: 'expr'; expr: NftExpr }
  | { kind: 'unknown'; text: string };

export type NftVerdict =
  | { kind: 'accept' | 'drop' | 'return' | 'continue' }
  | { kind: 'jump' | 'goto'; target: string }
  | { kind: 'reject'; with?: string }
  | { kind: 'queue'; text?: string };

export type NftOp = '==' | '!=' | '<' | '>' | '<=' | '>=' | 'in';

/* ---------- statements ---------- */

export type NftStatement =
  | { kind: 'match'; left: NftExpr; op: NftOp; right: NftValue }
  | { kind: 'counter'; packets?: number; bytes?: number }
  | { kind: 'verdict'; verdict: NftVerdict }
  | { kind: 'vmap'; key: NftExpr; map: NftValue }
  | { kind: 'nat'; nat: 'snat' | 'dnat' | 'masquerade' | 'redirect'; family?: 'ip' | 'ip6'; addr?: NftValue; port?: NftValue; flags?: string[] }
  /** `meta mark set ...`, `ct mark set ...`: the target and the value written. */
  | { kind: 'set'; target: NftExpr; value: NftValue }
  | { kind: 'log'; prefix?: string; level?: string; group?: number }
  /** No connection tracking for the packet (raw chains). */
  | { kind: 'notrack' }
  /** iptables-nft compat: a match or target nft cannot show in its own syntax. */
  | { kind: 'xt'; type: string; name: string; text: string }
  | { kind: 'unknown'; text: string };

export const NAMED_PRIORITIES: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100, out: 100 };
export const BRIDGE_PRIORITIES: Record<string, number> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };

/** A named priority's number in a family, or undefined for a name nft does not know. */
export function namedPriority(family: NftFamily, name: string): number | undefined {
  const table = family === 'bridge' ? BRIDGE_PRIORITIES : NAMED_PRIORITIES;
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
