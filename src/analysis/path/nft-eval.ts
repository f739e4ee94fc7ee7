/**
 * The nftables counterpart of walkChain: what one nft base chain does to one concrete packet.
 *
 * Rules run in order; jump calls a chain (back at its end or on `return`), goto replaces the current one,
 * vmaps look the key up in a literal or named map (a miss goes on), nat statements end a nat chain with a
 * NAT action, `meta mark set` changes the mark later rules read. Rules that 'maybe' match (unknown
 * expressions, xt compat statements, marks or interfaces the snapshot does not know) are handled on two
 * tracks as in walk.ts: the main track assumes they do not match and yields the verdict with its evidence;
 * what they would do instead is collected in `alternatives`, and the verdict is then not `certain`.
 * Each chain is evaluated once per walk and mark state (memoised), so the walk costs one pass over the rules
 * it reaches; jump loops and depth beyond 64 are cut and reported in `limits`.
 */
import type { NftChain, NftRule, NftSet, NftStatement, NftTable, NftValue, NftVerdict } from '../../parse/nft-types.js';
import { parseAddress } from '../../model/net.js';
import { triAnd, type Tri } from '../netfilter/tri.js';
import { candidateEntries, exprFromText, findSet, holds, markValue, matchExpr, readExpr, type Actual, type MarkState, type NftPacket } from './nft-match.js';

export type { NftPacket, NftCt } from './nft-match.js';

export type NftVerdictKind = 'accept' | 'drop' | 'nat' | 'queue' | 'unknown';

export interface NftNatAction {
  kind: 'dnat' | 'snat' | 'masquerade' | 'redirect';
  address?: bigint;
  port?: number;
}

export interface NftChainResult {
  verdict: NftVerdictKind;
  by: 'rule' | 'policy';
  /** The deciding rule, when by === 'rule'. */
  rule?: NftRule;
  /** Jump, goto and vmap rules from the base chain down to the deciding rule, then the deciding rule. */
  path: NftRule[];
  /** True when no packet like this one could get another outcome. */
  certain: boolean;
  /** Other outcomes the packet could get (rule undefined: the base chain's policy). */
  alternatives: { verdict: NftVerdictKind; rule?: NftRule; nat?: NftNatAction }[];
  nat?: NftNatAction;
  /** The mark after the chain: present only when the chain changed it or made it unknown. */
  mark?: number | undefined;
  limits: string[];
}

export interface NftEvalOptions {
  maxDepth?: number;
  maxSteps?: number;
}

const DEFAULT_MAX_DEPTH = 64;
const DEFAULT_MAX_STEPS = 200_000;
const MAX_ALTERNATIVES = 8;

interface Terminal {
  verdict: NftVerdictKind;
  rule?: NftRule;
  path: NftRule[];
  nat?: NftNatAction;
  /** Marks when the main track ended here. */
  st: MarkState;
}

interface ChainOutcome {
  /** The main track's terminal outcome; undefined when it returns to the caller. */
  main?: Terminal;
  /** Marks when the main track returns. */
  retSt: MarkState;
  /** Some packets may return to the caller on another track. */
  mayReturn: boolean;
  others: Terminal[];
  /** A mark or ct mark may have been written on some track. */
  touchedMark: boolean;
  touchedCtMark: boolean;
}

type Flow = 'next' | 'stop' | 'return';

const chainIndexes = new WeakMap<NftTable, Map<string, NftChain>>();

function findChain(table: NftTable, name: string): NftChain | undefined {
  let index = chainIndexes.get(table);
  if (!index) {
    index = new Map(table.chains.map((c) => [c.name, c]));
    chainIndexes.set(table, index);
  }
  return index.get(name);
}

/** A named map's elements as key/value pairs, made once per map (kube-proxy's service-ips has one per service port). */
const mapPairIndex = new WeakMap<NftSet, { key: NftValue; value: NftValue }[]>();

function mapPairs(set: NftSet): { key: NftValue; value: NftValue }[] {
  let pairs = mapPairIndex.get(set);
  if (!pairs) mapPairIndex.set(set, (pairs = set.elements.filter((e) => e.value !== undefined).map((e) => ({ key: e.key, value: e.value! }))));
  return pairs;
}

