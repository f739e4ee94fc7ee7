/**
 * nft text syntax: the tokenizer of `nft list ruleset` output, and the reader of one rule's words into
 * statements. What it does not know is kept as an `unknown` statement with its text, never dropped.
 */
import type { NftExpr, NftOp, NftStatement, NftValue, NftVerdict } from './nft-types.js';

export interface Token {
  /** `word` (bare), `string` (quoted, value unquoted), `punct` ({ } ; ,), `nl` (end of line). */
  t: 'word' | 'string' | 'punct' | 'nl';
  v: string;
  line: number;
  /** Offset of the token in the text, and of its end. */
  at: number;
  end: number;
}

export interface Comment {
  line: number;
  text: string;
}

/** Thrown by tokenize on an unterminated string; the caller turns it into a located ParseError. */
export class TokenError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const PUNCT = new Set(['{', '}', ';', ',']);

/** Split nft text into tokens; `#` comments (outside strings) are returned apart, by line. */
export function tokenize(text: string): { tokens: Token[]; comments: Comment[] } {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n' || c === '\r') {
      tokens.push({ t: 'nl', v: '\n', line, at: i, end: i + 1 });
      if (c === '\r' && text[i + 1] === '\n') i++;
      i++;
      line++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '\\' && (text[i + 1] === '\n' || text[i + 1] === '\r')) {
      // A continued line: the break is not the end of a statement.
      i += text[i + 1] === '\r' && text[i + 2] === '\n' ? 3 : 2;
      line++;
    } else if (c === '#') {
      let j = i;
      while (j < n && text[j] !== '\n' && text[j] !== '\r') j++;
      comments.push({ line, text: text.slice(i + 1, j).trim() });
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      let value = '';
      while (j < n && text[j] !== '"') {
        if (text[j] === '\n' || text[j] === '\r') throw new TokenError('unterminated string', line);
        if (text[j] === '\\' && j + 1 < n && text[j + 1] !== '\n') {
          value += text[j + 1];
          j += 2;
        } else value += text[j++];
      }
      if (j >= n) throw new TokenError('unterminated string', line);
      tokens.push({ t: 'string', v: value, line, at: i, end: j + 1 });
      i = j + 1;
    } else if (PUNCT.has(c)) {
      tokens.push({ t: 'punct', v: c, line, at: i, end: i + 1 });
      i++;
    } else {
      let j = i;
      while (j < n && !/[\s"#{};,]/.test(text[j]!)) j++;
      tokens.push({ t: 'word', v: text.slice(i, j), line, at: i, end: j });
      i = j;
    }
  }
  return { tokens, comments };
}

