/**
 * The HTML renderer without a browser: hostile names and messages come out as text (never as markup), the
 * SVG is well-formed XML with safe, unique ids, the page asks for nothing outside itself, and results with
 * no host view (a library caller, 2,000 findings) render completely without the picture.
 */
import { readFileSync } from 'node:fs';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/engine/types.js';
import { buildHost } from '../../src/model/build.js';
import { formatHtmlAudit, formatHtmlShow } from '../../src/report/html/index.js';
import { renderReports } from '../../src/report/index.js';
import { hostView, type HostView } from '../../src/show/view.js';
import { loadBytes } from '../../src/snapshot/load.js';
import { finding, mixedResult } from '../report/results.js';

const EXAMPLE = 'fixtures/example/snapshot.json';
const example = (): HostView => hostView(buildHost(loadBytes(readFileSync(EXAMPLE), EXAMPLE).snapshot));

const RENDERED_TAGS = new Set('html head meta title style body section header h1 h2 h3 p div svg defs marker path g rect text tspan a circle polyline ol ul li code span strong details summary script'.split(' '));

const HOSTILE_IF = '<img src=x onerror=alert(1)>';
const HOSTILE_NS = `"><script>alert('ns')</script>`;
const HOSTILE_RULE = 'x"><svg onload=alert(3)>';

/** The example's view with a veth and a namespace renamed to markup. */
function hostileView(): HostView {
  const json = JSON.stringify(example()).replaceAll('"veth3a9c1e2"', JSON.stringify(HOSTILE_IF)).replaceAll('"web"', JSON.stringify(HOSTILE_NS));
  expect(json).toContain('img src=x');
  return JSON.parse(json) as HostView;
}

function hostileResult(): AuditResult {
  const result = mixedResult();
  result.host.hostname = '<b>host</b>';
  result.findings = [
    finding('veth-no-master', 'warning', { kind: 'veth', name: HOSTILE_IF, namespace: 'host' }, [{ source: 'ip-link', line: 3, text: '</code><script>alert(2)</script>' }], '<script>alert("msg")</script>'),
    finding(HOSTILE_RULE, 'error', { kind: 'namespace', name: HOSTILE_NS, namespace: HOSTILE_NS }, [{ source: 'sysctl', line: 1, text: 'a & b <c>' }]),
  ];
  result.skipped = [{ ruleId: '<i>skipped</i>', reason: '<u>why</u>' }];
  return result;
}

function svgOf(html: string): string {
  const start = html.indexOf('<svg');
  return html.slice(start, html.indexOf('</svg>', start) + '</svg>'.length);
}

function xmlErrors(xml: string): string[] {
  const errors: string[] = [];
  const parser = new SaxesParser({ xmlns: true });
  parser.on('error', (e) => errors.push(e.message));
  parser.write(xml).close();
  return errors;
}

describe('the HTML report: escaping', () => {
  const html = formatHtmlAudit([{ result: hostileResult(), view: hostileView() }]);

  it('writes hostile interface and namespace names, rule ids, messages and evidence as text', () => {
    expect(html.match(/<script/gi)).toHaveLength(1);
    expect(html.match(/<svg/gi)).toHaveLength(1);
    expect(html).not.toMatch(/<img|<b>|<i>|<u>/);
    // Every tag is one the renderer writes, and no attribute is an event handler.
    const tags = [...html.replace(/^<!DOCTYPE html>/, '').replace(/<script>[\s\S]*?<\/script>|<style>[\s\S]*?<\/style>/g, '').matchAll(/<\/?([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z:-]+(?:="[^"]*")?)*)\s*\/?>|</g)];
    const names = new Set(tags.map((t) => t[1] ?? '(bare <)'));
    expect([...names].filter((n) => !RENDERED_TAGS.has(n.toLowerCase()))).toEqual([]);
    expect(tags.flatMap((t) => [...(t[2] ?? '').replace(/="[^"]*"/g, '').matchAll(/\s([A-Za-z:-]+)/g)].map((a) => a[1]!)).filter((a) => /^on/i.test(a))).toEqual([]);
    expect(html).toContain('&lt;script&gt;alert("msg")&lt;/script&gt;');
    expect(html).toContain('&lt;/code&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain('a &amp; b &lt;c&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain(`data-rule="x&quot;&gt;&lt;svg onload=alert(3)&gt;"`);
    // The hostile names are drawn: the renamed veth's row and the renamed namespace's box.
    const svg = svgOf(html);
    expect(svg).toContain('&lt;img src=x');
    expect(svg).toContain('namespace "&gt;&lt;script&gt;');
  });

  it('draws an SVG that is well-formed XML, with safe unique ids, and links that all land', () => {
    const svg = svgOf(html);
    expect(xmlErrors(svg)).toEqual([]);
    const ids = [...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]!);
    expect(ids.filter((id) => !/^[A-Za-z0-9_-]+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    const hrefs = [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThanOrEqual(4);
    expect(hrefs.filter((h) => !h.startsWith('#') || !ids.includes(h.slice(1)))).toEqual([]);
    // The finding on the hostile veth points at the hostile veth's row, and the row back at it.
    const row = /<g class="row port[^"]*" id="([^"]+)" data-findings="([^"]*)"><title>&lt;img/.exec(svg);
    expect(row?.[2]).toBe('s0-f0');
    expect(html).toContain(`<li class="finding sev-warning" id="s0-f0" data-rule="veth-no-master" data-target="${row![1]}">`);
  });
});

describe('the HTML report: self-contained', () => {
  it('asks for nothing outside the page: no src, no remote href, no url() but fragments, no import; a CSP that forbids it', () => {
    for (const html of [formatHtmlAudit([{ result: mixedResult(), view: example() }]), formatHtmlShow(example(), EXAMPLE)]) {
      expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`);
      expect(html).not.toMatch(/\ssrc=|<link|<iframe|<object|<embed|@import|xlink:href/i);
      expect([...html.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1]).filter((u) => !u!.startsWith('#'))).toEqual([]);
      expect([...html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1]).filter((h) => !h!.startsWith('#'))).toEqual([]);
      expect(html).not.toMatch(/fetch\(|XMLHttpRequest|import\(|new WebSocket|sendBeacon/);
    }
  });
});

describe('the HTML report without host views', () => {
  it('renders every one of 2,000 findings, and says the picture is not drawn', () => {
    const result = mixedResult();
    for (let i = 0; i < 2000; i++) {
      result.findings.push(finding('veth-no-master', 'warning', { kind: 'veth', name: `veth${i}`, namespace: 'host' }, [{ source: 'ip-link', line: i + 1, text: `{"ifname":"veth${i}"}` }]));
    }
    const html = renderReports([result], 'html', { colour: false, failOn: 'error' });
    expect(html.match(/<li class="finding /g)).toHaveLength(result.findings.length);
    expect(html).not.toContain('<svg');
    expect(html).toContain('The topology is not drawn');
    expect(html).not.toMatch(/data-target=|class="to-element"/);
  });

  it('refuses host views that do not match the results', () => {
    expect(() => renderReports([mixedResult(), mixedResult()], 'html', { colour: false, failOn: 'error', hostViews: [example()] })).toThrow(/host view of every result/);
  });
});
