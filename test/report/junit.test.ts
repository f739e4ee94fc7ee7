import { describe, expect, it } from 'vitest';
import { formatJunit, formatJunitReports } from '../../src/report/junit.js';
import { cleanResult, finding, hostSubject, mixedResult, suppressedResult } from './results.js';
import { childrenNamed, parseXml, type XmlElement } from './xml-tree.js';

function suiteOf(root: XmlElement, name: string): XmlElement {
  const suite = childrenNamed(root, 'testsuite').find((s) => s.attributes.name === name);
  if (!suite) throw new Error(`no testsuite ${name}`);
  return suite;
}

describe('junit report', () => {
  it('has one testsuite per rule and one testcase per rule × subject, passes included', () => {
    const root = parseXml(formatJunit(mixedResult()));
    expect(root.name).toBe('testsuites');
    const suites = childrenNamed(root, 'testsuite').map((s) => s.attributes.name);
    expect(suites).toEqual([
      'ip-forward-disabled',
      'docker-forward-drop',
      'veth-no-master',
      'rp-filter-strict',
      'published-port-unreachable',
      'iface-forwarding-disabled',
    ]);
    const iface = suiteOf(root, 'iface-forwarding-disabled');
    expect(iface.attributes).toMatchObject({ tests: '2', failures: '0', skipped: '0' });
    const cases = childrenNamed(iface, 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual(['interface eth0', 'interface docker0']);
    expect(cases.every((c) => c.attributes.classname === 'iface-forwarding-disabled' && c.children.length === 0)).toBe(true);

    const veth = suiteOf(root, 'veth-no-master');
    expect(veth.attributes).toMatchObject({ tests: '2', failures: '0' });
    expect(childrenNamed(veth, 'testcase').map((c) => c.attributes.name)).toEqual(['veth veth1a2b3c', 'veth veth9f8e7d']);

    // --fail-on error (the default): the two errors fail, the warning and the info pass.
    expect(root.attributes).toMatchObject({ tests: '8', failures: '2', skipped: '1', errors: '0' });
  });

  it('puts each finding in a <failure> with its message, evidence and fix', () => {
    const root = parseXml(formatJunit(mixedResult()));
    const [testcase] = childrenNamed(suiteOf(root, 'docker-forward-drop'), 'testcase');
    expect(testcase?.attributes.name).toBe('netfilter-chain filter/FORWARD');
    const [failure] = childrenNamed(testcase!, 'failure');
    expect(failure?.attributes).toMatchObject({ message: 'docker-forward-drop fired', type: 'error' });
    expect(failure?.text).toContain('iptables-save:42  [0:0] -A FORWARD -j DROP');
    expect(failure?.text).toContain('iptables-save:43  [0:0] -A FORWARD -o docker0 -j DOCKER');
    expect(failure?.text).toContain('Fix: Fix docker-forward-drop.');
    const [rp] = childrenNamed(suiteOf(root, 'rp-filter-strict'), 'testcase');
    expect(rp?.attributes.name).toBe('interface eth0 (netns blue)');
  });

  it('marks a skipped rule with <skipped message=reason>', () => {
    const suite = suiteOf(parseXml(formatJunit(mixedResult())), 'published-port-unreachable');
    expect(suite.attributes).toMatchObject({ tests: '1', skipped: '1', failures: '0' });
    const [skipped] = childrenNamed(childrenNamed(suite, 'testcase')[0]!, 'skipped');
    expect(skipped?.attributes.message).toBe('source iptables-save failed in namespace host: permission denied');
  });

  it('escapes markup, quotes and control characters so the document stays well-formed', () => {
    const nasty = 'a<b>&"c\' \u0000\u0001\u001b[31m tab\there\r\nnext \ud800 end';
    const result = cleanResult();
    result.findings = [
      finding('ip-forward-disabled', 'error', { ...hostSubject, name: 'x"<y>' }, [{ source: 'iptables-save', line: 9, text: nasty }], nasty),
    ];
    result.skipped = [{ ruleId: 'r&d', reason: nasty }];
    const xml = formatJunit(result);
    // The reader is strict: raw control characters would not get through it.
    expect(() => parseXml('<a>\u0001</a>')).toThrow();
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    const root = parseXml(xml);
    const failure = childrenNamed(childrenNamed(suiteOf(root, 'ip-forward-disabled'), 'testcase')[0]!, 'failure')[0]!;
    // Markup and whitespace survive exactly; characters XML cannot hold are shown as \uXXXX.
    const visible = 'a<b>&"c\' \\u0000\\u0001\\u001b[31m tab\there\r\nnext \\ud800 end';
    expect(failure.attributes.message).toBe(visible);
    expect(failure.text).toContain('iptables-save:9  a<b>&"c\'');
    expect(childrenNamed(suiteOf(root, 'r&d'), 'testcase')[0]!.children[0]!.attributes.message).toBe(visible);
  });

  it('keeps several inputs apart in one document', () => {
    const root = parseXml(formatJunitReports([mixedResult(), cleanResult()]));
    const forward = childrenNamed(root, 'testsuite').filter((s) => s.attributes.name === 'ip-forward-disabled');
    expect(forward.map((s) => s.attributes.hostname)).toEqual(['web-1', 'db-2']);
    const names = forward.flatMap((s) => childrenNamed(s, 'testcase').map((c) => c.attributes.name));
    expect(names).toEqual(['fixtures/example/snapshot.json: host', 'clean/snapshot.json: host']);
    expect(childrenNamed(forward[1]!, 'testcase')[0]!.attributes.file).toBe('clean/snapshot.json');
  });

  it('fails a testcase only for a finding at or above --fail-on, as the exit code does', () => {
    const failing = (failOn: 'error' | 'warning' | 'info' | 'none') => {
      const root = parseXml(formatJunit(mixedResult(), { failOn }));
      const cases = childrenNamed(root, 'testsuite').flatMap((s) => childrenNamed(s, 'testcase'));
      const failed = cases.filter((c) => childrenNamed(c, 'failure').length > 0).map((c) => c.attributes.classname);
      expect(root.attributes.failures).toBe(String(failed.length));
      return failed.sort();
    };
    expect(failing('error')).toEqual(['docker-forward-drop', 'ip-forward-disabled']);
    expect(failing('warning')).toEqual(['docker-forward-drop', 'ip-forward-disabled', 'veth-no-master']);
    expect(failing('info')).toEqual(['docker-forward-drop', 'ip-forward-disabled', 'rp-filter-strict', 'veth-no-master']);
    expect(failing('none')).toEqual([]);
  });

  it('reports a finding below --fail-on inside its passing testcase, with its evidence', () => {
    const root = parseXml(formatJunit(mixedResult(), { failOn: 'error' }));
    const [testcase] = childrenNamed(suiteOf(root, 'veth-no-master'), 'testcase');
    expect(childrenNamed(testcase!, 'failure')).toEqual([]);
    const [out] = childrenNamed(testcase!, 'system-out');
    expect(out?.text).toContain('warning below --fail-on error: veth-no-master fired');
    expect(out?.text).toContain('ip-link:7  {"ifindex":12,"ifname":"veth1a2b3c"}');
    expect(out?.text).toContain('Fix: Fix veth-no-master.');
  });

  it('keeps a skipped rule <skipped/> whatever --fail-on says', () => {
    const suite = suiteOf(parseXml(formatJunit(mixedResult(), { failOn: 'none' })), 'published-port-unreachable');
    expect(suite.attributes).toMatchObject({ tests: '1', skipped: '1', failures: '0' });
    expect(childrenNamed(childrenNamed(suite, 'testcase')[0]!, 'skipped')).toHaveLength(1);
  });

  it('passes a suppressed finding, telling the suppression in system-out', () => {
    const root = parseXml(formatJunit(suppressedResult(), { failOn: 'info' }));
    expect(root.attributes).toMatchObject({ tests: '2', failures: '0' });
    const [waived] = childrenNamed(suiteOf(root, 'rp-filter-strict'), 'testcase');
    expect(waived?.attributes.name).toBe('interface eth0');
    expect(childrenNamed(waived!, 'failure')).toEqual([]);
    const text = childrenNamed(waived!, 'system-out')[0]?.text ?? '';
    expect(text).toContain('suppressed by waiver (.netaudit, expires 2027-01-31): the uplink is symmetric');
    expect(text).toContain('sysctl:5  net.ipv4.conf.eth0.rp_filter = 1');
    const [baselined] = childrenNamed(suiteOf(root, 'ip-forward-disabled'), 'testcase');
    expect(childrenNamed(baselined!, 'system-out')[0]?.text).toContain('suppressed by baseline (netaudit-baseline.json)');
  });
});
