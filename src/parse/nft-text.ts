/**
 * Parser for `nft list ruleset` / `nft -a list ruleset` text (sosreports, bug reports) and nft -f files
 * such as Debian's /etc/nftables.conf. Tables, chains, sets, maps and flowtables become the model of
 * nft-types.ts; every rule keeps its line and its text.
 */
import { isShellPrompt } from './text/paste.js';
import { clip, DROPPED, fail, type ParseInput, type ParseNote, type Parsed } from './common.js';
import { RuleReader, tokenize, TokenError, type Comment, type Token } from './nft-rule.js';
import {
  NFT_FAMILIES,
  namedPriority,
  type NftChain,
  type NftFamily,
  type NftFlowtable,
  type NftRuleset,
  type NftSet,
  type NftSetElement,
  type NftTable,
  type NftValue,
} from './nft-types.js';

const RUN_NFT = 'run `nft -a list ruleset` (or `nft -j list ruleset` for JSON)';
const MANAGED = /^Warning: table (\S+) (\S+) is managed by iptables-nft/;

class NftTextParser {
  private readonly notes: ParseNote[] = [];
  private toks: Token[] = [];
  private pos = 0;
  private readonly handles = new Map<number, number>();
  private readonly tables: NftTable[] = [];

  constructor(private readonly input: ParseInput) {}

  parse(): Parsed<NftRuleset> {
    let comments: Comment[];
    try {
      ({ tokens: this.toks, comments } = tokenize(this.withoutPrompts(this.input.text)));
    } catch (err) {
      if (err instanceof TokenError) fail(this.input, err.message, err.line);
      throw err;
    }
    const managed: string[] = [];
    for (const c of comments) {
      const h = /^handle (\d+)$/.exec(c.text);
      if (h) this.handles.set(c.line, Number(h[1]));
      const m = MANAGED.exec(c.text);
      if (m) managed.push(`${m[1]} ${m[2]}`);
    }
    while (this.pos < this.toks.length) this.topLevel();
    for (const t of this.tables) {
      if (managed.includes(`${t.family} ${t.name}`) || t.chains.some((c) => c.rules.some((r) => r.statements.some((s) => s.kind === 'xt')))) {
        t.managedBy = 'iptables-nft';
      }
    }
    return { value: { tables: this.tables }, notes: this.notes };
  }

