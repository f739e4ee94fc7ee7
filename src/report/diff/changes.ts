/** The changes as plain lines, with the evidence of each: for the text report, JUnit and SARIF. */
import type { Change } from '../../diff/types.js';
import { clip } from '../../parse/common.js';
import { changeLine } from './text.js';

export function diffChangeLines(changes: readonly Change[]): string[] {
  const lines: string[] = [];
  for (const change of changes) {
    lines.push(changeLine(change));
    for (const e of change.evidence) lines.push(`    ${e.side} ${e.source}:${e.line}  ${clip(e.text)}`);
  }
  return lines;
}
