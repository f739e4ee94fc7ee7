/**
 * The report a person reads: findings grouped by severity (errors first), each with its evidence and fix;
 * then what could not be checked, so that a partial snapshot never reads as "all clear"; then one summary line.
 */
import type { AuditResult, Finding, Severity } from '../engine/types.js';
import { SEVERITIES } from '../engine/types.js';
import { clip } from '../parse/common.js';
import { COLOURS, NO_COLOURS, type Palette } from './colour.js';
import { addSummaries, describeSubject, isPartial, plural, summaryLine } from './describe.js';
import { printable, printableLine } from './escape.js';
import { evidenceWhere } from './evidence-where.js';

export interface TextOptions {
  colour?: boolean;
}

const HEADINGS: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Info' };

export function formatText(result: AuditResult, options: TextOptions = {}): string {
  const c = options.colour ? COLOURS : NO_COLOURS;
  const out: string[] = [...header(result, c), ''];

  for (const severity of SEVERITIES) {
    const group = result.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    out.push(c.bold(`${HEADINGS[severity]} (${group.length})`), '');
    for (const finding of group) out.push(...formatFinding(finding, c), '');
  }
  if (result.findings.length) out.push(c.dim('Why a rule matters and how it decides: netaudit explain RULE-ID'), '');

  const notChecked = notCheckedSection(result);
  if (notChecked.length) out.push(c.bold('Not checked'), ...notChecked, '');

  if (result.findings.length === 0) {
    out.push(isPartial(result) ? 'No findings in what could be checked: see "Not checked" above.' : 'No findings.', '');
  }
  // A baseline can hold hundreds of findings: counted here, listed with their reasons by --format json and sarif.
  if (result.suppressed.length > 0) {
    const count = plural(result.suppressed.length, 'finding');
    out.push(c.dim(`${count} suppressed by a baseline or waiver, not listed (--format json lists them with the reason)`), '');
  }
  out.push(summaryLine(result.summary, result.suppressed));
  return `${out.join('\n')}\n`;
}

/** Several inputs: one report each, then the total. */
export function formatTextReports(results: readonly AuditResult[], options: TextOptions = {}): string {
  if (results.length === 1 && results[0]) return formatText(results[0], options);
  const reports = results.map((r) => formatText(r, options));
  const total = summaryLine(
    addSummaries(results.map((r) => r.summary)),
    results.flatMap((r) => r.suppressed),
  );
  return `${reports.join('\n')}\nTotal over ${plural(results.length, 'input')}: ${total}\n`;
}

function header(result: AuditResult, c: Palette): string[] {
  const lines = [c.bold(`netaudit report for ${printableLine(result.input)}`)];
  const { hostname, kernel, collectedAt, collector } = result.host;
  const facts = [
    hostname && `host ${hostname}`,
    kernel && `kernel ${kernel}`,
    collectedAt && `collected ${collectedAt}`,
    collector && `by ${collector}`,
  ].filter((x): x is string => Boolean(x));
  if (facts.length) lines.push(c.dim(printableLine(facts.join(', '))));
  return lines;
}

function formatFinding(finding: Finding, c: Palette): string[] {
  const label = c[finding.severity](`[${finding.severity}]`);
  const lines = [`${label} ${c.bold(finding.ruleId)} on ${printableLine(describeSubject(finding.subject))}`];
  lines.push(...indent(printable(finding.message), '  '));
  for (const ev of finding.evidence) {
    lines.push(c.dim(`    ${printableLine(evidenceWhere(ev))}  `) + printableLine(clip(ev.text)));
  }
  if (finding.remediation) lines.push(...indent(`Fix: ${printable(finding.remediation)}`, '  '));
  return lines;
}

function notCheckedSection(result: AuditResult): string[] {
  const lines: string[] = [];
  for (const s of result.skipped) {
    lines.push(`  rule ${printableLine(s.ruleId)} skipped: ${printableLine(s.reason)}`);
  }
  for (const group of groupUnavailable(result.summary.unavailableSources)) lines.push(`  ${printableLine(group)}`);
  return lines;
}

/**
 * "host/iptables-save: not collected (no iptables-save.txt in DIR)" for a dozen sources reads as noise:
 * one line per namespace and reason ("host: iptables-save, ip6-route (not collected)"), in first-seen order.
 */
export function groupUnavailable(entries: readonly string[]): string[] {
  const groups = new Map<string, { where: string; reason: string; sources: string[] }>();
  const lines: (string | { where: string; reason: string; sources: string[] })[] = [];
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    const colon = entry.indexOf(': ', slash + 1);
    if (slash <= 0 || colon === -1) {
      lines.push(entry);
      continue;
    }
    const namespace = entry.slice(0, slash);
    const reason = entry.slice(colon + 2);
    // The trailing detail ("(no iptables-save.txt in DIR)") differs per source; the reason before it groups them.
    const paren = reason.endsWith(')') ? reason.lastIndexOf(' (') : -1;
    const where = namespace === 'host' ? 'host' : `netns ${namespace}`;
    const short = paren > 0 ? reason.slice(0, paren) : reason;
    const key = `${where}\u0000${short}`;
    let group = groups.get(key);
    if (!group) {
      group = { where, reason: short, sources: [] };
      groups.set(key, group);
      lines.push(group);
    }
    group.sources.push(entry.slice(slash + 1, colon));
  }
  return lines.map((l) => (typeof l === 'string' ? l : `${l.where}: ${l.sources.join(', ')} (${l.reason})`));
}

function indent(text: string, prefix: string): string[] {
  return text.split('\n').map((line) => `${prefix}${line}`);
}
