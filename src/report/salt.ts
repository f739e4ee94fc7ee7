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
}

/** One object for all inputs: the state fails when any input fails. */
export function formatSalt(list: readonly AuditResult[], options: SaltOptions): string {
  const total = addSummaries(list.map((r) => r.summary));
  const failed = list.some((r) => failsAt(r, options.failOn));
  const skipped = total.rulesSkipped;
  const inputs = list.length === 1 ? (list[0]?.input ?? '') : plural(list.length, 'input');

  const verdict = failed ? 'FAILED' : 'passed';
  const threshold = options.failOn === 'none' ? 'no threshold' : `fail on ${options.failOn}`;
  const partial = list.some(isPartial)
    ? `; NOT fully checked: ${plural(skipped, 'rule')} skipped, ${plural(total.unavailableSources.length, 'source')} unavailable`
    : '';
  // Suppressed findings are accepted: counted in the comment, never failing the state.
  const suppressed = total.suppressed > 0 ? `; ${total.suppressed} suppressed` : '';
  const comment = printableLine(`netaudit ${verdict} (${threshold}) on ${inputs}: ${severityCounts(total)}${suppressed}${partial}`);

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
