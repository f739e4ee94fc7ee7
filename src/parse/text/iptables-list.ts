/**
 * The list form of one table: `iptables -vnL`, `-vnxL`, `-t TABLE -nvL`, with or without `--line-numbers`
 * and `-v` (ip6tables alike), into the ruleset records parseIptablesSave makes. The table's name comes from
 * the caller (the file name: iptables-L-nat.txt). Where the list form is not exact, the record says so:
 * extension text it cannot read back is kept in a `list-text` match (the rule can then only "maybe"
 * match), abbreviated counters (`12K`, without -x) are left out with a note, and `listForm` marks the whole.
 */
import { clip, fail, type ParseInput, type ParseNote, type Parsed } from '../common.js';
import { newChainDecl, newRuleRecord } from '../iptables-records.js';
import type { IptChainDecl, IptCounters, IptRule, IptTable, IptValue, IptablesSave } from '../types.js';
import { readExtensionText } from './iptables-list-extensions.js';
import { readPaste, type PasteLine } from './paste.js';

export interface IptablesList extends IptablesSave {
  /** Parsed from `iptables -L` text, not iptables-save: interfaces and match details may be missing (see `list-text` matches). */
  listForm: true;
}

export interface IptablesListOptions {
  /** The table the listing is of (`iptables -t nat -L`). */
  table: string;
  family: 4 | 6;
}

const EXPECTED = 'expected the output of `iptables -vnxL` (`Chain NAME (policy ...)` lines, a column header, and rule lines)';
const CHAIN = /^Chain (\S+) \((?:policy (\S+)(?: (\S+) packets, (\S+) bytes)?|(\d+) references?)\)$/;
const OPT = /^(--|-f|!f)$/;

/** Protocol numbers as iptables-save names them (iptables-nft -L prints numbers, iptables-save names). */
const PROTOCOL_NAMES: Record<string, string> = {
  '1': 'icmp', '2': 'igmp', '4': 'ipencap', '6': 'tcp', '17': 'udp', '33': 'dccp', '41': 'ipv6', '47': 'gre',
  '50': 'esp', '51': 'ah', '58': 'ipv6-icmp', '89': 'ospf', '103': 'pim', '112': 'vrrp', '115': 'l2tp', '132': 'sctp', '135': 'mh', '136': 'udplite',
};

interface Layout {
  numbers: boolean;
  counters: boolean;
  interfaces: boolean;
  /** Where the target column starts: a rule with no target has only spaces there. */
  targetColumn: number;
}

interface Word {
  text: string;
  at: number;
}

function wordsAt(text: string): Word[] {
  return [...text.matchAll(/\S+/g)].map((m) => ({ text: m[0], at: m.index }));
}

export function parseIptablesList(input: ParseInput, options: IptablesListOptions): Parsed<IptablesList> {
  return new ListParser(input, options).parse();
}

class ListParser {
  private readonly notes: ParseNote[];
  private readonly lines: PasteLine[];
  private readonly chains: IptChainDecl[] = [];
  private readonly rules: IptRule[] = [];
  private chain: IptChainDecl | undefined;
  private layout: Layout | undefined;
  private position = 0;
  private abbreviated = 0;
  private firstAbbreviated = 0;

  constructor(
    private readonly input: ParseInput,
    private readonly options: IptablesListOptions,
  ) {
    const paste = readPaste(input);
    this.notes = paste.notes;
    this.lines = paste.lines;
  }