  /**
   * A shell prompt pasted with the command above the ruleset, or a bare one below it, blanked (line numbers
   * kept) with a note. `#` lines are nft's own comments, never prompts.
   */
  private withoutPrompts(text: string): string {
    const lines = text.split('\n');
    const isPrompt = (line: string): boolean => !line.trimStart().startsWith('#') && isShellPrompt(line.trimEnd());
    const blank = (i: number): void => {
      this.note('shell prompt pasted with the output skipped', i + 1);
      lines[i] = '';
    };
    for (let i = 0; i < lines.length && !/^\s*table\s/.test(lines[i]!); i++) if (isPrompt(lines[i]!)) blank(i);
    for (let i = lines.length - 1; i >= 0 && !/}\s*$/.test(lines[i]!); i--) if (isPrompt(lines[i]!)) blank(i);
    return lines.join('\n');
  }

  private note(message: string, line: number, dropped?: typeof DROPPED): void {
    this.notes.push({ source: this.input.source, line, message, ...dropped });
  }

  private peek(): Token | undefined {
    return this.toks[this.pos];
  }

  private skipBreaks(): void {
    while (this.pos < this.toks.length && (this.toks[this.pos]!.t === 'nl' || this.toks[this.pos]!.v === ';')) this.pos++;
  }

  /** The tokens of one statement: up to a line end or `;` outside braces, or a `}` closing the block (left unread). */
  private statement(): Token[] {
    const out: Token[] = [];
    let depth = 0;
    while (this.pos < this.toks.length) {
      const t = this.toks[this.pos]!;
      if (t.t === 'punct' && t.v === '}' && depth === 0) break;
      this.pos++;
      if (depth === 0 && (t.t === 'nl' || (t.t === 'punct' && t.v === ';'))) break;
      if (t.t === 'punct' && t.v === '{') depth++;
      if (t.t === 'punct' && t.v === '}') depth--;
      out.push(t);
    }
    return out;
  }

  /** The statement's own text on one line: its tokens as written, one space where there was any gap. */
  private sourceText(toks: Token[]): string {
    let out = '';
    let prevEnd = -1;
    for (const t of toks) {
      if (t.t === 'nl') continue;
      if (prevEnd >= 0 && t.at > prevEnd) out += ' ';
      out += this.input.text.slice(t.at, t.end);
      prevEnd = t.end;
    }
    return clip(out);
  }

  private topLevel(): void {
    this.skipBreaks();
    const t = this.peek();
    if (t === undefined) return;
    if (t.t === 'word' && t.v === 'table') return this.table();
    const toks = this.statement();
    if (t.t === 'punct' && t.v === '}' && toks.length === 0) {
      this.pos++;
      this.note('"}" closing no block; skipped', t.line);
      return;
    }
    const text = this.sourceText(toks);
    if (t.t === 'word' && (t.v === 'flush' || t.v === 'define')) {
      if (t.v === 'define') this.note(`variable definition not expanded: ${text}`, t.line);
      return;
    }
    if (this.tables.length === 0 && !(t.t === 'word' && /^(add|create|insert|include|delete|destroy|list)$/.test(t.v))) {
      fail(this.input, `not an nftables ruleset (expected \`table <family> <name> {\`): ${clip(text, 80)}`, t.line, RUN_NFT);
    }
    this.note(`not part of a listed ruleset, skipped: ${clip(text, 80)}`, t.line, DROPPED);
  }

  /** Read past a `{ ... }` block whose `{` was read; false when the text ends first. */
  private closeBlock(what: string, line: number): boolean {
    this.skipBreaks();
    const t = this.peek();
    if (t?.t === 'punct' && t.v === '}') {
      this.pos++;
      return true;
    }
    if (t === undefined) this.note(`${what} not closed: the ruleset was cut short`, line, DROPPED);
    return false;
  }

  private table(): void {
    const head = this.toks[this.pos]!;
    this.pos++;
    const words: Token[] = [];
    while (this.peek() && this.peek()!.t !== 'nl' && this.peek()!.v !== '{') words.push(this.toks[this.pos++]!);
    const brace = this.peek();
    if (brace?.v !== '{' || brace.t !== 'punct') fail(this.input, `table without "{": ${clip(this.sourceText([head, ...words]), 80)}`, head.line, RUN_NFT);
    this.pos++;
    let family: NftFamily = 'ip';
    let nameTok = words[0];
    if (words.length === 2 && NFT_FAMILIES.includes(words[0]!.v as NftFamily)) {
      family = words[0]!.v as NftFamily;
      nameTok = words[1];
    } else if (words.length !== 1) {
      fail(this.input, `table line not understood (expected \`table <family> <name> {\`): ${clip(this.sourceText([head, ...words]), 80)}`, head.line, RUN_NFT);
    }
    const table: NftTable = { family, name: nameTok!.v, line: head.line, chains: [], sets: [], flowtables: [], objects: [] };
    const handle = this.handles.get(brace.line);
    if (handle !== undefined) table.handle = handle;
    this.tables.push(table);
    for (;;) {
      if (this.closeBlock(`table ${family} ${table.name}`, head.line) || this.peek() === undefined) return;
      const t = this.peek()!;
      const next = this.toks[this.pos + 1];
      const third = this.toks[this.pos + 2];
      if (t.t === 'word' && t.v === 'chain' && next && third?.v === '{') this.chain(table);
      else if (t.t === 'word' && (t.v === 'set' || t.v === 'map') && next && third?.v === '{') table.sets.push(this.set(t.v));
      else if (t.t === 'word' && t.v === 'flowtable' && next && third?.v === '{') table.flowtables.push(this.flowtable(table.family));
      else {
        const toks = this.statement();
        if (toks.length === 0) continue;
        const open = toks.findIndex((x) => x.t === 'punct' && x.v === '{');
        if (open >= 2) {
          table.objects.push({ kind: toks.slice(0, open - 1).map((x) => x.v).join(' '), name: toks[open - 1]!.v, line: t.line });
          if (toks[toks.length - 1]?.v !== '}') this.note(`${toks[0]!.v} block not closed: the ruleset was cut short`, t.line, DROPPED);
        } else if (!['comment', 'flags'].includes(t.v)) {
          this.note(`table ${family} ${table.name}: not understood, skipped: ${clip(this.sourceText(toks), 80)}`, t.line, DROPPED);
        }
      }
    }
  }

  private chain(table: NftTable): void {
    const head = this.toks[this.pos]!;
    const name = this.toks[this.pos + 1]!.v;
    this.pos += 3;
    const chain: NftChain = { name, line: head.line, text: `chain ${name}`, rules: [] };
    const handle = this.handles.get(head.line);
    if (handle !== undefined) chain.handle = handle;
    table.chains.push(chain);
    let policy: 'accept' | 'drop' | undefined;
    for (;;) {
      if (this.closeBlock(`chain ${name}`, head.line) || this.peek() === undefined) break;
      const toks = this.statement();
      const first = toks[0];
      if (first === undefined) continue;
      if (first.t === 'word' && first.v === 'type' && toks.some((x) => x.v === 'hook')) {
        this.baseChain(chain, table.family, toks);
      } else if (first.t === 'word' && first.v === 'policy') {
        const p = toks[1]?.v;
        if (p === 'accept' || p === 'drop') policy = p;
        else this.note(`chain ${name}: policy ${p ?? ''} not understood; taken as accept`, first.line, DROPPED);
      } else if (first.t === 'word' && (first.v === 'comment' || first.v === 'devices' || first.v === 'flags')) {
        continue;
      } else {
        this.rule(chain, toks);
      }
    }
    if (chain.base && policy) {
      chain.base.policy = policy;
      // The evidence of a base chain's verdict is its policy: quote it with the type and hook it sits with.
      chain.text = chain.text.replace(/ \}$/, ` policy ${policy}; }`);
    }
  }

  private baseChain(chain: NftChain, family: NftFamily, toks: Token[]): void {
    const line = toks[0]!.line;
    chain.line = line;
    chain.text = `chain ${chain.name} { ${this.sourceText(toks)}; }`;
    const type = toks[1]?.v;
    const hookAt = toks.findIndex((x) => x.v === 'hook');
    const hook = toks[hookAt + 1]?.v ?? '';
    const devAt = toks.findIndex((x) => x.v === 'device');
    const prioAt = toks.findIndex((x) => x.v === 'priority');
    let priority = 0;
    if (prioAt >= 0) {
      const expr = toks
        .slice(prioAt + 1)
        .map((x) => x.v)
        .join(' ');
      const p = priorityOf(family, expr);
      if (p === undefined) this.note(`chain ${chain.name}: priority "${clip(expr, 40)}" not understood; taken as 0`, line, DROPPED);
      else priority = p;
    }
    if (type !== 'filter' && type !== 'nat' && type !== 'route') {
      this.note(`chain ${chain.name}: chain type "${type ?? ''}" not understood; read as filter`, line, DROPPED);
    }
    chain.base = { type: type === 'nat' || type === 'route' ? type : 'filter', hook, priority, policy: 'accept' };
    if (devAt >= 0 && toks[devAt + 1]) chain.base.device = toks[devAt + 1]!.v;
  }

  private rule(chain: NftChain, toks: Token[]): void {
    const line = toks[0]!.line;
    const reader = new RuleReader(toks);
    const statements = reader.read();
    const rule: NftChain['rules'][number] = { line, text: this.sourceText(toks), statements };
    const handle = this.handles.get(toks[toks.length - 1]!.line);
    if (handle !== undefined) rule.handle = handle;
    if (reader.comment !== undefined) rule.comment = reader.comment;
    for (const u of reader.unknown) this.note(`statement not understood, kept as text: ${clip(u, 80)}`, line);
    chain.rules.push(rule);
  }

  private set(kind: 'set' | 'map'): NftSet {
    const head = this.toks[this.pos]!;
    const name = this.toks[this.pos + 1]!.v;
    this.pos += 3;
    const set: NftSet = { kind, name, line: head.line, type: '', flags: [], elements: [] };
    const handle = this.handles.get(head.line);
    if (handle !== undefined) set.handle = handle;
    for (;;) {
      if (this.closeBlock(`${kind} ${name}`, head.line) || this.peek() === undefined) break;
      const toks = this.statement();
      const first = toks[0];
      if (first === undefined) continue;
      if (first.v === 'type' || first.v === 'typeof') {
        const words = toks.slice(1).map((x) => (x.t === 'string' ? JSON.stringify(x.v) : x.v));
        const colon = words.indexOf(':');
        set.type = (colon < 0 ? words : words.slice(0, colon)).join(' ');
        if (colon >= 0) set.dataType = words.slice(colon + 1).join(' ');
      } else if (first.v === 'flags') {
        set.flags = toks.slice(1).filter((x) => x.t !== 'punct').map((x) => x.v);
      } else if (first.v === 'elements') {
        set.elements = this.elements(toks, kind);
      }
    }
    return set;
  }

  private elements(toks: Token[], kind: 'set' | 'map'): NftSetElement[] {
    const open = toks.findIndex((x) => x.t === 'punct' && x.v === '{');
    const value = open < 0 ? undefined : parseValueTokens(toks.slice(open));
    if (value === undefined) {
      this.note('elements not understood, dropped', toks[0]!.line, DROPPED);
      return [];
    }
    if (value.kind === 'map') return value.pairs.map((p) => ({ key: p.key, value: p.value }));
    if (value.kind === 'set') return value.items.map((key) => ({ key }));
    void kind;
    return [{ key: value }];
  }

  private flowtable(family: NftFamily): NftFlowtable {
    const head = this.toks[this.pos]!;
    const name = this.toks[this.pos + 1]!.v;
    this.pos += 3;
    const ft: NftFlowtable = { name, line: head.line, devices: [] };
    for (;;) {
      if (this.closeBlock(`flowtable ${name}`, head.line) || this.peek() === undefined) break;
      const toks = this.statement();
      if (toks[0]?.v === 'hook') {
        ft.hook = toks[1]?.v;
        const prioAt = toks.findIndex((x) => x.v === 'priority');
        if (prioAt >= 0) {
          const p = priorityOf(family, toks.slice(prioAt + 1).map((x) => x.v).join(' '));
          if (p !== undefined) ft.priority = p;
        }
      } else if (toks[0]?.v === 'devices') {
        ft.devices = toks.slice(2).filter((x) => x.t !== 'punct').map((x) => x.v);
      }
    }
    return ft;
  }
}

