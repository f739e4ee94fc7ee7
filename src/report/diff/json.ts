/** `netaudit diff --format json`: the `netaudit/diff@1` document (schemas/diff.schema.json), keys always in the same order. */
import type { AuditResult, Finding } from '../../engine/types.js';
import type { DiffOutcome } from '../../diff/outcome.js';
import { DIFF_SCHEMA_ID, isHostContextChange, type Change } from '../../diff/types.js';
import type { Evidence } from '../../parse/common.js';
import { clip } from '../../parse/common.js';
import { REPORT_TEXT_MAX } from '../bounds.js';
import { diffFails } from './gate.js';

export function formatDiffJson(outcome: DiffOutcome): string {
  const { findings } = outcome;
  const count = (severity: string): number => findings.introduced.filter((f) => f.severity === severity).length;
  const document = {
    schema: DIFF_SCHEMA_ID,
    before: side(outcome.before),
    after: side(outcome.after),
    changes: outcome.changes.map(orderedChange),
    findings: {
      introduced: findings.introduced.map(orderedFinding),
      resolved: findings.resolved.map(orderedFinding),
      unchanged: findings.unchanged.length,
      notChecked: findings.notChecked.map(orderedFinding),
    },
    summary: {
      changes: outcome.changes.length,
      hostContext: outcome.changes.filter((c) => isHostContextChange(c)).length,
      introduced: { errors: count('error'), warnings: count('warning'), infos: count('info') },
      resolved: findings.resolved.length,
      unchanged: findings.unchanged.length,
      notChecked: findings.notChecked.length,
      failOn: outcome.failOn,
      failed: diffFails(outcome),
    },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function side(r: AuditResult) {
  const { hostname, kernel, collectedAt, collector } = r.host;
  const host: AuditResult['host'] = {};
  if (hostname !== undefined) host.hostname = hostname;
  if (kernel !== undefined) host.kernel = kernel;
  if (collectedAt !== undefined) host.collectedAt = collectedAt;
  if (collector !== undefined) host.collector = collector;
  return { input: r.input, host };
}

function orderedChange(c: Change): Change {
  return {
    kind: c.kind,
    namespace: c.namespace,
    name: c.name,
    before: c.before,
    after: c.after,
    evidence: c.evidence.map((e) => ({ side: e.side, source: e.source, line: e.line, text: e.text })),
  };
}

function orderedFinding(f: Finding): Finding {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    title: f.title,
    subject: { kind: f.subject.kind, name: f.subject.name, namespace: f.subject.namespace },
    message: clip(f.message, REPORT_TEXT_MAX),
    evidence: f.evidence.map(orderedEvidence),
    remediation: f.remediation,
  };
}

function orderedEvidence(e: Evidence): Evidence {
  const text = clip(e.text, REPORT_TEXT_MAX);
  return e.primary ? { source: e.source, line: e.line, text, primary: true } : { source: e.source, line: e.line, text };
}