  parse(): Parsed<IptablesList> {
    for (const l of this.lines) this.readLine(l);
    const first = this.lines[0];
    const last = this.lines[this.lines.length - 1];
    const table: IptTable = { name: this.options.table, line: first?.line ?? 1, chains: this.chains, rules: this.rules, index: this.index() };
    // The list form has no COMMIT: a listing read to its end counts as complete.
    if (last) table.commitLine = last.line;
    if (this.abbreviated > 0) {
      this.notes.push({
        source: this.input.source,
        line: this.firstAbbreviated,
        message: `${this.abbreviated} counters abbreviated (K, M, G: \`iptables -L\` without -x) left out; list with \`-vnxL\` for exact counters`,
      });
    }
    const value: IptablesList = { family: this.options.family === 6 ? 'ipv6' : 'ipv4', tables: this.chains.length > 0 ? [table] : [], warnings: [], listForm: true };
    return { value, notes: this.notes };
  }

  private readLine(l: PasteLine): void {
    const text = l.text;
    if (text.startsWith('Chain ')) return this.readChain(l);
    const trimmed = text.trim();
    if (/^(num\s+)?(pkts\s+bytes\s+)?target\s+prot\s+opt\s/.test(trimmed)) return this.readHeader(l);
    if (!this.chain) fail(this.input, `not \`iptables -L\` output (no \`Chain\` line before): ${clip(text)}`, l.line, EXPECTED);
    if (!this.layout) fail(this.input, `rule before the column header of chain ${this.chain.name}: ${clip(text)}`, l.line, EXPECTED);
    this.readRule(l, this.layout, this.chain);
  }

  private readChain(l: PasteLine): void {
    const m = CHAIN.exec(l.text.trim());
    if (!m) fail(this.input, `bad chain line: ${clip(l.text)}`, l.line, 'expected `Chain NAME (policy ACCEPT 0 packets, 0 bytes)` or `Chain NAME (2 references)`');
    const name = m[1] as string;
    if (this.chains.some((c) => c.name === name)) fail(this.input, `chain ${name} listed twice`, l.line, EXPECTED);
    const policy = m[2];
    const counters = policy !== undefined && m[3] !== undefined ? this.counters(m[3], m[4] as string, l) : undefined;
    this.chain = newChainDecl(name, policy ?? null, counters, l.line, l.text.trim());
    this.chains.push(this.chain);
    this.layout = undefined;
    this.position = 0;
  }

  private readHeader(l: PasteLine): void {
    if (!this.chain) fail(this.input, `column header before any \`Chain\` line: ${clip(l.text)}`, l.line, EXPECTED);
    const w = l.text.trim().split(/\s+/);
    this.layout = { numbers: w[0] === 'num', counters: w.includes('pkts'), interfaces: w.includes('in'), targetColumn: l.text.indexOf('target') };
  }

  private readRule(l: PasteLine, layout: Layout, chain: IptChainDecl): void {
    const text = l.text;
    const w = wordsAt(text);
    const bad = (what: string): never => fail(this.input, `${what}: ${clip(text)}`, l.line, EXPECTED);
    let i = 0;
    const position = this.position + 1;
    if (layout.numbers) {
      if (w[i]?.text !== String(position)) bad(`rule number ${JSON.stringify(w[i]?.text ?? '')} where ${position} was expected`);
      i++;
    }
    let counters: IptCounters | undefined;
    if (layout.counters) {
      const packets = w[i++];
      const bytes = w[i++];
      if (packets === undefined || bytes === undefined) return bad('rule without its counters');
      counters = this.counters(packets.text, bytes.text, l);
    }
    // A rule without -j has nothing in the target column.
    const noTarget = OPT.test(w[i + 1]?.text ?? '') || (w[i] !== undefined && w[i]!.at > layout.targetColumn + 1 && !OPT.test(w[i + 2]?.text ?? ''));
    const target = noTarget ? undefined : w[i++]?.text;
    const protocol = w[i++]?.text;
    if (protocol === undefined) return bad('rule without its protocol');
    let fragment: { negated: boolean } | undefined;
    if (OPT.test(w[i]?.text ?? '')) {
      const opt = w[i++]!.text;
      if (opt !== '--') fragment = { negated: opt === '!f' };
    }
    let inInterface: IptValue | undefined;
    let outInterface: IptValue | undefined;
    if (layout.interfaces) {
      inInterface = interfaceOf(w[i++]?.text);
      outInterface = interfaceOf(w[i++]?.text);
    }
    const sourceWord = w[i++];
    const destinationWord = w[i++];
    if (sourceWord === undefined || destinationWord === undefined) return bad('rule without its source and destination');
    const extension = text.slice(destinationWord.at + destinationWord.text.length).trim();
    const source = this.addressOf(sourceWord.text);
    const destination = this.addressOf(destinationWord.text);
    const parts = readExtensionText(extension, target);
    const unresolved = [source, destination].filter((a) => a !== undefined && !isAddress(a.value));
    if (unresolved.length > 0 && parts.unparsed === undefined) {
      // Host names (`iptables -L` without -n) are not addresses the engine can compare.
      parts.matches.push({ module: 'list-text', implicit: false, options: [{ name: 'text', args: [unresolved.map((a) => a!.value).join(' ')], negated: false }] });
    }
    this.position = position;
    this.rules.push(
      newRuleRecord(this.input.source, this.options.table, chain.name, position, l.line, text.trim(), {
        counters,
        protocol: protocolOf(protocol),
        source,
        destination,
        inInterface,
        outInterface,
        fragment,
        matches: parts.matches,
        target: target === undefined ? undefined : { name: target, goto: false, options: parts.targetOptions },
        comment: parts.comment,
      }),
    );
  }

