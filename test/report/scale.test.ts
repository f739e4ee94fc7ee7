/**
 * Reports stay linear in the number of findings and evaluations: a large Kubernetes node (hundreds of veths ×
 * every rule) must not make a formatter the slow part. The bound is generous; a quadratic step would blow it.
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
  it('formats 2,000 findings and 40,000 passing evaluations in every format quickly', () => {
    const result = largeResult(2_000, 40_000);
    const started = performance.now();
    for (const format of REPORT_FORMATS) {
      const out = renderReports([result], format, { colour: false, failOn: 'error' });
      expect(out.length).toBeGreaterThan(0);
    }
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
