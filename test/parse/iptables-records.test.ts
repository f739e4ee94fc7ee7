/**
 * The shape of parsed iptables-save records, which large dumps depend on for speed and memory:
 * every rule built in one shape, parts shared between rules only when they are the same, and the
 * evidence line made on demand without showing up as a field.
 */
import { describe, expect, it } from 'vitest';
import { buildRuleset } from '../../src/model/netfilter.js';
import type { IptRule, IptablesSave } from '../../src/parse/types.js';
import { RuleTokenizer } from '../../src/parse/iptables-tokens.js';
import { scanIptablesSave } from '../../src/parse/iptables-save.js';
import { dump, parse, SOURCE } from './iptables-helpers.js';

const KUBE = dump(
  '*nat',
  ':KUBE-SVC-A - [0:0]',
  ':KUBE-SEP-1 - [0:0]',
  ':KUBE-SEP-2 - [0:0]',
  ':KUBE-MARK-MASQ - [0:0]',
  '[0:0] -A KUBE-SVC-A -m comment --comment "ns/a:http -> 10.0.0.1:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-1',
  '[5:300] -A KUBE-SVC-A -m comment --comment "ns/a:http -> 10.0.0.2:80" -j KUBE-SEP-2',
  '[0:0] -A KUBE-SEP-1 -s 10.0.0.1/32 -m comment --comment "ns/a:http" -j KUBE-MARK-MASQ',
  '[0:0] -A KUBE-SEP-1 -p tcp -m comment --comment "ns/a:http" -m tcp -j DNAT --to-destination 10.0.0.1:80',
  '[0:0] -A KUBE-SEP-2 -s 10.0.0.2/32 -m comment --comment "ns/a:http" -j KUBE-MARK-MASQ',
  '[0:0] -A KUBE-SEP-2 -p tcp -m comment --comment "ns/a:http" -m tcp -j DNAT --to-destination 10.0.0.2:80',
  'COMMIT',
);

function rulesOf(text: string): IptRule[] {
  return parse(text).value.tables.flatMap((t) => t.rules);
}