const PAYLOAD_PROTOCOLS = new Set([
  'ip', 'ip6', 'tcp', 'udp', 'udplite', 'sctp', 'dccp', 'th', 'icmp', 'icmpv6', 'igmp', 'ether', 'vlan', 'arp', 'ah', 'esp', 'comp', 'gre', 'ip6h',
]);
const META_BARE = new Set(['iif', 'oif', 'iifname', 'oifname', 'iiftype', 'oiftype', 'iifgroup', 'oifgroup', 'mark', 'skuid', 'skgid', 'nfproto', 'l4proto', 'priority', 'rtclassid', 'nftrace', 'pkttype', 'cgroup']);
const OPS = new Set<string>(['==', '!=', '<', '>', '<=', '>=', 'eq', 'ne', 'lt', 'gt', 'le', 'ge']);
const OP_WORDS: Record<string, NftOp> = { eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=' };
const BINOPS = new Set(['&', '|', '^', '<<', '>>', 'and', 'or', 'xor', 'lshift', 'rshift']);
const BINOP_WORDS: Record<string, '&' | '|' | '^' | '<<' | '>>'> = { and: '&', or: '|', xor: '^', lshift: '<<', rshift: '>>' };
/** Left sides whose values are flags: a bare value or comma list means "any of" (`in`). */
const FLAG_KEYS = new Set(['ct state', 'ct status', 'tcp flags']);
const SIMPLE_VERDICTS = new Set(['accept', 'drop', 'return', 'continue']);
/** Words that begin a statement: where an unknown statement's text ends. */
const STATEMENT_START = new Set([
  'counter', 'accept', 'drop', 'return', 'continue', 'jump', 'goto', 'reject', 'queue', 'log', 'comment',
  'snat', 'dnat', 'masquerade', 'redirect', 'meta', 'ct', 'xt', 'notrack', 'limit', 'fib', 'numgen', ...PAYLOAD_PROTOCOLS, ...META_BARE,
]);

export function isFlagKey(e: NftExpr): boolean {
  return (e.kind === 'ct' && e.dir === undefined && FLAG_KEYS.has(`ct ${e.key}`)) || (e.kind === 'payload' && FLAG_KEYS.has(`${e.protocol} ${e.field}`));
}

/** Reads one rule's tokens (no nl, no comments) into statements. */
export class RuleReader {
  private pos = 0;
  comment: string | undefined;
  readonly unknown: string[] = [];

  constructor(private readonly toks: Token[]) {}

  read(): NftStatement[] {
    const out: NftStatement[] = [];
    while (this.pos < this.toks.length) {
      const start = this.pos;
      let s: NftStatement | undefined;
      try {
        s = this.statement();
      } catch {
        s = undefined;
      }
      if (s === undefined) {
        this.pos = start + 1;
        while (this.pos < this.toks.length && !STATEMENT_START.has(this.peek() ?? '') && this.peek() !== 'vmap') this.pos++;
        const text = this.textOf(start, this.pos);
        this.unknown.push(text);
        if (this.accept('vmap') && this.pos < this.toks.length) {
          try {
            out.push({ kind: 'vmap', key: { kind: 'unknown', text }, map: this.value(false) });
            continue;
          } catch {
            this.pos = this.toks.length;
          }
        }
        out.push({ kind: 'unknown', text });
      } else if (s.kind !== 'unknown' || s.text !== '') out.push(s);
      if (s?.kind === 'unknown' && s.text !== '') this.unknown.push(s.text);
    }
    return out;
  }

  private textOf(from: number, to: number): string {
    return this.toks
      .slice(from, to)
      .map((t) => (t.t === 'string' ? JSON.stringify(t.v) : t.v))
      .join(' ')
      .replace(/ ,/g, ',');
  }

  private peek(k = 0): string | undefined {
    return this.toks[this.pos + k]?.v;
  }
  private peekTok(k = 0): Token | undefined {
    return this.toks[this.pos + k];
  }
  private next(): Token {
    const t = this.toks[this.pos++];
    if (t === undefined) throw new Error('end of rule');
    return t;
  }
  private accept(w: string): boolean {
    if (this.peekTok()?.t !== 'string' && this.peek() === w) {
      this.pos++;
      return true;
    }
    return false;
  }

  private statement(): NftStatement | undefined {
    const tok = this.peekTok()!;
    const w = tok.t === 'word' ? tok.v : '';
    if (w === 'counter') {
      this.pos++;
      if (this.accept('packets')) {
        const packets = Number(this.next().v);
        this.accept('bytes');
        const bytes = Number(this.next().v);
        return { kind: 'counter', packets, bytes };
      }
      if (this.accept('name')) this.next();
      return { kind: 'counter' };
    }
    if (w === 'comment') {
      this.pos++;
      this.comment = this.next().v;
      return { kind: 'unknown', text: '' };
    }
    const verdict = this.verdict();
    if (verdict) return { kind: 'verdict', verdict };
    if (w === 'log') {
      this.pos++;
      const s: NftStatement & { kind: 'log' } = { kind: 'log' };
      for (;;) {
        const k = this.peek();
        if (k === 'prefix') s.prefix = (this.pos++, this.next().v);
        else if (k === 'level') s.level = (this.pos++, this.next().v);
        else if (k === 'group') s.group = (this.pos++, Number(this.next().v));
        else if (k === 'snaplen' || k === 'queue-threshold' || k === 'flags') (this.pos++, this.next());
        else break;
      }
      return s;
    }
    if (w === 'snat' || w === 'dnat' || w === 'masquerade' || w === 'redirect') return this.nat(w);
    if (w === 'notrack') {
      this.pos++;
      return { kind: 'notrack' };
    }
    if (w === 'xt') {
      const start = this.pos++;
      const type = this.next().v;
      const name = this.next().v;
      return { kind: 'xt', type, name, text: this.textOf(start, this.pos) };
    }
    const left = this.expr();
    if (left === undefined) return undefined;
    if (this.accept('vmap')) return { kind: 'vmap', key: left, map: this.value(false) };
    if (this.accept('set')) return { kind: 'set', target: left, value: this.operand() };
    let op: NftOp | undefined;
    const o = this.peek();
    if (o !== undefined && this.peekTok()?.t === 'word' && OPS.has(o)) {
      this.pos++;
      op = OP_WORDS[o] ?? (o as NftOp);
    }
    if (this.pos >= this.toks.length) return undefined;
    const right = this.value(true);
    if (op === undefined) {
      if (right.kind === 'set' && this.lastWasFlagList) op = 'in';
      else op = isFlagKey(left) && right.kind !== 'set' ? 'in' : '==';
    }
    return { kind: 'match', left, op, right };
  }

  private lastWasFlagList = false;

  private verdict(): NftVerdict | undefined {
    const tok = this.peekTok();
    if (tok === undefined || tok.t !== 'word') return undefined;
    const w = tok.v;
    if (SIMPLE_VERDICTS.has(w)) {
      this.pos++;
      return { kind: w as 'accept' };
    }
    if (w === 'jump' || w === 'goto') {
      this.pos++;
      return { kind: w, target: this.next().v };
    }
    if (w === 'reject') {
      this.pos++;
      if (!this.accept('with')) return { kind: 'reject' };
      const type = this.next().v;
      if (this.peek() === 'type') this.pos++;
      return defaultReject(type, this.next().v);
    }
    if (w === 'queue') {
      const start = ++this.pos;
      while (this.pos < this.toks.length && !STATEMENT_START.has(this.peek()!)) this.pos++;
      return this.pos === start ? { kind: 'queue' } : { kind: 'queue', text: this.textOf(start, this.pos) };
    }
    return undefined;
  }

  private nat(kind: 'snat' | 'dnat' | 'masquerade' | 'redirect'): NftStatement {
    this.pos++;
    const s: NftStatement & { kind: 'nat' } = { kind: 'nat', nat: kind };
    if (this.peek() === 'ip' || this.peek() === 'ip6') s.family = this.next().v as 'ip';
    const bare = this.peekTok();
    const oldSyntax = bare !== undefined && bare.t === 'word' && /^[\d[]/.test(bare.v) && kind !== 'masquerade';
    if (this.accept('to') || oldSyntax) {
      const first = this.peekTok();
      if (first !== undefined && !/^[\d[:$@]/.test(first.v)) {
        // `dnat to ip daddr map { ... }`: an address chosen by a map, kept as text.
        const start = this.pos;
        while (this.pos < this.toks.length && !['random', 'fully-random', 'persistent', 'counter', 'comment', 'log', 'accept', 'drop'].includes(this.peek()!)) this.pos++;
        s.addr = { kind: 'unknown', text: this.textOf(start, this.pos) };
        return s;
      }
      const t = this.next().v;
      const m = /^\[([^\]]*)\](?::(.+))?$/.exec(t) ?? /^([^:]*):([^:]+)$/.exec(t) ?? /^(.*)()$/.exec(t);
      const addr = m?.[1] ?? '';
      const port = m?.[2];
      if (addr !== '') s.addr = literal(addr);
      if (port !== undefined && port !== '') s.port = literal(port);
    }
    const flags: string[] = [];
    while (['random', 'fully-random', 'persistent', ','].includes(this.peek() ?? '')) {
      const f = this.next().v;
      if (f !== ',') flags.push(f);
    }
    if (flags.length > 0) s.flags = flags;
    return s;
  }

  /** A left-hand side: payload, meta, ct, fib, with binary operations and concatenations. */
  private expr(): NftExpr | undefined {
    let e = this.primary();
    if (e === undefined) return undefined;
    while (this.peekTok()?.t === 'word' && BINOPS.has(this.peek()!)) {
      const w = this.next().v;
      const op = BINOP_WORDS[w] ?? (w as '&');
      e = { kind: 'binop', op, left: e, right: this.atom() };
    }
    if (this.peek() === '.' && this.peekTok()?.t === 'word') {
      const parts = [e];
      while (this.accept('.')) {
        const p = this.primary();
        if (p === undefined) throw new Error('concatenation');
        parts.push(p);
      }
      e = { kind: 'concat', parts };
    }
    return e;
  }

  private primary(): NftExpr | undefined {
    const tok = this.peekTok();
    if (tok === undefined || tok.t !== 'word') return undefined;
    const w = tok.v;
    if (PAYLOAD_PROTOCOLS.has(w)) {
      const f = this.peekTok(1);
      if (f === undefined || f.t !== 'word' || !/^[a-z][a-z0-9-]*$/.test(f.v)) return undefined;
      this.pos += 2;
      return { kind: 'payload', protocol: w, field: f.v };
    }
    if (w === 'meta') {
      this.pos++;
      return { kind: 'meta', key: this.next().v };
    }
    if (META_BARE.has(w)) {
      this.pos++;
      return { kind: 'meta', key: w };
    }
    if (w === 'ct') {
      this.pos++;
      let dir: 'original' | 'reply' | undefined;
      if (this.peek() === 'original' || this.peek() === 'reply') dir = this.next().v as 'original';
      let family: string | undefined;
      if (dir !== undefined && (this.peek() === 'ip' || this.peek() === 'ip6')) family = this.next().v;
      const key = this.next().v;
      const e: NftExpr = { kind: 'ct', key };
      if (dir) e.dir = dir;
      if (family) e.family = family;
      return e;
    }
    if (w === 'fib') {
      this.pos++;
      const flags = [this.next().v];
      while (this.accept('.')) flags.push(this.next().v);
      return { kind: 'fib', flags, result: this.next().v };
    }
    if (w === 'numgen' && this.peekTok(2)?.v === 'mod' && /^\d+$/.test(this.peekTok(3)?.v ?? '')) {
      const mode = this.peekTok(1)!.v;
      const mod = Number(this.peekTok(3)!.v);
      this.pos += 4;
      let offset = 0;
      if (this.peek() === 'offset' && /^\d+$/.test(this.peekTok(1)?.v ?? '')) {
        this.pos++;
        offset = Number(this.next().v);
      }
      return mod > 0 ? { kind: 'numgen', mode, mod, offset } : { kind: 'unknown', text: `numgen ${mode} mod ${mod}` };
    }
    return undefined;
  }

  /** The value of `set`: an expression (`meta mark | 0x10`) or a value. */
  private operand(): NftValue {
    const save = this.pos;
    const e = this.expr();
    if (e !== undefined) return { kind: 'expr', expr: e };
    this.pos = save;
    return this.value(false);
  }

  /** One value, with a comma list of flags allowed where `list` (`ct state established,related`). */
  private value(list: boolean): NftValue {
    this.lastWasFlagList = false;
    const first = this.single();
    if (list && this.peek() === ',' && this.peekTok()?.t === 'punct') {
      const items = [first];
      while (this.peek() === ',' && this.peekTok()?.t === 'punct') {
        this.pos++;
        items.push(this.single());
      }
      this.lastWasFlagList = true;
      return { kind: 'set', items };
    }
    return first;
  }

  /** A value with its concatenation (`10.0.0.1 . tcp . 443`). */
  private single(): NftValue {
    const v = this.atom();
    if (this.peek() !== '.' || this.peekTok()?.t !== 'word') return v;
    const parts = [v];
    while (this.accept('.')) parts.push(this.atom());
    return { kind: 'concat', parts };
  }

  private atom(): NftValue {
    const tok = this.next();
    if (tok.t === 'string') return { kind: 'string', value: tok.v };
    if (tok.t === 'punct' && tok.v === '{') return this.braced();
    if (tok.t !== 'word') throw new Error(`unexpected ${tok.v}`);
    if (tok.v.startsWith('(') && tok.v.length > 1) throw new Error('parenthesised expression');
    if (SIMPLE_VERDICTS.has(tok.v) || tok.v === 'jump' || tok.v === 'goto' || tok.v === 'reject' || tok.v === 'queue') {
      this.pos--;
      return { kind: 'verdict', verdict: this.verdict()! };
    }
    return literal(tok.v);
  }

  /** `{ a, b }` (anonymous set) or `{ k : v, ... }` (anonymous map); the `{` was read. */
  private braced(): NftValue {
    const items: NftValue[] = [];
    const pairs: { key: NftValue; value: NftValue }[] = [];
    for (;;) {
      while (this.peek() === ',' || this.peekTok()?.t === 'nl') this.pos++;
      if (this.peek() === '}' && this.peekTok()?.t === 'punct') {
        this.pos++;
        break;
      }
      const key = this.single();
      if (this.accept(':')) pairs.push({ key, value: this.single() });
      else items.push(key);
    }
    if (pairs.length > 0 && items.length === 0) return { kind: 'map', pairs };
    return { kind: 'set', items };
  }
}

const ADDRESSISH = /^(?:\d+|0x[0-9a-f]+|[0-9.]+|[0-9a-f:.]*:[0-9a-f:.]*)$/i;

/** One bare word as a value: number, prefix, range, set reference or symbol. */
export function literal(w: string): NftValue {
  if (w.startsWith('@') && w.length > 1) return { kind: 'ref', name: w.slice(1) };
  if (/^\d+$/.test(w) && Number.isSafeInteger(Number(w))) return { kind: 'number', value: Number(w) };
  if (/^0x[0-9a-f]+$/i.test(w) && Number.isSafeInteger(Number(w))) return { kind: 'number', value: Number(w) };
  const slash = /^(.+)\/(\d{1,3})$/.exec(w);
  if (slash && ADDRESSISH.test(slash[1]!) && /[\d:]/.test(slash[1]!)) return { kind: 'prefix', addr: slash[1]!, len: Number(slash[2]) };
  const dash = w.indexOf('-', 1);
  if (dash > 0) {
    const a = w.slice(0, dash);
    const b = w.slice(dash + 1);
    if (ADDRESSISH.test(a) && ADDRESSISH.test(b) && /\d/.test(a) && /\d/.test(b)) return { kind: 'range', from: literal(a), to: literal(b) };
  }
  return { kind: 'string', value: w };
}

/** `reject` alone is what nft lists in JSON as an ICMP port-unreachable: one model for both. */
export function defaultReject(type: string, expr: string | undefined): NftVerdict {
  if (expr === 'port-unreachable' && (type === 'icmp' || type === 'icmpx' || type === 'icmpv6')) return { kind: 'reject' };
  return { kind: 'reject', with: expr === undefined ? type : `${type} ${expr}` };
}
