/**
 * Headless Chromium for the HTML report's tests: Debian's /usr/bin/chromium driven by playwright-core (no
 * browser download). One browser per test file; each page records every request that would leave it, its
 * console errors and its uncaught exceptions.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

/** Screenshots kept as test artefacts (gitignored). */
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts/html');

/** A visible line when the browser tests cannot run, naming what is missing. */
export function announceSkip(what: string): void {
  if (!HAVE_CHROMIUM) console.log(`SKIP ${what}: ${CHROMIUM} is missing (apt-get install chromium)`);
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

export interface LoadedPage {
  page: Page;
  /** URLs the page asked for that are not data: or about: (each was refused). */
  requests: string[];
  /** console.error messages and uncaught exceptions. */
  errors: string[];
}

/** A new page with the report loaded through setContent; every request is routed and refused unless data:/about:. */
export async function openReport(browser: Browser, html: string, viewport = { width: 1300, height: 900 }): Promise<LoadedPage> {
  const page = await browser.newPage({ viewport });
  const requests: string[] = [];
  const errors: string[] = [];
  const leaves = (url: string) => !url.startsWith('data:') && !url.startsWith('about:');
  const record = (url: string) => {
    if (leaves(url) && !requests.includes(url)) requests.push(url);
  };
  await page.route('**/*', (route) => {
    const url = route.request().url();
    record(url);
    return leaves(url) ? route.abort() : route.continue();
  });
  page.on('request', (r) => record(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`exception: ${e.message}`));
  await page.setContent(html, { waitUntil: 'load' });
  return { page, requests, errors };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}
