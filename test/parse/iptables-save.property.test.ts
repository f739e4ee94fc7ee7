/**
 * Properties of the parser and renderer:
 * - a generated ruleset, spelled in any of the ways iptables-save versions print it (old and new negation,
 *   short and long flags, implicit protocol matches, quoted and bare words, counters or not), parses to
 *   the records it was generated from, and parse → render → parse gives the same records again;
 * - arbitrary text and bytes never make the parser throw anything but a located ParseError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { renderIptablesSave } from '../../src/parse/iptables-render.js';
import { TARGET_MODULES } from '../../src/parse/iptables-targets.js';
import type { IptChainDecl, IptCounters, IptMatch, IptOption, IptRule, IptRuleIndex, IptTable, IptTarget, IptValue } from '../../src/parse/types.js';
import { dump, expectScanAgrees, parse, SOURCE, withoutPositions } from './iptables-helpers.js';

const BUILTIN_CHAINS = ['INPUT', 'FORWARD', 'OUTPUT', 'PREROUTING', 'POSTROUTING'];
/** Long flags of the rule itself, which an option of a match or target cannot be called. */
const RESERVED_OPTIONS = new Set(['source', 'src', 'destination', 'dst', 'in-interface', 'out-interface', 'protocol', 'fragment', 'match', 'jump', 'goto', 'set-counters']);
/** Options that always take the next word: generated only with their one argument. */
const FREE_TEXT = new Set(['comment', 'log-prefix', 'nflog-prefix', 'ulog-prefix', 'string', 'hex-string']);
const IMPLICIT_MODULE: Record<string, string> = { tcp: 'tcp', udp: 'udp', sctp: 'sctp', icmp: 'icmp', 'ipv6-icmp': 'icmp6', '6': 'tcp', '17': 'udp' };

/* ---------- words ---------- */

const lower = 'abcdefghijklmnopqrstuvwxyz';
const wordChars = `${lower}${lower.toUpperCase()}0123456789_`;
const ident = (first: string, rest: string, max: number): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom(...first), fc.string({ unit: fc.constantFrom(...rest), maxLength: max })).map(([a, b]) => a + b);

const chainName = ident(lower.toUpperCase(), `${wordChars}-`, 12);
const moduleName = ident(lower, `${lower}0-9_`, 10).filter((m) => m !== 'comment');
const optionName = ident(lower, `${lower}0123456789-`, 14).filter((o) => !RESERVED_OPTIONS.has(o) && !FREE_TEXT.has(o));
const interfaceName = ident(lower, `${lower}0123456789.+-`, 10);

/** Free text as comments hold: spaces, quotes, backslashes, "!", ";", ":", "->", a little Unicode. */
const freeText = fc.string({
  unit: fc.constantFrom(...`${wordChars} !;:->"'\\/.,*#[]{}()=`.split(''), 'é', '→', '\t'),
  maxLength: 30,
});
/** Arguments: mostly plain values, sometimes free text (which then needs quotes). */
const argument = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...`${wordChars}.:,/-`.split('')), minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: freeText },
);

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const address = fc.oneof(
  fc.tuple(ipv4, fc.nat(32)).map(([a, p]) => `${a}/${p}`),
  ipv4,
  fc.tuple(ipv4, ipv4).map(([a, m]) => `${a}/${m}`),
  fc.tuple(fc.nat(0xffff), fc.nat(128)).map(([h, p]) => `fd00:${h.toString(16)}::1/${p}`),
);
const protocol = fc.constantFrom('tcp', 'udp', 'icmp', 'sctp', 'all', 'ipv6-icmp', 'gre', '6', '17');
const counters: fc.Arbitrary<IptCounters> = fc.record({ packets: fc.nat(1e12), bytes: fc.nat(3e13) });

/* ---------- records ---------- */

const value = (v: fc.Arbitrary<string>): fc.Arbitrary<IptValue> => fc.record({ value: v, negated: fc.boolean() });
const option: fc.Arbitrary<IptOption> = fc.record({ name: optionName, args: fc.array(argument, { maxLength: 3 }), negated: fc.boolean() });
const options = fc.array(option, { maxLength: 3 });
const match: fc.Arbitrary<IptMatch> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ module: moduleName, implicit: fc.constant(false), options }) },
  {
    weight: 1,
    arbitrary: freeText.map((text) => ({ module: 'comment', implicit: false, options: [{ name: 'comment', args: [text], negated: false }] })),
  },
);
const target: fc.Arbitrary<IptTarget> = fc.oneof(
  fc.record({ name: fc.oneof(chainName, fc.constantFrom('ACCEPT', 'DROP', 'RETURN', 'DNAT', 'MASQUERADE')), goto: fc.boolean(), options }),
  fc.record({
    name: fc.constant('LOG'),
    goto: fc.constant(false),
    options: fc.tuple(freeText, fc.boolean()).map(([prefix, level]) => [
      { name: 'log-prefix', args: [prefix], negated: false },
      ...(level ? [{ name: 'log-level', args: ['4'], negated: false }] : []),
    ]),
  }),
);

