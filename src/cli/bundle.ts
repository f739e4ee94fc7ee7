/**
 * The CLI as one prebuilt file. `npm run build` bundles the compiled modules into dist/bundle/netaudit.cjs
 * and trains a V8 code cache for it (src/build/bundle.ts). Loading one file with its cache skips resolving,
 * reading and compiling about a hundred modules, and most of the compiling an audit does as it first calls
 * each function: some 90 ms of every run, whatever the size of the host.
 *
 * The bundle is used only when it is at least as new as the modules it was made from (a `tsc` run after the
 * build makes it stale, and the modules are then imported as they are). V8 rejects a cache made by another
 * Node version or for another source; the bundle then compiles as any script does. NETAUDIT_NO_BUNDLE=1
 * imports the modules instead.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { runCli } from './program.js';

export interface BundledCli {
  runCli: typeof runCli;
  /** The compiled bundle, to make a code cache from once it has run. */
  script: vm.Script;
}

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The module the bundle starts from: it must not be newer than the bundle. */
export const BUNDLE_ENTRY = path.join(distDir, 'cli', 'program.js');
export const BUNDLE_FILE = path.join(distDir, 'bundle', 'netaudit.cjs');
export const CODE_CACHE_FILE = `${BUNDLE_FILE}.cache`;

type ModuleWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/** The bundled CLI, or undefined when there is none to use (not built, stale, or turned off). */
export function loadBundledCli(options: { codeCache?: boolean; env?: NodeJS.ProcessEnv } = {}): BundledCli | undefined {
  if ((options.env ?? process.env).NETAUDIT_NO_BUNDLE) return undefined;
  let source: string;
  try {
    if (statSync(BUNDLE_FILE).mtimeMs < statSync(BUNDLE_ENTRY).mtimeMs) return undefined;
    source = readFileSync(BUNDLE_FILE, 'utf8');
  } catch {
    return undefined;
  }
  const cachedData = options.codeCache === false ? undefined : readCodeCache();
  try {
    const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
      filename: BUNDLE_FILE,
      ...(cachedData ? { cachedData } : {}),
    });
    const module = { exports: {} as { runCli?: typeof runCli } };
    (script.runInThisContext() as ModuleWrapper)(module.exports, createRequire(BUNDLE_FILE), module, BUNDLE_FILE, path.dirname(BUNDLE_FILE));
    return module.exports.runCli ? { runCli: module.exports.runCli, script } : undefined;
  } catch {
    // A damaged bundle (a build cut short): the modules it was made from serve instead.
    return undefined;
  }
}

function readCodeCache(): Buffer | undefined {
  try {
    return readFileSync(CODE_CACHE_FILE);
  } catch {
    return undefined;
  }
}
