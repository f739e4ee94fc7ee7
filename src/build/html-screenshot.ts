/**
 * The README's picture of the HTML report: the bundled example's `netaudit audit -f html`, opened in Debian's
 * headless Chromium (playwright-core, a dev dependency) and cut to the heading, the topology and the first
 * finding. Run by hand after a change to the report's look:
 *
 *   npm run build && node dist/build/html-screenshot.js docs/html-report.png
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'docs/html-report.png'));

const run = spawnSync(process.execPath, [path.join(root, 'dist/cli/main.js'), 'audit', 'fixtures/example/snapshot.json', '-f', 'html'], { cwd: root, encoding: 'utf8' });
if (!run.stdout.startsWith('<!DOCTYPE html>')) throw new Error(`netaudit audit -f html failed: ${run.stderr}`);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1120, height: 800 } });
  await page.route('**/*', (route) => (route.request().url().startsWith('data:') || route.request().url().startsWith('about:') ? route.continue() : route.abort()));
  await page.setContent(run.stdout, { waitUntil: 'load' });
  // Down to the end of the first finding: the picture, and a finding with its evidence and fix.
  const first = await page.locator('li.finding').first().boundingBox();
  if (!first) throw new Error('the report has no finding');
  const end = first.y + first.height + 12;
  await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1120, height: Math.ceil(end) } });
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await browser.close();
}