interface RuleSpec {
  chain: string;
  counters?: IptCounters;
  protocol?: IptValue;
  source?: IptValue;
  destination?: IptValue;
  inInterface?: IptValue;
  outInterface?: IptValue;
  fragment?: { negated: boolean };
  matches: IptMatch[];
  target?: IptTarget;
}

const ruleSpec = (chains: string[]): fc.Arbitrary<RuleSpec> =>
  fc
    .record(
      {
        chain: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...chains) }, { weight: 1, arbitrary: chainName }),
        counters,
        protocol: value(protocol),
        source: value(address),
        destination: value(address),
        inInterface: value(interfaceName),
        outInterface: value(interfaceName),
        fragment: fc.record({ negated: fc.boolean() }),
        matches: fc.array(match, { maxLength: 3 }),
        implicitOptions: fc.array(option, { minLength: 1, maxLength: 2 }),
        target,
      },
      { requiredKeys: ['chain', 'matches', 'implicitOptions'] },
    )
    .map(({ implicitOptions, ...rule }) => {
      // Options straight after -p belong to the protocol's implicit match; only where the protocol has one.
      const implicitModule = rule.protocol ? IMPLICIT_MODULE[rule.protocol.value] : undefined;
      if (implicitModule && implicitOptions.length % 2 === 1) {
        return { ...rule, matches: [{ module: implicitModule, implicit: true, options: implicitOptions }, ...rule.matches] };
      }
      return rule;
    });

interface ChainSpec {
  name: string;
  policy: string | null;
  counters?: IptCounters;
}

interface TableSpec {
  name: string;
  chains: ChainSpec[];
  rules: RuleSpec[];
  committed: boolean;
}

const tableSpec = (name: string): fc.Arbitrary<TableSpec> =>
  fc
    .tuple(
      fc.uniqueArray(fc.oneof(fc.constantFrom(...BUILTIN_CHAINS), chainName), { minLength: 1, maxLength: 5 }),
      fc.array(fc.tuple(fc.constantFrom('ACCEPT', 'DROP'), fc.option(counters, { nil: undefined })), { minLength: 5, maxLength: 5 }),
      // A table without COMMIT is refused (a dump cut short): tested on its own.
      fc.constant(true),
    )
    .chain(([names, policies, committed]) => {
      const chains = names.map((chainName, k): ChainSpec => {
        const [policy, chainCounters] = policies[k]!;
        const spec: ChainSpec = { name: chainName, policy: BUILTIN_CHAINS.includes(chainName) ? policy : null };
        if (chainCounters) spec.counters = chainCounters;
        return spec;
      });
      return fc.array(ruleSpec(names), { maxLength: 8 }).map((rules) => {
        // iptables-restore refuses a jump to a chain the table never names: a dump declares what its rules jump to.
        const named = new Set([...names, ...rules.map((r) => r.chain)]);
        const declared = [...chains];
        for (const r of rules) {
          const jump = r.target;
          if (!jump || jump.options.length > 0 || TARGET_MODULES.has(jump.name) || named.has(jump.name)) continue;
          named.add(jump.name);
          declared.push({ name: jump.name, policy: null });
        }
        return { name, chains: declared, rules, committed };
      });
    });

const header = fc.constantFrom(
  undefined,
  { program: 'iptables-save', version: '1.8.7', backend: undefined },
  { program: 'ip6tables-save', version: '1.4.14', backend: undefined },
  { program: 'iptables-nft-save', version: '1.8.10', backend: 'nf_tables' as const },
  { program: 'xtables-save', version: '1.8.2', backend: undefined },
);

const ruleset = fc.record({
  header,
  tables: fc
    .uniqueArray(fc.constantFrom('filter', 'nat', 'mangle', 'raw', 'security'), { minLength: 1, maxLength: 3 })
    .chain((names) => fc.tuple(...names.map(tableSpec))),
  warning: fc.boolean(),
});

/** How one dump is spelled: each choice is a way some iptables-save version prints the same rule. */
const spelling = fc.record({ oldNegation: fc.boolean(), longFlags: fc.boolean(), quoteEverything: fc.boolean(), counters: fc.boolean(), doubleSpaces: fc.boolean() });
type Spelling = typeof spelling extends fc.Arbitrary<infer S> ? S : never;

/* ---------- spelling records as text (independently of the renderer under test) ---------- */

const BARE = /^[A-Za-z0-9_.:,/=@%+[\]-]+$/;

