/**
 * JUnit XML for Jenkins and GitLab: one testsuite per rule, one testcase per rule × subject evaluated,
 * passes included (a report with no testcase fails Jenkins builds), <skipped> for a rule that could not run.
 * A finding at or above --fail-on is a <failure> with its evidence; one below it, or one a baseline or waiver
 * suppresses, is a passing testcase that tells it in <system-out>: the testcases fail exactly when the exit
 * code does, so Jenkins does not mark unstable a build the gate passed. Every piece of text is escaped,
 * control characters too.
 */
import type { AuditResult, Finding, RuleMeta, Severity, Subject, SuppressedFinding } from '../engine/types.js';
import { describeSubject, failsAt, suppressionText } from './describe.js';
import { xmlAttr, xmlText } from './escape.js';
import { evidenceWhere } from './evidence-where.js';

export interface JunitOptions {
  /** The lowest severity that fails a testcase, as --fail-on: `none` fails none. */
  failOn: Severity | 'none';
}

interface SuiteCases {
  ruleId: string;
  severity?: Severity;
  findings: Finding[];
  suppressed: SuppressedFinding[];
  passes: Subject[];
  skipped?: string;
}

export function formatJunit(result: AuditResult, options: JunitOptions = { failOn: 'error' }): string {
  return formatJunitReports([result], options);
}

/** Several inputs: one document; each input's suites carry it as `hostname`, its testcases as `file` and a name prefix. */
export function formatJunitReports(results: readonly AuditResult[], options: JunitOptions = { failOn: 'error' }): string {
  const multi = results.length > 1;
  const suites: string[] = [];
  const totals = { tests: 0, failures: 0, skipped: 0 };

  for (const result of results) {
    for (const suite of groupByRule(result)) {
      const prefix = multi ? `${result.input}: ` : '';
      const cases: string[] = [];
      let failures = 0;
      for (const f of suite.findings) {
        const name = prefix + describeSubject(f.subject);
        if (failsAt({ findings: [f] }, options.failOn)) {
          failures++;
          cases.push(testcase(suite.ruleId, name, result.input, failureElement(f)));
        } else {
          cases.push(testcase(suite.ruleId, name, result.input, systemOut(`${f.severity} below --fail-on ${options.failOn}: ${findingText(f)}`)));
        }
      }
      for (const f of suite.suppressed) {
        const name = prefix + describeSubject(f.subject);
        cases.push(testcase(suite.ruleId, name, result.input, systemOut(`${suppressionText(f)}\n\n${f.severity}: ${findingText(f)}`)));
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
      totals.failures += failures;
      totals.skipped += skippedCount;
      const attrs =
        `name="${xmlAttr(suite.ruleId)}" tests="${cases.length}" failures="${failures}" errors="0" ` +
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
      s = { ruleId, findings: [], suppressed: [], passes: [] };
      suites.set(ruleId, s);
    }
    if (meta) s.severity = meta.severity;
    return s;
  };
  for (const meta of result.rules) suite(meta.id, meta);
  for (const f of result.findings) {
    const s = suite(f.ruleId);
    s.severity ??= f.severity;
    s.findings.push(f);
  }
  for (const f of result.suppressed) {
    const s = suite(f.ruleId);
    s.severity ??= f.severity;
    s.suppressed.push(f);
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
  return `<failure message="${xmlAttr(f.message)}" type="${f.severity}">${xmlText(findingText(f))}</failure>`;
}

function systemOut(text: string): string {
  return `<system-out>${xmlText(text)}</system-out>`;
}

/** The message, the quoted evidence and the fix. */
function findingText(f: Finding): string {
  const evidence = f.evidence.map((e) => `${evidenceWhere(e)}  ${e.text}`);
  return [f.message, '', ...evidence, ...(evidence.length ? [''] : []), `Fix: ${f.remediation}`].join('\n');
}
