#!/usr/bin/env node
/**
 * `npm run example` and friends: build only when the build is missing or older than what it is made from.
 * Plain JavaScript, so that it runs before anything is compiled.
 *
 *   node src/build/ensure-built.mjs          build (npm run build) when stale, else do nothing
 *   node src/build/ensure-built.mjs --mark   record that the build is current (the last step of npm run build)
 *   node src/build/ensure-built.mjs --check  exit 0 when current, 1 when stale, without building
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STAMP = path.join(root, 'dist', '.build-stamp');
/** What the build reads: the sources, the rules it embeds, and the settings and packages it compiles with. */
const INPUTS = ['src', 'rules', 'tsconfig.base.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

function newestMtime(entry) {
  let stat;
  try {
    stat = statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

function isCurrent() {
  let built;
  try {
    built = statSync(STAMP).mtimeMs;
  } catch {
    return false;
  }
  return INPUTS.every((input) => newestMtime(path.join(root, input)) <= built);
}

const mode = process.argv[2];
if (mode === '--mark') {
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
} else if (mode === '--check') {
  process.exitCode = isCurrent() ? 0 : 1;
} else if (!isCurrent()) {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  process.exitCode = build.status ?? 1;
}
