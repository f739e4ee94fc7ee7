/**
 * Parser for `nft -j list ruleset` (libnftables JSON, schema version 1) into the model of nft-types.ts.
 * Each table, chain, set and rule keeps the line of its element in the JSON text (the collector stores
 * the one long line nft prints: line 1) and a readable one-line rendering in nft syntax.
 */
import { clip, DROPPED, fail, type ParseInput, type ParseNote, type Parsed } from './common.js';
import { failAtJsonError } from './json-syntax.js';
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  CR,
  describeJson,
  isJsonObject,
  LF,
  MAX_JSON_DEPTH,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  SPACE,
  TAB,
  type JsonObject,
  type JsonValue,
} from './json-source.js';
import { renderRuleBody } from './nft-render.js';
import { defaultReject } from './nft-rule.js';
import { NFT_FAMILIES, type NftExpr, type NftFamily, type NftOp, type NftSet, type NftStatement, type NftRuleset, type NftTable, type NftValue, type NftVerdict } from './nft-types.js';

const RUN_NFT_JSON = 'run `nft -j list ruleset`';
const OPS = new Set(['==', '!=', '<', '>', '<=', '>=', 'in']);
const BINOPS = new Set(['&', '|', '^', '<<', '>>']);


/**
 * Where the elements of arrays at depth 2 (the "nftables" array's) are: the line each starts on, the offsets
 * of its first character and of the comma or bracket after it. Counts the depth-2 arrays and separators, so
 * that the caller can tell the plain `{"nftables": [...]}` shape nft prints.
 */
interface ElementScan {
  lines: number[];
  starts: number[];
  ends: number[];
  arrays: number;
  commas: number;
  /** Offsets of the last depth-2 array's brackets. */
  open: number;
  close: number;
}

/**
 * The elements' lines and offsets (ElementScan), and a ParseError past MAX_JSON_DEPTH. Character codes, and
 * string bodies skipped with indexOf: a kube-proxy ruleset is tens of megabytes.
 */
function scanElements(input: ParseInput): ElementScan {
  const text = input.text;
  const n = text.length;
  const lines: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let arrays = 0;
  let commas = 0;
  let open = -1;
  let close = -1;
  let line = 1;
  let depth = 0;
  let expect = false;
  // The first backslash at or after the current string position (n: none left).
  let nextBackslash = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) line++;
    else if (c === SPACE || c === TAB || c === CR) continue;
    else if (c === QUOTE) {
      if (depth === 2 && expect) (lines.push(line), starts.push(i), (expect = false));
      // To the closing quote; a backslash hides the character after it.
      let j = i + 1;
      for (;;) {
        const quote = text.indexOf('"', j);
        if (quote === -1) {
          i = n;
          break;
        }
        if (nextBackslash < j) {
          nextBackslash = text.indexOf('\\', j);
          if (nextBackslash === -1) nextBackslash = n;
        }
        if (nextBackslash < quote) {
          j = nextBackslash + 2;
          continue;
        }
        i = quote;
        break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth === 2 && expect) (lines.push(line), starts.push(i), (expect = false));
      depth++;
      if (depth > MAX_JSON_DEPTH) fail(input, `invalid JSON: nested deeper than ${MAX_JSON_DEPTH} levels`, line);
      if (depth === 2 && c === OPEN_BRACKET) {
        expect = true;
        arrays++;
        open = i;
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 2) {
        if (starts.length > ends.length) ends.push(i);
        close = i;
      }
      depth--;
      expect = false;
    } else if (c === COMMA) {
      if (depth === 2) {
        expect = true;
        commas++;
        if (starts.length > ends.length) ends.push(i);
      }
    } else if (depth === 2 && expect) (lines.push(line), starts.push(i), (expect = false));
  }
  return { lines, starts, ends, arrays, commas, open, close };
}

/** What may stand before and after the array, JSON's own whitespace only. */
const HEAD = /^\ufeff?[ \t\n\r]*\{[ \t\n\r]*"nftables"[ \t\n\r]*:[ \t\n\r]*$/;
const TAIL = /^[ \t\n\r]*\}[ \t\n\r]*$/;

