/**
 * Wording shared by every report: how a subject, a severity count and a summary read.
 */
import type { AuditResult, AuditSummary, Severity, Subject, SuppressedFinding } from '../engine/types.js';
import { SEVERITY_RANK } from '../engine/types.js';

/** "interface veth1", "interface veth1 (netns blue)", "host", "host (netns blue)". */
export function describeSubject(subject: Subject): string {
  const what = subject.kind === subject.name || subject.name === '' ? subject.kind : `${subject.kind} ${subject.name}`;
  return subject.namespace === 'host' ? what : `${what} (netns ${subject.namespace})`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "3 errors, 1 warning, 0 info" */
export function severityCounts(summary: Pick<AuditSummary, 'errors' | 'warnings' | 'infos'>): string {
  return `${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')}, ${summary.infos} info`;
}

/**
 * "3 errors, 1 warning, 0 info; 27 rules on 84 subjects; 2 rules skipped", and when a baseline or waiver
 * suppressed findings "; 2 suppressed (baseline 1, waiver 1)" (the kinds counted from `suppressed`).
 */
export function summaryLine(summary: AuditSummary, suppressed: readonly Pick<SuppressedFinding, 'suppression'>[] = []): string {
  const line =
    `${severityCounts(summary)}; ` +
    `${plural(summary.rulesEvaluated, 'rule')} on ${plural(summary.subjectsEvaluated, 'subject')}; ` +
    `${plural(summary.rulesSkipped, 'rule')} skipped`;
  if (summary.suppressed === 0) return line;
  const kinds = (['baseline', 'waiver'] as const)
    .map((kind) => [kind, suppressed.filter((f) => f.suppression.kind === kind).length] as const)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${count}`);
  return `${line}; ${summary.suppressed} suppressed${kinds.length ? ` (${kinds.join(', ')})` : ''}`;
}

/** "suppressed by waiver (.netaudit, expires 2026-06-30): the legacy VPN needs it" */
export function suppressionText(f: Pick<SuppressedFinding, 'suppression'>): string {
  const { kind, justification, file, expires } = f.suppression;
  return `suppressed by ${kind} (${file}${expires ? `, expires ${expires}` : ''}): ${justification}`;
}

/** Whether the result has a finding at or above the threshold; `none` never fails. */
export function failsAt(result: Pick<AuditResult, 'findings'>, threshold: Severity | 'none'): boolean {
  if (threshold === 'none') return false;
  const min = SEVERITY_RANK[threshold];
  return result.findings.some((f) => SEVERITY_RANK[f.severity] >= min);
}

/** Whether some of the configuration could not be checked (rules skipped, sources unavailable). */
export function isPartial(result: Pick<AuditResult, 'skipped' | 'summary'>): boolean {
  return result.skipped.length > 0 || result.summary.unavailableSources.length > 0;
}

/** Sum of several inputs' summaries (subjects and rules add up: each input is its own audit). */
export function addSummaries(summaries: readonly AuditSummary[]): AuditSummary {
  const total: AuditSummary = {
    errors: 0,
    warnings: 0,
    infos: 0,
    rulesEvaluated: 0,
    rulesSkipped: 0,
    subjectsEvaluated: 0,
    suppressed: 0,
    unavailableSources: [],
  };
  for (const s of summaries) {
    total.errors += s.errors;
    total.warnings += s.warnings;
    total.infos += s.infos;
    total.rulesEvaluated += s.rulesEvaluated;
    total.rulesSkipped += s.rulesSkipped;
    total.subjectsEvaluated += s.subjectsEvaluated;
    total.suppressed += s.suppressed;
    total.unavailableSources.push(...s.unavailableSources);
  }
  return total;
}
