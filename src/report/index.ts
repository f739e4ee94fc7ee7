/**
 * The report formats `netaudit audit --format` offers, each a pure function of the audit results.
 */
import type { AuditResult, Severity } from '../engine/types.js';
import { formatJsonReports } from './json.js';
import { formatJunitReports } from './junit.js';
import { formatSalt } from './salt.js';
import { formatSarifReports, type SarifOptions } from './sarif.js';
import { formatTextReports } from './text.js';

export const REPORT_FORMATS = ['text', 'json', 'sarif', 'junit', 'salt'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  colour: boolean;
  failOn: Severity | 'none';
  artifactPath?: SarifOptions['artifactPath'];
}

export function renderReports(results: readonly AuditResult[], format: ReportFormat, options: ReportOptions): string {
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