function prefixed(t: Terminal, via: NftRule): Terminal {
  return { ...t, path: [via, ...t.path] };
}

function stKey(st: MarkState): string {
  return `${st.mark ?? '?'}/${st.ctMark ?? '?'}`;
}

/** One chain's evaluation state: which tracks still reach the current rule, and what was found. */
interface Frame {
  out: ChainOutcome;
  mainAlive: boolean;
  altAlive: boolean;
}

class Evaluator {
  private readonly memo = new Map<string, ChainOutcome>();
  private readonly stack = new Set<NftChain>();
  readonly limits: string[] = [];
  private steps = 0;
  st: MarkState;

  constructor(
    private readonly table: NftTable,
    private readonly packet: NftPacket,
    private readonly maxDepth: number,
    private readonly maxSteps: number,
  ) {
    this.st = { mark: packet.mark, ctMark: packet.ct.mark };
  }

  limit(message: string): void {
    if (!this.limits.includes(message)) this.limits.push(message);
  }

  enter(chain: NftChain): ChainOutcome {
    const key = `${chain.name}\u0000${stKey(this.st)}`;
    const cached = this.memo.get(key);
    if (cached) return cached;
    if (this.stack.has(chain)) {
      this.limit(`jump loop through ${chain.name}`);
      return this.unknownOutcome();
    }
    if (this.stack.size >= this.maxDepth) {
      this.limit(`jumps nested deeper than ${this.maxDepth} at ${chain.name}`);
      return this.unknownOutcome();
    }
    const stIn = this.st;
    this.stack.add(chain);
    const outcome = this.evaluate(chain);
    this.stack.delete(chain);
    this.st = stIn;
    this.memo.set(key, outcome);
    return outcome;
  }

  private unknownOutcome(): ChainOutcome {
    const unknown: Terminal = { verdict: 'unknown', path: [], st: this.st };
    return { retSt: this.st, mayReturn: true, others: [unknown], touchedMark: true, touchedCtMark: true };
  }

  private evaluate(chain: NftChain): ChainOutcome {
    const f: Frame = {
      out: { retSt: this.st, mayReturn: false, others: [], touchedMark: false, touchedCtMark: false },
      mainAlive: true,
      altAlive: false,
    };
    for (const rule of chain.rules) {
      if (!f.mainAlive && !f.altAlive) break;
      if (++this.steps > this.maxSteps) {
        this.limit(`evaluation stopped after ${this.maxSteps} rules`);
        this.addOther(f, { verdict: 'unknown', path: [], st: this.st });
        f.out.mayReturn = true;
        return f.out;
      }
      const flow = this.rule(f, rule);
      if (flow === 'stop') break;
      if (flow === 'return') {
        f.out.retSt = this.st;
        return f.out;
      }
    }
    if (f.altAlive) f.out.mayReturn = true;
    if (f.mainAlive) f.out.retSt = this.st;
    return f.out;
  }

  private addOther(f: Frame, t: Terminal): void {
    if (f.out.others.length < MAX_ALTERNATIVES) f.out.others.push(t);
  }

  /** A rule's statements in order: matches narrow it, mark writes take effect, the first action ends it. */
  private rule(f: Frame, rule: NftRule): Flow {
    let m: Tri = 'yes';
    for (const s of rule.statements) {
      switch (s.kind) {
        case 'match':
          m = triAnd(m, matchExpr(s.left, s.op, s.right, this.packet, this.st, this.table));
          break;
        case 'counter':
        case 'log':
        case 'notrack':
          break;
        case 'set':
          this.setMark(f, s, m);
          break;
        case 'xt':
          if (s.type === 'target') {
            // An iptables target nft cannot show: MARK/CONNMARK write marks, others may end the chain.
            if (s.name === 'MARK' || s.name === 'CONNMARK') {
              this.st = { ...this.st, [s.name === 'MARK' ? 'mark' : 'ctMark']: undefined };
              if (s.name === 'MARK') f.out.touchedMark = true;
              else f.out.touchedCtMark = true;
              break;
            }
            return this.terminal(f, { verdict: 'unknown', rule, path: [rule], st: this.st }, 'maybe');
          }
          m = triAnd(m, 'maybe');
          break;
        case 'unknown':
          m = triAnd(m, 'maybe');
          break;
        case 'verdict':
          return this.verdict(f, s.verdict, m, rule);
        case 'vmap':
          return this.vmap(f, s, m, rule);
        case 'nat':
          return this.nat(f, s, m, rule);
      }
      if (m === 'no') return 'next';
    }
    return 'next';
  }

