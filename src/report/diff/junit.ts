/**
 * `netaudit diff --format junit`: the after audit as `audit --baseline` would write it (gate.ts: a finding
 * the change introduced fails its testcase at or above --fail-on, one the before audit had too passes and
 * says so), and one more testsuite, `netaudit-diff`, with a passing testcase per resolved finding and one
 * listing the changes. Testcases fail exactly when the exit code does.
 */
import type { DiffOutcome } from '../../diff/outcome.js';
import { describeSubject } from '../describe.js';
import { xmlAttr, xmlText } from '../escape.js';
import { formatJunitReports } from '../junit.js';
import { diffChangeLines } from './changes.js';
import { gatedAfter } from './gate.js';

const SUITE = 'netaudit-diff';

export function formatDiffJunit(outcome: DiffOutcome): string {
  const audit = formatJunitReports([gatedAfter(outcome)], { failOn: outcome.failOn });
  const file = outcome.after.input;
  const cases = [
    ...outcome.findings.resolved.map((f) =>
      testcase(`resolved: ${f.ruleId} on ${describeSubject(f.subject)}`, file, `<system-out>${xmlText(`resolved since ${outcome.before.input}: ${f.message}`)}</system-out>`),
    ),
    testcase(`changes since ${outcome.before.input}`, file, `<system-out>${xmlText(diffChangeLines(outcome.changes).join('\n') || 'no changes')}</system-out>`),
  ];
  const suite = [
    `  <testsuite name="${SUITE}" tests="${cases.length}" failures="0" errors="0" skipped="0" time="0" hostname="${xmlAttr(outcome.after.host.hostname ?? file)}">`,
    ...cases,
    '  </testsuite>',
  ].join('\n');
  // One more suite inside the document, its testcases added to the total.
  return audit
    .replace(/^(<testsuites name="netaudit" tests=")(\d+)"/m, (_, head: string, tests: string) => `${head}${Number(tests) + cases.length}"`)
    .replace(/<\/testsuites>\n$/, `${suite}\n</testsuites>\n`);
}

function testcase(name: string, file: string, body: string): string {
  return `    <testcase classname="${SUITE}" name="${xmlAttr(name)}" file="${xmlAttr(file)}" time="0">\n      ${body}\n    </testcase>`;
}