function parseValueTokens(toks: Token[]): NftValue | undefined {
  // A match against a placeholder left side reuses the rule grammar for the value.
  const probe: Token = { t: 'word', v: 'meta', line: 0, at: 0, end: 0 };
  const key: Token = { t: 'word', v: 'x', line: 0, at: 0, end: 0 };
  const st = new RuleReader([probe, key, ...toks.filter((t) => t.t !== 'nl')]).read()[0];
  return st?.kind === 'match' ? st.right : undefined;
}

/** `filter`, `-300`, `mangle + 10`, `filter - 10`, `dstnat-5` in a family; undefined when not understood. */
export function priorityOf(family: NftFamily, expr: string): number | undefined {
  const m = /^\s*([a-z]+|[+-]?\d+)\s*(?:([+-])\s*(\d+))?\s*$/.exec(expr);
  if (!m) return undefined;
  const base = /^[+-]?\d+$/.test(m[1]!) ? Number(m[1]) : namedPriority(family, m[1]!);
  if (base === undefined) return undefined;
  const delta = m[3] === undefined ? 0 : Number(m[3]) * (m[2] === '-' ? -1 : 1);
  return base + delta;
}

export function parseNftText(input: ParseInput): Parsed<NftRuleset> {
  return new NftTextParser(input).parse();
}

