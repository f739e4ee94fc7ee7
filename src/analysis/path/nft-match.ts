/**
 * Three-valued matching of nftables expressions against one concrete packet: what a left-hand side
 * (payload, meta, ct, fib, binop, concatenation) reads from the packet, and whether a right-hand side
 * (literal, prefix, range, anonymous or named set) holds it. What the snapshot cannot tell answers 'maybe';
 * a field the packet does not have (`tcp dport` of a UDP packet, `ip saddr` of an IPv6 packet) answers 'no',
 * as nft's implicit protocol dependency does.
 */
import type { NftExpr, NftOp, NftSet, NftTable, NftValue } from '../../parse/nft-types.js';
import { parseAddress, parseCidr } from '../../model/net.js';
import { triAnd, triNot, type Tri } from '../netfilter/tri.js';

export interface NftCt {
  state: 'new' | 'established' | 'related' | 'invalid' | 'untracked';
  direction: 'original' | 'reply';
  /** Status flags that are set, e.g. ['dnat']. */
  status: string[];
  mark?: number;
}

export interface NftPacket {
  family: 4 | 6;
  src: bigint;
  dst: bigint;
  protocol: 'tcp' | 'udp' | 'icmp';
  sport?: number;
  dport?: number;
  icmpType?: number;
  /** undefined: unknown. */
  mark?: number;
  iif?: string;
  oif?: string;
  ct: NftCt;
  /** `fib daddr type local` / `fib saddr type local`; undefined: unknown. */
  dstLocal?: boolean;
  srcLocal?: boolean;
}

/** The marks a chain can change while it runs. */
export interface MarkState {
  mark: number | undefined;
  ctMark: number | undefined;
}

/** How a right-hand literal is read: as an address, a port, a protocol, an interface name, ... */
type Kind = 'addr4' | 'addr6' | 'port' | 'proto' | 'nfproto' | 'ethertype' | 'icmp4' | 'icmp6' | 'int' | 'ifname' | 'ctstate' | 'ctdir' | 'fibtype';

export type Actual =
  | { t: 'num'; kind: Kind; v: bigint }
  | { t: 'str'; kind: Kind; v: string }
  /** ct status: the flags that are set. */
  | { t: 'flags'; v: string[] }
  | { t: 'tuple'; parts: Actual[] }
  /** The packet has no such field: the match fails whatever the operator. */
  | { t: 'absent' }
  | { t: 'unknown' };

const UNKNOWN: Actual = { t: 'unknown' };
const ABSENT: Actual = { t: 'absent' };

const PROTOCOLS: Record<string, number> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, udplite: 136, dccp: 33,
};
const SERVICES: Record<string, number> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, bootps: 67, bootpc: 68, tftp: 69, http: 80, kerberos: 88, pop3: 110, ntp: 123,
  imap: 143, snmp: 161, bgp: 179, ldap: 389, https: 443, 'microsoft-ds': 445, syslog: 514, dhcpv6_client: 546, 'dhcpv6-client': 546,
  'dhcpv6-server': 547, submission: 587, ldaps: 636, imaps: 993, pop3s: 995, nfs: 2049, mysql: 3306, 'ms-wbt-server': 3389, postgresql: 5432,
  'http-alt': 8080,
};
const ICMP4: Record<string, number> = {
  'echo-reply': 0, 'destination-unreachable': 3, 'source-quench': 4, redirect: 5, 'echo-request': 8, 'router-advertisement': 9,
  'router-solicitation': 10, 'time-exceeded': 11, 'parameter-problem': 12, 'timestamp-request': 13, 'timestamp-reply': 14,
};
const ICMP6: Record<string, number> = {
  'destination-unreachable': 1, 'packet-too-big': 2, 'time-exceeded': 3, 'parameter-problem': 4, 'echo-request': 128, 'echo-reply': 129,
  'mld-listener-query': 130, 'mld-listener-report': 131, 'nd-router-solicit': 133, 'nd-router-advert': 134, 'nd-neighbor-solicit': 135,
  'nd-neighbor-advert': 136, 'nd-redirect': 137,
};
const NFPROTO: Record<string, number> = { ipv4: 2, ipv6: 10 };
const ETHERTYPES: Record<string, number> = { ip: 0x0800, arp: 0x0806, vlan: 0x8100, ip6: 0x86dd };