  private setMark(f: Frame, s: NftStatement & { kind: 'set' }, m: Tri): void {
    const target = s.target.kind === 'meta' && s.target.key === 'mark' ? 'mark' : s.target.kind === 'ct' && s.target.key === 'mark' && s.target.dir === undefined ? 'ctMark' : undefined;
    if (target === undefined) return;
    const value = m === 'yes' && f.mainAlive ? markValue(s.value, this.packet, this.st) : undefined;
    this.st = { ...this.st, [target]: value };
    if (target === 'mark') f.out.touchedMark = true;
    else f.out.touchedCtMark = true;
  }

  private terminal(f: Frame, t: Terminal, m: Tri): Flow {
    if (m === 'no') return 'next';
    if (m === 'maybe') {
      this.addOther(f, t);
      return 'next';
    }
    if (f.mainAlive) f.out.main = t;
    else this.addOther(f, t);
    f.mainAlive = false;
    f.altAlive = false;
    return 'stop';
  }

  private verdict(f: Frame, v: NftVerdict, m: Tri, rule: NftRule): Flow {
    if (m === 'no') return 'next';
    switch (v.kind) {
      case 'accept':
      case 'drop':
      case 'queue':
        return this.terminal(f, { verdict: v.kind, rule, path: [rule], st: this.st }, m);
      case 'reject':
        return this.terminal(f, { verdict: 'drop', rule, path: [rule], st: this.st }, m);
      case 'continue':
        return 'next';
      case 'return':
        if (m === 'yes') {
          if (f.mainAlive) {
            f.out.mayReturn = f.out.mayReturn || f.altAlive;
            return 'return';
          }
          f.out.mayReturn = true;
          return 'stop';
        }
        f.out.mayReturn = true;
        return 'next';
      case 'jump':
      case 'goto':
        return this.call(f, v.target, v.kind === 'goto', m, rule);
    }
  }

  /** jump/goto as walk.ts follows -j/-g, with the marks the called chain leaves. */
  private call(f: Frame, targetName: string, isGoto: boolean, m: Tri, rule: NftRule): Flow {
    const target = findChain(this.table, targetName);
    if (!target) {
      this.limit(`no chain ${targetName} (${isGoto ? 'goto' : 'jump'} at line ${rule.line})`);
      return this.terminal(f, { verdict: 'unknown', rule, path: [rule], st: this.st }, m === 'yes' ? 'maybe' : m);
    }
    const stIn = this.st;
    const sub = this.enter(target);
    const out = f.out;
    for (const t of sub.others) this.addOther(f, prefixed(t, rule));
    out.touchedMark ||= sub.touchedMark;
    out.touchedCtMark ||= sub.touchedCtMark;
    const subReturns = sub.main === undefined;
    if (m === 'maybe' || !f.mainAlive) {
      // The main track may not have entered: what the chain writes is unknown afterwards.
      this.st = { mark: sub.touchedMark ? undefined : stIn.mark, ctMark: sub.touchedCtMark ? undefined : stIn.ctMark };
    } else {
      this.st = subReturns ? sub.retSt : stIn;
    }
    if (m === 'maybe') {
      if (sub.main) this.addOther(f, prefixed(sub.main, rule));
      if (isGoto && (subReturns || sub.mayReturn)) out.mayReturn = true;
      return 'next';
    }
    if (sub.main) {
      if (f.mainAlive) out.main = prefixed(sub.main, rule);
      else this.addOther(f, prefixed(sub.main, rule));
    }
    const anyReturns = subReturns || sub.mayReturn;
    if (isGoto) {
      if (anyReturns) out.mayReturn = out.mayReturn || f.altAlive || (f.mainAlive && sub.mayReturn);
      if (f.mainAlive && subReturns) return 'return';
      f.mainAlive = false;
      f.altAlive = false;
      return 'stop';
    }
    const nextAlt = (f.altAlive && anyReturns) || (f.mainAlive && sub.mayReturn);
    f.mainAlive = f.mainAlive && subReturns;
    f.altAlive = nextAlt;
    return f.mainAlive || f.altAlive ? 'next' : 'stop';
  }