function quote(word: string, s: Spelling): string {
  const bare = BARE.test(word) && !word.startsWith('-');
  if (bare && !s.quoteEverything) return word;
  return `"${word.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

const FLAGS: Record<string, [string, string]> = {
  source: ['-s', '--source'],
  destination: ['-d', '--dst'],
  inInterface: ['-i', '--in-interface'],
  outInterface: ['-o', '--out-interface'],
  protocol: ['-p', '--protocol'],
};

function spellRule(rule: RuleSpec, s: Spelling): string {
  const words: string[] = [];
  if (s.counters && rule.counters) words.push(`[${rule.counters.packets}:${rule.counters.bytes}]`);
  words.push('-A', rule.chain);
  for (const field of ['source', 'destination', 'inInterface', 'outInterface', 'protocol'] as const) {
    const v = rule[field];
    if (!v) continue;
    const flag = FLAGS[field]![s.longFlags ? 1 : 0];
    if (v.negated && s.oldNegation) words.push(flag, '!', quote(v.value, s));
    else words.push(...(v.negated ? ['!'] : []), flag, quote(v.value, s));
  }
  if (rule.fragment) words.push(...(rule.fragment.negated ? ['!'] : []), s.longFlags ? '--fragment' : '-f');
  for (const m of rule.matches) {
    if (!m.implicit) words.push('-m', m.module);
    for (const o of m.options) words.push(...spellOption(o, s));
  }
  if (rule.target) {
    words.push(rule.target.goto ? '-g' : '-j', rule.target.name);
    for (const o of rule.target.options) words.push(...spellOption(o, s));
  }
  return words.join(s.doubleSpaces ? '  ' : ' ');
}

function spellOption(o: IptOption, s: Spelling): string[] {
  const args = o.args.map((a) => quote(a, s));
  if (o.negated && s.oldNegation && args.length > 0) return [`--${o.name}`, '!', ...args];
  return [...(o.negated ? ['!'] : []), `--${o.name}`, ...args];
}

function spellDump(spec: { header: (typeof header extends fc.Arbitrary<infer H> ? H : never); tables: TableSpec[]; warning: boolean }, s: Spelling): string {
  const lines: string[] = [];
  if (spec.header) {
    const backend = spec.header.backend ? ` (${spec.header.backend})` : '';
    lines.push(`# Generated by ${spec.header.program} v${spec.header.version}${backend} on Mon Jan  4 14:55:01 2021`);
  }
  for (const t of spec.tables) {
    lines.push(`*${t.name}`);
    for (const c of t.chains) lines.push(`:${c.name} ${c.policy ?? '-'}${c.counters ? ` [${c.counters.packets}:${c.counters.bytes}]` : ''}`);
    for (const r of t.rules) lines.push(spellRule(r, s));
    if (t.committed) lines.push('COMMIT');
    lines.push('# Completed on Mon Jan  4 14:55:01 2021');
  }
  if (spec.warning) lines.push('# Warning: iptables-legacy tables present, use iptables-legacy-save to see them');
  return dump(...lines);
}

/* ---------- what the parser should make of it ---------- */

function expectedTable(t: TableSpec, s: Spelling): unknown {
  const chains: Partial<IptChainDecl>[] = t.chains.map((c) => ({
    name: c.name,
    builtin: c.policy !== null,
    policy: c.policy,
    ...(c.counters ? { counters: c.counters } : {}),
  }));
  const declared = new Set(t.chains.map((c) => c.name));
  const positions = new Map<string, number>();
  // The parser's index of chains by position: dropped when a chain is declared after the first rule.
  const chainIndex = new Map(t.chains.map((c, i) => [c.name, i]));
  const index: IptRuleIndex = { chain: [], jump: [] };
  let indexed = true;
  const rules = t.rules.map((r, k) => {
    if (!declared.has(r.chain)) {
      declared.add(r.chain);
      chains.push({ name: r.chain, builtin: BUILTIN_CHAINS.includes(r.chain), policy: null, implicit: true });
      chainIndex.set(r.chain, chains.length - 1);
      if (k > 0) indexed = false;
    }
    index.chain.push(chainIndex.get(r.chain) as number);
    index.jump.push(r.target ? (chainIndex.get(r.target.name) ?? -1) : -1);
    const position = (positions.get(r.chain) ?? 0) + 1;
    positions.set(r.chain, position);
    const { counters: ruleCounters, ...fields } = r;
    const comment = r.matches.find((m) => m.module === 'comment')?.options[0]?.args[0];
    const expected: Partial<IptRule> = { table: t.name, position, ...fields };
    if (s.counters && ruleCounters) expected.counters = ruleCounters;
    if (comment !== undefined) expected.comment = comment;
    return expected;
  });
  const table: Partial<IptTable> = { name: t.name, chains: chains as IptChainDecl[], rules: rules as IptRule[] };
  if (indexed) table.index = index;
  if (t.committed) table.commitLine = 0;
  return table;
}