const num = (kind: Kind, v: number | bigint): Actual => ({ t: 'num', kind, v: BigInt(v) });
const str = (kind: Kind, v: string): Actual => ({ t: 'str', kind, v });

function protoNumber(p: NftPacket): number {
  return p.protocol === 'tcp' ? 6 : p.protocol === 'udp' ? 17 : p.family === 4 ? 1 : 58;
}

/** What a left-hand side reads from the packet, given the marks set so far. */
export function readExpr(e: NftExpr, p: NftPacket, st: MarkState): Actual {
  switch (e.kind) {
    case 'payload':
      return readPayload(e.protocol, e.field, p);
    case 'meta':
      return readMeta(e.key, p, st);
    case 'ct': {
      if (e.dir !== undefined || e.family !== undefined) return UNKNOWN;
      if (e.key === 'state') return str('ctstate', p.ct.state);
      if (e.key === 'direction') return str('ctdir', p.ct.direction);
      if (e.key === 'status') return { t: 'flags', v: p.ct.status };
      if (e.key === 'mark') return st.ctMark === undefined ? UNKNOWN : num('int', st.ctMark);
      return UNKNOWN;
    }
    case 'fib': {
      if (e.result !== 'type' || e.flags.length !== 1) return UNKNOWN;
      const local = e.flags[0] === 'daddr' ? p.dstLocal : e.flags[0] === 'saddr' ? p.srcLocal : undefined;
      return local === undefined ? UNKNOWN : str('fibtype', local ? 'local' : '!local');
    }
    case 'binop': {
      const left = readExpr(e.left, p, st);
      if (left.t !== 'num' || e.right.kind !== 'number') return left.t === 'absent' ? left : UNKNOWN;
      const r = BigInt(e.right.value);
      const v = e.op === '&' ? left.v & r : e.op === '|' ? left.v | r : e.op === '^' ? left.v ^ r : e.op === '<<' ? left.v << r : left.v >> r;
      return num('int', v);
    }
    case 'concat':
      return { t: 'tuple', parts: e.parts.map((part) => readExpr(part, p, st)) };
    default:
      return UNKNOWN;
  }
}

function readPayload(protocol: string, field: string, p: NftPacket): Actual {
  switch (protocol) {
    case 'ip':
      if (p.family !== 4) return ABSENT;
      if (field === 'saddr' || field === 'daddr') return num('addr4', field === 'saddr' ? p.src : p.dst);
      if (field === 'protocol') return num('proto', protoNumber(p));
      return UNKNOWN;
    case 'ip6':
      if (p.family !== 6) return ABSENT;
      if (field === 'saddr' || field === 'daddr') return num('addr6', field === 'saddr' ? p.src : p.dst);
      if (field === 'nexthdr') return num('proto', protoNumber(p));
      return UNKNOWN;
    case 'tcp':
    case 'udp':
    case 'th': {
      if (p.protocol === 'icmp' || (protocol !== 'th' && p.protocol !== protocol)) return ABSENT;
      if (field !== 'sport' && field !== 'dport') return UNKNOWN;
      const port = field === 'sport' ? p.sport : p.dport;
      return port === undefined ? UNKNOWN : num('port', port);
    }
    case 'icmp':
    case 'icmpv6':
      if (p.protocol !== 'icmp' || p.family !== (protocol === 'icmp' ? 4 : 6)) return ABSENT;
      if (field !== 'type' || p.icmpType === undefined) return UNKNOWN;
      return num(protocol === 'icmp' ? 'icmp4' : 'icmp6', p.icmpType);
    case 'sctp':
    case 'dccp':
    case 'udplite':
    case 'esp':
    case 'ah':
    case 'gre':
    case 'igmp':
    case 'comp':
      // The packet is TCP, UDP or ICMP.
      return ABSENT;
    default:
      return UNKNOWN;
  }
}

function readMeta(key: string, p: NftPacket, st: MarkState): Actual {
  switch (key) {
    case 'l4proto':
      return num('proto', protoNumber(p));
    case 'nfproto':
      return num('nfproto', p.family === 4 ? 2 : 10);
    case 'protocol':
      return num('ethertype', p.family === 4 ? 0x0800 : 0x86dd);
    case 'iifname':
    case 'iif':
      return p.iif === undefined ? UNKNOWN : str('ifname', p.iif);
    case 'oifname':
    case 'oif':
      return p.oif === undefined ? UNKNOWN : str('ifname', p.oif);
    case 'mark':
      return st.mark === undefined ? UNKNOWN : num('int', st.mark);
    default:
      return UNKNOWN;
  }
}

