/**
 * Salt `cmd.run` with `stateful: True`: stdout is exactly one JSON object on one line. `changed` is always
 * false (an audit changes nothing), `comment` is a one-line verdict Salt shows as the state's comment, and
 * `result` mirrors the exit code (Salt takes the state's result from the exit code, not from this field).
 */
import type { AuditResult, Severity } from '../engine/types.js';
import { addSummaries, describeSubject, failsAt, isPartial, plural, severityCounts } from './describe.js';
import { printableLine } from './escape.js';

export interface SaltOptions {
  failOn: Severity | 'none';
  /**
   * What stands in the way of a verdict: an input that could not be audited, an unreadable source. The command
   * exits 2, so the state fails, and its comment must say why rather than "passed" on the inputs that were.
   */
  problems?: readonly string[];
}

/** One object for all inputs: the state fails when any input fails. */
export function formatSalt(list: readonly AuditResult[], options: SaltOptions): string {
  const total = addSummaries(list.map((r) => r.summary));
  const problems = options.problems ?? [];
  const failed = problems.length > 0 || list.some((r) => failsAt(r, options.failOn));
  const skipped = total.rulesSkipped;
  const inputs = list.length === 1 ? (list[0]?.input ?? '') : plural(list.length, 'input');

  const verdict = failed ? 'FAILED' : 'passed';
  const threshold = options.failOn === 'none' ? 'no threshold' : `fail on ${options.failOn}`;
  const partial = list.some(isPartial)
    ? `; NOT fully checked: ${plural(skipped, 'rule')} skipped, ${plural(total.unavailableSources.length, 'source')} unavailable`
    : '';
  // Suppressed findings are accepted: counted in the comment, never failing the state.
  const suppressed = total.suppressed > 0 ? `; ${total.suppressed} suppressed` : '';
  const unverified =
    problems.length === 0 ? '' : `; NOT verified: ${problems[0]}${problems.length > 1 ? ` (and ${plural(problems.length - 1, 'more problem')})` : ''}`;
  const comment = printableLine(`netaudit ${verdict} (${threshold}) on ${inputs}: ${severityCounts(total)}${suppressed}${partial}${unverified}`);

  return `${JSON.stringify({
    changed: false,
    comment,
    result: !failed,
    errors: total.errors,
    warnings: total.warnings,
    infos: total.infos,
    suppressed: total.suppressed,
    rulesSkipped: skipped,
    unavailableSources: total.unavailableSources,
    problems: [...problems],
    findings: list.flatMap((r) =>
      r.findings.map((f) => ({
        input: r.input,
        ruleId: f.ruleId,
        severity: f.severity,
        subject: describeSubject(f.subject),
        message: f.message,
      })),
    ),
  })}\n`;
}