describe('iptables-save records', () => {
  it('gives every rule with a target the same fields in the same order, absent ones undefined', () => {
    const rules = rulesOf(
      dump('*filter', ':INPUT ACCEPT [0:0]', '-A INPUT -j ACCEPT', '[1:2] -A INPUT -s 10.0.0.0/8 ! -i eth0 -p tcp -f -m tcp --dport 22 -m comment --comment x -j DROP', 'COMMIT'),
    );
    expect(rules).toHaveLength(2);
    expect(Object.keys(rules[0]!)).toEqual(Object.keys(rules[1]!));
    expect(rules[0]!.source).toBeUndefined();
    expect(rules[1]!.source).toEqual({ value: '10.0.0.0/8', negated: false });
  });

  it('quotes each rule as evidence from its source, line and text, without an evidence field', () => {
    const rule = rulesOf(KUBE)[2]!;
    expect((rule as IptRule & { evidence: unknown }).evidence).toEqual({
      source: SOURCE,
      line: 8,
      text: '[0:0] -A KUBE-SEP-1 -s 10.0.0.1/32 -m comment --comment "ns/a:http" -j KUBE-MARK-MASQ',
    });
    expect(Object.keys(rule)).not.toContain('evidence');
    expect(JSON.stringify(rule)).not.toContain('"evidence"');
  });

  it('shares a part between rules that have the same one', () => {
    const [svc1, svc2, masq1, dnat1, masq2, dnat2] = rulesOf(KUBE) as [IptRule, IptRule, IptRule, IptRule, IptRule, IptRule];
    // The service's comment on consecutive endpoint rules, `-m tcp`, `-j KUBE-MARK-MASQ`, `[0:0]`, `-p tcp`.
    expect(dnat1.matches[0]).toBe(masq1.matches[0]);
    expect(masq2.matches[0]).toBe(dnat1.matches[0]);
    expect(dnat2.matches[1]).toBe(dnat1.matches[1]);
    expect(masq2.target).toBe(masq1.target);
    expect(masq1.counters).toBe(svc1.counters);
    expect(dnat2.protocol).toBe(dnat1.protocol);
    expect(masq1.matches).toBe(masq2.matches);
    expect(svc2.counters).toEqual({ packets: 5, bytes: 300 });
  });

  it('never shares parts that differ in any word, negation or option', () => {
    const rules = rulesOf(
      dump(
        '*filter',
        ':X - [0:0]',
        '-A X -p tcp -m tcp --dport 80 -j ACCEPT',
        '-A X -p tcp -m tcp --dport 81 -j ACCEPT',
        '-A X -p tcp -m tcp ! --dport 81 -j ACCEPT',
        '-A X -p tcp -m tcp --sport 81 -j ACCEPT',
        '-A X -p tcp -m tcp --sport 81 --dport 1 -j ACCEPT',
        '-A X -p tcp -m udp --sport 81 --dport 1 -j ACCEPT',
        '-A X ! -p tcp -m udp --sport 81 --dport 1 -j ACCEPT',
        '-A X ! -p tcp -m udp --sport 81 --dport 1 -g ACCEPT',
        '-A X ! -p tcp -m udp --sport 81 --dport 1 -j LOG --log-prefix a',
        '-A X ! -p tcp -m udp --sport 81 --dport 1 -j LOG --log-prefix b',
        '-A X ! -p tcp -m udp --sport 81 --dport 1 -j LOG --log-prefix "a b"',
        '-A X ! -p tcp -m udp --sport 81 --dport 1 -j LOG --log-prefix a --log-level 4',
        'COMMIT',
      ),
    );
    const matches = rules.map((r) => r.matches[0]);
    expect(new Set(matches).size).toBe(6);
    expect(rules.slice(0, 6).map((r) => r.matches[0]!.options.map((o) => `${o.negated ? '!' : ''}${o.name}=${o.args.join(',')}`).join(' '))).toEqual([
      'dport=80',
      'dport=81',
      '!dport=81',
      'sport=81',
      'sport=81 dport=1',
      'sport=81 dport=1',
    ]);
    expect(rules[4]!.matches[0]!.module).toBe('tcp');
    expect(rules[5]!.matches[0]!.module).toBe('udp');
    expect(rules[6]!.protocol).toEqual({ value: 'tcp', negated: true });
    expect(rules[5]!.protocol).toEqual({ value: 'tcp', negated: false });
    expect(rules.slice(6).map((r) => [r.target!.name, r.target!.goto, r.target!.options.map((o) => o.args.join('|'))])).toEqual([
      ['ACCEPT', false, []],
      ['ACCEPT', true, []],
      ['LOG', false, ['a']],
      ['LOG', false, ['b']],
      ['LOG', false, ['a b']],
      ['LOG', false, ['a', '4']],
    ]);
  });

  it('shares a match between distant rules when its options are the same', () => {
    const rules = rulesOf(
      dump(
        '*nat',
        ':S1 - [0:0]',
        ':S2 - [0:0]',
        '-A S1 -m statistic --mode random --probability 0.5 -j RETURN',
        '-A S1 -p tcp -m tcp --dport 80 -j RETURN',
        '-A S2 -m statistic --mode random --probability 0.25 -j RETURN',
        '-A S2 -p udp -m udp --dport 80 -j RETURN',
        '-A S2 -m statistic --mode random --probability 0.5 -j RETURN',
        '-A S2 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable',
        '-A S2 -p tcp -m tcp ! --dport 80 -j REJECT --reject-with icmp-port-unreachable',
        'COMMIT',
      ),
    );
    expect(rules[4]!.matches[0]).toBe(rules[0]!.matches[0]);
    expect(rules[2]!.matches[0]).not.toEqual(rules[0]!.matches[0]);
    expect(rules[5]!.matches[0]).toBe(rules[1]!.matches[0]);
    expect(rules[3]!.matches[0]!.module).toBe('udp');
    expect(rules[6]!.target).toBe(rules[5]!.target);
    expect(rules[6]!.matches[0]!.options).toEqual([{ name: 'dport', args: ['80'], negated: true }]);
    expect(rules[5]!.matches[0]!.options).toEqual([{ name: 'dport', args: ['80'], negated: false }]);
  });

  it('reads every argument of an option whose arguments never repeat', () => {
    const lines = Array.from({ length: 600 }, (_, k) => `-A SEP -p tcp -m tcp -j DNAT --to-destination 10.0.${k >> 8}.${k & 255}:80`);
    const rules = rulesOf(dump('*nat', ':SEP - [0:0]', ...lines, 'COMMIT'));
    expect(rules.map((r) => r.target!.options[0]!.args[0])).toEqual(Array.from({ length: 600 }, (_, k) => `10.0.${k >> 8}.${k & 255}:80`));
  });

  it('shares nothing between two parses', () => {
    const a = rulesOf(KUBE);
    const b = rulesOf(KUBE);
    expect(b[3]!.matches[1]).not.toBe(a[3]!.matches[1]);
    expect(b[3]!.matches[1]).toEqual(a[3]!.matches[1]);
  });
});