function parseNumber(text: string): bigint | undefined {
  return /^(0x[0-9a-f]+|\d+)$/i.test(text) ? BigInt(text) : undefined;
}

/** interval() per literal and kind: a kube-proxy ruleset's sets and maps are read once per packet tried. */
const intervals = new WeakMap<NftValue, Partial<Record<Kind, [bigint, bigint] | null>>>();

/** A literal as the interval of numbers it names for a kind, or undefined when it cannot be read. */
function interval(kind: Kind, v: NftValue): [bigint, bigint] | undefined {
  let byKind = intervals.get(v);
  const known = byKind?.[kind];
  if (known !== undefined) return known ?? undefined;
  const computed = readInterval(kind, v);
  if (!byKind) intervals.set(v, (byKind = {}));
  byKind[kind] = computed ?? null;
  return computed;
}

function readInterval(kind: Kind, v: NftValue): [bigint, bigint] | undefined {
  if (v.kind === 'number') return [BigInt(v.value), BigInt(v.value)];
  if (v.kind === 'range') {
    const lo = interval(kind, v.from);
    const hi = interval(kind, v.to);
    return lo && hi ? [lo[0], hi[1]] : undefined;
  }
  if (v.kind === 'prefix') {
    if (kind !== 'addr4' && kind !== 'addr6') return undefined;
    const cidr = parseCidr(`${v.addr}/${v.len}`);
    if (!cidr || cidr.family !== (kind === 'addr4' ? 4 : 6)) return undefined;
    const bits = BigInt(cidr.family === 4 ? 32 : 128);
    return [cidr.network, cidr.network | ((1n << (bits - BigInt(cidr.prefixLen))) - 1n)];
  }
  if (v.kind !== 'string') return undefined;
  const text = v.value;
  const direct = parseNumber(text);
  let n: bigint | number | undefined;
  switch (kind) {
    case 'addr4':
    case 'addr6': {
      const a = parseAddress(text);
      if (a && a.family === (kind === 'addr4' ? 4 : 6)) return [a.value, a.value];
      const cidr = text.includes('/') ? parseCidr(text) : undefined;
      return cidr ? interval(kind, { kind: 'prefix', addr: text.slice(0, text.indexOf('/')), len: cidr.prefixLen }) : undefined;
    }
    case 'port':
      n = direct ?? SERVICES[text];
      break;
    case 'proto':
      n = direct ?? PROTOCOLS[text];
      break;
    case 'nfproto':
      n = direct ?? NFPROTO[text];
      break;
    case 'ethertype':
      n = direct ?? ETHERTYPES[text];
      break;
    case 'icmp4':
      n = direct ?? ICMP4[text];
      break;
    case 'icmp6':
      n = direct ?? ICMP6[text];
      break;
    default:
      n = direct;
  }
  return n === undefined ? undefined : [BigInt(n), BigInt(n)];
}

function triAny(items: Iterable<Tri>): Tri {
  let out: Tri = 'no';
  for (const t of items) {
    if (t === 'yes') return 'yes';
    if (t === 'maybe') out = 'maybe';
  }
  return out;
}

function hasAbsent(a: Actual): boolean {
  return a.t === 'absent' || (a.t === 'tuple' && a.parts.some(hasAbsent));
}

/** Named sets by name, per table. */
const setIndexes = new WeakMap<NftTable, Map<string, NftSet>>();

export function findSet(table: NftTable, name: string): NftSet | undefined {
  let index = setIndexes.get(table);
  if (!index) {
    index = new Map(table.sets.map((s) => [s.name, s]));
    setIndexes.set(table, index);
  }
  return index.get(name);
}

/** Elements the datapath adds (`update @set`, timeouts): a snapshot's list is not the whole story. */
export function isDynamic(set: NftSet): boolean {
  return set.flags.includes('dynamic') || set.flags.includes('timeout');
}

