/**
 * `netaudit diff --format sarif`: the after audit as `audit --baseline` would write it (gate.ts), each result
 * with its SARIF `baselineState`: `new` for a finding the change introduced, `unchanged` (and suppressed as
 * accepted) for one the before snapshot had too. Resolved findings are no alerts: they are listed under the
 * run's `properties.diff` with the changes, which also keep their evidence.
 */
import type { DiffOutcome } from '../../diff/outcome.js';
import { describeSubject } from '../describe.js';
import { formatSarifReports } from '../sarif.js';
import type { SourceLocator } from '../sarif-locations.js';
import { gatedAfter } from './gate.js';

interface SarifLog {
  runs: { results: { baselineState?: string }[]; properties?: Record<string, unknown> }[];
}

export function formatDiffSarif(outcome: DiffOutcome, sources: SourceLocator): string {
  const log = JSON.parse(formatSarifReports([gatedAfter(outcome)], sources)) as SarifLog;
  const run = log.runs[0];
  if (run) {
    // formatSarifReports lists the findings first, then the suppressed ones: introduced, then unchanged.
    const introduced = outcome.findings.introduced.length;
    run.results.forEach((result, i) => {
      result.baselineState = i < introduced ? 'new' : 'unchanged';
    });
    run.properties = {
      ...run.properties,
      diff: {
        before: outcome.before.input,
        after: outcome.after.input,
        resolved: outcome.findings.resolved.map((f) => ({ ruleId: f.ruleId, subject: describeSubject(f.subject), message: f.message })),
        changes: outcome.changes,
      },
    };
  }
  return `${JSON.stringify(log, null, 2)}\n`;
}
