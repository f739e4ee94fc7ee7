/**
 * The bundled CLI (src/cli/bundle.ts, built by src/build/bundle.ts) answers exactly as the modules do, and
 * loads with its trained code cache.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { binary, BINARY, PROJECT_ROOT } from './run.js';

const BUNDLE = path.join(PROJECT_ROOT, 'dist/bundle/netaudit.cjs');
const EXAMPLE = 'fixtures/example/snapshot.json';
const built = existsSync(BINARY) && existsSync(BUNDLE);
const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!built)('the bundled CLI', () => {
  it('loads fresh from the build, with its code cache accepted', () => {
    const probe = `import { loadBundledCli } from ${JSON.stringify(path.join(PROJECT_ROOT, 'dist/cli/bundle.js'))};
      const cli = loadBundledCli();
      console.log(JSON.stringify({ loaded: cli !== undefined, rejected: cli?.script.cachedDataRejected }));`;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: PROJECT_ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 });
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toEqual({ loaded: true, rejected: false });
  });

  it.each([
    ['used when it is whole and fresh', 'module.exports.runCli = () => 0;', 60_000, true],
    ['left for the modules when it is damaged (a build cut short)', 'module.exports.runCli = (', 60_000, false],
    ['left for the modules when it is older than they are', 'module.exports.runCli = () => 0;', -60_000, false],
  ])('is %s', (_what, bundleText, age, loaded) => {
    // A scratch copy of the loader with the layout it expects: dist/cli/{bundle,program}.js, dist/bundle/netaudit.cjs.
    const dist = path.join(dir, `dist-${String(age)}-${String(loaded)}-${bundleText.length}`);
    mkdirSync(path.join(dist, 'cli'), { recursive: true });
    mkdirSync(path.join(dist, 'bundle'), { recursive: true });
    copyFileSync(path.join(PROJECT_ROOT, 'dist/cli/bundle.js'), path.join(dist, 'cli/bundle.js'));
    writeFileSync(path.join(dist, 'cli/program.js'), '');
    const bundle = path.join(dist, 'bundle/netaudit.cjs');
    writeFileSync(bundle, bundleText);
    const when = new Date(Date.now() + age);
    utimesSync(bundle, when, when);
    const probe = `import { loadBundledCli } from ${JSON.stringify(path.join(dist, 'cli/bundle.js'))};
      console.log(JSON.stringify({ loaded: loadBundledCli() !== undefined }));`;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 });
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toEqual({ loaded });
  });

  const gz = path.join(dir, 'snapshot.json.gz');
  writeFileSync(gz, gzipSync(readFileSync(path.join(PROJECT_ROOT, EXAMPLE))));
  const broken = path.join(dir, 'broken.json');
  writeFileSync(broken, '{"schema": "netaudit/snapshot@1", "meta": ');
  // Valid JSON that breaks the schema: worded by zod, which the bundle leaves out and requires when needed.
  const offSchema = path.join(dir, 'off-schema.json');
  writeFileSync(offSchema, '{"schema": "netaudit/snapshot@1", "meta": {"hostname": 7}}');
  // Site rules are checked by ajv and zod, likewise required when needed.
  const badRules = path.join(dir, 'bad-rules');
  mkdirSync(badRules);
  writeFileSync(path.join(badRules, 'bad.json'), '{"id": "Not-Kebab", "severity": "fatal"}');

  it.each([
    ['an audit as text', ['audit', EXAMPLE]],
    ['an audit as JSON', ['audit', EXAMPLE, '--format', 'json']],
    ['an audit as SARIF', ['audit', EXAMPLE, '--format', 'sarif']],
    ['a gzipped snapshot', ['audit', gz, '--format', 'json']],
    ['a truncated snapshot', ['audit', broken]],
    ['a snapshot that breaks the schema', ['audit', offSchema]],
    ['site rules', ['audit', EXAMPLE, '--rules', 'test/cli/rules', '--format', 'json']],
    ['a site rule that breaks the rule schema', ['audit', EXAMPLE, '--rules', badRules]],
    ['show', ['show', EXAMPLE, '--format', 'json']],
    ['the rule catalog', ['rules']],
    ['--version', ['--version']],
    ['an unknown option', ['audit', '--no-such-option']],
  ])('%s: the same exit code, stdout and stderr as the modules', (_what, args) => {
    const bundled = binary(args);
    const modules = binary(args, { NETAUDIT_NO_BUNDLE: '1' });
    expect(bundled).toEqual(modules);
    expect(bundled.code).not.toBe(-1);
  });
});