  private mapEntries(map: NftValue, rule: NftRule): { key: NftValue; value: NftValue }[] | undefined {
    if (map.kind === 'map') return map.pairs;
    if (map.kind === 'ref') {
      const set = findSet(this.table, map.name);
      if (!set) {
        this.limit(`no map @${map.name} (line ${rule.line})`);
        return undefined;
      }
      return mapPairs(set);
    }
    return undefined;
  }

  /** `key vmap { k : verdict, ... }` / `key vmap @map`: the entry holding the key decides; a miss goes on. */
  private vmap(f: Frame, s: NftStatement & { kind: 'vmap' }, m: Tri, rule: NftRule): Flow {
    if (m === 'no') return 'next';
    const entries = this.mapEntries(s.map, rule);
    if (!entries) return this.terminal(f, { verdict: 'unknown', rule, path: [rule], st: this.st }, 'maybe');
    let key: Actual = readExpr(s.key, this.packet, this.st);
    let lastCovering = -1;
    if (s.key.kind === 'numgen') {
      const gen = { from: s.key.offset, count: s.key.mod };
      if (gen.count === 1) key = { t: 'num', kind: 'int', v: BigInt(gen.from) };
      else {
        // Entries for every value the generator yields: past the others, the last one must match.
        this.limit(`numgen chooses among ${gen.count} entries (line ${rule.line})`);
        const covered = new Set<number>();
        entries.forEach((e, i) => {
          if (e.key.kind === 'number' && e.key.value >= gen.from && e.key.value < gen.from + gen.count && !covered.has(e.key.value)) {
            covered.add(e.key.value);
            if (covered.size === gen.count) lastCovering = i;
          }
        });
      }
    }
    const candidates = lastCovering === -1 ? candidateEntries(entries, key) : undefined;
    const count = candidates ? candidates.length : entries.length;
    for (let c = 0; c < count; c++) {
      const i = candidates ? candidates[c]! : c;
      const entry = entries[i]!;
      const hit = i === lastCovering ? m : triAnd(m, holds(key, entry.key, this.table));
      if (hit === 'no') continue;
      const flow = entry.value.kind === 'verdict' ? this.verdict(f, entry.value.verdict, hit, rule) : this.terminal(f, { verdict: 'unknown', rule, path: [rule], st: this.st }, 'maybe');
      if (flow !== 'next' || hit === 'yes') return flow;
      if (!f.mainAlive && !f.altAlive) return 'stop';
    }
    return 'next';
  }

  /** A NAT statement: the action with its address and port when the snapshot tells them. */
  private nat(f: Frame, s: NftStatement & { kind: 'nat' }, m: Tri, rule: NftRule): Flow {
    if (m === 'no') return 'next';
    const action: NftNatAction = { kind: s.nat };
    let hit: Tri = m;
    const fromMap = s.addr?.kind === 'unknown' ? this.natFromMap(s.addr.text, rule) : undefined;
    if (s.addr?.kind === 'unknown') {
      if (fromMap === undefined) hit = triAnd(hit, 'maybe');
      else if (fromMap === 'miss') return 'next';
      else {
        hit = triAnd(hit, fromMap.hit);
        Object.assign(action, fromMap.action);
      }
    } else {
      const address = this.natAddress(s.addr, s.family);
      if (address !== undefined) action.address = address;
      else if (s.addr !== undefined) this.limit(`NAT address not read at line ${rule.line}`);
      const port = natPort(s.port);
      if (port !== undefined) action.port = port;
      else if (s.port !== undefined) this.limit(`NAT port not read at line ${rule.line}`);
    }
    return this.terminal(f, { verdict: 'nat', rule, path: [rule], nat: action, st: this.st }, hit);
  }

