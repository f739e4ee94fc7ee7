/**
 * `iptables -vnxL` of each table against `iptables-save -c` of the same moment: rule by rule, the same
 * chain, position, counters, target, built-in matches and match modules; the rules the list form cannot
 * show exactly carry a list-text match instead, and are named here.
 */
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../../src/parse/iptables-save.js';
import { LIST_TEXT_MODULE, parseIptablesList } from '../../../src/parse/text/index.js';
import type { IptRule, IptTable } from '../../../src/parse/types.js';
import { fixture } from './fixtures.js';

/** The comparable parts of a rule; `-j NOTRACK` is what iptables-nft lists as `CT ... NOTRACK`. */
function comparable(rule: IptRule) {
  const target = rule.target?.name === 'NOTRACK' ? { name: 'CT', goto: false, options: [{ name: 'notrack', args: [], negated: false }] } : rule.target;
  return {
    chain: rule.chain,
    position: rule.position,
    counters: rule.counters,
    protocol: rule.protocol,
    source: rule.source,
    destination: rule.destination,
    inInterface: rule.inInterface,
    outInterface: rule.outInterface,
    fragment: rule.fragment,
    matches: rule.matches,
    target,
    comment: rule.comment,
  };
}

const key = (r: IptRule) => `${r.chain}#${r.position}`;

function saved(file: string, table: string): IptTable {
  const found = parseIptablesSave({ source: file, text: fixture(file) }).value.tables.find((t) => t.name === table);
  if (!found) throw new Error(`no table ${table} in ${file}`);
  return found;
}

/** The rules whose extension text the list form cannot give back exactly: (file, chain#position) → the kept text. */
const MAYBE: Record<string, Record<string, string>> = {
  'iptables-L-raw.txt': {},
  'iptables-L-mangle.txt': {},
  'iptables-L-nat.txt': {},
  'iptables-L-filter.txt': {},
  'ip6tables-L-filter.txt': {},
  'ip6tables-L-nat.txt': {},
};

describe('iptables -vnxL = iptables-save -c, rule by rule', () => {
  it.each([
    ['iptables-L-filter.txt', 'iptables-save.txt', 'filter', 4],
    ['iptables-L-nat.txt', 'iptables-save.txt', 'nat', 4],
    ['iptables-L-mangle.txt', 'iptables-save.txt', 'mangle', 4],
    ['iptables-L-raw.txt', 'iptables-save.txt', 'raw', 4],
    ['ip6tables-L-filter.txt', 'ip6tables-save.txt', 'filter', 6],
    ['ip6tables-L-nat.txt', 'ip6tables-save.txt', 'nat', 6],
  ] as const)('%s', (listFile, saveFile, table, family) => {
    const list = parseIptablesList({ source: listFile, text: fixture(listFile) }, { table, family });
    expect(list.value.listForm).toBe(true);
    expect(list.value.family).toBe(family === 6 ? 'ipv6' : 'ipv4');
    const fromList = list.value.tables[0]!;
    const fromSave = saved(saveFile, table);
    expect(fromList.name).toBe(table);
    // Chains: the same names, policies and policy counters (the list orders user chains by name). A user
    // chain's `[0:0]` in iptables-save is not shown by the list form (it counts nothing).
    const chains = (t: IptTable) => t.chains.map((c) => ({ name: c.name, policy: c.policy, builtin: c.builtin, counters: c.builtin ? c.counters : undefined })).sort((a, b) => a.name.localeCompare(b.name));
    expect(chains(fromList)).toEqual(chains(fromSave));
    const maybe = Object.fromEntries(fromList.rules.filter((r) => r.matches.some((m) => m.module === LIST_TEXT_MODULE)).map((r) => [key(r), r.matches.at(-1)!.options[0]!.args[0]]));
    expect(maybe).toEqual(MAYBE[listFile]);
    const byKey = new Map(fromSave.rules.map((r) => [key(r), r]));
    expect(fromList.rules.map(key).sort()).toEqual([...byKey.keys()].sort());
    for (const rule of fromList.rules) {
      if (key(rule) in maybe) continue;
      expect(comparable(rule), `${listFile} ${key(rule)}: ${rule.text}`).toEqual(comparable(byKey.get(key(rule))!));
    }
  });

  it('-vnL --line-numbers: the same rules; counters abbreviated from 100000 on are left out with a note', () => {
    for (const table of ['filter', 'nat', 'mangle', 'raw']) {
      const exact = parseIptablesList({ source: 'x', text: fixture(`iptables-L-${table}.txt`) }, { table, family: 4 }).value.tables[0]!;
      const numbered = parseIptablesList({ source: 'y', text: fixture(`iptables-L-${table}-abbrev.txt`) }, { table, family: 4 }).value.tables[0]!;
      expect(numbered.rules.map((r) => ({ ...comparable(r) }))).toEqual(exact.rules.map((r) => ({ ...comparable(r) })));
    }
  });

  it('-nL (no -v): no counters and no interfaces, everything else the same', () => {
    for (const table of ['filter', 'nat', 'mangle', 'raw']) {
      const exact = parseIptablesList({ source: 'x', text: fixture(`iptables-L-${table}.txt`) }, { table, family: 4 }).value.tables[0]!;
      const plain = parseIptablesList({ source: 'y', text: fixture(`iptables-L-${table}-plain.txt`) }, { table, family: 4 }).value.tables[0]!;
      const strip = (r: IptRule) => ({ ...comparable(r), counters: undefined, inInterface: undefined, outInterface: undefined });
      expect(plain.rules.map(strip)).toEqual(exact.rules.map(strip));
      expect(plain.chains.every((c) => c.counters === undefined)).toBe(true);
    }
  });

  it('rule evidence is the rule line of the listing', () => {
    const text = fixture('iptables-L-nat.txt');
    const dnat = parseIptablesList({ source: 'iptables-L-nat', text }, { table: 'nat', family: 4 }).value.tables[0]!.rules.find((r) => r.target?.name === 'DNAT')!;
    expect(text.split('\n')[dnat.line - 1]!.trim()).toBe(dnat.text);
    expect(dnat.text).toContain('to:10.20.0.2:80');
  });
});
