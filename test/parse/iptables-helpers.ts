/** Shared by the iptables-save tests: parse with a fixed source label, and compare records without their positions. */
import { expect } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseIptablesSave, scanIptablesSave } from '../../src/parse/iptables-save.js';
import type { IptRule, IptTarget, IptablesSave } from '../../src/parse/types.js';
import type { Parsed } from '../../src/parse/common.js';

export const SOURCE = 'iptables-save';

export function parse(text: string): Parsed<IptablesSave> {
  return parseIptablesSave({ source: SOURCE, text });
}

/** The parsed value without `line`, `text` and `commitLine` numbers: what must survive render → parse. */
export function withoutPositions(save: IptablesSave): { tables: unknown[] } & Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(save, (key, value: unknown) => {
      if (key === 'line' || key === 'text') return undefined;
      if (key === 'commitLine') return 'committed';
      return value;
    }),
  );
}

/** Lines as a dump: joined with LF and ending in one. */
export function dump(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** The outcome of reading a dump: its records and notes as JSON, or the error it fails with. */
type Outcome = { json: string; notes: string; plainValues: string; dports: string[] } | { error: ParseError };

const DPORT_OPTIONS = new Set(['dport', 'dports', 'destination-port', 'destination-ports']);
const UNCLEAR = '(only the matches tell)';

/**
 * A rule's destination port as plainDport gives it: the scan's reading when it has one, else the one
 * option's argument from the matches ('(none)' without one; '(several or negated)' otherwise).
 */
function dportOf(rule: IptRule): string {
  const plain = rule.plainDport?.() ?? null;
  if (plain !== null) return plain ?? '(none)';
  if (rule.plainDport) return UNCLEAR;
  const options = rule.matches.flatMap((m) => m.options.filter((o) => DPORT_OPTIONS.has(o.name)));
  if (options.length === 0) return '(none)';
  return options.length === 1 && !options[0]!.negated ? (options[0]!.args[0] ?? '') : '(several or negated)';
}

function outcome(read: () => Parsed<IptablesSave>): Outcome {
  try {
    const parsed = read();
    // Plain values and ports first: the scan reads them off the line, and they must be the full parse's.
    const rules = parsed.value.tables.flatMap((t) => t.rules);
    const dports = rules.map(dportOf);
    const plainValues = JSON.stringify(rules.map((r) => [r.protocol, r.source, r.destination, r.inInterface, r.outInterface].map((v) => v ?? null)));
    // Serialising reads every field of every record: a lazily parsed rule that is malformed fails here.
    return { json: JSON.stringify(parsed.value), notes: JSON.stringify(parsed.notes), plainValues, dports };
  } catch (error) {
    if (error instanceof ParseError) return { error };
    throw error;
  }
}

/** The options whose first argument the columns are asked for (`to-destination` is the one the analyses read). */
const TARGET_OPTIONS = ['to-destination', 'to-source', 'set-xmark', 'reject-with', 'log-prefix'];

/** A target's name and the first argument of the first of each TARGET_OPTIONS, as the columns would give them. */
function targetSummary(target: IptTarget | undefined): unknown[] {
  return [target?.name, ...TARGET_OPTIONS.map((name) => target?.options.find((o) => o.name === name)?.args[0])];
}

/**
 * What the scan's columns say of each rule before any record is made: its target's name and options'
 * arguments (read before the target is made), its target, and its destination (null where only the record
 * can tell).
 */
function columnReads(text: string, source: string): { summaries: unknown[]; targets: unknown[]; destinations: unknown[] } {
  const summaries: unknown[] = [];
  const targets: unknown[] = [];
  const destinations: unknown[] = [];
  for (const table of scanIptablesSave({ source, text }).value.tables) {
    const columns = table.lazy!;
    for (let i = 0; i < columns.count; i++) {
      summaries.push([columns.targetNameAt(i), ...TARGET_OPTIONS.map((name) => columns.targetArgumentAt(i, name))]);
      targets.push(columns.targetAt(i) ?? null);
      destinations.push(columns.destinationAt(i));
    }
  }
  return { summaries, targets, destinations };
}

/**
 * scanIptablesSave reads `text` as parseIptablesSave does: the same records and notes, or an error. An error
 * the full parse finds in a rule's matches the scan may find only when the rule is read (a
 * DeferredParseError); an earlier line is never blamed, and at the same line the message is the same.
 */
export function expectScanAgrees(text: string, source = SOURCE): void {
  const full = outcome(() => parseIptablesSave({ source, text }));
  const lazy = outcome(() => scanIptablesSave({ source, text }));
  if (!('error' in full)) {
    expect('error' in lazy ? lazy : { ...lazy, dports: [] }).toEqual({ ...full, dports: [] });
    if ('error' in lazy) return;
    // Where the scan read a port off the line, it is the matches' one option's.
    lazy.dports.forEach((port, i) => {
      if (port !== UNCLEAR) expect(port, `rule ${i + 1}`).toBe(full.dports[i]);
    });
    // The columns give the records' targets (their names and arguments before the targets are made) and, where they tell, destinations.
    const rules = parseIptablesSave({ source, text }).value.tables.flatMap((t) => t.rules);
    const columns = columnReads(text, source);
    expect(columns.summaries).toEqual(rules.map((r) => targetSummary(r.target)));
    expect(columns.targets).toEqual(rules.map((r) => r.target ?? null));
    columns.destinations.forEach((destination, i) => {
      if (destination !== null) expect(destination, `rule ${i + 1}`).toEqual(rules[i]!.destination);
    });
    return;
  }
  expect('error' in lazy, `the scan read a dump the full parse refuses (${full.error.describe()})`).toBe(true);
  if (!('error' in lazy)) return;
  const [fullError, lazyError] = [full.error, lazy.error];
  expect(lazyError.location.source).toBe(source);
  expect(lazyError.location.line ?? 0).toBeGreaterThanOrEqual(fullError.location.line ?? 0);
  // At the same line, the same error; a later line only when the scan left the first bad line for later.
  if (lazyError.location.line === fullError.location.line) expect(lazyError.describe()).toBe(fullError.describe());
}
