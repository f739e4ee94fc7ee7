import { describe, expect, it } from 'vitest';
import { wantsColour } from '../../src/report/colour.js';
import { formatText, formatTextReports, groupUnavailable } from '../../src/report/text.js';
import type { AuditResult } from '../../src/engine/types.js';
import { parseSysctl } from '../../src/parse/sysctl.js';
import { renderReports } from '../../src/report/index.js';
import { cleanResult, finding, hostSubject, mixedResult, suppressedResult } from './results.js';

/** "prefix… (N more characters)" read back: what is shown and how many characters it says were cut. */
function clipped(text: string): { shown: string; cut: number } {
  const m = /^(.*)… \((\d+) more characters\)$/s.exec(text);
  return m ? { shown: m[1] ?? '', cut: Number(m[2]) } : { shown: text, cut: 0 };
}

describe('text report', () => {
  it('groups findings by severity, errors first, whatever order the engine produced them in', () => {
    const out = formatText(mixedResult());
    const errors = out.indexOf('Errors (2)');
    const warnings = out.indexOf('Warnings (1)');
    const info = out.indexOf('Info (1)');
    expect(errors).toBeGreaterThan(-1);
    expect(warnings).toBeGreaterThan(errors);
    expect(info).toBeGreaterThan(warnings);
    const ipForward = out.indexOf('[error] ip-forward-disabled on host');
    const docker = out.indexOf('[error] docker-forward-drop on netfilter-chain filter/FORWARD');
    const veth = out.indexOf('[warning] veth-no-master on veth veth1a2b3c');
    expect(ipForward).toBeGreaterThan(errors);
    expect(docker).toBeGreaterThan(errors);
    expect(Math.max(ipForward, docker)).toBeLessThan(warnings);
    expect(veth).toBeGreaterThan(warnings);
    expect(veth).toBeLessThan(info);
  });

  it('quotes every evidence line with its source and line number, and gives message and fix', () => {
    const lines = formatText(mixedResult()).split('\n');
    expect(lines).toContain('    iptables-save:42  [0:0] -A FORWARD -j DROP');
    expect(lines).toContain('    iptables-save:43  [0:0] -A FORWARD -o docker0 -j DOCKER');
    expect(lines).toContain('    sysctl:812  net.ipv4.ip_forward = 0');
    expect(lines).toContain('  net.ipv4.ip_forward is 0 but docker0 has 2 ports');
    expect(lines).toContain('  Fix: Fix ip-forward-disabled.');
  });

  it('names the namespace of a subject outside the host namespace only', () => {
    const out = formatText(mixedResult());
    expect(out).toContain('[info] rp-filter-strict on interface eth0 (netns blue)');
    expect(out).toContain('    netns:blue/sysctl:40  net.ipv4.conf.eth0.rp_filter = 1');
    expect(out).not.toContain('(netns host)');
  });

  it('says what was not checked: skipped rules with their reasons and unavailable sources', () => {
    const out = formatText(mixedResult());
    expect(out).toContain('Not checked');
    expect(out).toContain('  rule published-port-unreachable skipped: source iptables-save failed in namespace host: permission denied');
    expect(out).toContain('  host: ip6tables-save (not collected)');
  });

  it('groups unavailable sources by namespace and reason', () => {
    expect(
      groupUnavailable([
        'host/iptables-save: not collected (no iptables-save.txt in out)',
        'host/ip6-route: not collected (no ip6-route.json in out)',
        'host/ss-tlnp: failed: permission denied',
        'blue/ip-link: not collected (no ip-link.json in out/netns/blue)',
        'host/sysctl-files: persisted sysctl files (/etc/sysctl.conf, /etc/sysctl.d) not collected (no sysctl.d/ in out)',
        'odd entry',
      ]),
    ).toEqual([
      'host: iptables-save, ip6-route (not collected)',
      'host: ss-tlnp (failed: permission denied)',
      'netns blue: ip-link (not collected)',
      'host: sysctl-files (persisted sysctl files (/etc/sysctl.conf, /etc/sysctl.d) not collected)',
      'odd entry',
    ]);
  });

  it('never reads as all clear when a partial snapshot found nothing', () => {
    const partial = { ...mixedResult(), findings: [] };
    const out = formatText(partial);
    expect(out).toContain('No findings in what could be checked');
    expect(out).not.toMatch(/^No findings\.$/m);
    const clean = formatText(cleanResult());
    expect(clean).toMatch(/^No findings\.$/m);
    expect(clean).not.toContain('Not checked');
  });

  it('ends with the summary line', () => {
    const lines = formatText(mixedResult()).trimEnd().split('\n');
    expect(lines.at(-1)).toBe('2 errors, 1 warning, 1 info; 5 rules on 7 subjects; 1 rule skipped');
    expect(formatText(cleanResult()).trimEnd().split('\n').at(-1)).toBe(
      '0 errors, 0 warnings, 0 info; 1 rule on 1 subject; 0 rules skipped',
    );
  });

  it('has no escape sequences without colour, and colours severities with it', () => {
    const plain = formatText(mixedResult());
    expect(plain).not.toContain('\u001b');
    const coloured = formatText(mixedResult(), { colour: true });
    expect(coloured).toContain('\u001b[31m[error]\u001b[39m');
    expect(coloured).toContain('\u001b[33m[warning]\u001b[39m');
  });

  it('shows control characters from the snapshot as \\xNN instead of sending them to the terminal', () => {
    const result = cleanResult();
    result.findings = [
      finding('ip-forward-disabled', 'error', hostSubject, [
        { source: 'iptables-save', line: 3, text: '-A INPUT -m comment --comment "\u001b[2Jgotcha\u0007" -j ACCEPT' },
      ]),
    ];
    const out = formatText(result);
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u0007');
    expect(out).toContain('"\\x1b[2Jgotcha\\x07"');
  });

  it('gives several inputs one report each and a total', () => {
    const out = formatTextReports([mixedResult(), cleanResult()]);
    expect(out).toContain('netaudit report for fixtures/example/snapshot.json');
    expect(out).toContain('netaudit report for clean/snapshot.json');
    expect(out.trimEnd().split('\n').at(-1)).toBe(
      'Total over 2 inputs: 2 errors, 1 warning, 1 info; 6 rules on 8 subjects; 1 rule skipped',
    );
  });

  it('counts the characters cut from a long evidence line, in text as in JSON', () => {
    // A 554-character sysctl line: the parser keeps 240 characters of it, the text report must not count its tail as cut text.
    const line = `kernel.long_value = ${'v'.repeat(534)}`;
    const [entry] = [...parseSysctl({ source: 'sysctl', text: `${line}\n` }).value.entries.values()];
    // An iptables-save line no parser clipped, longer than the JSON report quotes.
    const rule = `-A FORWARD -m comment --comment "${'c'.repeat(4_970)}" -j DROP`;
    const result = cleanResult();
    result.findings = [
      finding('ip-forward-disabled', 'error', hostSubject, [
        { source: 'sysctl', line: 1, text: entry!.text },
        { source: 'iptables-save', line: 7, text: rule },
      ]),
    ];
    const text = renderReports([result], 'text', { colour: false, failOn: 'error' });
    const json = JSON.parse(renderReports([result], 'json', { colour: false, failOn: 'error' })) as AuditResult;
    const quoted = (source: string) => {
      const at = text.split('\n').find((l) => l.startsWith(`    ${source}:`)) ?? '';
      return clipped(at.slice(at.indexOf('  ', 4) + 2));
    };
    for (const [source, original] of [['sysctl', line], ['iptables-save', rule]] as const) {
      const inText = quoted(source);
      const inJson = clipped(json.findings[0]!.evidence.find((e) => e.source === source)!.text);
      expect(inText.shown.length + inText.cut, `text, ${source}`).toBe(original.length);
      expect(inJson.shown.length + inJson.cut, `json, ${source}`).toBe(original.length);
      expect(original.startsWith(inText.shown) && original.startsWith(inJson.shown)).toBe(true);
    }
    expect(quoted('sysctl')).toEqual({ shown: line.slice(0, 240), cut: 314 });
  });

  it('counts suppressed findings by kind in the summary and does not list them', () => {
    const out = formatText(suppressedResult());
    expect(out.trimEnd().split('\n').at(-1)).toBe(
      '0 errors, 0 warnings, 0 info; 1 rule on 1 subject; 0 rules skipped; 2 suppressed (baseline 1, waiver 1)',
    );
    expect(out).toContain('2 findings suppressed by a baseline or waiver, not listed (--format json lists them with the reason)');
    expect(out).not.toContain('[error]');
    expect(out).not.toContain('[warning]');
    const total = formatTextReports([suppressedResult(), mixedResult()]).trimEnd().split('\n').at(-1);
    expect(total).toBe('Total over 2 inputs: 2 errors, 1 warning, 1 info; 6 rules on 8 subjects; 1 rule skipped; 2 suppressed (baseline 1, waiver 1)');
  });
});


describe('colour decision', () => {
  it('colours only a terminal, and never with NO_COLOR set', () => {
    expect(wantsColour({ isTTY: false }, {})).toBe(false);
    expect(wantsColour({ isTTY: true }, {})).toBe(true);
    expect(wantsColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColour({ isTTY: true }, { NO_COLOR: '' })).toBe(false);
  });
});