  /** `0.0.0.0/0` and `::/0` (and `anywhere` without -n) are no address match; a bare address is a host prefix. */
  private addressOf(text: string): IptValue | undefined {
    const negated = text.startsWith('!');
    const value = negated ? text.slice(1) : text;
    if (!negated && (value === '0.0.0.0/0' || value === '::/0' || value === 'anywhere')) return undefined;
    const host = this.options.family === 6 ? '/128' : '/32';
    return { value: isAddress(value) && !value.includes('/') ? value + host : value, negated };
  }

  private counters(packets: string, bytes: string, l: PasteLine): IptCounters | undefined {
    const exact = /^\d{1,20}$/;
    if (exact.test(packets) && exact.test(bytes)) return { packets: Number(packets), bytes: Number(bytes) };
    const short = /^\d{1,20}[KMGTPE]$/;
    if ((exact.test(packets) || short.test(packets)) && (exact.test(bytes) || short.test(bytes))) {
      if (this.abbreviated++ === 0) this.firstAbbreviated = l.line;
      return undefined;
    }
    return fail(this.input, `bad counters ${JSON.stringify(`${packets} ${bytes}`)}: ${clip(l.text)}`, l.line, EXPECTED);
  }

  /** Which chain each rule is in and which chain its target names, as parseIptablesSave gives it. */
  private index(): NonNullable<IptTable['index']> {
    const numbers = new Map(this.chains.map((c, i) => [c.name, i]));
    return {
      chain: this.rules.map((r) => numbers.get(r.chain) ?? -1),
      jump: this.rules.map((r) => (r.target === undefined ? -1 : (numbers.get(r.target.name) ?? -1))),
    };
  }
}

function isAddress(text: string): boolean {
  return /^[0-9a-fA-F:.]+(\/[0-9.]+)?$/.test(text) && /[.:]/.test(text);
}

function interfaceOf(text: string | undefined): IptValue | undefined {
  if (text === undefined || text === '*') return undefined;
  return text.startsWith('!') ? { value: text.slice(1), negated: true } : { value: text, negated: false };
}

function protocolOf(text: string): IptValue | undefined {
  const negated = text.startsWith('!');
  const name = negated ? text.slice(1) : text;
  if (name === '0' || name === 'all') return negated ? { value: 'all', negated } : undefined;
  return { value: Object.hasOwn(PROTOCOL_NAMES, name) ? (PROTOCOL_NAMES[name] as string) : name, negated };
}
