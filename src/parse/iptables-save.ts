/**
 * Parser for iptables-save / ip6tables-save output (with or without -c), every version seen in the wild
 * from v1.2.4 to v1.8.11 (legacy and nf_tables). One pass over the lines; every record keeps its line.
 */
import { clip, fail, splitLines, stripAnsi, ANSI_ESCAPE, type ParseInput, type ParseNote, type Parsed } from './common.js';
import type { IptChainDecl, IptCounters, IptRule, IptTable, IptTarget, IptablesSave } from './types.js';
import { RuleTokenizer } from './iptables-tokens.js';
import { RuleBodyParser } from './iptables-rule.js';
import { newChainDecl, newImplicitChainDecl, newRuleRecord, type RuleParts } from './iptables-records.js';
import { isGoto, LazyRuleRecord, RuleBodies, RuleColumns } from './iptables-lazy.js';
import { UNCLEAR } from './iptables-line-scan.js';
import { SharedParts } from './iptables-shared.js';
import { RUN_IPTABLES_SAVE, wrongFormatHint, wrongFormatOf } from './iptables-format.js';
import { TARGET_MODULES } from './iptables-targets.js';

/** What to do about a dump that iptables-restore would refuse as incomplete. */
const COLLECT_AGAIN = 'iptables-restore refuses such a dump: it was cut short or edited by hand; collect the whole output of `iptables-save -c` again';