describe('buildRuleset over parsed records', () => {
  it('quotes rules and chains under the label it is given', () => {
    const save = parse(KUBE).value;
    const ruleset = buildRuleset(save, 'iptables-save', 'netns:blue/iptables-save', 'ipv4');
    const chain = ruleset.tables.get('nat')!.chains.get('KUBE-SEP-1')!;
    expect(chain.evidence).toEqual({ source: 'netns:blue/iptables-save', line: 3, text: ':KUBE-SEP-1 - [0:0]' });
    expect(chain.rules[1]!.evidence).toEqual({ source: 'netns:blue/iptables-save', line: 9, text: save.tables[0]!.rules[3]!.text });
  });

  it('gives a hand-built rule its evidence and resolves its jump', () => {
    const save: IptablesSave = {
      family: 'ipv4',
      tables: [
        {
          name: 'filter',
          line: 1,
          chains: [
            { name: 'INPUT', builtin: true, policy: 'ACCEPT', line: 2, text: ':INPUT ACCEPT' },
            { name: 'MINE', builtin: false, policy: null, line: 3, text: ':MINE -' },
          ],
          rules: [{ table: 'filter', chain: 'INPUT', position: 1, line: 4, text: '-A INPUT -j MINE', matches: [], target: { name: 'MINE', goto: false, options: [] } }],
        },
      ],
      warnings: [],
    };
    const filter = buildRuleset(save, 'iptables-save', 'iptables-save', 'ipv4').tables.get('filter')!;
    const rule = filter.chains.get('INPUT')!.rules[0]!;
    expect(rule.evidence).toEqual({ source: 'iptables-save', line: 4, text: '-A INPUT -j MINE' });
    expect(rule.jumpChain).toBe(filter.chains.get('MINE'));
    expect(filter.chains.get('MINE')!.referencedBy).toEqual([rule]);
  });

  it('keeps every rule of a chain in file order, also when its rules come in several runs', () => {
    const text = dump('*filter', ':A - [0:0]', ':B - [0:0]', '-A A -j B', '-A B -j RETURN', '-A A -j B', '-A A -g B', '-A B -j DROP', '-A A -j B', 'COMMIT');
    const filter = buildRuleset(parse(text).value, 'iptables-save', 'iptables-save', 'ipv4').tables.get('filter')!;
    const a = filter.chains.get('A')!;
    const b = filter.chains.get('B')!;
    expect(a.rules.map((r) => r.line)).toEqual([4, 6, 7, 9]);
    expect(b.rules.map((r) => r.line)).toEqual([5, 8]);
    expect(b.referencedBy.map((r) => r.line)).toEqual([4, 6, 7, 9]);
    expect(a.referencedBy).toEqual([]);
  });
});

describe('RuleTokenizer', () => {
  it('reads a word repeated from the line before, quoted or not, as that line’s word only when it is the same text', () => {
    const tokenizer = new RuleTokenizer();
    tokenizer.tokenize('-A SEP-1 -m comment --comment "ns/svc:port" -j DNAT --to-destination 10.0.0.1:80');
    const first = [...tokenizer.words];
    tokenizer.tokenize('-A SEP-1 -m comment --comment "ns/svc:port" -j DNAT --to-destination 10.0.0.2:80');
    expect(tokenizer.words[5]).toBe('ns/svc:port');
    expect(tokenizer.isQuoted(5)).toBe(true);
    expect(tokenizer.words[9]).toBe('10.0.0.2:80');
    expect(first[9]).toBe('10.0.0.1:80');
    tokenizer.tokenize('-A SEP-1 -m comment --comment "ns/svc:por\\t" -j DNAT');
    expect([...tokenizer.words]).toEqual(['-A', 'SEP-1', '-m', 'comment', '--comment', 'ns/svc:port', '-j', 'DNAT']);
    tokenizer.tokenize('-A SEP-2 -m comment --comment "ns/svc:pors" -j DNAX');
    expect([...tokenizer.words]).toEqual(['-A', 'SEP-2', '-m', 'comment', '--comment', 'ns/svc:pors', '-j', 'DNAX']);
    expect(tokenizer.isQuoted(5)).toBe(true);
  });
});

const HEADER = '# Generated by iptables-save v1.8.7 on Tue Nov 24 10:00:00 2026';

/**
 * Every chain's rules, jumps and references, by text (a scan of the same rules under a header has other
 * line numbers): what placing rules and resolving jumps decides.
 */
