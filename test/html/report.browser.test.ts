/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The HTML reports of the bundled example (audit, show, trace) in headless Chromium: every finding is on
 * the page and on the picture, linked both ways; the picture names the example's bridge and veths; nothing
 * overlaps; no request leaves the page and nothing is logged as an error. Screenshots are kept under
 * test-artifacts/html/.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';
import { announceSkip, artifactPath, HAVE_CHROMIUM, launch, openReport } from './browser.js';
import { measure } from './geometry.js';

const EXAMPLE = 'fixtures/example/snapshot.json';
const TRACE = ['--from', '198.51.100.7', '--to', '192.0.2.10', '--dport', '8080'];

announceSkip('the HTML report browser tests (test/html/report.browser.test.ts)');

async function html(args: string[], exit: number): Promise<string> {
  const run = await cli(args);
  expect(run.code, run.stderr).toBe(exit);
  expect(run.stdout).toMatch(/^<!DOCTYPE html>/);
  return run.stdout;
}

describe.skipIf(!HAVE_CHROMIUM)('the HTML report of the bundled example, in Chromium', () => {
  let browser: Browser;
  let expectedRules: string[];
  let bridges: string[];
  let veths: string[];
  let namespaces: string[];
  beforeAll(async () => {
    browser = await launch();
    const audit = JSON.parse((await cli(['audit', EXAMPLE, '-f', 'json', '--fail-on', 'none'])).stdout) as { findings: { ruleId: string }[] };
    expectedRules = audit.findings.map((f) => f.ruleId);
    const view = JSON.parse((await cli(['show', EXAMPLE, '-f', 'json'])).stdout) as {
      namespaces: { name: string; bridges: { name: string }[]; veths: { name: string }[] }[];
    };
    bridges = view.namespaces.flatMap((n) => n.bridges.map((b) => b.name));
    veths = view.namespaces.flatMap((n) => n.veths.map((v) => v.name));
    namespaces = view.namespaces.map((n) => n.name).filter((n) => n !== 'host');
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('audit: every finding with its rule id, on its element of the picture, linked both ways; no request, no error', async () => {
    expect(expectedRules.length).toBeGreaterThanOrEqual(3);
    expect(bridges).toEqual(['docker0']);
    expect(veths.length).toBeGreaterThanOrEqual(2);
    const { page, requests, errors } = await openReport(browser, await html(['audit', EXAMPLE, '-f', 'html'], 1));

    // Every finding, in order, with its rule id.
    expect(await page.locator('li.finding').evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')))).toEqual(expectedRules);
    expect(await page.locator('li.finding code.rule').allTextContents()).toEqual(expectedRules);

    // The picture names the bridge, every veth (both ends) and every namespace.
    const svgText = (await page.locator('svg.topology').textContent()) ?? '';
    for (const name of [...bridges, ...veths, ...namespaces.map((n) => `namespace ${n}`)]) expect(svgText, name).toContain(name);
    expect(await page.locator('svg.topology path.veth-link').count()).toBe(veths.filter((v) => v.startsWith('veth')).length);

    // Finding → element, element → finding: every target exists, and each side names the other.
    const links = await page.evaluate(() => {
      const out: string[] = [];
      const findings = [...document.querySelectorAll('li.finding')];
      for (const f of findings) {
        const href = f.querySelector('a.to-element')?.getAttribute('href');
        const target = href ? document.getElementById(href.slice(1)) : null;
        if (!target || !target.closest('svg')) out.push(`${f.id}: no element for ${href}`);
        else if (!(target.getAttribute('data-findings') ?? '').split(' ').includes(f.id)) out.push(`${f.id}: ${target.id} does not list it`);
        if (f.getAttribute('data-target') !== href?.slice(1)) out.push(`${f.id}: data-target ${f.getAttribute('data-target')} is not ${href}`);
      }
      const listed: string[] = [];
      for (const el of document.querySelectorAll('svg [data-findings]')) {
        for (const ref of (el.getAttribute('data-findings') ?? '').split(' ').filter(Boolean)) {
          listed.push(ref);
          const f = document.getElementById(ref);
          if (!f || !f.matches('li.finding')) out.push(`${el.id}: no finding ${ref}`);
        }
      }
      for (const a of document.querySelectorAll('svg a.badge-link')) {
        const ref = a.getAttribute('href')!.slice(1);
        if (!document.getElementById(ref)?.matches('li.finding')) out.push(`badge: no finding ${ref}`);
      }
      return { problems: out, listed: listed.sort(), findings: findings.map((f) => f.id).sort() };
    });
    expect(links.problems).toEqual([]);
    expect(links.listed).toEqual(links.findings);

    // The findings are on the elements they concern, coloured by severity.
    const eth0 = page.locator('svg g.row[id$="--host--eth0"]');
    expect(await eth0.getAttribute('class')).toContain('sev-error');
    const onEth0 = (await eth0.getAttribute('data-findings'))!.split(' ');
    const rulesOnEth0 = await Promise.all(onEth0.map((id) => page.locator(`[id="${id}"]`).getAttribute('data-rule')));
    expect(rulesOnEth0.sort()).toEqual(['iface-forwarding-disabled', 'sysctl-drift']);
    const published = page.locator('svg g.row.published.sev-error');
    expect(await published.count()).toBe(1);
    expect(await published.textContent()).toContain('172.17.0.9');

    // Clicks: a finding's subject link marks its element; an element marks its first finding and goes to it.
    await page.locator('li.finding[data-rule="iface-forwarding-disabled"] a.to-element').click({ timeout: 5000 });
    expect(await eth0.getAttribute('class')).toContain('highlight');
    await published.click({ timeout: 5000 });
    const first = (await published.getAttribute('data-findings'))!.split(' ')[0]!;
    expect(await page.evaluate(() => location.hash)).toBe(`#${first}`);
    expect(await page.locator(`[id="${first}"]`).getAttribute('class')).toContain('highlight');
    expect(await page.locator(`[id="${first}"]`).getAttribute('data-rule')).toBe('port-publish-incomplete');

    const geometry = await measure(page);
    expect(geometry.counts.namespaces).toBe(1 + namespaces.length);
    expect(geometry.overlaps).toEqual([]);
    expect(geometry.misplaced).toEqual([]);
    expect(geometry.overflowing).toEqual([]);

    await page.screenshot({ path: artifactPath('audit-example.png'), fullPage: true });
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('show: the topology without findings; no request, no error', async () => {
    const { page, requests, errors } = await openReport(browser, await html(['show', EXAMPLE, '-f', 'html'], 0));
    expect(await page.locator('li.finding').count()).toBe(0);
    const svgText = (await page.locator('svg.topology').textContent()) ?? '';
    for (const name of [...bridges, ...veths]) expect(svgText, name).toContain(name);
    expect(await page.locator('svg .sev-error, svg .sev-warning, svg .sev-info').count()).toBe(0);
    // The uplink, and the two published ports (iptables-save and iptables-nft-save hold the same DNATs: drawn once).
    expect(await page.locator('svg g.row[id$="--host--eth0"] text.name').textContent()).toBe('eth0 (uplink)');
    expect(await page.locator('svg g.row.published text.name').allTextContents()).toEqual(['tcp/8080 → 172.17.0.2:80', 'tcp/5432 → 172.17.0.9:5432']);
    const geometry = await measure(page);
    expect(geometry.overlaps).toEqual([]);
    expect(geometry.overflowing).toEqual([]);
    await page.screenshot({ path: artifactPath('show-example.png'), fullPage: true });
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('trace: the path drawn from outside to the interface where the packet dies, and the steps', async () => {
    const { page, requests, errors } = await openReport(browser, await html(['trace', EXAMPLE, ...TRACE, '-f', 'html'], 1));
    expect(await page.locator('.verdict').textContent()).toBe('dropped');
    expect(await page.locator('.trace-caption').textContent()).toContain('net.ipv4.conf.eth0.forwarding = 0');
    const points = (await page.locator('polyline.trace-path').getAttribute('points'))!.trim().split(' ');
    expect(points.length).toBeGreaterThanOrEqual(2);
    // The drop mark sits beside eth0's row, where forwarding is off.
    const drop = (await page.locator('#trace-drop circle').boundingBox())!;
    const eth0 = (await page.locator('svg g.row[id$="--host--eth0"] > rect').boundingBox())!;
    expect(Math.abs(drop.y + drop.height / 2 - (eth0.y + eth0.height / 2))).toBeLessThan(2);
    expect(Math.abs(drop.x + drop.width - eth0.x)).toBeLessThan(drop.width);
    // The path starts at the outside box.
    const outside = (await page.locator('svg g.outside > rect').boundingBox())!;
    const svg = (await page.locator('svg.topology').boundingBox())!;
    const scale = svg.width / Number((await page.locator('svg.topology').getAttribute('viewBox'))!.split(' ')[2]);
    const [x0] = points[0]!.split(',').map(Number) as [number];
    expect(Math.abs(svg.x + x0 * scale - (outside.x + outside.width))).toBeLessThan(2);
    expect(await page.locator('ol.steps li').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('li.finding').evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')))).toEqual(expectedRules);
    await page.screenshot({ path: artifactPath('trace-example.png'), fullPage: true });
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the checks catch what they look for: a request leaving a page, a console error, an overlap', async () => {
    const { page, requests, errors } = await openReport(
      browser,
      '<!DOCTYPE html><html><body><img src="http://192.0.2.1/x.png"><script>console.error("boom")</script>' +
        '<svg class="topology" width="200" height="100"><g class="namespace" id="a"><rect x="0" y="0" width="100" height="50"/></g><g class="namespace" id="b"><rect x="50" y="20" width="100" height="50"/></g></svg></body></html>',
    );
    expect(requests).toEqual(['http://192.0.2.1/x.png']);
    // The refused request is logged as a failed load too: either would fail a report's test.
    expect(errors).toContain('console: boom');
    expect((await measure(page)).overlaps).toEqual(['a ∩ b']);
    await page.close();
  });
});
