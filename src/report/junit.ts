/**
 * JUnit XML for Jenkins and GitLab: one testsuite per rule, one testcase per rule × subject evaluated,
 * passes included (a report with no testcase fails Jenkins builds), <failure> for each finding with its
 * evidence, <skipped> for a rule that could not run. Every piece of text is escaped, control characters too.
 */
import type { AuditResult, Finding, RuleMeta, Severity, Subject } from '../engine/types.js';
import { describeSubject } from './describe.js';
import { xmlAttr, xmlText } from './escape.js';

interface SuiteCases {
  ruleId: string;
  severity?: Severity;
  failures: Finding[];
  passes: Subject[];
  skipped?: string;
}

export function formatJunit(result: AuditResult): string {
  return formatJunitReports([result]);
}

/** Several inputs: one document; each input's suites carry it as `hostname`, its testcases as `file` and a name prefix. */
export function formatJunitReports(results: readonly AuditResult[]): string {
  const multi = results.length > 1;
  const suites: string[] = [];
  const totals = { tests: 0, failures: 0, skipped: 0 };

  for (const result of results) {
    for (const suite of groupByRule(result)) {
      const prefix = multi ? `${result.input}: ` : '';
      const cases: string[] = [];
      for (const f of suite.failures) {
        cases.push(testcase(suite.ruleId, prefix + describeSubject(f.subject), result.input, failureElement(f)));
      }
      for (const subject of suite.passes) {
        cases.push(testcase(suite.ruleId, prefix + describeSubject(subject), result.input));
      }
      if (suite.skipped !== undefined) {
        const skipped = `<skipped message="${xmlAttr(suite.skipped)}"/>`;
        cases.push(testcase(suite.ruleId, `${prefix}not evaluated`, result.input, skipped));
      }
      const skippedCount = suite.skipped === undefined ? 0 : 1;
      totals.tests += cases.length;
      totals.failures += suite.failures.length;
      totals.skipped += skippedCount;
      const attrs =
        `name="${xmlAttr(suite.ruleId)}" tests="${cases.length}" failures="${suite.failures.length}" errors="0" ` +
        `skipped="${skippedCount}" time="0" hostname="${xmlAttr(result.host.hostname ?? result.input)}"`;
      const properties = suite.severity
        ? [`    <properties>`, `      <property name="severity" value="${suite.severity}"/>`, `    </properties>`]
        : [];
      suites.push([`  <testsuite ${attrs}>`, ...properties, ...cases, `  </testsuite>`].join('\n'));
    }
  }

  const head =
    `<testsuites name="netaudit" tests="${totals.tests}" failures="${totals.failures}" errors="0" ` +
    `skipped="${totals.skipped}" time="0">`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites, '</testsuites>', ''].join('\n');
}

/** Suites in the order of the report's rules, then any rule only findings, passes or skips name. */
function groupByRule(result: AuditResult): SuiteCases[] {
  const suites = new Map<string, SuiteCases>();
  const suite = (ruleId: string, meta?: RuleMeta): SuiteCases => {
    let s = suites.get(ruleId);
    if (!s) {
      s = { ruleId, failures: [], passes: [] };
      suites.set(ruleId, s);
    }
    if (meta) s.severity = meta.severity;
    return s;
  };
  for (const meta of result.rules) suite(meta.id, meta);
  for (const f of result.findings) {
    const s = suite(f.ruleId);
    s.severity ??= f.severity;
    s.failures.push(f);
  }
  for (const p of result.passed) suite(p.ruleId).passes.push(p.subject);
  for (const s of result.skipped) suite(s.ruleId).skipped = s.reason;
  return [...suites.values()];
}

function testcase(ruleId: string, name: string, file: string, body?: string): string {
  const open = `    <testcase classname="${xmlAttr(ruleId)}" name="${xmlAttr(name)}" file="${xmlAttr(file)}" time="0"`;
  return body === undefined ? `${open}/>` : `${open}>\n      ${body}\n    </testcase>`;
}

function failureElement(f: Finding): string {
  const evidence = f.evidence.map((e) => `${e.source}:${e.line}  ${e.text}`);
  const body = [f.message, '', ...evidence, ...(evidence.length ? [''] : []), `Fix: ${f.remediation}`].join('\n');
  return `<failure message="${xmlAttr(f.message)}" type="${f.severity}">${xmlText(body)}</failure>`;
}