/**
 * A named set of literals, prefixes and ranges read as numbers of one kind: its single values in a hash set,
 * so that a membership test (`ip daddr @cluster-ips`, 10k addresses) is not a pass over every element. The
 * answer is the one the pass gives: yes when an element holds the value, else maybe when an element cannot
 * be read as that kind, else no.
 */
interface NumberIndex {
  holds(v: bigint): Tri;
}

const numberIndexes = new WeakMap<NftSet, Partial<Record<Kind, NumberIndex | null>>>();

function numberIndex(set: NftSet, kind: Kind): NumberIndex | undefined {
  let byKind = numberIndexes.get(set);
  const known = byKind?.[kind];
  if (known !== undefined) return known ?? undefined;
  if (!byKind) numberIndexes.set(set, (byKind = {}));
  const points = new Set<bigint>();
  const spans: [bigint, bigint][] = [];
  let unreadable = false;
  for (const e of set.elements) {
    const k = e.key.kind;
    // Anything else (nested sets, concatenations) is left to the element-by-element pass.
    if (k !== 'number' && k !== 'string' && k !== 'prefix' && k !== 'range') {
      byKind[kind] = null;
      return undefined;
    }
    const range = interval(kind, e.key);
    if (!range) unreadable = true;
    else if (range[0] === range[1]) points.add(range[0]);
    else spans.push(range);
  }
  const index: NumberIndex = {
    holds: (v) => (points.has(v) || spans.some(([lo, hi]) => v >= lo && v <= hi) ? 'yes' : unreadable ? 'maybe' : 'no'),
  };
  byKind[kind] = index;
  return index;
}

/** Whether the element (literal, prefix, range, anonymous set, named set, concatenation) holds the value. */
export function holds(a: Actual, elem: NftValue, table: NftTable): Tri {
  if (a.t === 'absent') return 'no';
  if (elem.kind === 'set') return triAny(elem.items.map((item) => holds(a, item, table)));
  if (elem.kind === 'ref') {
    const set = findSet(table, elem.name);
    if (!set) return 'maybe';
    const found = (a.t === 'num' ? numberIndex(set, a.kind)?.holds(a.v) : undefined) ?? triAny(set.elements.map((e) => holds(a, e.key, table)));
    return found === 'no' && isDynamic(set) ? 'maybe' : found;
  }
  if (a.t === 'unknown') return 'maybe';
  if (a.t === 'tuple') {
    if (elem.kind !== 'concat' || elem.parts.length !== a.parts.length) return 'maybe';
    let out: Tri = 'yes';
    a.parts.forEach((part, i) => (out = triAnd(out, holds(part, elem.parts[i]!, table))));
    return out;
  }
  if (a.t === 'flags') {
    if (elem.kind !== 'string') return 'maybe';
    return a.v.includes(elem.value) ? 'yes' : 'no';
  }
  if (a.t === 'str') {
    if (elem.kind !== 'string') return 'maybe';
    if (a.kind === 'fibtype' && a.v === '!local') return elem.value === 'local' ? 'no' : 'maybe';
    if (a.kind === 'ifname' && elem.value.endsWith('*') && !elem.value.endsWith('\\*')) return a.v.startsWith(elem.value.slice(0, -1)) ? 'yes' : 'no';
    return a.v === elem.value ? 'yes' : 'no';
  }
  const range = interval(a.kind, elem);
  if (!range) return 'maybe';
  return a.v >= range[0] && a.v <= range[1] ? 'yes' : 'no';
}

/** One match statement: `left op right`. */
export function matchExpr(left: NftExpr, op: NftOp, right: NftValue, p: NftPacket, st: MarkState, table: NftTable): Tri {
  const a = readExpr(left, p, st);
  if (hasAbsent(a)) return 'no';
  if (op === '==' || op === 'in') return holds(a, right, table);
  if (op === '!=') return triNot(holds(a, right, table));
  if (a.t !== 'num') return 'maybe';
  const range = interval(a.kind, right);
  if (!range || range[0] !== range[1]) return 'maybe';
  const r = range[0];
  const ok = op === '<' ? a.v < r : op === '>' ? a.v > r : op === '<=' ? a.v <= r : a.v >= r;
  return ok ? 'yes' : 'no';
}

