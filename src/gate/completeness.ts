/**
 * What an audit could not check. Nothing checked is never a pass: an audit in which no rule could run fails
 * (exit 2) with what was missing. `--strict`, for gates that must see a complete host, also fails on any
 * skipped rule, any unreadable source and any parser note that left input out of the model.
 */
import type { AuditResult } from '../engine/types.js';
import type { ParseNote } from '../parse/common.js';

/** Why nothing was checked, or undefined when some rule ran. */
export function nothingChecked(result: AuditResult): string | undefined {
  if (result.summary.rulesEvaluated > 0) return undefined;
  if (result.rules.length === 0) return 'nothing was checked: no rule was selected';
  const reasons = [...new Set(result.skipped.map((s) => s.reason))];
  const count = result.summary.rulesSkipped;
  const skipped = count === 1 ? 'the one rule selected was skipped' : `all ${count} rules were skipped`;
  return `nothing was checked: ${skipped}, because ${reasons.join('; ')}`;
}

/** How many dropped-input notes `--strict` names one by one before counting the rest. */
const MAX_DROPPED_NAMED = 10;

/**
 * Every reason `--strict` fails a result: its skipped rules (one line per reason, naming the rules), its
 * unreadable sources, and the notes that dropped input.
 */
export function strictReasons(result: AuditResult, unreadable: readonly string[], notes: readonly ParseNote[]): string[] {
  const reasons: string[] = [];
  const rulesByReason = new Map<string, string[]>();
  for (const s of result.skipped) {
    const ids = rulesByReason.get(s.reason) ?? [];
    if (!ids.includes(s.ruleId)) ids.push(s.ruleId);
    rulesByReason.set(s.reason, ids);
  }
  for (const [reason, ids] of rulesByReason) {
    reasons.push(`${ids.length === 1 ? 'rule' : `${ids.length} rules`} skipped (${ids.join(', ')}): ${reason}`);
  }
  for (const message of unreadable) reasons.push(`unreadable source: ${message}`);
  const dropped = notes.filter((n) => n.dropped);
  for (const n of dropped.slice(0, MAX_DROPPED_NAMED)) {
    reasons.push(`input dropped: ${n.source}: ${n.line === undefined ? '' : `line ${n.line}: `}${n.message}`);
  }
  if (dropped.length > MAX_DROPPED_NAMED) reasons.push(`input dropped: ${dropped.length - MAX_DROPPED_NAMED} more notes (\`netaudit show\` lists them all)`);
  return reasons;
}