  private natAddress(v: NftValue | undefined, family: 'ip' | 'ip6' | undefined): bigint | undefined {
    if (v?.kind !== 'string') return undefined;
    const a = parseAddress(v.value);
    if (!a || (family !== undefined && a.family !== (family === 'ip' ? 4 : 6))) return undefined;
    return a.value;
  }

  /** `dnat to ip daddr . tcp dport map @x`: the named map's entry for the packet. */
  private natFromMap(text: string, rule: NftRule): { hit: Tri; action: Omit<NftNatAction, 'kind'> } | 'miss' | undefined {
    const m = /^(.*?)\s+map\s+@(\S+)$/.exec(text.trim().replace(/^(ip6?)\s+to\s+/, ''));
    const keyExpr = m ? exprFromText(m[1]!) : undefined;
    const set = m ? findSet(this.table, m[2]!) : undefined;
    if (!keyExpr || !set) {
      this.limit(`NAT target not resolved at line ${rule.line}: ${text}`);
      return undefined;
    }
    const key = readExpr(keyExpr, this.packet, this.st);
    let sawMaybe = false;
    for (const e of set.elements) {
      const h = holds(key, e.key, this.table);
      if (h === 'no') continue;
      if (h === 'maybe') {
        sawMaybe = true;
        continue;
      }
      const parts = e.value?.kind === 'concat' ? e.value.parts : e.value ? [e.value] : [];
      const action: Omit<NftNatAction, 'kind'> = {};
      const address = this.natAddress(parts[0], undefined);
      if (address !== undefined) action.address = address;
      const port = natPort(parts[1]);
      if (port !== undefined) action.port = port;
      return { hit: sawMaybe ? 'maybe' : 'yes', action };
    }
    return sawMaybe ? undefined : 'miss';
  }
}

function natPort(v: NftValue | undefined): number | undefined {
  if (v?.kind === 'number') return v.value;
  if (v?.kind === 'string' && /^\d+$/.test(v.value)) return Number(v.value);
  return undefined;
}

function natKey(t: { verdict: NftVerdictKind; nat?: NftNatAction }): string {
  return t.nat ? `${t.verdict}:${t.nat.kind}:${t.nat.address ?? '?'}:${t.nat.port ?? '?'}` : t.verdict;
}

/** Evaluate base chain `chain` of `table` for one packet. */
export function evaluateNftChain(table: NftTable, chain: NftChain, packet: NftPacket, options: NftEvalOptions = {}): NftChainResult {
  const ev = new Evaluator(table, packet, options.maxDepth ?? DEFAULT_MAX_DEPTH, options.maxSteps ?? DEFAULT_MAX_STEPS);
  const outcome = ev.enter(chain);
  const policy = chain.base?.policy ?? 'accept';
  if (!chain.base) ev.limit(`${chain.name} is not a base chain: its end read as accept`);
  const main: Terminal = outcome.main ?? { verdict: policy, path: [], st: outcome.retSt };
  const others = [...outcome.others];
  if (outcome.main && outcome.mayReturn) others.push({ verdict: policy, path: [], st: outcome.retSt });
  const mainKey = natKey(main);
  const alternatives: NftChainResult['alternatives'] = [];
  const seen = new Set<string>();
  for (const t of others) {
    const key = natKey(t);
    if (key === mainKey || seen.has(`${key}@${t.rule?.line}`)) continue;
    seen.add(`${key}@${t.rule?.line}`);
    alternatives.push({ verdict: t.verdict, ...(t.rule ? { rule: t.rule } : {}), ...(t.nat ? { nat: t.nat } : {}) });
  }
  const result: NftChainResult = {
    verdict: main.verdict,
    by: main.rule ? 'rule' : 'policy',
    path: main.path,
    certain: alternatives.length === 0 && main.verdict !== 'unknown',
    alternatives,
    limits: ev.limits,
  };
  if (main.rule) result.rule = main.rule;
  if (main.nat) result.nat = main.nat;
  if (main.st.mark !== packet.mark) result.mark = main.st.mark;
  return result;
}
