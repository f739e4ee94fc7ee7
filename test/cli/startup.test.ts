/**
 * What the binary loads before doing anything: commands are defined up front, but their code, the rule
 * catalog's validators and zod are imported only when needed. Guards the start-up time of every run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FORMAT_CHOICES } from '../../src/cli/commands/audit.js';
import { DEFAULT_MAX_BYTES_SHOWN } from '../../src/cli/commands/collect.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../../src/collect/node-collector.js';
import { REPORT_FORMATS } from '../../src/report/index.js';
import { BINARY, PROJECT_ROOT } from './run.js';

const HOOK = pathToFileURL(path.join(PROJECT_ROOT, 'test/cli/log-imports.mjs')).href;
const REGISTER_HOOK = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(HOOK)});`;

/** The modules a run of the binary imports, as paths relative to the project (packages by name). */
function importsOf(args: string[]): { code: number | null; modules: Set<string> } {
  // The module graph as tsc emits it (the bundle, src/cli/bundle.ts, keeps the same laziness in one file).
  const env = { ...process.env, NETAUDIT_NO_BUNDLE: '1' };
  const res = spawnSync(process.execPath, ['--import', REGISTER_HOOK, BINARY, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', env, timeout: 60_000 });
  const modules = new Set<string>();
  for (const line of res.stderr.split('\n')) {
    const url = /^import (file:\S+)$/.exec(line)?.[1];
    if (!url) continue;
    const file = new URL(url).pathname;
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];
    modules.add(pkg ? `package ${pkg}` : path.relative(PROJECT_ROOT, file));
  }
  return { code: res.status, modules };
}

const heavy = (modules: Set<string>, patterns: RegExp[]): string[] => [...modules].filter((m) => patterns.some((p) => p.test(m)));

describe('command definitions', () => {
  it('repeat the report formats and the collector\'s default size limit exactly', () => {
    expect(FORMAT_CHOICES).toEqual(REPORT_FORMATS);
    expect(DEFAULT_MAX_BYTES_SHOWN).toBe(DEFAULT_MAX_OUTPUT_BYTES);
  });
});

const built = existsSync(BINARY);
describe.skipIf(!built)('modules the binary loads', () => {
  it('--version and --help: the command definitions only', () => {
    for (const args of [['--version'], ['--help'], ['audit', '--help']]) {
      const { code, modules } = importsOf(args);
      expect(code).toBe(0);
      expect(modules.has('dist/cli/commands/audit.js')).toBe(true);
      expect(heavy(modules, [/^package (zod|ajv)$/, /^dist\/(cli\/actions|engine\/catalog|report|collect|model|snapshot\/load)/]), args.join(' ')).toEqual([]);
    }
  });

  it('audit of a valid snapshot: neither zod nor ajv, nor the other commands\' code', () => {
    const { code, modules } = importsOf(['audit', 'fixtures/example/snapshot.json', '--format', 'json', '--fail-on', 'none']);
    expect(code).toBe(0);
    expect(modules.has('dist/cli/actions/audit.js')).toBe(true);
    expect(heavy(modules, [/^package (zod|ajv)$/, /^dist\/(collect|show)\//, /^dist\/cli\/actions\/(?!audit)/])).toEqual([]);
  });

  it('audit with a waiver file: zod and ajv only then, to read and check it', () => {
    const { code, modules } = importsOf(['audit', 'fixtures/example/snapshot.json', '--format', 'json', '--fail-on', 'none', '--waivers', 'test/cli/fixtures/waivers.json']);
    expect(code).toBe(0);
    expect(heavy(modules, [/^package (zod|ajv)$/]).sort()).toEqual(['package ajv', 'package zod']);
    expect(modules.has('dist/gate/load.js')).toBe(true);
  });
});
