/// <reference lib="dom" />
/**
 * The "Host context" section in headless Chromium: it renders (the resolvers, Docker's settings with their
 * origins, nmcli's devices, the parts not collected said so), the hostile search domain, dockerd argument and
 * nmcli connection name are shown as text and never run, and the finding's evidence line and the row that
 * shows it lead to each other. No request leaves the page, nothing is logged as an error. Then a host whose
 * NetworkManager configuration decides its devices: each device's row with what decides it, a hostile
 * [device*] section name shown as text, and a finding's [device] line leading to the device's row and back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';
import { announceSkip, artifactPath, HAVE_CHROMIUM, launch, openReport } from './browser.js';
import { HOSTILE_ARGUMENT, HOSTILE_CONNECTION, HOSTILE_SEARCH, HOSTILE_SECTION, hostileContextDir, hostileNmDir } from './host-context-input.js';

announceSkip('the Host context browser tests (test/html/context.browser.test.ts)');

describe.skipIf(!HAVE_CHROMIUM)('the Host context section, in Chromium', () => {
  let browser: Browser;
  let html: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-html-context-browser-'));
  beforeAll(async () => {
    browser = await launch();
    const run = await cli(['audit', hostileContextDir(dir), '-f', 'html', '--fail-on', 'none']);
    expect(run.code, run.stderr).toBe(0);
    html = run.stdout;
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders the context with hostile values as text; nothing they hold runs', async () => {
    const { page, requests, errors } = await openReport(browser, html);
    const section = page.locator('div.context');
    expect(await section.locator('h2').textContent()).toBe('Host context');
    expect(await section.locator('h3').allTextContents()).toEqual(['Resolvers', 'Runtime configuration', 'Network managers', 'Pod network (CNI, flannel)']);
    expect(await section.isVisible()).toBe(true);

    // The hostile values, exactly as the host holds them, in the cells that show them.
    const cellOf = (table: string, row: number, column: number) => section.locator(`table:has(caption:text-is("${table}")) tbody tr`).nth(row).locator('td').nth(column).textContent();
    expect(await cellOf('resolv.conf', 0, 3)).toBe(`corp.example ${HOSTILE_SEARCH}`);
    expect(await cellOf('Runtime processes', 0, 2)).toBe(`-H fd:// ${HOSTILE_ARGUMENT}`);
    expect(await cellOf('NetworkManager (nmcli device)', 0, 3)).toBe(HOSTILE_CONNECTION);
    expect(await page.evaluate(() => (window as unknown as { pwned?: unknown }).pwned)).toBeUndefined();
    expect(await page.locator('div.context script, div.context img').count()).toBe(0);

    // Each Docker setting with its value and origin; the parts not collected say so.
    const settings = await section.locator('table:has(caption:text-matches("^Docker")) tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent).join(' ')));
    expect(settings).toContain('userland-proxy false daemon.json');
    expect(settings).toContain('iptables true default');
    expect(settings).toContain('default-address-pools 192.0.2.0/24 size 28 daemon.json');
    const missing = await section.locator('p.ctx-status.not-collected').allTextContents();
    expect(missing.some((t) => t.startsWith('CNI network configuration (/etc/cni/net.d) not collected'))).toBe(true);
    expect(missing.some((t) => t.startsWith("systemd-networkd's links (networkctl) not collected"))).toBe(true);

    await page.screenshot({ path: artifactPath('host-context.png'), fullPage: true });
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the finding\'s evidence line marks the row that shows it, and the row leads back to the finding', async () => {
    const { page, errors } = await openReport(browser, html);
    const evidence = page.locator('li.finding[data-rule="address-pool-overlap"] a.to-context');
    expect(await evidence.textContent()).toBe('/etc/docker/daemon.json:5');
    await evidence.click({ timeout: 5000 });
    const rowId = (await evidence.getAttribute('href'))!.slice(1);
    const row = page.locator(`[id="${rowId}"]`);
    expect(await row.getAttribute('class')).toContain('highlight');
    expect(await row.locator('td').first().textContent()).toBe('default-address-pools');
    expect(await row.isVisible()).toBe(true);
    // Back: the row names the finding; the click marks it.
    const back = row.locator('a.to-finding');
    expect(await back.textContent()).toBe('address-pool-overlap');
    await back.click({ timeout: 5000 });
    const finding = page.locator('li.finding[data-rule="address-pool-overlap"]');
    expect(await finding.getAttribute('class')).toContain('highlight');
    expect(await page.evaluate(() => location.hash)).toBe(`#${await finding.getAttribute('id')}`);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe.skipIf(!HAVE_CHROMIUM)('NetworkManager\'s configuration per device, in Chromium', () => {
  let browser: Browser;
  let html: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-html-nm-browser-'));
  const TABLE = "NetworkManager's configuration per device (unmanaged-devices, [device*] managed=, udev's NM_UNMANAGED)";
  beforeAll(async () => {
    browser = await launch();
    const run = await cli(['audit', hostileNmDir(dir), '-f', 'html', '--fail-on', 'none']);
    expect(run.code, run.stderr).toBe(0);
    html = run.stdout;
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows each device with what decides it; the hostile section name is text and never runs', async () => {
    const { page, requests, errors } = await openReport(browser, html);
    const rows = page.locator(`div.context table:has(caption:text-is("${TABLE}")) tbody tr`);
    const cells = await rows.evaluateAll((list) => list.map((r) => [...r.querySelectorAll('td')].slice(0, 5).map((td) => td.textContent)));
    expect(cells.map((c) => `${c[0]} ${c[1]}`)).toEqual(['lo unknown', 'eth0 unknown', 'docker0 default', 'veth3c5a6e1 managed', 'vethb1f0d2a managed', 'veth-mgmt-br unmanaged', 'veth-mgmt unmanaged']);
    expect(cells[3]).toEqual([
      'veth3c5a6e1',
      'managed',
      "[device-debug] managed=1 (/etc/NetworkManager/conf.d/90-debug.conf line 4), over udev's NM_UNMANAGED=1 (/usr/lib/udev/rules.d/85-nm-unmanaged.rules line 9)",
      'NM_UNMANAGED=1',
      'connecting (getting IP configuration)',
    ]);
    expect(cells[4]![2]).toBe(`[${HOSTILE_SECTION}] managed=1 (/etc/NetworkManager/conf.d/95-hostile.conf line 3), over udev's NM_UNMANAGED=1 (/usr/lib/udev/rules.d/85-nm-unmanaged.rules line 9)`);
    expect(await page.evaluate(() => (window as unknown as { pwned?: unknown }).pwned)).toBeUndefined();
    expect(await page.locator('div.context img, div.context script').count()).toBe(0);
    expect(await rows.nth(3).isVisible()).toBe(true);
    await page.screenshot({ path: artifactPath('host-context-nm.png'), fullPage: true });
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the finding\'s [device] line leads to the device\'s row, and the row back to the finding', async () => {
    const { page, errors } = await openReport(browser, html);
    const finding = page.locator('li.finding[data-rule="interface-managed-by-network-manager"]:has(h3 :text-is("veth3c5a6e1"))');
    const evidence = finding.locator('a.to-context:has(code:text-is("/etc/NetworkManager/conf.d/90-debug.conf:4"))');
    await evidence.click({ timeout: 5000 });
    const row = page.locator(`[id="${(await evidence.getAttribute('href'))!.slice(1)}"]`);
    expect(await row.getAttribute('class')).toContain('highlight');
    expect(await row.locator('td').first().textContent()).toBe('veth3c5a6e1');
    expect(await row.isVisible()).toBe(true);
    await row.locator('a.to-finding').click({ timeout: 5000 });
    expect(await finding.getAttribute('class')).toContain('highlight');
    expect(errors).toEqual([]);
    await page.close();
  });
});

