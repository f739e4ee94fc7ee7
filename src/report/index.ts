/**
 * The report formats `netaudit audit --format` offers, each a pure function of the audit results.
 */
import type { AuditResult, Severity } from '../engine/types.js';
import { formatJsonReports } from './json.js';
import { formatJunitReports } from './junit.js';
import { formatSalt } from './salt.js';
import { formatSarifReports } from './sarif.js';
import type { SourceLocator } from './sarif-locations.js';
import { formatTextReports } from './text.js';
import { bounded } from './bounds.js';
import { formatHtmlAudit } from './html/index.js';
import type { HostView } from '../show/view.js';

export const REPORT_FORMATS = ['text', 'json', 'sarif', 'junit', 'salt', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  colour: boolean;
  failOn: Severity | 'none';
  /** SARIF: the text of the sources findings quote, and the files that hold them where there are such files. */
  sources?: SourceLocator;
  /** JSON: several inputs were given (one JSON document a line, even when only one of them could be audited). */
  severalInputs?: boolean;
  /** What stands in the way of a verdict (an input not audited, an unreadable source): exit 2, and salt fails its state naming them. */
  problems?: readonly string[];
  /** HTML: the host view of each result, in the same order (the topology is drawn from it); without them, no picture. */
  hostViews?: readonly HostView[];
}

export function renderReports(all: readonly AuditResult[], format: ReportFormat, options: ReportOptions): string {
  const results = all.map(bounded);
  switch (format) {
    case 'text':
      return formatTextReports(results, { colour: options.colour });
    case 'json':
      return formatJsonReports(results, options.severalInputs ?? results.length > 1);
    case 'sarif':
      return formatSarifReports(results, options.sources ?? {});
    case 'junit':
      return formatJunitReports(results, { failOn: options.failOn });
    case 'salt':
      return formatSalt(results, { failOn: options.failOn, problems: options.problems ?? [] });
    case 'html':
      // The topology is drawn from each result's host view; without them the page has the findings only.
      if (options.hostViews !== undefined && options.hostViews.length !== results.length) throw new Error('internal: the HTML report needs the host view of every result, or none');
      return formatHtmlAudit(results.map((result, i) => ({ result, view: options.hostViews?.[i] })));
  }
}

export { formatJson } from './json.js';
export { formatJunit } from './junit.js';
export { formatSarif } from './sarif.js';
export { formatText } from './text.js';
export { formatSalt } from './salt.js';

export { REPORT_TEXT_MAX } from './bounds.js';
