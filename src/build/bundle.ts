/**
 * Build step after tsc (`npm run build`): the CLI bundled into one file, dist/bundle/netaudit.cjs, and a V8
 * code cache for it, trained by running the CLI on the bundled example and on a small synthetic Kubernetes
 * node, so that the functions an audit calls are in the cache already compiled. See src/cli/bundle.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { specForServices } from '../bench/gen/cluster.js';
import { generateNode, writeSnapshot } from '../bench/gen/node.js';
import { BUNDLE_ENTRY, BUNDLE_FILE, CODE_CACHE_FILE, loadBundledCli } from '../cli/bundle.js';
import type { CliIo } from '../cli/program.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = path.join(root, 'fixtures', 'example', 'snapshot.json');
/** Services of the training node: enough for every kube-proxy chain shape, small enough to take a moment. */
const TRAINING_SERVICES = 300;

/**
 * src/cli/commander.ts requires commander through createRequire, which esbuild cannot follow: left so, the
 * bundle would require it from node_modules on every run, uncached (about 5 ms). In the bundle, a plain
 * require() takes its place, and commander is bundled and cached with the rest.
 */
const bundleCommander: Plugin = {
  name: 'bundle-commander',
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]dist[\\/]cli[\\/]commander\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const required = source.replace(/createRequire\(import\.meta\.url\)\('commander'\)/, "require('commander')");
      if (required === source) throw new Error(`${args.path}: the createRequire of commander was not found`);
      return { contents: required, loader: 'js' };
    });
  },
};

async function bundle(): Promise<void> {
  mkdirSync(path.dirname(BUNDLE_FILE), { recursive: true });
  await build({
    entryPoints: [BUNDLE_ENTRY],
    outfile: BUNDLE_FILE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // catalog.ts finds rules/ two levels up from its own file: the bundle sits at the same depth.
    define: { 'import.meta.url': '__netaudit_bundle_url' },
    banner: { js: "var __netaudit_bundle_url = require('node:url').pathToFileURL(__filename).href;" },
    // A vm.Script (src/cli/bundle.ts) has no loader for import(): what is left of it (node: built-ins) becomes require.
    supported: { 'dynamic-import': false },
    // Loaded only on the way to an error, for site rules or for the reference engine: required from
    // node_modules then, rather than read and hashed with the bundle on every run (they are half its size).
    external: ['zod', 'ajv', 'json-rules-engine'],
    plugins: [bundleCommander],
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
}

async function trainCodeCache(): Promise<void> {
  const cli = loadBundledCli({ codeCache: false, env: {} });
  if (!cli) throw new Error(`${BUNDLE_FILE} did not load`);
  const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-build-'));
  try {
    const node = path.join(dir, 'node.json');
    writeSnapshot(node, generateNode(specForServices(TRAINING_SERVICES)).snapshot);
    const io: CliIo = { stdout: () => {}, stderr: () => {}, isTTY: false, env: {} };
    for (const input of [EXAMPLE, node]) {
      for (const format of ['text', 'json']) await cli.runCli(['node', 'netaudit', 'audit', input, '--format', format], io);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  writeFileSync(CODE_CACHE_FILE, cli.script.createCachedData());
}

await bundle();
await trainCodeCache();