/**
 * `{"nftables": [e0, e1, ...]}` and nothing else around it: then each element can be read on its own,
 * so that its JSON dies young instead of the whole document living until the last element is read.
 */
function plainShape(text: string, scan: ElementScan): boolean {
  return (
    scan.arrays === 1 &&
    scan.starts.length === scan.ends.length &&
    scan.commas === Math.max(0, scan.starts.length - 1) &&
    HEAD.test(text.slice(0, scan.open)) &&
    TAIL.test(text.slice(scan.close + 1))
  );
}

class NftJsonParser {
  private readonly notes: ParseNote[] = [];
  private readonly tables = new Map<string, NftTable>();
  /** Each table's chains by name (the first listed of a name), for the rules that follow them. */
  private readonly chainsByName = new Map<NftTable, Map<string, NftTable['chains'][number]>>();
  /** The table of the last element: a table's sets, chains and rules are listed one after another. */
  private lastTable: { family: string; name: string; table: NftTable } | undefined;
  private line = 1;
  private path = '';

  constructor(private readonly input: ParseInput) {}

  parse(): Parsed<NftRuleset> {
    const text = this.input.text;
    const trimmed = text.replace(/^\ufeff/, '').trim();
    if (trimmed === '') return { value: { tables: [] }, notes: this.notes };
    if (!trimmed.startsWith('{')) {
      const firstLine = text.slice(0, text.search(/\S/)).split(/\r\n|\r|\n/).length;
      fail(this.input, 'not JSON: expected the output of `nft -j list ruleset`', firstLine, RUN_NFT_JSON);
    }
    const scan = scanElements(this.input);
    if (plainShape(text, scan) && this.elementsOneByOne(scan)) return { value: { tables: [...this.tables.values()] }, notes: this.notes };
    this.notes.length = 0;
    this.tables.clear();
    this.chainsByName.clear();
    this.lastTable = undefined;
    const lines = scan.lines;
    let doc: JsonValue;
    try {
      doc = JSON.parse(text.replace(/^\ufeff/, '')) as JsonValue;
    } catch (err) {
      return failAtJsonError(this.input, MAX_JSON_DEPTH, err instanceof Error ? err.message : String(err));
    }
    const list = isJsonObject(doc) && Object.hasOwn(doc, 'nftables') ? doc['nftables'] : undefined;
    if (!Array.isArray(list)) fail(this.input, 'invalid nft JSON at /nftables: expected {"nftables": [...]}', 1, RUN_NFT_JSON);
    list.forEach((el, i) => {
      this.line = lines[i] ?? 1;
      this.path = `/nftables/${i}`;
      this.element(el);
    });
    return { value: { tables: [...this.tables.values()] }, notes: this.notes };
  }

  /** Each element parsed and read in turn; false when one is not JSON (the whole document then gives the error). */
  private elementsOneByOne(scan: ElementScan): boolean {
    const text = this.input.text;
    for (let i = 0; i < scan.starts.length; i++) {
      let el: JsonValue;
      try {
        el = JSON.parse(text.slice(scan.starts[i], scan.ends[i])) as JsonValue;
      } catch {
        return false;
      }
      this.line = scan.lines[i] ?? 1;
      this.path = `/nftables/${i}`;
      this.element(el);
    }
    return true;
  }

  private note(message: string, dropped?: typeof DROPPED): void {
    this.notes.push({ source: this.input.source, line: this.line, message: `${this.path}: ${message}`, ...dropped });
  }