/** `root@web-01:~# sudo iptables-save`, `[root@node1 ~]#`, `user@host $`: a shell prompt pasted with the output. */
const SHELL_PROMPT = /^(\[[^\]]*\]|[\w.-]+@[\w.-]+(:\S*)?)\s?[#$%>](\s|$)/;

const LINE_HINT = 'expected `*table`, `:CHAIN POLICY [packets:bytes]`, `-A CHAIN ...`, `COMMIT` or a `#` comment';

/** Lines of one kind of tolerated oddity: counted, noted once with the first line where it was seen. */
class Oddity {
  count = 0;
  first = 0;
  /** The first such line, for the note. */
  text = '';
  see(line: number): void {
    if (this.count++ === 0) this.first = line;
  }
}

/** A table being read. Its chains are known by number: their places in table.chains (declaration order, implicit ones at the end). */
interface OpenTable {
  table: IptTable;
  /** The lazy scan's rules of the table (its `rules` make every record when read). */
  columns: RuleColumns | undefined;
  /** The chains' numbers by name. */
  numbers: Map<string, number>;
  /** Per chain number: the rules seen so far (the next rule's position is one more). */
  ruleCounts: number[];
  /** Targets without options that are no declared chain so far nor a target module, with the first line naming each. */
  undeclaredJumps: Map<string, UndeclaredJump> | undefined;
  /** The last name checkJump saw in this table: runs of rules jumping to one name are checked once. */
  lastCheckedJump: string | undefined;
}

/** The first rule of a table that jumps to a name it has not declared; `text` when the rule was only scanned. */
interface UndeclaredJump {
  line: number;
  goto: boolean;
  /** The line, when the rule was only scanned: read in full before the jump is refused. */
  scanned: ScannedRule | undefined;
}

/** A rule line the lazy scan read, and where its words start (after counters and an X of X-A). */
interface ScannedRule {
  text: string;
  at: number;
  line: number;
}

class IptablesSaveParser {
  private readonly notes: ParseNote[] = [];
  private readonly result: IptablesSave = { family: 'unknown', tables: [], warnings: [] };
  private open: OpenTable | undefined;
  private readonly tableFirstLine = new Map<string, number>();
  private readonly whitespace = new Oddity();
  private readonly blank = new Oddity();
  private readonly spacing = new Oddity();
  private readonly xAppend = new Oddity();
  private readonly junkBefore = new Oddity();
  /** Every line before the first table was a shell prompt (with or without the command typed at it). */
  private onlyPromptsBefore = true;
  private readonly junkAfter = new Oddity();
  /**
   * The dump's lines joined by LF alone (CRs, a BOM and the final line break gone): lines are read as
   * slices of it, and rules whose records are made later are kept as offsets into it, so that a dump's
   * 150k lines are not all kept as strings.
   */
  private text = '';
  /** The number of the last line that was not empty: where a dump cut short ends. */
  private lastLine = 0;
  /** The last rule read by the lazy scan alone (its words from -A on), with its line. */
  /** The last rule read by the lazy scan alone: its line, where its words start, and its number. */
  private lastScannedText = '';
  private lastScannedAt = 0;
  private lastScannedLine = 0;
  private readonly shared = new SharedParts();
  private readonly tokenizer = new RuleTokenizer();
  private readonly body = new RuleBodyParser(this.shared);
  private sawIpv4 = false;
  private sawIpv6 = false;

  /** Set when rule bodies are left for later (scanIptablesSave): rules are checked now, their matches made on first use. */
  private readonly bodies: RuleBodies | undefined;
  /** For chainOf: the number of the chain of the last rule scanned (in the open table), -1 for none. */
  private lastChain = -1;
  /**
   * For jumpIndexOf: the last two target names looked up in the open table, and the chains they name
   * (a KUBE-SEP chain alternates KUBE-MARK-MASQ and DNAT).
   */
  private lastJumpName: string | undefined;
  private lastJumpIndex = -1;
  private otherJumpName: string | undefined;
  private otherJumpIndex = -1;

  constructor(
    private readonly input: ParseInput,
    lazy = false,
  ) {
    this.bodies = lazy ? new RuleBodies(input.source, this.shared) : undefined;
  }

  parse(): Parsed<IptablesSave> {
    if (this.readBody()) {
      const text = this.text;
      for (let start = 0, lineNo = 1; ; lineNo++) {
        const newline = text.indexOf('\n', start);
        const end = newline < 0 ? text.length : newline;
        this.parseLine(text.slice(start, end), lineNo, start);
        if (end > start) this.lastLine = lineNo;
        if (newline < 0) break;
        start = newline + 1;
      }
    }
    this.closeAtEnd();
    // Only shell prompts (the command typed at one, and the next) is a paste of a command that printed nothing.
    if (this.junkBefore.count > 0 && this.result.tables.length === 0 && !this.onlyPromptsBefore) {
      fail(this.input, `not iptables-save output (no *table line): ${clip(this.junkBefore.text)}`, this.junkBefore.first, RUN_IPTABLES_SAVE);
    }
    this.result.family = this.family();
    this.noteOddities();
    return { value: this.result, notes: this.notes };
  }

  /**
   * Set `text` to the input with ANSI colour removed and lines rejoined where a terminal wrapped them; false
   * for a text of no lines. CR damage is noted here, since splitLines hides it.
   */
  private readBody(): boolean {
    let text = this.input.text;
    if (text.includes('\u001b')) {
      const escapes = text.match(ANSI_ESCAPE)?.length ?? 0;
      if (escapes > 0) {
        text = stripAnsi(text);
        this.note(`${escapes} ANSI colour escape sequences removed (terminal capture)`);
      }
    }
    if (text.includes('\r')) {
      let crlf = 0;
      let loneCr = 0;
      for (let at = text.indexOf('\r'); at >= 0; at = text.indexOf('\r', at + 1)) {
        if (text.charCodeAt(at + 1) === 0x0a) crlf++;
        else loneCr++;
      }
      if (loneCr > 0) {
        this.note(`${loneCr} lone carriage returns (CR without LF) read as line breaks: the line endings were damaged`);
      }
      if (crlf > 0) this.note(`${crlf} lines end in CRLF (Windows line endings)`);
    }
    if (text.length === 0) return false;
    if (!text.includes('\r') && !text.includes(WRAP_CANDIDATE)) {
      // What splitLines would split, without making the array.
      const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
      this.text = text.slice(start, text.endsWith('\n') ? -1 : text.length);
      return true;
    }
    const lines = splitLines(text);
    const wrap = text.includes(WRAP_CANDIDATE) ? rejoinTerminalWraps(lines) : undefined;
    if (wrap) {
      this.note(
        `${wrap.count} lines were wrapped by a terminal at column ${wrap.width} and padded with ${wrap.padding} spaces; rejoined (first at line ${wrap.first})`,
        wrap.first,
      );
    }
    this.text = lines.join('\n');
    return lines.length > 0;
  }

  /**
   * Text pasted around the dump (a shell prompt, `ip addr` output) outside any table is skipped with a note;
   * before the first table a recognisable other format (iptables -L/-S, nft, HTML) is refused instead,
   * and a file with no table at all is not iptables-save output.
   */
  private skipPasted(line: string, lineNo: number): void {
    const before = this.result.tables.length === 0;
    if (before) {
      const given = wrongFormatOf(line);
      if (given !== undefined) this.refuse(`${given}, not iptables-save output`, lineNo, line, given);
    }
    const junk = before ? this.junkBefore : this.junkAfter;
    if (junk.count === 0) junk.text = line;
    junk.see(lineNo);
    if (before && !SHELL_PROMPT.test(line)) this.onlyPromptsBefore = false;
  }

  /** Line `lineNo`, which starts at `start` in `text`. */
  private parseLine(raw: string, lineNo: number, start: number): void {
    const line = raw.trim();
    if (line.length !== raw.length) this.whitespace.see(lineNo);
    if (line === '') {
      this.blank.see(lineNo);
      return;
    }
    const first = line.charCodeAt(0);
    if (first === 0x23 /* # */) return this.parseComment(line, lineNo);
    if (first === 0x2a /* * */) return this.startTable(line, lineNo);
    if (first === 0x3a /* : */) return this.declareChain(line, lineNo);
    if (first === 0x5b /* [ */ && !this.open && !COUNTER_PREFIX.test(line)) return this.skipPasted(line, lineNo);
    // A rule's record can be made from `text` later unless trimming changed its line.
    if (line.startsWith('-A') || line.startsWith('X-A') || first === 0x5b /* [ */) return this.parseRule(line, lineNo, line.length === raw.length ? start : -1);
    if (line === 'COMMIT') return this.commit(lineNo);
    if (this.result.tables.length === 0 && startsIptablesS(line)) {
      this.refuse('`iptables -S` output, not iptables-save output', lineNo, line, '`iptables -S` output');
    }
    if (!this.open) return this.skipPasted(line, lineNo);
    const given = wrongFormatOf(line);
    if (given !== undefined) this.refuse(`${given} inside table ${this.open.table.name}`, lineNo, line, given);
    fail(this.input, `unrecognised line in table ${this.open.table.name}: ${clip(line)}`, lineNo, LINE_HINT);
  }

  private parseComment(line: string, lineNo: number): void {
    if (line.startsWith('# Generated by ')) {
      if (this.result.generator === undefined) this.readGenerator(line, lineNo);
    } else if (line.startsWith('# Warning:')) {
      this.result.warnings.push({ line: lineNo, text: line });
    }
  }

  /** "# Generated by iptables-save v1.8.10 (nf_tables) on Tue ..." */
  private readGenerator(line: string, lineNo: number): void {
    const parts = line.slice('# Generated by '.length).split(' ');
    const program = parts[0];
    const version = parts[1];
    if (!program || !version?.startsWith('v') || version.length < 2) return;
    const generator: NonNullable<IptablesSave['generator']> = { program, version: version.slice(1), line: lineNo };
    const backend = parts[2];
    if (backend === '(nf_tables)') generator.backend = 'nf_tables';
    else if (backend === '(legacy)') generator.backend = 'legacy';
    this.result.generator = generator;
  }

  private startTable(line: string, lineNo: number): void {
    const name = line.slice(1).trim();
    if (name === '' || /\s/.test(name)) {
      fail(this.input, `bad table line: ${clip(line)}`, lineNo, 'expected `*filter`, `*nat`, `*mangle`, `*raw` or `*security`');
    }
    if (this.open) {
      fail(this.input, `table ${this.open.table.name} (line ${this.open.table.line}) has no COMMIT before *${name}`, lineNo, COLLECT_AGAIN);
    }
    const earlier = this.tableFirstLine.get(name);
    if (earlier !== undefined) {
      this.note(`table ${name} appears again (first at line ${earlier}); iptables-restore would keep only the last`, lineNo);
    } else {
      this.tableFirstLine.set(name, lineNo);
    }
    const chains: IptChainDecl[] = [];
    const columns = this.bodies === undefined ? undefined : new RuleColumns(this.bodies, name, this.text, chains, this.shared);
    const table = newTable(name, lineNo, chains, columns);
    this.result.tables.push(table);
    this.open = { table, columns, numbers: new Map(), ruleCounts: [], undeclaredJumps: undefined, lastCheckedJump: undefined };
    this.lastChain = -1;
    this.lastJumpName = undefined;
    this.otherJumpName = undefined;
  }

  /** ":NAME POLICY [packets:bytes]" (policy "-" for user chains; the counters may be missing in hand-written files). */
  private declareChain(line: string, lineNo: number): void {
    const open = this.requireTable(line, lineNo, 'chain declaration');
    const fields = chainFields(line);
    if (fields === undefined) {
      fail(this.input, `bad chain declaration: ${clip(line)}`, lineNo, 'expected `:NAME POLICY [packets:bytes]`');
    }
    const { name, policy, countersAt } = fields;
    const counters = countersAt < 0 ? undefined : this.readCounters(line, countersAt, line.length, lineNo);
    const decl = newChainDecl(name, policy === '-' ? null : this.shared.name(policy), counters, lineNo, line);
    const previous = open.numbers.get(name);
    if (previous !== undefined) {
      const first = open.table.chains[previous] as IptChainDecl;
      this.note(`chain ${name} declared again in table ${open.table.name} (first at line ${first.line}); the first declaration is kept`, lineNo);
      return;
    }
    this.addChain(open, decl);
  }

  /** A rule line; `start`: where it starts in `text`, -1 when it is not as `text` has it (trimmed). */
  private parseRule(line: string, lineNo: number, start: number): void {
    let at = 0;
    let counters: IptCounters | undefined;
    if (line.charCodeAt(0) === 0x5b /* [ */) {
      const close = line.indexOf(']');
      if (close < 0) this.badCounters(line.slice(0, 40), lineNo, line);
      counters = this.readCounters(line, 0, close + 1, lineNo);
      at = close + 1;
      while (line.charCodeAt(at) === 0x20 || line.charCodeAt(at) === 0x09) at++;
    }
    if (line.startsWith('X-A', at)) {
      this.xAppend.see(lineNo);
      at += 1;
    }
    if (!line.startsWith('-A', at)) {
      fail(this.input, `expected -A after the counters: ${clip(line)}`, lineNo, '`[packets:bytes] -A CHAIN ...`');
    }
    const open = this.requireTable(line, lineNo, 'rule');
    // Unless the header names the family, it comes from the rules' addresses: every rule is then read in full.
    if (this.bodies !== undefined && this.familyFromProgram() !== undefined && this.scanRule(open, line, lineNo, start, at, counters)) return;
    const tokens = this.tokenizer;
    const tokenError = tokens.tokenize(line, at);
    if (tokenError !== undefined) fail(this.input, `${tokenError} in rule: ${clip(line)}`, lineNo);
    const words = tokens.words;
    if (tokens.irregularSpacing) this.spacing.see(lineNo);
    if (words[0] !== '-A') fail(this.input, `unrecognised line: ${clip(line)}`, lineNo, LINE_HINT);
    const chain = words[1];
    if (chain === undefined || chain === '' || (!tokens.isQuoted(1) && (chain.startsWith('-') || chain === '!'))) {
      fail(this.input, `-A without a chain name: ${clip(line)}`, lineNo, '`-A CHAIN ...`');
    }
    const number = open.numbers.get(chain) ?? this.declareImplicitly(open, chain, lineNo, line);
    const body = this.body;
    const bodies = this.bodies;
    const error = body.parse(tokens, 2, counters, bodies === undefined);
    if (error !== undefined) fail(this.input, `${error}: ${clip(line)}`, lineNo);
    const position = ++(open.ruleCounts[number] as number);
    if (body.target !== undefined && body.target.options.length === 0) this.checkJump(open, body.target.name, body.target.goto, lineNo);
    this.observeFamily(body);
    const source = this.input.source;
    const table = open.table;
    const name = (table.chains[number] as IptChainDecl).name;
    this.addRule(
      open,
      number,
      bodies === undefined
        ? newRuleRecord(source, table.name, name, position, lineNo, line, body)
        : new LazyRuleRecord(bodies, table.name, name, position, lineNo, line, body.counters, body.target, UNCLEAR, false),
    );
  }

  /** The lazy scan's fast path (src/parse/iptables-lazy.ts); false when the line needs the full parse. */
  private scanRule(open: OpenTable, line: string, lineNo: number, start: number, at: number, counters: IptCounters | undefined): boolean {
    const bodies = this.bodies as RuleBodies;
    if (!bodies.quickScan(line, at)) return false;
    this.lastScannedText = line;
    this.lastScannedAt = at;
    this.lastScannedLine = lineNo;
    const number = this.chainOf(open, line, bodies.chainStart, bodies.chainEnd, lineNo);
    const position = ++(open.ruleCounts[number] as number);
    if (bodies.targetName !== undefined && !bodies.targetHasOptions) this.checkJump(open, bodies.targetName, isGoto(line, bodies.targetFlag), lineNo, line, at);
    const columns = open.columns as RuleColumns;
    // The columns take a rule's line from `text`: one that was trimmed is made now.
    if (start >= 0) columns.add(number, position, lineNo, start, line.length, counters, bodies.target, bodies.targetName, bodies.targetFlag, bodies.destinationFlag);
    else {
      const name = (open.table.chains[number] as IptChainDecl).name;
      columns.addMade(new LazyRuleRecord(bodies, open.table.name, name, position, lineNo, line, counters, bodies.scannedTarget(line), bodies.destinationFlag, true));
    }
    this.addToIndex(open, number, bodies.targetName);
    return true;
  }

  /**
   * The number of the chain named by line[start..end), found without a slice when it can be: rules come in
   * runs of one chain, and iptables-save prints the runs in the order it declared the chains, so the chain
   * is the last rule's or, nearly always, the next declared one.
   */
  private chainOf(open: OpenTable, line: string, start: number, end: number, lineNo: number): number {
    const chains = open.table.chains;
    const last = this.lastChain;
    if (last >= 0 && isNamedAt((chains[last] as IptChainDecl).name, line, start, end)) return last;
    const next = last + 1;
    if (next < chains.length && isNamedAt((chains[next] as IptChainDecl).name, line, start, end)) {
      this.lastChain = next;
      return next;
    }
    const name = line.slice(start, end);
    const number = open.numbers.get(name) ?? this.declareImplicitly(open, name, lineNo, line);
    this.lastChain = number;
    return number;
  }

  /** Add a chain to the open table; returns its number. */
  private addChain(open: OpenTable, decl: IptChainDecl): number {
    const number = open.table.chains.length;
    open.numbers.set(decl.name, number);
    open.table.chains.push(decl);
    open.ruleCounts.push(0);
    // A rule before this declaration may have named this chain as its target and been given -1.
    if ((open.columns ? open.columns.count : open.table.rules.length) > 0) delete open.table.index;
    return number;
  }

  /** Add a made rule of chain number `chain` to the open table. */
  private addRule(open: OpenTable, chain: number, rule: IptRule): void {
    if (open.columns) open.columns.addMade(rule as LazyRuleRecord);
    else open.table.rules.push(rule);
    this.addToIndex(open, chain, rule.target?.name);
  }

  /** Note the chain (by number) of a rule added to the open table, and the chain its target `name` names. */
  private addToIndex(open: OpenTable, chain: number, name: string | undefined): void {
    const index = open.table.index;
    if (index === undefined) return;
    index.chain.push(chain);
    index.jump.push(this.jumpIndexOf(open, name));
  }

  /** The index of the declared chain a target called `name` names, -1 for none. */
  private jumpIndexOf(open: OpenTable, name: string | undefined): number {
    if (name === undefined) return -1;
    if (name === this.lastJumpName) return this.lastJumpIndex;
    if (name === this.otherJumpName) {
      this.otherJumpName = this.lastJumpName;
      this.lastJumpName = name;
      const index = this.otherJumpIndex;
      this.otherJumpIndex = this.lastJumpIndex;
      this.lastJumpIndex = index;
      return index;
    }
    const index = open.numbers.get(name) ?? -1;
    this.otherJumpName = this.lastJumpName;
    this.otherJumpIndex = this.lastJumpIndex;
    this.lastJumpName = name;
    this.lastJumpIndex = index;
    return index;
  }

  /** Declare a chain that has rules but no declaration; returns its number. */
  private declareImplicitly(open: OpenTable, chain: string, lineNo: number, line: string): number {
    const number = this.addChain(open, newImplicitChainDecl(chain, BUILTIN_CHAINS.has(chain), lineNo, line));
    this.note(`chain ${chain} in table ${open.table.name} has rules but was never declared; declared implicitly (policy unknown)`, lineNo);
    return number;
  }

  /**
   * Note a jump (line `lineNo`) to `name`, a target without options, unless it names a declared chain or a
   * target module; the table's COMMIT refuses the names still undeclared then.
   */
  private checkJump(open: OpenTable, name: string, goto: boolean, lineNo: number, scannedText?: string, scannedAt = 0): void {
    if (name === open.lastCheckedJump) return;
    open.lastCheckedJump = name;
    if (open.numbers.has(name) || TARGET_MODULES.has(name)) return;
    open.undeclaredJumps ??= new Map();
    if (!open.undeclaredJumps.has(name)) {
      open.undeclaredJumps.set(name, { line: lineNo, goto, scanned: scannedText === undefined ? undefined : { text: scannedText, at: scannedAt, line: lineNo } });
    }
  }

  private commit(lineNo: number): void {
    if (!this.open) fail(this.input, 'COMMIT outside any *table', lineNo, LINE_HINT);
    const open = this.open;
    for (const [name, jump] of open.undeclaredJumps ?? []) {
      if (open.numbers.has(name)) continue;
      // A rule only scanned may hold an earlier fault of its own: the full parse would have stopped there.
      if (jump.scanned !== undefined) this.readInFull(jump.scanned);
      const flag = jump.goto ? '-g' : '-j';
      fail(this.input, `${flag} ${name} jumps to a chain that table ${open.table.name} does not declare (and no iptables target has that name)`, jump.line, COLLECT_AGAIN);
    }
    open.table.commitLine = lineNo;
    this.open = undefined;
  }

  /** Tokenize and parse a scanned rule's words (from its -A) in full, failing as parseRule would. */
  private readInFull(rule: ScannedRule): void {
    const tokenError = this.tokenizer.tokenize(rule.text, rule.at);
    if (tokenError !== undefined) fail(this.input, `${tokenError} in rule: ${clip(rule.text)}`, rule.line);
    const error = this.body.parse(this.tokenizer, 2, undefined, true);
    if (error !== undefined) fail(this.input, `${error}: ${clip(rule.text)}`, rule.line);
  }

  private closeAtEnd(): void {
    if (!this.open) return;
    // The last line may be a rule cut in the middle: the full parse stops at its own fault first.
    if (this.lastScannedLine === this.lastLine && this.lastLine > 0) this.readInFull({ text: this.lastScannedText, at: this.lastScannedAt, line: this.lastLine });
    fail(this.input, `table ${this.open.table.name} (line ${this.open.table.line}) ends without COMMIT`, this.lastLine, COLLECT_AGAIN);
  }

  private requireTable(line: string, lineNo: number, what: string): OpenTable {
    if (this.open) return this.open;
    if (this.result.tables.length > 0) {
      return fail(this.input, `${what} after COMMIT, outside any *table: ${clip(line)}`, lineNo, LINE_HINT);
    }
    const hint = this.tableFollows(lineNo) ? LINE_HINT : RUN_IPTABLES_SAVE;
    return fail(this.input, `${what} before any *table: ${clip(line)}`, lineNo, hint);
  }

  /** Whether a `*table` line comes after this one (only asked on the way to an error). */
  private tableFollows(lineNo: number): boolean {
    return this.text.split('\n').slice(lineNo).some((line) => line.trimStart().startsWith('*'));
  }

  /** "[packets:bytes]" at line[from..to). */
  private readCounters(line: string, from: number, to: number, lineNo: number): IptCounters {
    const counters = parseCounterText(line, from, to, this.shared);
    if (counters === undefined) this.badCounters(line.slice(from, to), lineNo, line);
    if (!Number.isSafeInteger(counters.packets) || !Number.isSafeInteger(counters.bytes)) {
      this.note(`counter ${line.slice(from, to)} exceeds 2^53 and is rounded`, lineNo);
    }
    return counters;
  }

  private badCounters(text: string, lineNo: number, line: string): never {
    return fail(this.input, `bad counters ${JSON.stringify(clip(text, 40))}: ${clip(line)}`, lineNo, 'counters are `[packets:bytes]`, two whole numbers');
  }

  private refuse(message: string, lineNo: number, line: string, given: string): never {
    return fail(this.input, `${message}: ${clip(line)}`, lineNo, wrongFormatHint(given));
  }

  private observeFamily(body: RuleParts): void {
    if (body.source) this.observeAddress(body.source.value);
    if (body.destination) this.observeAddress(body.destination.value);
    const protocol = body.protocol?.value.toLowerCase();
    if (protocol === 'ipv6-icmp' || protocol === 'icmpv6' || protocol === 'icmp6') this.sawIpv6 = true;
    else if (protocol === 'icmp') this.sawIpv4 = true;
    if (this.body.icmp6Match) this.sawIpv6 = true;
  }

  private observeAddress(address: string): void {
    if (address.includes(':')) this.sawIpv6 = true;
    else if (address.includes('.')) this.sawIpv4 = true;
  }

  /** The family the `# Generated by` program names, if it does. */
  private familyFromProgram(): IptablesSave['family'] | undefined {
    const program = this.result.generator?.program ?? '';
    if (program.startsWith('ip6tables')) return 'ipv6';
    if (program.startsWith('iptables')) return 'ipv4';
    return undefined;
  }

  private family(): IptablesSave['family'] {
    const named = this.familyFromProgram();
    if (named !== undefined) return named;
    if (this.sawIpv6 && this.sawIpv4) {
      this.note('rules use both IPv4 and IPv6 addresses: address family unknown');
      return 'unknown';
    }
    if (this.sawIpv6) return 'ipv6';
    if (this.sawIpv4) return 'ipv4';
    return 'unknown';
  }

  private noteOddities(): void {
    const pasted = (o: Oddity, where: string): void => {
      if (o.count === 0) return;
      const given = wrongFormatOf(o.text);
      const kind = given ? `, looks like ${given}` : '';
      this.note(`${o.count} line${o.count > 1 ? 's' : ''} ${where} skipped as pasted text (first at line ${o.first}${kind}: ${JSON.stringify(clip(o.text, 80))})`, o.first);
    };
    pasted(this.junkBefore, 'before the first *table');
    pasted(this.junkAfter, 'outside any table after COMMIT');
    const summary = (o: Oddity, what: string): void => {
      if (o.count > 0) this.note(`${o.count} ${what} (first at line ${o.first})`, o.first);
    };
    summary(this.whitespace, 'lines with leading or trailing whitespace, ignored');
    summary(this.blank, 'blank lines, ignored');
    summary(this.spacing, 'rule lines with repeated spaces or tabs between words, read as single spaces');
    summary(this.xAppend, 'rule lines start with "X-A" instead of "-A" (edited by hand; iptables-restore would reject them), read as -A');
  }

  private note(message: string, line?: number): void {
    this.notes.push(line === undefined ? { source: this.input.source, message } : { source: this.input.source, line, message });
  }
}

/**
 * A table as the parse result holds it. With the lazy scan's columns, `rules` makes every record when read
 * and `lazy` (not enumerable, so that the two parses serialise alike) hands them out one by one.
 */
function newTable(name: string, line: number, chains: IptChainDecl[], columns: RuleColumns | undefined): IptTable {
  if (columns === undefined) return { name, line, chains, rules: [], index: { chain: [], jump: [] } };
  const table = { name, line, chains } as unknown as IptTable;
  Object.defineProperty(table, 'rules', { get: () => columns.all(), enumerable: true, configurable: true });
  table.index = { chain: [], jump: [] };
  Object.defineProperty(table, 'lazy', { value: columns, enumerable: false, configurable: true });
  return table;
}

/** "[12:345]" at text[from..to), digits only; undefined when it is anything else. */
function parseCounterText(text: string, from: number, to: number, shared: SharedParts): IptCounters | undefined {
  if (text.charCodeAt(from) !== 0x5b || text.charCodeAt(to - 1) !== 0x5d) return undefined;
  let packets = 0;
  let bytes = 0;
  let digits = 0;
  let colon = -1;
  for (let k = from + 1; k < to - 1; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x3a && colon < 0 && digits > 0) {
      colon = k;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 20) {
      if (colon < 0) packets = packets * 10 + (c - 0x30);
      else bytes = bytes * 10 + (c - 0x30);
      digits++;
    } else {
      return undefined;
    }
  }
  return colon < 0 || digits === 0 ? undefined : shared.counters(packets, bytes);
}