/** The value a `meta mark set` / `ct mark set` writes, or undefined when it cannot be known. */
export function markValue(v: NftValue, p: NftPacket, st: MarkState): number | undefined {
  if (v.kind === 'number') return v.value >>> 0;
  if (v.kind === 'string') {
    const n = parseNumber(v.value);
    return n === undefined ? undefined : Number(n & 0xffffffffn);
  }
  if (v.kind !== 'expr') return undefined;
  const a = readExpr(v.expr, p, st);
  return a.t === 'num' ? Number(a.v & 0xffffffffn) : undefined;
}

/** `meta l4proto . th dport` and the like, read from a statement kept as text (`dnat to ip daddr . tcp dport map @x`). */
export function exprFromText(text: string): NftExpr | undefined {
  const parts = text.trim().split(/\s+\.\s+/).map((part): NftExpr | undefined => {
    const words = part.split(/\s+/);
    if (words.length === 2 && words[0] === 'meta') return { kind: 'meta', key: words[1]! };
    if (words.length === 2 && words[0] === 'ct') return { kind: 'ct', key: words[1]! };
    if (words.length === 2 && ['ip', 'ip6', 'tcp', 'udp', 'th', 'icmp', 'icmpv6'].includes(words[0]!)) return { kind: 'payload', protocol: words[0]!, field: words[1]! };
    if (words.length === 1 && ['mark', 'iifname', 'oifname', 'iif', 'oif', 'l4proto', 'nfproto'].includes(words[0]!)) return { kind: 'meta', key: words[0]! };
    return undefined;
  });
  if (parts.some((x) => x === undefined)) return undefined;
  return parts.length === 1 ? parts[0] : { kind: 'concat', parts: parts as NftExpr[] };
}

/**
 * The entries of a map (kube-proxy's @service-ips: 10k `address . protocol . port` keys) that may hold a
 * value of numbers, in map order: those whose key is exactly that value, and those whose key is not a plain
 * literal of each part's kind (a range, a prefix, an unreadable text) and must be tried one by one. Every
 * other entry certainly does not hold it. Undefined when the value is not numbers: try every entry.
 */
export function candidateEntries(entries: readonly { key: NftValue }[], a: Actual): number[] | undefined {
  const parts = a.t === 'num' ? [a] : a.t === 'tuple' && a.parts.every((p) => p.t === 'num') ? a.parts : undefined;
  if (!parts) return undefined;
  const kinds = parts.map((p) => (p as { kind: Kind }).kind);
  const index = entryIndex(entries, kinds);
  const exact = index.points.get(parts.map((p) => (p as { v: bigint }).v).join('.')) ?? [];
  if (index.others.length === 0) return exact;
  return [...exact, ...index.others].sort((x, y) => x - y);
}

interface EntryIndex {
  /** Entries whose key is exactly one value of the kinds, by that value ("3221225482.6.80"). */
  points: Map<string, number[]>;
  others: number[];
}

const entryIndexes = new WeakMap<readonly { key: NftValue }[], Map<string, EntryIndex>>();

function entryIndex(entries: readonly { key: NftValue }[], kinds: Kind[]): EntryIndex {
  let byKinds = entryIndexes.get(entries);
  if (!byKinds) entryIndexes.set(entries, (byKinds = new Map()));
  const signature = kinds.join('.');
  let index = byKinds.get(signature);
  if (!index) {
    index = { points: new Map(), others: [] };
    entries.forEach((entry, i) => {
      const values = pointValues(entry.key, kinds);
      if (!values) index!.others.push(i);
      else {
        const key = values.join('.');
        const list = index!.points.get(key);
        if (list) list.push(i);
        else index!.points.set(key, [i]);
      }
    });
    byKinds.set(signature, index);
  }
  return index;
}

/** The single value of each part of a literal key, or undefined when a part is a range, a set or unreadable. */
function pointValues(key: NftValue, kinds: Kind[]): bigint[] | undefined {
  const parts = kinds.length === 1 ? [key] : key.kind === 'concat' && key.parts.length === kinds.length ? key.parts : undefined;
  if (!parts) return undefined;
  const values: bigint[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.kind !== 'number' && part.kind !== 'string') return undefined;
    const range = interval(kinds[i]!, part);
    if (!range || range[0] !== range[1]) return undefined;
    values.push(range[0]);
  }
  return values;
}
