/**
 * Parser for `nft -j list ruleset` (libnftables JSON, schema version 1) into the model of nft-types.ts.
 * Each table, chain, set and rule keeps the line of its element in the JSON text (the collector stores
 * the one long line nft prints: line 1) and a readable one-line rendering in nft syntax.
 */
import { DeferredParseError } from '../errors.js';
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
import { NFT_FAMILIES, type NftExpr, type NftFamily, type NftOp, type NftRule, type NftSet, type NftStatement, type NftRuleset, type NftTable, type NftValue, type NftVerdict } from './nft-types.js';

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

/** How nft itself prints the document's head. */
const NFT_HEAD = /^\ufeff?\{"nftables": \[/;
/** Between two elements as nft prints them: the end of one (`}}`), then the next's kind and family. */
const ELEMENT_SEPARATOR = '}}, {"';
const NEXT_ELEMENT = /\{"(?:rule|chain|set|map|table|flowtable|element|counter|quota|ct helper|ct timeout|ct expectation|limit|secmark|synproxy|tunnel)": \{"family": "/y;

/**
 * The elements of `nft -j list ruleset` as nft prints them (one line, `}}, {"rule": {"family": ...`), found
 * by their separators alone: no statement of nft's schema opens with a list object's kind and family, and a
 * string cannot hold a quote unescaped. Undefined for any other layout, which scanElements then reads.
 * An element cut in the wrong place would not be JSON: the caller parses every element but the rules it
 * keeps for later, and checks a kept rule's end.
 */
function nftPrintedElements(text: string): ElementScan | undefined {
  const head = NFT_HEAD.exec(text);
  if (head === null) return undefined;
  const open = head[0].length - 1;
  const close = text.lastIndexOf(']');
  if (close <= open || !TAIL.test(text.slice(close + 1))) return undefined;
  const starts: number[] = [];
  const ends: number[] = [];
  if (text.slice(open + 1, close).trim() !== '') {
    let start = open + 1;
    let from = start;
    for (;;) {
      const at = text.indexOf(ELEMENT_SEPARATOR, from);
      if (at === -1 || at >= close) break;
      NEXT_ELEMENT.lastIndex = at + 4;
      from = at + 2;
      if (!NEXT_ELEMENT.test(text)) continue;
      starts.push(start);
      ends.push(at + 2);
      start = at + 4;
    }
    starts.push(start);
    ends.push(close);
  }
  return { lines: elementLines(text, starts), starts, ends, arrays: 1, commas: Math.max(0, starts.length - 1), open, close };
}

/** The line each element starts on (LF, CRLF or a lone CR end a line), counting only the text's line ends. */
function elementLines(text: string, starts: readonly number[]): number[] {
  const lines = new Array<number>(starts.length).fill(1);
  let lf = text.indexOf('\n');
  let cr = text.indexOf('\r');
  let line = 1;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    for (;;) {
      const lfAt = lf === -1 ? Infinity : lf;
      const crAt = cr === -1 ? Infinity : cr;
      const at = Math.min(lfAt, crAt);
      if (at >= start) break;
      line++;
      // CRLF ends one line.
      if (crAt === at) {
        cr = text.indexOf('\r', at + 1);
        if (lf === at + 1) lf = text.indexOf('\n', at + 2);
      } else lf = text.indexOf('\n', at + 1);
    }
    lines[i] = line;
  }
  return lines;
}

/** Whether the element ending at `end` ends as a rule with its statements last: `]}}`, blanks between. */
function closesRule(text: string, end: number): boolean {
  let i = end - 1;
  for (const expected of [CLOSE_BRACE, CLOSE_BRACE, CLOSE_BRACKET]) {
    while (i > 0 && isBlank(text.charCodeAt(i))) i--;
    if (text.charCodeAt(i--) !== expected) return false;
  }
  return true;
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

/** Whether the JSON text between start and end nests deeper than `limit` (strings skipped). */
function nestsDeeper(text: string, start: number, end: number, limit: number): boolean {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < end; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
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

/**
 * The head nft prints for a rule, up to its statements: `{"rule": {"family": "ip", "table": "T", "chain": "C",
 * "handle": 7, ["comment": "..." ,] "expr": [`. A rule with this head is read on first use (see lazyRule).
 */
/** A JSON string's body, without its quotes: what JSON.parse takes (no control character, known escapes). */
const JSON_STRING = String.raw`((?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*)`;
const RULE_HEAD = new RegExp(String.raw`\{"rule": \{"family": "([a-z0-9]+)", "table": "${JSON_STRING}", "chain": "${JSON_STRING}", "handle": (0|[1-9]\d{0,14})(?:, "comment": "${JSON_STRING}")?, "expr": \[`, 'y');
/** A regular chain as nft prints it: nothing but its table, name and handle. */
const PLAIN_CHAIN = new RegExp(String.raw`\{"chain": \{"family": "([a-z0-9]+)", "table": "${JSON_STRING}", "name": "${JSON_STRING}", "handle": (0|[1-9]\d{0,14})\}\}[ \t\n\r]*`, 'y');
/** A counter statement's values, as nft prints them. */
const COUNTER_VALUES = /\{"counter": \{"packets": \d+, "bytes": \d+\}\}/g;
/** An xt compat statement's object: its key cannot occur unescaped inside a JSON string. */
const XT_KEY = '{"xt":';

/** A JSON string's body as its value (the body as it is when it holds no escape). */
function jsonStringBody(body: string): string {
  return body.includes('\\') ? (JSON.parse(`"${body}"`) as string) : body;
}

/**
 * How the model reads the ruleset: rules whose head is nft's own (RULE_HEAD) are kept as their place in the
 * text and made on first use, their notes then added to `lateNotes` (the host's notes). A kube-proxy node's
 * ruleset has 80k rules, and the checks read the few on the paths they ask about. Parsers without it read
 * every rule at once.
 */
export interface NftJsonOptions {
  lateNotes?: ParseNote[];
}

/** What makes a lazy rule's statements: the parser that kept it. */
interface RuleMaker {
  readonly input: ParseInput;
  makeLate(element: JsonValue, line: number, path: string): { statements: NftStatement[]; text: string };
}

/**
 * A rule of the JSON form made when first read (NftJsonOptions): its statements and text are parsed from
 * its element then. A malformed element is a DeferredParseError at the rule's line (see src/model/unreadable.ts).
 */
class LazyJsonRule implements NftRule {
  readonly #maker: RuleMaker;
  readonly #start: number;
  readonly #end: number;
  readonly #index: number;
  /** Where the statements' array starts. */
  readonly #expr: number;
  #made: { statements: NftStatement[]; text: string } | undefined;
  comment?: string;

  constructor(
    readonly line: number,
    readonly handle: number,
    comment: string | undefined,
    maker: RuleMaker,
    /** The element's offsets in the text, and its index in the nftables array. */
    start: number,
    end: number,
    index: number,
    expr: number,
  ) {
    if (comment !== undefined) this.comment = comment;
    this.#maker = maker;
    this.#start = start;
    this.#end = end;
    this.#index = index;
    this.#expr = expr;
  }

  get sourceKey(): string {
    const expr = this.#maker.input.text.slice(this.#expr, this.#end).replace(COUNTER_VALUES, '{"counter": {}}');
    return `${this.comment ?? ''}\u0000${expr}`;
  }

  get statements(): NftStatement[] {
    return this.#parts().statements;
  }

  get text(): string {
    return this.#parts().text;
  }

  /** Serialised as the rules the parser makes at once. */
  toJSON(): NftRule {
    const { line, handle, comment, text, statements } = this;
    return { line, text, statements, handle, ...(comment === undefined ? {} : { comment }) };
  }

  #parts(): { statements: NftStatement[]; text: string } {
    if (this.#made) return this.#made;
    const maker = this.#maker;
    const path = `/nftables/${this.#index}`;
    const where = { source: maker.input.source, line: this.line };
    if (nestsDeeper(maker.input.text, this.#start, this.#end, MAX_JSON_DEPTH - 2)) {
      throw new DeferredParseError(`invalid JSON at ${path}: nested deeper than ${MAX_JSON_DEPTH} levels`, where, RUN_NFT_JSON);
    }
    let el: JsonValue;
    try {
      el = JSON.parse(maker.input.text.slice(this.#start, this.#end)) as JsonValue;
    } catch (err) {
      const why = err instanceof Error ? err.message.replace(/ in JSON at position \d+.*$/s, '') : String(err);
      throw new DeferredParseError(`invalid JSON at ${path}: ${why}`, where, RUN_NFT_JSON);
    }
    this.#made = maker.makeLate(el, this.line, path);
    return this.#made;
  }
}

class NftJsonParser {
  private readonly notes: ParseNote[] = [];
  /** The next `{"xt":` at or after the current element (the text's length: none left). */
  private nextXt = -1;
  /** Makes the lazy rules' statements (see lazyRule). */
  private lateParser: NftJsonParser | undefined;
  private readonly tables = new Map<string, NftTable>();
  /** Each table's chains by name (the first listed of a name), for the rules that follow them. */
  private readonly chainsByName = new Map<NftTable, Map<string, NftTable['chains'][number]>>();
  /** The table of the last element: a table's sets, chains and rules are listed one after another. */
  private lastTable: { family: string; name: string; table: NftTable } | undefined;
  private line = 1;
  private path = '';

  constructor(
    readonly input: ParseInput,
    private readonly options: NftJsonOptions = {},
  ) {}

  parse(): Parsed<NftRuleset> {
    const text = this.input.text;
    const trimmed = text.replace(/^\ufeff/, '').trim();
    if (trimmed === '') return { value: { tables: [] }, notes: this.notes };
    if (!trimmed.startsWith('{')) {
      const firstLine = text.slice(0, text.search(/\S/)).split(/\r\n|\r|\n/).length;
      fail(this.input, 'not JSON: expected the output of `nft -j list ruleset`', firstLine, RUN_NFT_JSON);
    }
    // The model's lazy read takes nft's own layout at its word (nftPrintedElements); anything else is scanned.
    const printed = this.options.lateNotes === undefined ? undefined : nftPrintedElements(text);
    if (printed && this.elementsOneByOne(printed, true)) return { value: { tables: [...this.tables.values()] }, notes: this.notes };
    this.reset();
    const scan = scanElements(this.input);
    if (plainShape(text, scan) && this.elementsOneByOne(scan, false)) return { value: { tables: [...this.tables.values()] }, notes: this.notes };
    this.reset();
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

  private reset(): void {
    this.notes.length = 0;
    this.tables.clear();
    this.chainsByName.clear();
    this.lastTable = undefined;
    this.nextXt = -1;
  }

  /**
   * Each element parsed and read in turn; false when one is not JSON (the whole document then gives the
   * error). `unchecked`: the scan did not check the nesting (nftPrintedElements), each element parsed here is.
   */
  private elementsOneByOne(scan: ElementScan, unchecked: boolean): boolean {
    const text = this.input.text;
    const lazy = this.options.lateNotes !== undefined;
    for (let i = 0; i < scan.starts.length; i++) {
      if ((lazy && this.lazyRule(scan, i)) || this.plainChain(scan, i)) continue;
      if (unchecked && nestsDeeper(text, scan.starts[i]!, scan.ends[i]!, MAX_JSON_DEPTH - 2)) return false;
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

  /**
   * A rule element with nft's own head, kept as its place in the text: its statements and text are made when
   * first read. False (the element is then parsed now) for any other element, and for a rule holding an xt
   * statement (the table is then iptables-nft's, which the model must know before any rule is read).
   */
  private lazyRule(scan: ElementScan, i: number): boolean {
    const text = this.input.text;
    const start = scan.starts[i]!;
    const end = scan.ends[i]!;
    RULE_HEAD.lastIndex = start;
    const head = RULE_HEAD.exec(text);
    if (head === null || RULE_HEAD.lastIndex > end || !closesRule(text, end)) return false;
    if (this.nextXt < start) {
      this.nextXt = text.indexOf(XT_KEY, start);
      if (this.nextXt === -1) this.nextXt = text.length;
    }
    if (this.nextXt < end) return false;
    this.line = scan.lines[i] ?? 1;
    this.path = `/nftables/${i}`;
    const table = this.tableByName(head[1]!, jsonStringBody(head[2]!));
    if (table === undefined) return true;
    const chainName = jsonStringBody(head[3]!);
    const chain = this.chainsByName.get(table)!.get(chainName);
    if (chain === undefined) {
      this.note(`rule of chain ${chainName}, which is not listed before it; skipped`, DROPPED);
      return true;
    }
    const rule = new LazyJsonRule(this.line, Number(head[4]), head[5] === undefined ? undefined : jsonStringBody(head[5]), this, start, end, i, RULE_HEAD.lastIndex - 1);
    chain.rules.push(rule);
    return true;
  }

  /** A regular chain of nft's own form (PLAIN_CHAIN), read without parsing it as JSON; false for any other element. */
  private plainChain(scan: ElementScan, i: number): boolean {
    const text = this.input.text;
    PLAIN_CHAIN.lastIndex = scan.starts[i]!;
    const m = PLAIN_CHAIN.exec(text);
    if (m === null || PLAIN_CHAIN.lastIndex !== scan.ends[i]) return false;
    this.line = scan.lines[i] ?? 1;
    this.path = `/nftables/${i}`;
    const table = this.tableByName(m[1]!, jsonStringBody(m[2]!));
    if (table === undefined) return true;
    this.addChain(table, { name: jsonStringBody(m[3]!), line: this.line, text: `chain ${jsonStringBody(m[3]!)}`, rules: [], handle: Number(m[4]) });
    return true;
  }

  private addChain(table: NftTable, chain: NftTable['chains'][number]): void {
    table.chains.push(chain);
    const byName = this.chainsByName.get(table)!;
    if (!byName.has(chain.name)) byName.set(chain.name, chain);
  }

  /** A lazy rule's statements and text, from its element; its notes join the late ones. */
  makeLate(el: JsonValue, line: number, path: string): { statements: NftStatement[]; text: string } {
    const late = (this.lateParser ??= new NftJsonParser(this.input));
    late.notes.length = 0;
    late.line = line;
    late.path = path;
    const made = late.ruleParts(isJsonObject(el) && isJsonObject(el['rule']) ? el['rule'] : {});
    this.options.lateNotes!.push(...late.notes);
    return made;
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
      this.addChain(table, chain);
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
    return this.tableByName(str(body['family']) ?? '', str(body['table']) ?? str(body['name']) ?? '');
  }

  private tableByName(family: string, name: string): NftTable | undefined {
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
    const { statements, text } = this.ruleParts(body);
    const rule: NftRule = { line: this.line, text, statements };
    const handle = num(body['handle']);
    if (handle !== undefined) rule.handle = handle;
    const comment = str(body['comment']);
    if (comment !== undefined) rule.comment = comment;
    if (statements.some((s) => s.kind === 'xt')) table.managedBy = 'iptables-nft';
    chain.rules.push(rule);
  }

  /** A rule's statements and its one-line text. */
  private ruleParts(body: JsonObject): { statements: NftStatement[]; text: string } {
    const expr = body['expr'];
    const statements = Array.isArray(expr) ? expr.map((s) => this.statement(s)) : [];
    if (!Array.isArray(expr)) this.note('rule without "expr"; kept empty', DROPPED);
    return { statements, text: clip(renderRuleBody(statements, str(body['comment']))) };
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

export function parseNftJson(input: ParseInput, options: NftJsonOptions = {}): Parsed<NftRuleset> {
  return new NftJsonParser(input, options).parse();
}