/** "[12:345] -A": only used to tell a counter prefix from a pasted "[root@host ~]#" prompt outside a table. */
const COUNTER_PREFIX = /^\[\d+:\d+\][ \t]/;

const WRAP_PADDING_MIN = 20;
/** Narrower "terminals" are more likely indentation or a table layout than wrapping. */
const WRAP_WIDTH_MIN = 40;
const WRAP_CANDIDATE = ' '.repeat(WRAP_PADDING_MIN);

/**
 * Text copied from a terminal window sometimes keeps the window's wrapping: a long line is cut at the
 * terminal width W and the rest of that screen row is filled with P spaces (seen in a forum paste:
 * "-j ACC<123 spaces>EPT"). iptables-save never prints a run of blanks outside quotes, so when lines
 * have such runs at one column, cut out exactly [kW, kW+P) and keep the spaces that were real.
 * Lines are changed in place.
 */
function rejoinTerminalWraps(lines: string[]): { count: number; width: number; padding: number; first: number } | undefined {
  const starts = new Map<number, number>();
  const lengths = new Map<number, number>();
  const candidates: number[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const at = line.indexOf(WRAP_CANDIDATE);
    if (at < WRAP_WIDTH_MIN) continue;
    const end = skipSpaces(line, at);
    if (end >= line.length || countQuotes(line, at) % 2 === 1) continue;
    candidates.push(index);
    starts.set(at, (starts.get(at) ?? 0) + 1);
    lengths.set(end - at, (lengths.get(end - at) ?? 0) + 1);
  }
  if (candidates.length === 0) return undefined;
  const width = mostFrequent(starts);
  const padding = mostFrequent(lengths);
  let count = 0;
  let first = 0;
  for (const index of candidates) {
    const line = lines[index]!;
    const pieces: string[] = [];
    let kept = 0;
    // Cut k sits at k*width + (k-1)*padding in the damaged line; stop at the first place that is not padding.
    for (let cut = width; cut + padding < line.length; cut += padding + width) {
      if (skipSpaces(line, cut) < cut + padding || skipSpaces(line, cut + padding) >= line.length) break;
      pieces.push(line.slice(kept, cut));
      kept = cut + padding;
    }
    if (pieces.length === 0) continue;
    pieces.push(line.slice(kept));
    lines[index] = pieces.join('');
    if (count++ === 0) first = index + 1;
  }
  return count > 0 ? { count, width, padding, first } : undefined;
}

