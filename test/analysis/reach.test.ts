/**
 * tableCanDrop (one linear pass over a table) against chainCanDrop (a search along the jumps) and a
 * plain recursive definition, on small random tables: the walks of a hook are skipped on the strength of
 * tableCanDrop, so it must never say "cannot drop" where some chain can.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainCanDrop, tableCanDrop } from '../../src/analysis/netfilter/index.js';
import type { NfChain, NfTable } from '../../src/model/types.js';
import { rulesetOf } from './hosts.js';

const BUILTINS = ['INPUT', 'FORWARD', 'OUTPUT'];
const USER = ['U0', 'U1', 'U2', 'U3', 'U4'];
const HARMLESS = ['ACCEPT', 'RETURN', 'LOG', 'MARK --set-xmark 0x1/0x1'];
const DROPPING = ['DROP', 'REJECT'];

interface TableSpec {
  policies: string[];
  /** Per chain (built-ins, then user chains): its rules' targets ('' for a rule without one). */
  rules: { target: string }[][];
}

/** Targets a rule of chain `from` may have: harmless, dropping, none (a counting rule), or a jump. */
function targetsFor(from: number, acyclic: boolean): fc.Arbitrary<string> {
  // Built-ins are chains 0-2, user chains 3-7; acyclic tables only jump to a later user chain.
  const jumps = USER.filter((_, i) => !acyclic || i + BUILTINS.length > from);
  const options = [...HARMLESS, ...DROPPING, '', ...jumps];
  return fc.constantFrom(...options);
}

function tableSpec(acyclic: boolean): fc.Arbitrary<TableSpec> {
  const chainCount = BUILTINS.length + USER.length;
  return fc.record({
    policies: fc.array(fc.constantFrom('ACCEPT', 'DROP'), { minLength: 3, maxLength: 3 }),
    rules: fc.tuple(
      ...Array.from({ length: chainCount }, (_, c) => fc.array(targetsFor(c, acyclic).map((target) => ({ target })), { maxLength: 3 })),
    ),
  });
}

function tableOf(spec: TableSpec): NfTable {
  const names = [...BUILTINS, ...USER];
  const lines = ['*filter', ...BUILTINS.map((b, i) => `:${b} ${spec.policies[i]} [0:0]`), ...USER.map((u) => `:${u} - [0:0]`)];
  spec.rules.forEach((rules, c) => {
    for (const { target } of rules) lines.push(`-A ${names[c]} -p tcp${target ? ` -j ${target}` : ''}`);
  });
  lines.push('COMMIT', '');
  const table = rulesetOf(lines.join('\n')).tables.get('filter');
  if (!table) throw new Error('no filter table');
  return table;
}

/** The definition, followed naively (only for tables without jump cycles). */
function canDropByDefinition(chain: NfChain): boolean {
  if (chain.builtin && (chain.policy === 'DROP' || chain.policy === 'REJECT')) return true;
  return chain.rules.some((rule) => {
    if (!rule.target) return false;
    if (rule.jumpChain) return canDropByDefinition(rule.jumpChain);
    return DROPPING.includes(rule.target.name);
  });
}

describe('tableCanDrop and chainCanDrop', () => {
  it('agree on tables without jump cycles: the table can drop exactly when one of its chains can', () => {
    fc.assert(
      fc.property(tableSpec(true), (spec) => {
        const table = tableOf(spec);
        const chains = [...table.chains.values()];
        for (const chain of chains) expect(chainCanDrop(chain, table)).toBe(canDropByDefinition(chain));
        expect(tableCanDrop(table)).toBe(chains.some((c) => chainCanDrop(c, table)));
      }),
      { numRuns: 300 },
    );
  });

  it('never say "cannot drop" for a table one of whose chains drops, jump cycles or not', () => {
    fc.assert(
      fc.property(tableSpec(false), (spec) => {
        const table = tableOf(spec);
        const dropsSomewhere =
          spec.policies.includes('DROP') || spec.rules.some((rules) => rules.some((r) => DROPPING.includes(r.target)));
        expect(tableCanDrop(table)).toBe(dropsSomewhere);
        if (dropsSomewhere) expect([...table.chains.values()].some((c) => chainCanDrop(c, table))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('examples: a drop two jumps down, and a table of harmless targets only', () => {
    const deep = tableOf({ policies: ['ACCEPT', 'ACCEPT', 'ACCEPT'], rules: [[{ target: 'U0' }], [], [], [{ target: 'U1' }], [{ target: 'REJECT' }], [], [], []] });
    expect(chainCanDrop(deep.chains.get('INPUT') as NfChain, deep)).toBe(true);
    expect(chainCanDrop(deep.chains.get('FORWARD') as NfChain, deep)).toBe(false);
    expect(tableCanDrop(deep)).toBe(true);
    const harmless = tableOf({ policies: ['ACCEPT', 'ACCEPT', 'ACCEPT'], rules: [[{ target: 'U0' }], [{ target: 'LOG' }], [], [{ target: 'ACCEPT' }], [], [], [], []] });
    expect(tableCanDrop(harmless)).toBe(false);
    expect([...harmless.chains.values()].some((c) => chainCanDrop(c, harmless))).toBe(false);
  });
});