function layoutSummary(ruleset: ReturnType<typeof buildRuleset>): unknown {
  return [...ruleset.tables.values()].map((t) =>
    [...t.chains.values()].map((c) => ({
      chain: c.name,
      rules: c.rules.map((r) => [r.text, (r.jumpChain as { name: string } | undefined)?.name]),
      referencedBy: c.referencedBy.map((r) => r.text),
    })),
  );
}

describe('buildRuleset by the parser\'s index', () => {
  const layout = (save: IptablesSave): unknown => layoutSummary(buildRuleset(save, 'iptables-save', 'iptables-save', 'ipv4'));

  it.each([
    ['a Kubernetes nat table', KUBE],
    [
      'gotos, jumps to a built-in chain and to a target module without options, a chain in two runs',
      dump('*filter', ':INPUT ACCEPT [0:0]', ':A - [0:0]', ':B - [0:0]', '-A A -g B', '-A INPUT -j A', '-A A -j INPUT', '-A A -j TRACE', '-A INPUT -j B', 'COMMIT'),
    ],
    ['a chain declared twice', dump('*filter', ':A - [0:0]', ':A - [1:2]', ':B - [0:0]', '-A B -j A', 'COMMIT')],
    ['a chain declared only by its rules, first', dump('*filter', ':B - [0:0]', '-A A -j B', '-A B -j A', 'COMMIT')],
    ['a chain declared after a rule that jumps to it', dump('*filter', ':A - [0:0]', '-A A -j B', ':B - [0:0]', '-A B -j ACCEPT', 'COMMIT')],
    ['a chain declared only by its rules, later', dump('*filter', ':A - [0:0]', '-A A -j B', '-A B -j A', 'COMMIT')],
    ['two tables with the same chain names', dump('*filter', ':X - [0:0]', '-A X -j ACCEPT', 'COMMIT', '*nat', ':Y - [0:0]', ':X - [0:0]', '-A Y -j X', 'COMMIT')],
  ])('%s: as resolving by name does', (_what, text) => {
    const save = parse(text).value;
    const byName = structuredClone(parse(text).value);
    for (const t of byName.tables) delete t.index;
    expect(layout(save)).toEqual(layout(byName));
  });

  it.each([
    ['a Kubernetes nat table', KUBE, true],
    ['chains in declaration order, some without rules', dump('*filter', ':INPUT ACCEPT [0:0]', ':A - [0:0]', ':B - [0:0]', ':C - [0:0]', '-A INPUT -j C', '-A C -j INPUT', '-A C -g A', 'COMMIT'), true],
    ['a chain in two runs', dump('*filter', ':A - [0:0]', ':B - [0:0]', '-A A -j B', '-A B -j ACCEPT', '-A A -j ACCEPT', 'COMMIT'), false],
    ['runs out of declaration order', dump('*filter', ':A - [0:0]', ':B - [0:0]', '-A B -j A', '-A A -j ACCEPT', 'COMMIT'), false],
  ])('lays out %s by number when its chains come in one run each, in declaration order', (_what, text, laidOut) => {
    // The full parse's records, and the lazy scan's, made as the layout is read.
    const scanned = scanIptablesSave({ source: SOURCE, text: `${HEADER}\n${text}` }).value;
    const rulesets = [parse(text).value, scanned].map((save) => buildRuleset(save, 'iptables-save', SOURCE, 'ipv4'));
    expect(layoutSummary(rulesets[1]!)).toEqual(layoutSummary(rulesets[0]!));
    for (const table of rulesets.flatMap((r) => [...r.tables.values()])) {
      const layout = table.layout;
      expect(layout !== undefined).toBe(laidOut);
      if (!layout) continue;
      expect(layout.chains).toEqual([...table.chains.values()]);
      expect(layout.ruleStart).toHaveLength(layout.chains.length + 1);
      const rules = Array.from({ length: layout.ruleCount }, (_, i) => layout.ruleAt(i));
      layout.chains.forEach((chain, c) => expect(rules.slice(layout.ruleStart[c], layout.ruleStart[c + 1])).toEqual(chain.rules));
      expect(layout.ruleStart[layout.chains.length]).toBe(rules.length);
      expect([...layout.jumpOf]).toEqual(rules.map((r) => (r.jumpChain ? layout.chains.indexOf(r.jumpChain as never) : -1)));
    }
  });

  it('is kept when every chain is declared before the first rule, dropped otherwise', () => {
    expect(parse(KUBE).value.tables[0]!.index).toBeDefined();
    const late = parse(dump('*filter', ':A - [0:0]', '-A A -j B', ':B - [0:0]', 'COMMIT')).value;
    expect(late.tables[0]!.index).toBeUndefined();
  });
});