/** The index of the first character at or after `from` that is not a space. */
function skipSpaces(line: string, from: number): number {
  let k = from;
  while (line.charCodeAt(k) === 0x20) k++;
  return k;
}

function countQuotes(line: string, end: number): number {
  let n = 0;
  for (let k = line.indexOf('"'); k >= 0 && k < end; k = line.indexOf('"', k + 1)) n++;
  return n;
}

function mostFrequent(counts: Map<number, number>): number {
  let best = 0;
  let bestCount = -1;
  for (const [value, count] of counts) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

/**
 * The words of ":NAME POLICY [packets:bytes]" (the counters may be missing in hand-written files), the
 * counters as where they start in the line (-1 without); undefined when the name or policy is missing or
 * there are more words.
 */
function chainFields(line: string): { name: string; policy: string; countersAt: number } | undefined {
  if (line.includes('\t') || line.includes('  ')) {
    const parts = line.slice(1).split(/[ \t]+/);
    const [name, policy, counterText] = parts;
    if (!name || !policy || parts.length > 3) return undefined;
    // The line is trimmed: the counters, when there, end it.
    return { name, policy, countersAt: counterText === undefined ? -1 : line.length - counterText.length };
  }
  const nameEnd = line.indexOf(' ', 1);
  if (nameEnd <= 1) return undefined;
  const policyEnd = line.indexOf(' ', nameEnd + 1);
  const policy = policyEnd < 0 ? line.slice(nameEnd + 1) : line.slice(nameEnd + 1, policyEnd);
  if (policy === '' || (policyEnd >= 0 && line.indexOf(' ', policyEnd + 1) >= 0)) return undefined;
  return { name: line.slice(1, nameEnd), policy, countersAt: policyEnd < 0 ? -1 : policyEnd + 1 };
}

/** Whether line[start..end) is `name`. */
function isNamedAt(name: string, line: string, start: number, end: number): boolean {
  return name.length === end - start && line.startsWith(name, start);
}

const BUILTIN_CHAINS: ReadonlySet<string> = new Set(['INPUT', 'FORWARD', 'OUTPUT', 'PREROUTING', 'POSTROUTING']);

function startsIptablesS(line: string): boolean {
  return line.startsWith('-P ') || line.startsWith('-N ');
}

/** Parse iptables-save / ip6tables-save output. Throws ParseError (located) for what is not iptables-save text. */
export function parseIptablesSave(input: ParseInput): Parsed<IptablesSave> {
  return new IptablesSaveParser(input).parse();
}

/**
 * The same result, checked as strictly (every error and note is the same), but each rule's matches and
 * built-in values (-p -s -d -i -o -f, comment) are made on first use; counters, target and text at once.
 * A Kubernetes node's 100k+ rules are mostly never looked at by any check: this is what the model uses.
 */
export function scanIptablesSave(input: ParseInput): Parsed<IptablesSave> {
  return new IptablesSaveParser(input, true).parse();
}
