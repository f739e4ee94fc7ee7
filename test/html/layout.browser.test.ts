/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The picture of a large node in Chromium: the bench generator's Kubernetes node with 250 pods
 * (`netaudit show -f html`). No two namespace, interface or bridge boxes overlap, no text runs out of its
 * box, and the 250 pod veths on cni0 are one expandable row that opens (click) into a grid of one cell per
 * veth, without overlapping anything, and closes again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNode, type GeneratedNode } from '../../src/bench/gen/node.js';
import { GROUP_AT } from '../../src/report/html/topology.js';
import { cli } from '../cli/run.js';
import { announceSkip, artifactPath, HAVE_CHROMIUM, launch, openReport } from './browser.js';
import { measure } from './geometry.js';

const PODS = 250;

announceSkip('the HTML layout test of a 250-pod node (test/html/layout.browser.test.ts)');

describe.skipIf(!HAVE_CHROMIUM)('the HTML report of a node with 250 pods, in Chromium', () => {
  let browser: Browser;
  let node: GeneratedNode;
  let html: string;
  let dir: string;
  beforeAll(async () => {
    // The bench node's spec with its pod count set: few services keep the snapshot small, the veths are what is drawn.
    node = generateNode({ services: 200, pods: PODS, nodes: 8, seed: 20240305 });
    dir = mkdtempSync(path.join(tmpdir(), 'netaudit-html-'));
    const file = path.join(dir, 'k8s-node.json');
    writeFileSync(file, JSON.stringify(node.snapshot));
    const run = await cli(['show', file, '-f', 'html']);
    expect(run.code, run.stderr).toBe(0);
    html = run.stdout;
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws every box apart, groups the 250 pod veths in one row, and expands it without overlap', async () => {
    expect(node.cluster.pods).toHaveLength(PODS);
    expect(PODS).toBeGreaterThan(GROUP_AT);
    const { page, requests, errors } = await openReport(browser, html);
    const veths = node.cluster.pods.map((p) => p.veth);

    // Collapsed: one group row for cni0's ports, no veth drawn by itself, every box apart.
    const group = page.locator('svg g.row.group');
    expect(await group.count()).toBe(1);
    expect(await group.locator('text.name').textContent()).toBe(`${PODS} ports of cni0`);
    expect(await page.locator('svg g.row.port').count()).toBe(0);
    const collapsed = await measure(page);
    expect(collapsed.counts.cells).toBe(0);
    expect(collapsed.counts.rows).toBeGreaterThanOrEqual(5);
    expect(collapsed.overlaps).toEqual([]);
    expect(collapsed.misplaced).toEqual([]);
    expect(collapsed.overflowing).toEqual([]);
    const svg = page.locator('svg.topology');
    const heightBefore = (await svg.boundingBox())!.height;
    await page.screenshot({ path: artifactPath('k8s-node-collapsed.png'), fullPage: true });

    // Expanded: one cell per veth, each named, none overlapping another box or running out of the picture.
    await group.click({ timeout: 5000 });
    expect(await group.getAttribute('aria-expanded')).toBe('true');
    expect(await page.locator('svg g.cell.port').count()).toBe(PODS);
    const names = await page.locator('svg g.cell.port text.name').allTextContents();
    expect(names.sort()).toEqual([...veths].sort());
    const expanded = await measure(page);
    expect(expanded.counts.cells).toBe(PODS);
    expect(expanded.overlaps).toEqual([]);
    expect(expanded.overflowing).toEqual([]);
    expect((await svg.boundingBox())!.height).toBeGreaterThan(heightBefore);
    await page.screenshot({ path: artifactPath('k8s-node-expanded.png'), fullPage: true });

    // Collapsed again by a second click.
    await group.click({ timeout: 5000 });
    expect((await measure(page)).counts.cells).toBe(0);
    expect((await svg.boundingBox())!.height).toBe(heightBefore);
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
