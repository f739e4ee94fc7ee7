/**
 * The report formats `netaudit audit --format` offers, each a pure function of the audit results.
 */
import type { AuditResult, Severity } from '../engine/types.js';
import { formatJsonReports } from './json.js';
import { formatJunitReports } from './junit.js';
import { formatSalt } from './salt.js';
import { formatSarifReports, type SarifOptions } from './sarif.js';
import { formatTextReports } from './text.js';
import { clip } from '../parse/common.js';

export const REPORT_FORMATS = ['text', 'json', 'sarif', 'junit', 'salt'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  colour: boolean;
  failOn: Severity | 'none';
  artifactPath?: SarifOptions['artifactPath'];
}

export function renderReports(all: readonly AuditResult[], format: ReportFormat, options: ReportOptions): string {
  const results = all.map(bounded);
  switch (format) {
    case 'text':
      return formatTextReports(results, { colour: options.colour });
    case 'json':
      return formatJsonReports(results);
    case 'sarif':
      return formatSarifReports(results, options.artifactPath ? { artifactPath: options.artifactPath } : {});
    case 'junit':
      return formatJunitReports(results);
    case 'salt':
      return formatSalt(results, { failOn: options.failOn });
  }
}

export { formatJson } from './json.js';
export { formatJunit } from './junit.js';
export { formatSarif } from './sarif.js';
export { formatText } from './text.js';
export { formatSalt } from './salt.js';

/** Longest message or evidence text a report quotes: a 100 MB line in a snapshot must not make a 100 MB report. */
export const REPORT_TEXT_MAX = 2000;

function bounded(result: AuditResult): AuditResult {
  const long = (text: string) => text.length > REPORT_TEXT_MAX;
  if (!result.findings.some((f) => long(f.message) || f.evidence.some((e) => long(e.text)))) return result;
  return {
    ...result,
    findings: result.findings.map((f) => ({
      ...f,
      message: clip(f.message, REPORT_TEXT_MAX),
      evidence: f.evidence.map((e) => ({ source: e.source, line: e.line, text: clip(e.text, REPORT_TEXT_MAX) })),
    })),
  };
}
