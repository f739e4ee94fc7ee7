/**
 * The npm package as users get it: what `npm pack` puts in, and that the packed CLI works outside the
 * repository (explain's documentation link included).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './run.js';

interface PackEntry {
  path: string;
}

let work: string;
let files: string[];
let unpacked: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'netaudit-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  const [pack] = JSON.parse(out) as [{ filename: string; files: PackEntry[] }];
  files = pack.files.map((f) => f.path);
  execFileSync('tar', ['-xzf', path.join(work, pack.filename), '-C', work]);
  unpacked = path.join(work, 'package');
  // The dependencies as npm would install them beside the package.
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(unpacked, 'node_modules'));
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the npm package', () => {
  it('carries the CLI, its bundle, rules, schemas, docs and the licence', () => {
    for (const wanted of ['dist/cli/main.js', 'dist/bundle/netaudit.cjs', 'rules/rule.schema.json', 'schemas/snapshot.schema.json', 'docs/rules/ip-forward-disabled.md', 'LICENSE', 'README.md', 'package.json']) {
      expect(files).toContain(wanted);
    }
  });

  it('leaves out what users do not run: the benchmark, the generators, the build step, source maps, tests and fixtures', () => {
    const unwanted = files.filter((f) => /^dist\/(bench|gen|build)\/|\.map$|^(test|fixtures|src)\/|^dist\/\.build-stamp$/.test(f));
    expect(unwanted).toEqual([]);
  });

  it('has a licence file that matches package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(path.join(unpacked, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
  });

  it('runs from the package outside the repository, and explain links to a page that exists there', () => {
    const run = spawnSync(process.execPath, [path.join(unpacked, 'dist/cli/main.js'), 'explain', 'ip-forward-disabled'], {
      cwd: work,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const link = /^Documentation: (\S+)$/m.exec(run.stdout)?.[1];
    expect(link).toMatch(/^file:\/\//);
    const page = fileURLToPath(link as string);
    expect(page.startsWith(unpacked)).toBe(true);
    expect(existsSync(page)).toBe(true);
    expect(readFileSync(page, 'utf8')).toContain('ip-forward-disabled');
  });
});
