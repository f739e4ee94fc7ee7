/**
 * The after audit as the diff gate sees it: the findings the change introduced count, the ones the before
 * audit had too are suppressed as a baseline would suppress them. JUnit and SARIF render this with the
 * audit's own formatters, so a diff gate reads like `audit --baseline`.
 */
import type { AuditResult, SuppressedFinding } from '../../engine/types.js';
import type { DiffOutcome } from '../../diff/outcome.js';
import { failsAt } from '../describe.js';

export function gatedAfter(outcome: DiffOutcome): AuditResult {
  const { after, before, findings } = outcome;
  const unchanged = findings.unchanged.map(
    (f): SuppressedFinding => ({
      ...f,
      suppression: { kind: 'baseline', justification: `also in ${before.input}: not introduced by the change`, file: before.input },
    }),
  );
  const count = (severity: string): number => findings.introduced.filter((f) => f.severity === severity).length;
  return {
    ...after,
    findings: findings.introduced,
    suppressed: [...unchanged, ...after.suppressed],
    summary: { ...after.summary, errors: count('error'), warnings: count('warning'), infos: count('info'), suppressed: unchanged.length + after.suppressed.length },
  };
}

/** Whether the diff fails its gate: a finding at or above --fail-on was introduced. */
export function diffFails(outcome: DiffOutcome): boolean {
  return failsAt({ findings: outcome.findings.introduced }, outcome.failOn);
}
