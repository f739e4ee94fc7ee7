/**
 * A large Kubernetes node (hundreds of veths × every rule) makes large reports: every format must carry all
 * of it, nothing dropped or merged. Their speed is measured by `npm run bench`, never by a timed test.
 */
import { describe, expect, it } from 'vitest';
import { REPORT_FORMATS, renderReports } from '../../src/report/index.js';
import { finding, mixedResult } from './results.js';

function largeResult(findings: number, passes: number) {
  const result = mixedResult();
  for (let i = 0; i < findings; i++) {
    result.findings.push(
      finding('veth-no-master', 'warning', { kind: 'veth', name: `veth${i}`, namespace: i % 2 ? 'host' : `pod${i}` }, [
        { source: 'ip-link', line: i + 1, text: `{"ifindex":${i},"ifname":"veth${i}","flags":["BROADCAST","MULTICAST","UP"]}` },
        { source: 'sysctl', line: i + 1, text: `net.ipv4.conf.veth${i}.forwarding = 0` },
      ]),
    );
  }
  for (let i = 0; i < passes; i++) {
    result.passed.push({ ruleId: `rule-${i % 30}`, subject: { kind: 'interface', name: `veth${i}`, namespace: 'host' } });
  }
  return result;
}

describe('report size', () => {
  it('formats 2,000 findings and 40,000 passing evaluations in every format, completely', () => {
    const result = largeResult(2_000, 40_000);
    const findings = result.findings.length;
    const out = Object.fromEntries(REPORT_FORMATS.map((format) => [format, renderReports([result], format, { colour: false, failOn: 'error' })]));
    expect(JSON.parse(out.json!).findings).toHaveLength(findings);
    expect(JSON.parse(out.sarif!).runs[0].results).toHaveLength(findings);
    // One testcase per finding, per passing evaluation, and per skipped rule.
    expect(out.junit!.match(/<testcase /g)).toHaveLength(findings + result.passed.length + result.skipped.length);
    expect(out.text!.match(/^\[(error|warning|info)\] /gm)).toHaveLength(findings);
    expect(JSON.parse(out.salt!).findings).toHaveLength(findings);
  });
});
