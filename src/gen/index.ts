/**
 * Runs every generator in this folder (each `src/gen/*.ts` module exporting `generate()`) and writes their
 * files, or with `--check` compares them with the files in the tree and exits 1 listing the stale ones.
 *
 *   npm run gen          regenerate docs/, schemas/, rules/rule.schema.json, the README rule table, and
 *                        src/generated/ (what the CLI would otherwise validate or compile on every run)
 *   npm run gen:check    CI: fail when a committed generated file is out of date
 *   node dist/gen/index.js [--check] rule-docs    only the named generators (module names)
 *
 * A generator returns paths relative to the project root. It may also export OWNED_DIRECTORIES: every file
 * there that it no longer generates is stale too (a removed rule's page), and deleted by `npm run gen`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface GeneratedFile {
  /** Relative to the project root, with "/" separators. */
  path: string;
  content: string;
}

export interface GenerateContext {
  /** Absolute path of the project root. */
  root: string;
}

interface GeneratorModule {
  generate: (context: GenerateContext) => GeneratedFile[] | Promise<GeneratedFile[]>;
  OWNED_DIRECTORIES?: readonly string[];
}

export interface GenerationResult {
  /** Files whose content differs from the tree, or missing from it. */
  stale: string[];
  /** Files in owned directories that no generator produces any more. */
  orphans: string[];
  /** Generators that threw: "rule-docs: README.md has no rules markers". */
  failures: string[];
  files: GeneratedFile[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** src/gen and dist/gen both sit two levels below the root. */
export const PROJECT_ROOT = path.resolve(here, '../..');

/** The generator modules beside this one (.ts when run from source, .js when built). */
async function generatorModules(only: readonly string[]): Promise<[string, GeneratorModule][]> {
  const ext = path.extname(fileURLToPath(import.meta.url));
  const names = (await readdir(here))
    .filter((f) => f.endsWith(ext) && !f.endsWith(`.d${ext}`) && f !== `index${ext}`)
    .filter((f) => only.length === 0 || only.includes(path.basename(f, ext)))
    .sort();
  const modules: [string, GeneratorModule][] = [];
  for (const file of names) {
    const mod = (await import(pathToFileURL(path.join(here, file)).href)) as Partial<GeneratorModule>;
    if (typeof mod.generate === 'function') modules.push([path.basename(file, ext), mod as GeneratorModule]);
  }
  return modules;
}

/** Run every generator, or only those named (module names: "rule-docs", "rule-schema", ...). */
export async function runGenerators(root = PROJECT_ROOT, only: readonly string[] = []): Promise<GenerationResult> {
  const result: GenerationResult = { stale: [], orphans: [], failures: [], files: [] };
  const owned = new Set<string>();
  const modules = await generatorModules(only);
  const missing = only.filter((name) => !modules.some(([n]) => n === name));
  if (missing.length) result.failures.push(`no generator named ${missing.join(', ')}`);
  for (const [name, mod] of modules) {
    try {
      const files = await mod.generate({ root });
      for (const file of files) checkRelative(name, file.path);
      result.files.push(...files);
      for (const dir of mod.OWNED_DIRECTORIES ?? []) owned.add(dir);
    } catch (err) {
      result.failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const generated = new Set(result.files.map((f) => f.path));
  for (const file of result.files) {
    const full = path.join(root, file.path);
    const current = existsSync(full) ? await readFile(full, 'utf8') : undefined;
    if (current !== file.content) result.stale.push(file.path);
  }
  for (const dir of owned) {
    const full = path.join(root, dir);
    if (!existsSync(full)) continue;
    for (const entry of await readdir(full, { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isFile() && !generated.has(rel)) result.orphans.push(rel);
    }
  }
  return result;
}

function checkRelative(generator: string, file: string): void {
  const normal = path.posix.normalize(file);
  if (path.isAbsolute(file) || normal.startsWith('..') || normal !== file) {
    throw new Error(`${generator}: generated path must be relative and normalised: ${file}`);
  }
}

export async function writeGenerated(root: string, result: GenerationResult): Promise<void> {
  const byPath = new Map(result.files.map((f) => [f.path, f]));
  for (const rel of result.stale) {
    const file = byPath.get(rel);
    if (!file) continue;
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), file.content);
  }
  for (const rel of result.orphans) await rm(path.join(root, rel));
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const result = await runGenerators(PROJECT_ROOT, argv.filter((a) => !a.startsWith('--')));
  for (const failure of result.failures) process.stderr.write(`gen: generator failed: ${failure}\n`);
  if (check) {
    for (const rel of result.stale) process.stderr.write(`gen: stale: ${rel}\n`);
    for (const rel of result.orphans) process.stderr.write(`gen: no longer generated: ${rel}\n`);
    const bad = result.stale.length + result.orphans.length;
    if (bad) process.stderr.write(`gen: ${bad} generated files out of date: run \`npm run gen\` and commit them\n`);
    else if (!result.failures.length) process.stderr.write(`gen: ${result.files.length} generated files up to date\n`);
    return bad || result.failures.length ? 1 : 0;
  }
  await writeGenerated(PROJECT_ROOT, result);
  for (const rel of result.stale) process.stderr.write(`gen: wrote ${rel}\n`);
  for (const rel of result.orphans) process.stderr.write(`gen: removed ${rel}\n`);
  const changed = result.stale.length + result.orphans.length;
  process.stderr.write(`gen: ${result.files.length} files, ${changed} changed\n`);
  // Some generators read what others write (rules/rule.schema.json), and what they load stays cached in this
  // process: when anything changed, one more pass in a fresh process settles them.
  if (changed > 0 && process.env[SECOND_PASS] === undefined) {
    process.stderr.write('gen: second pass, for generators that read generated files\n');
    const again = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...argv], { stdio: 'inherit', env: { ...process.env, [SECOND_PASS]: '1' } });
    return again.status ?? 1;
  }
  return result.failures.length ? 1 : 0;
}

const SECOND_PASS = 'NETAUDIT_GEN_SECOND_PASS';

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`gen: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