  private element(el: JsonValue): void {
    if (!isJsonObject(el)) return this.note(`${describeJson(el)}, not an object; skipped`, DROPPED);
    const [kind] = Object.keys(el);
    const body = kind === undefined ? undefined : el[kind];
    if (kind === 'metainfo') return;
    if (!isJsonObject(body)) return this.note(`"${kind ?? ''}" is not an object; skipped`, DROPPED);
    if (kind === 'table') return this.table(body);
    const table = this.tableOf(body);
    if (table === undefined) return;
    const name = str(body['name']) ?? '';
    const handle = num(body['handle']);
    if (kind === 'chain') {
      const chain: NftTable['chains'][number] = { name, line: this.line, text: `chain ${name}`, rules: [] };
      if (handle !== undefined) chain.handle = handle;
      const type = str(body['type']);
      if (type !== undefined) {
        const hook = str(body['hook']) ?? '';
        const policy = str(body['policy']) === 'drop' ? 'drop' : 'accept';
        const priority = num(body['prio']) ?? 0;
        chain.base = { type: type === 'nat' || type === 'route' ? type : 'filter', hook, priority, policy };
        const dev = str(body['dev']);
        if (dev !== undefined) chain.base.device = dev;
        chain.text = `chain ${name} { type ${type} hook ${hook}${dev === undefined ? '' : ` device "${dev}"`} priority ${priority}; policy ${policy}; }`;
      }
      table.chains.push(chain);
      const byName = this.chainsByName.get(table)!;
      if (!byName.has(name)) byName.set(name, chain);
    } else if (kind === 'rule') this.rule(table, body);
    else if (kind === 'set' || kind === 'map') table.sets.push(this.set(kind, name, body));
    else if (kind === 'element') this.note('element additions are not listed rulesets; skipped', DROPPED);
    else if (kind === 'flowtable') {
      const ft: NftTable['flowtables'][number] = { name, line: this.line, devices: [] };
      const hook = str(body['hook']);
      if (hook !== undefined) ft.hook = hook;
      const prio = num(body['prio']);
      if (prio !== undefined) ft.priority = prio;
      const dev = body['dev'];
      ft.devices = Array.isArray(dev) ? dev.filter((d): d is string => typeof d === 'string') : typeof dev === 'string' ? [dev] : [];
      table.flowtables.push(ft);
    } else table.objects.push({ kind: kind ?? "", name, line: this.line });
  }

  private tableOf(body: JsonObject): NftTable | undefined {
    const family = str(body['family']) ?? '';
    const name = str(body['table']) ?? str(body['name']) ?? '';
    const last = this.lastTable;
    if (last !== undefined && last.family === family && last.name === name) return last.table;
    const t = this.tables.get(`${family} ${name}`);
    if (t === undefined) this.note(`belongs to table ${family} ${name}, which is not listed before it; skipped`, DROPPED);
    else this.lastTable = { family, name, table: t };
    return t;
  }

  private table(body: JsonObject): void {
    const family = str(body['family']) ?? '';
    const name = str(body['name']);
    if (!NFT_FAMILIES.includes(family as NftFamily) || name === undefined) return this.note(`table without a known family and a name; skipped`, DROPPED);
    const t: NftTable = { family: family as NftFamily, name, line: this.line, chains: [], sets: [], flowtables: [], objects: [] };
    const handle = num(body['handle']);
    if (handle !== undefined) t.handle = handle;
    this.tables.set(`${family} ${name}`, t);
    this.chainsByName.set(t, new Map());
    this.lastTable = undefined;
  }

  private rule(table: NftTable, body: JsonObject): void {
    const chainName = str(body['chain']);
    const chain = chainName === undefined ? undefined : this.chainsByName.get(table)!.get(chainName);
    if (chain === undefined) return this.note(`rule of chain ${chainName ?? '?'}, which is not listed before it; skipped`, DROPPED);
    const expr = body['expr'];
    const statements = Array.isArray(expr) ? expr.map((s) => this.statement(s)) : [];
    if (!Array.isArray(expr)) this.note('rule without "expr"; kept empty', DROPPED);
    const comment = str(body['comment']);
    const rule: NftTable['chains'][number]['rules'][number] = { line: this.line, text: clip(renderRuleBody(statements, comment)), statements };
    const handle = num(body['handle']);
    if (handle !== undefined) rule.handle = handle;
    if (comment !== undefined) rule.comment = comment;
    if (statements.some((s) => s.kind === 'xt')) table.managedBy = 'iptables-nft';
    chain.rules.push(rule);
  }

