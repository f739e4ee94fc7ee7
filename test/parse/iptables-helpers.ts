/** Shared by the iptables-save tests: parse with a fixed source label, and compare records without their positions. */
import { parseIptablesSave } from '../../src/parse/iptables-save.js';
import type { IptablesSave } from '../../src/parse/types.js';
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
