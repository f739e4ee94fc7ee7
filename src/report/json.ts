/**
 * The JSON report: the `netaudit/report@1` contract (src/engine/types.ts AuditResult), keys always in the
 * same order whatever order the engine built its objects in, so reports diff cleanly. The list of passed
 * rule × subject evaluations is left out (JUnit shows them): on a Kubernetes node it is 100k+ entries
 * that say nothing the summary's counts do not.
 */
import type { AuditResult, Finding, RuleMeta, Subject } from '../engine/types.js';
import type { Evidence } from '../parse/common.js';

export function formatJson(result: AuditResult): string {
  return `${JSON.stringify(orderedReport(result), null, 2)}\n`;
}

/** Several inputs: JSON Lines, one complete report object per line, in input order. */
/** One input: one pretty document. Several inputs: JSON Lines, one report a line (`lines`), whatever became of the others. */
export function formatJsonReports(results: readonly AuditResult[], lines = results.length > 1): string {
  if (!lines && results.length === 1 && results[0]) return formatJson(results[0]);
  return results.map((r) => `${JSON.stringify(orderedReport(r))}\n`).join('');
}

export type JsonReport = Omit<AuditResult, 'passed'>;

export function orderedReport(r: AuditResult): JsonReport {
  return {
    schema: r.schema,
    input: r.input,
    host: {
      hostname: r.host.hostname,
      kernel: r.host.kernel,
      collectedAt: r.host.collectedAt,
      collector: r.host.collector,
    },
    findings: r.findings.map(orderedFinding),
    suppressed: r.suppressed.map((f) => ({ ...orderedFinding(f), suppression: { ...f.suppression } })),
    skipped: r.skipped.map((s) => ({ ruleId: s.ruleId, reason: s.reason })),
    rules: r.rules.map(orderedRule),
    summary: {
      errors: r.summary.errors,
      warnings: r.summary.warnings,
      infos: r.summary.infos,
      rulesEvaluated: r.summary.rulesEvaluated,
      rulesSkipped: r.summary.rulesSkipped,
      subjectsEvaluated: r.summary.subjectsEvaluated,
      suppressed: r.summary.suppressed,
      unavailableSources: [...r.summary.unavailableSources],
    },
  };
}

function orderedFinding(f: Finding): Finding {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    title: f.title,
    subject: orderedSubject(f.subject),
    message: f.message,
    evidence: f.evidence.map(orderedEvidence),
    remediation: f.remediation,
  };
}

function orderedSubject(s: Subject): Subject {
  return { kind: s.kind, name: s.name, namespace: s.namespace };
}

function orderedEvidence(e: Evidence): Evidence {
  const out: Evidence = { source: e.source, line: e.line, text: e.text };
  if (e.origin) out.origin = { file: e.origin.file, line: e.origin.line };
  if (e.primary) out.primary = true;
  return out;
}

function orderedRule(m: RuleMeta): RuleMeta {
  return {
    id: m.id,
    title: m.title,
    severity: m.severity,
    subject: m.subject,
    rationale: m.rationale,
    remediation: m.remediation,
    references: [...m.references],
    requires: [...m.requires],
    origin: m.origin,
    deprecated: m.deprecated,
    aliases: m.aliases && [...m.aliases],
  };
}