  private set(kind: 'set' | 'map', name: string, body: JsonObject): NftSet {
    const set: NftSet = { kind, name, line: this.line, type: typeName(body['type']), flags: [], elements: [] };
    const handle = num(body['handle']);
    if (handle !== undefined) set.handle = handle;
    if (kind === 'map' && body['map'] !== undefined) set.dataType = typeName(body['map']);
    const flags = body['flags'];
    set.flags = Array.isArray(flags) ? flags.filter((f): f is string => typeof f === 'string') : typeof flags === 'string' ? [flags] : [];
    const elem = body['elem'];
    if (Array.isArray(elem)) {
      set.elements = elem.map((e) => (kind === 'map' && Array.isArray(e) && e.length === 2 ? { key: this.value(e[0]!), value: this.value(e[1]!) } : { key: this.value(e) }));
    }
    return set;
  }

  private unknown(what: string, v: JsonValue): { kind: 'unknown'; text: string } {
    const text = clip(JSON.stringify(v), 120);
    this.note(`${what} not understood, kept as text: ${text}`);
    return { kind: 'unknown', text };
  }

  private statement(s: JsonValue): NftStatement {
    if (!isJsonObject(s)) return this.unknown('statement', s);
    const [k] = Object.keys(s);
    const b = k === undefined ? null : (s[k] ?? null);
    const o = isJsonObject(b) ? b : undefined;
    const v = k === undefined ? undefined : verdictOf(k, b);
    if (v) return { kind: 'verdict', verdict: v };
    switch (k) {
      case 'match': {
        const op = str(o?.['op']) ?? '==';
        if (!o || !OPS.has(op)) break;
        return { kind: 'match', op: op as NftOp, left: this.expr(o['left'] ?? null), right: this.value(o['right'] ?? null) };
      }
      case 'counter': {
        const packets = num(o?.['packets']);
        return packets === undefined ? { kind: 'counter' } : { kind: 'counter', packets, bytes: num(o?.['bytes']) ?? 0 };
      }
      case 'vmap':
        if (!o) break;
        return { kind: 'vmap', key: this.expr(o['key'] ?? null), map: this.value(o['data'] ?? null) };
      case 'snat':
      case 'dnat':
      case 'masquerade':
      case 'redirect': {
        const st: NftStatement & { kind: 'nat' } = { kind: 'nat', nat: k };
        const fam = str(o?.['family']);
        if (fam === 'ip' || fam === 'ip6') st.family = fam;
        if (o?.['addr'] !== undefined) st.addr = this.value(o['addr']);
        if (o?.['port'] !== undefined) st.port = this.value(o['port']);
        const flags = o?.['flags'];
        if (typeof flags === 'string') st.flags = [flags];
        else if (Array.isArray(flags)) st.flags = flags.filter((f): f is string => typeof f === 'string');
        return st;
      }
      case 'mangle':
        if (!o) break;
        return { kind: 'set', target: this.expr(o['key'] ?? null), value: this.value(o['value'] ?? null) };
      case 'log': {
        const st: NftStatement & { kind: 'log' } = { kind: 'log' };
        const prefix = str(o?.['prefix']);
        if (prefix !== undefined) st.prefix = prefix;
        const level = str(o?.['level']);
        if (level !== undefined) st.level = level;
        const group = num(o?.['group']);
        if (group !== undefined) st.group = group;
        return st;
      }
      case 'notrack':
        return { kind: 'notrack' };
      case 'xt': {
        const type = str(o?.['type']) ?? '';
        const name = str(o?.['name']) ?? '';
        return { kind: 'xt', type, name, text: `xt ${type} ${JSON.stringify(name)}` };
      }
    }
    return this.unknown('statement', s);
  }

