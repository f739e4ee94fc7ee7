/**
 * SARIF of a real snapshot through the CLI: every location resolves to a line that holds the quoted text,
 * whether the source is embedded in the log (contents.text) or written beside it by --sarif-sources.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, PROJECT_ROOT } from '../cli/run.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- SARIF logs are walked as plain JSON here */
type Json = any;

const EXAMPLE = path.join('fixtures', 'example', 'snapshot.json');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'netaudit-sarif-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function allLocations(run: Json): Json[] {
  return run.results.flatMap((r: Json) => [...r.locations, ...(r.relatedLocations ?? [])].map((l: Json) => l.physicalLocation));
}

/** The region's text as the artifact's line holds it (columns when given). */
function regionText(lineText: string, region: Json): string {
  if (region.startColumn === undefined) return lineText;
  return lineText.slice(region.startColumn - 1, region.endColumn - 1);
}

async function sarifOf(args: string[]): Promise<Json> {
  const cwd = process.cwd();
  process.chdir(PROJECT_ROOT);
  try {
    const run = await cli(['audit', EXAMPLE, '-f', 'sarif', '--fail-on', 'none', ...args]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout);
  } finally {
    process.chdir(cwd);
  }
}

describe('SARIF locations of a snapshot', () => {
  it('embeds each quoted source and points every location at a line of it that holds the snippet', async () => {
    const log = await sarifOf([]);
    const run = log.runs[0];
    const locations = allLocations(run);
    expect(locations.length).toBeGreaterThan(5);
    for (const loc of locations) {
      const artifact = run.artifacts[loc.artifactLocation.index];
      expect(artifact.location.uri).toBe(loc.artifactLocation.uri);
      expect(loc.artifactLocation.uri).toMatch(/^fixtures\/example\/snapshot\.json#/);
      const line = artifact.contents.text.split('\n')[loc.region.startLine - 1];
      expect(line, `${loc.artifactLocation.uri}:${loc.region.startLine}`).toBeDefined();
      expect(regionText(line, loc.region)).toBe(loc.region.snippet.text);
    }
  });

  it('with --sarif-sources, writes the sources as files and points at them instead of embedding', async () => {
    const dir = path.join(tmp, 'sources');
    const log = await sarifOf(['--sarif-sources', dir]);
    const run = log.runs[0];
    for (const loc of allLocations(run)) {
      const artifact = run.artifacts[loc.artifactLocation.index];
      expect(artifact.contents).toBeUndefined();
      const uri: string = loc.artifactLocation.uri;
      const file = uri.startsWith('file:') ? fileURLToPath(uri) : path.resolve(PROJECT_ROOT, decodeURIComponent(uri));
      expect(file.startsWith(dir), file).toBe(true);
      const line = readFileSync(file, 'utf8').split('\n')[loc.region.startLine - 1] ?? '';
      expect(regionText(line, loc.region)).toBe(loc.region.snippet.text);
    }
  });

  it('--sarif-sources without --format sarif is a usage error', async () => {
    const run = await cli(['audit', path.join(PROJECT_ROOT, EXAMPLE), '--sarif-sources', path.join(tmp, 'x')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--sarif-sources goes with --format sarif/);
  });
});