describe('generated rulesets', () => {
  it('parse to the records they were generated from, and survive render → parse', () => {
    fc.assert(
      fc.property(ruleset, spelling, (spec, s) => {
        const text = spellDump(spec, s);
        const parsed = parse(text).value;
        const expected = { family: 'unknown' as const, tables: spec.tables.map((t) => expectedTable(t, s)) as IptTable[], warnings: [] };
        expect(withoutPositions(parsed).tables).toEqual(withoutPositions(expected).tables);
        if (spec.header) {
          expect(parsed.generator).toMatchObject({ program: spec.header.program, version: spec.header.version });
          expect(parsed.generator?.backend).toBe(spec.header.backend);
        }
        expect(parsed.warnings).toHaveLength(spec.warning ? 1 : 0);

        const again = parse(renderIptablesSave(parsed)).value;
        expect(withoutPositions(again)).toEqual(withoutPositions(parsed));
        // Without counters the records lose exactly their counters.
        const bare = parse(renderIptablesSave(parsed, { counters: false })).value;
        expect(bare.tables.flatMap((t) => t.rules).every((r) => r.counters === undefined)).toBe(true);
        expect(bare.tables.flatMap((t) => t.rules).length).toBe(parsed.tables.flatMap((t) => t.rules).length);
      }),
      { numRuns: 300 },
    );
  });
});

/* ---------- robustness ---------- */

function expectOnlyLocatedParseErrors(text: string): void {
  try {
    parse(text);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    expect(error.location.source).toBe(SOURCE);
    const lines = text.split(/\r\n|\r|\n/).length;
    expect(error.location.line).toBeGreaterThanOrEqual(1);
    expect(error.location.line).toBeLessThanOrEqual(lines);
    expect(error.message.length).toBeLessThan(600);
  }
}

/** Fragments of iptables-save syntax, so that random text reaches the rule grammar, not just the first line. */
const fragment = fc.constantFrom(
  '*filter', '*nat', ':INPUT ACCEPT [0:0]', ':X - [1:2]', ':Y -', '-A INPUT', '-A X', 'X-A X', '[1:2] ', '[a:b] ', 'COMMIT', '#',
  '# Generated by iptables-save v1.8.7 on x', ' -s ', ' ! ', ' -d ! ', ' -p tcp', ' --dport 80', ' -m ', ' comment', ' --comment ',
  '"', '\\', ' "a b" ', ' -j ', ' -g ', ' ACCEPT', ' --log-prefix ', ' -f', ' -c 1 2', '\r', '\n', '\r\n', '  ', '\t',
  'Chain INPUT (policy ACCEPT)', 'table ip nat {', '-P INPUT DROP', '<html>', '\u001b[31m', '\u001b', 'é',
);

describe('arbitrary input', () => {
  it('never throws anything but a located ParseError (text)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), expectOnlyLocatedParseErrors), { numRuns: 500 });
  });

  it('never throws anything but a located ParseError (bytes decoded as UTF-8)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => expectOnlyLocatedParseErrors(new TextDecoder().decode(bytes))),
      { numRuns: 500 },
    );
  });

  it('never throws anything but a located ParseError (iptables-save fragments)', () => {
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 60 }), (parts) => expectOnlyLocatedParseErrors(parts.join(''))),
      { numRuns: 1500 },
    );
  });

  it('never throws anything but a located ParseError (generated dumps with damage)', () => {
    fc.assert(
      fc.property(ruleset, spelling, fc.nat(), fc.string({ maxLength: 4 }), (spec, s, at, inserted) => {
        const text = spellDump(spec, s);
        const k = at % (text.length + 1);
        expectOnlyLocatedParseErrors(text.slice(0, k) + inserted + text.slice(k + 1));
      }),
      { numRuns: 300 },
    );
  });
});

/* ---------- the lazy scan (scanIptablesSave) reads every dump as the full parse does ---------- */

describe('the lazy scan', () => {
  it('gives the same records and notes as the full parse (generated dumps, every spelling)', () => {
    fc.assert(
      fc.property(ruleset, spelling, (spec, s) => expectScanAgrees(spellDump(spec, s))),
      { numRuns: 300 },
    );
  });

  it('fails where the full parse fails, at the same line with the same message, or later when the rule is read (damaged dumps)', () => {
    fc.assert(
      fc.property(ruleset, spelling, fc.nat(), fc.string({ maxLength: 4 }), (spec, s, at, inserted) => {
        const text = spellDump(spec, s);
        const k = at % (text.length + 1);
        expectScanAgrees(text.slice(0, k) + inserted + text.slice(k + 1));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the full parse on iptables-save fragments', () => {
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 60 }), (parts) => expectScanAgrees(`# Generated by iptables-save v1.8.7 on x\n${parts.join('')}`)),
      { numRuns: 1500 },
    );
  });
});
