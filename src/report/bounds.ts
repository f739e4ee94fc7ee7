/**
 * How much of a long text a report quotes: a 100 MB line in a snapshot must not make a 100 MB report.
 */
import type { AuditResult, Finding } from '../engine/types.js';
import { clip } from '../parse/common.js';

/** Longest message or evidence text a report quotes. */
export const REPORT_TEXT_MAX = 2000;

/** The result with every message and evidence text clipped at REPORT_TEXT_MAX (the same object when none is longer). */
export function bounded(result: AuditResult): AuditResult {
  const long = (text: string) => text.length > REPORT_TEXT_MAX;
  const isLong = (f: Finding) => long(f.message) || f.evidence.some((e) => long(e.text));
  if (!result.findings.some(isLong) && !result.suppressed.some(isLong)) return result;
  return {
    ...result,
    findings: result.findings.map(boundedFinding),
    suppressed: result.suppressed.map(boundedFinding),
  };
}

function boundedFinding<F extends Finding>(f: F): F {
  return {
    ...f,
    message: clip(f.message, REPORT_TEXT_MAX),
    evidence: f.evidence.map((e) => ({ ...e, text: clip(e.text, REPORT_TEXT_MAX) })),
  };
}