  private expr(e: JsonValue): NftExpr {
    if (!isJsonObject(e)) return this.unknown('expression', e);
    const [k] = Object.keys(e);
    const b = k === undefined ? undefined : e[k];
    if (k === 'payload' && isJsonObject(b) && str(b['protocol']) && str(b['field'])) return { kind: 'payload', protocol: str(b['protocol'])!, field: str(b['field'])! };
    if (k === 'meta' && isJsonObject(b) && str(b['key'])) return { kind: 'meta', key: str(b['key'])! };
    if (k === 'ct' && isJsonObject(b) && str(b['key'])) {
      const ct: NftExpr = { kind: 'ct', key: str(b['key'])! };
      const dir = str(b['dir']);
      if (dir === 'original' || dir === 'reply') ct.dir = dir;
      const fam = str(b['family']);
      if (fam) ct.family = fam;
      return ct;
    }
    if (k === 'fib' && isJsonObject(b)) {
      const flags = b['flags'];
      return { kind: 'fib', result: str(b['result']) ?? '', flags: Array.isArray(flags) ? flags.filter((f): f is string => typeof f === 'string') : typeof flags === 'string' ? [flags] : [] };
    }
    if (k !== undefined && BINOPS.has(k) && Array.isArray(b) && b.length === 2) return { kind: 'binop', op: k as '&', left: this.expr(b[0]!), right: this.value(b[1]!) };
    if (k === 'concat' && Array.isArray(b)) return { kind: 'concat', parts: b.map((p) => this.expr(p)) };
    if (k === 'numgen' && isJsonObject(b) && typeof b['mod'] === 'number' && b['mod'] > 0) {
      return { kind: 'numgen', mode: str(b['mode']) ?? 'random', mod: b['mod'], offset: typeof b['offset'] === 'number' ? b['offset'] : 0 };
    }
    return this.unknown('expression', e);
  }

  private value(v: JsonValue): NftValue {
    if (typeof v === 'number') return { kind: 'number', value: v };
    if (typeof v === 'string') return v.startsWith('@') ? { kind: 'ref', name: v.slice(1) } : { kind: 'string', value: v };
    if (Array.isArray(v)) return { kind: 'set', items: v.map((i) => this.value(i)) };
    if (!isJsonObject(v)) return this.unknown('value', v);
    const [k] = Object.keys(v);
    const b = k === undefined ? null : (v[k] ?? null);
    if (k === 'prefix' && isJsonObject(b)) return { kind: 'prefix', addr: String(b['addr'] ?? ''), len: num(b['len']) ?? 0 };
    if (k === 'range' && Array.isArray(b) && b.length === 2) return { kind: 'range', from: this.value(b[0]!), to: this.value(b[1]!) };
    if (k === 'concat' && Array.isArray(b)) return { kind: 'concat', parts: b.map((p) => this.value(p)) };
    if (k === 'set' && Array.isArray(b)) {
      if (b.length > 0 && b.every((p) => Array.isArray(p) && p.length === 2)) {
        return { kind: 'map', pairs: b.map((p) => ({ key: this.value((p as JsonValue[])[0]!), value: this.value((p as JsonValue[])[1]!) })) };
      }
      return { kind: 'set', items: b.map((i) => this.value(i)) };
    }
    if (k === 'set' && b !== null && !Array.isArray(b)) return { kind: 'set', items: [this.value(b)] };
    if (k === 'elem' && isJsonObject(b)) return this.value(b['val'] ?? null);
    const verdict = k === undefined ? undefined : verdictOf(k, b);
    if (verdict) return { kind: 'verdict', verdict };
    if (k === 'payload' || k === 'meta' || k === 'ct' || k === 'fib' || k === 'numgen' || (k !== undefined && BINOPS.has(k))) return { kind: 'expr', expr: this.expr(v) };
    return this.unknown('value', v);
  }
}

function verdictOf(k: string, b: JsonValue): NftVerdict | undefined {
  if (k === 'accept' || k === 'drop' || k === 'return' || k === 'continue') return { kind: k };
  if ((k === 'jump' || k === 'goto') && isJsonObject(b)) return { kind: k, target: str(b['target']) ?? '' };
  if (k === 'reject') {
    const o = isJsonObject(b) ? b : undefined;
    const type = str(o?.['type']);
    const expr = str(o?.['expr']);
    if (type === undefined) return { kind: 'reject' };
    return defaultReject(type, expr);
  }
  if (k === 'queue') return { kind: 'queue' };
  return undefined;
}

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: JsonValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}
function typeName(v: JsonValue | undefined): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').join(' . ');
  return '';
}

export function parseNftJson(input: ParseInput): Parsed<NftRuleset> {
  return new NftJsonParser(input).parse();
}
