/**
 * `npm run bench`: generate synthetic Kubernetes nodes of several sizes, measure every phase of the audit
 * in fresh processes (cold) and in one long-lived process (warm), the CLI end to end, and the floor; print
 * the tables and exit 1 when a target of issue 5 (or 13) is missed.
 *
 * Each size is measured twice: the node whose kube-proxy runs in iptables mode, then the same cluster with
 * kube-proxy in nftables mode ("nft 10k"); then the CLI on both, alternately, for the comparison.
 *
 *   node dist/bench/run.js [--sizes 1000,10000,50000] [--runs 5] [--seed N] [--proxy-modes iptables,nftables]
 *                          [--profile] [--json FILE] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { specForServices, type ProxyMode } from './gen/cluster.js';
import { generateNode, writeSnapshot } from './gen/node.js';
import { measureNode, rssMethod, type ProcessSample } from './process.js';
import { inclusiveOwnFunctions, profileNode, summariseProfile } from './profile.js';
import type { WorkerMode, WorkerReport } from './protocol.js';
import { phaseRows, processFigures, proxyModeOf, type SideBySide, type Samples, type SizeResult } from './results.js';
import { describeSize, profileText, scalingTable, sideBySideTable, sizeTable, targetsText } from './table.js';
import { checkTargets } from './targets.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(HERE, 'worker.js');
const FLOOR_MAIN = path.join(HERE, 'floor-main.js');
const CLI_MAIN = path.resolve(HERE, '../cli/main.js');

const PROXY_MODES: readonly ProxyMode[] = ['iptables', 'nftables'];

interface Options {
  sizes: number[];
  proxyModes: ProxyMode[];
  runs: number;
  seed?: number;
  profile: boolean;
  json?: string;
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '1000,10000,50000' },
      'proxy-modes': { type: 'string', default: PROXY_MODES.join(',') },
      runs: { type: 'string', default: '5' },
      seed: { type: 'string' },
      profile: { type: 'boolean', default: false },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: node dist/bench/run.js [--sizes 1000,10000,50000] [--runs 5] [--seed N] [--proxy-modes iptables,nftables] [--profile] [--json FILE] [--keep]\n');
    process.exit(0);
  }
  const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
  const runs = Number(values.runs);
  if (sizes.some((s) => !Number.isInteger(s) || s < 3)) throw new Error(`--sizes: expected service counts (integers ≥ 3), got "${values.sizes}"`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a positive integer, got "${values.runs}"`);
  const modes = values['proxy-modes'].split(',').map((m) => m.trim());
  const proxyModes = PROXY_MODES.filter((m) => modes.includes(m));
  if (proxyModes.length === 0 || proxyModes.length !== modes.length) throw new Error(`--proxy-modes: expected iptables, nftables or both, got "${values['proxy-modes']}"`);
  const options: Options = { sizes, proxyModes, runs, profile: values.profile, keep: values.keep };
  if (values.seed !== undefined) options.seed = Number(values.seed);
  if (values.json !== undefined) options.json = values.json;
  return options;
}

function progress(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

function runWorker(mode: WorkerMode, file: string, iterations: number): WorkerReport {
  const args = [...(mode === 'warm' ? ['--expose-gc'] : []), WORKER, mode, file, String(iterations)];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 1_800_000 });
  if (child.error) throw child.error;
  const last = (child.stdout ?? '').trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('{')) {
    throw new Error(`worker ${mode} failed (exit ${String(child.status)}): ${(child.stderr ?? '').trim().slice(0, 2000)}`);
  }
  return JSON.parse(last) as WorkerReport;
}

function cliArgs(file: string): string[] {
  return [CLI_MAIN, 'audit', file, '--format', 'json'];
}

/** One run with its output kept: the CLI must print a netaudit/report@1 and exit 0 or 1. */
function checkCli(file: string): string | undefined {
  const sample = measureNode(cliArgs(file), { captureStdout: true });
  if (sample.exitCode !== 0 && sample.exitCode !== 1) {
    return `exit ${String(sample.exitCode)}: ${sample.stderr.trim().split('\n').slice(0, 3).join(' | ').slice(0, 600)}`;
  }
  try {
    const report = JSON.parse(sample.stdout ?? '') as { schema?: unknown };
    if (report.schema !== 'netaudit/report@1') return `stdout is not a netaudit/report@1 (schema ${JSON.stringify(report.schema)})`;
  } catch {
    return `stdout is not JSON: ${(sample.stdout ?? '').slice(0, 200)}`;
  }
  return undefined;
}

interface Measured {
  result: SizeResult;
  file: string;
}

function measureSize(services: number, proxyMode: ProxyMode, options: Options, dir: string): Measured {
  const spec = specForServices(services, options.seed, proxyMode);
  const label = proxyMode === 'nftables' ? `nft ${services} services` : `${services} services`;
  const genStart = performance.now();
  const node = generateNode(spec);
  const file = path.join(dir, `k8s-node-${proxyMode === 'nftables' ? 'nft-' : ''}${services}.json`);
  const fileBytes = writeSnapshot(file, node.snapshot);
  const generateMs = performance.now() - genStart;
  progress(`${label}: ${file} (${(fileBytes / 1e6).toFixed(1)} MB) in ${(generateMs / 1000).toFixed(1)} s`);

  const cliError = checkCli(file);
  if (cliError) progress(`${label}: CLI not measured: ${cliError}`);
  const samples: Samples = { floor: [], cold: [], parse: [] };
  const cliSamples: ProcessSample[] = [];
  const cliModuleSamples: ProcessSample[] = [];
  const floorSamples: ProcessSample[] = [];
  // Interleaved, so that a burst of load from elsewhere touches every measurement alike.
  for (let run = 1; run <= options.runs; run++) {
    progress(`${label}: run ${run}/${options.runs}`);
    floorSamples.push(measureNode([FLOOR_MAIN, file]));
    if (!cliError) {
      cliSamples.push(measureNode(cliArgs(file)));
      cliModuleSamples.push(measureNode(cliArgs(file), { env: { NETAUDIT_NO_BUNDLE: '1' } }));
    }
    samples.floor.push(runWorker('floor', file, 1));
    samples.cold.push(runWorker('cold', file, 1));
    samples.parse.push(runWorker('parse', file, 1));
  }
  progress(`${label}: warm process, ${options.runs} iterations after one warm-up`);
  samples.warm = runWorker('warm', file, options.runs + 1);

  const { rows, floorMs, floorWarmMs, pipelineColdMs } = phaseRows(samples);
  const failures = [...samples.cold, ...samples.parse, samples.warm].flatMap((r) => (r.failure ? [`${r.failure.phase} failed: ${r.failure.message}`] : []));
  const missing = [...new Set([...samples.cold.flatMap((r) => r.missing), ...failures])];
  const result: SizeResult = {
    spec,
    expected: node.expected,
    fileBytes,
    generateMs,
    runs: options.runs,
    floorMs,
    rows,
    processFloor: processFigures(floorSamples),
    missing,
  };
  if (floorWarmMs !== undefined) result.floorWarmMs = floorWarmMs;
  if (pipelineColdMs !== undefined) result.pipelineColdMs = pipelineColdMs;
  if (cliSamples.length > 0) {
    result.cli = processFigures(cliSamples);
    result.cliModules = processFigures(cliModuleSamples);
    result.cliExitCode = cliSamples[0]!.exitCode;
  }
  if (cliError) result.cliError = cliError;
  const audit = samples.cold[0]?.audit;
  if (audit) result.audit = audit;

  if (options.profile && !cliError) {
    progress(`${label}: CPU profile of the CLI`);
    const profile = profileNode(cliArgs(file));
    const node = proxyMode === 'nftables' ? 'the nft node of ' : '';
    process.stdout.write(`\n${profileText(services, summariseProfile(profile, 30), inclusiveOwnFunctions(profile, 30), node)}\n`);
  }
  return { result, file };
}

/** The CLI on the iptables and the nft node of one size, alternately, `runs` times each. */
function measureSideBySide(services: number, iptablesFile: string, nftFile: string, runs: number): SideBySide {
  const iptables: ProcessSample[] = [];
  const nftables: ProcessSample[] = [];
  for (let run = 1; run <= runs; run++) {
    progress(`${services} services, iptables and nft node alternately: run ${run}/${runs}`);
    iptables.push(measureNode(cliArgs(iptablesFile)));
    nftables.push(measureNode(cliArgs(nftFile)));
  }
  return { services, runs, iptables: processFigures(iptables), nftables: processFigures(nftables) };
}



function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, peak RSS by ${rssMethod()}`;
}

/** The 1, 5 and 15 minute load averages: the figures are only comparable when they are low. */
function load(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

function legend(runs: number): string {
  return [
    `cold: median over ${runs} fresh processes, phases in the CLI's order; parse rows from separate fresh processes.`,
    `warm: median of ${runs} iterations in one process after a warm-up, garbage collected between phases.`,
    '× floor: cold time / in-process floor total (read the file, JSON.parse it, split or JSON.parse every source).',
    "× own floor: against the phase's own input (load: read + JSON.parse; parse: that source; model: all sources; CLI: the floor process).",
    'peak RSS: the process\'s high-water mark at the end of the phase (what a phase adds is the growth from the row above).',
  ].join('\n');
}

function main(): number {
  const options = parseOptions(process.argv.slice(2));
  const loadBefore = load();
  process.stdout.write(`${legend(options.runs)}\n`);
  const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-bench-'));
  const results: SizeResult[] = [];
  const sideBySide: SideBySide[] = [];
  try {
    for (const services of options.sizes) {
      const files = new Map<ProxyMode, string>();
      for (const mode of options.proxyModes) {
        const { result, file } = measureSize(services, mode, options, dir);
        results.push(result);
        if (result.cli) files.set(mode, file);
        else if (!options.keep) rmSync(file, { force: true });
        process.stdout.write(`\n${describeSize(result)}\n\n${sizeTable(result)}\n`);
      }
      const iptablesFile = files.get('iptables');
      const nftFile = files.get('nftables');
      if (iptablesFile && nftFile) sideBySide.push(measureSideBySide(services, iptablesFile, nftFile, options.runs));
      if (!options.keep) for (const file of files.values()) rmSync(file, { force: true });
    }
  } finally {
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
    else progress(`snapshots kept in ${dir}`);
  }

  const loadAfter = load();
  process.stdout.write(`\nmachine: ${machine()}\nload average (1 5 15 min): ${loadBefore} at the start, ${loadAfter} at the end\n`);
  const iptablesResults = results.filter((r) => proxyModeOf(r) === 'iptables');
  const nftResults = results.filter((r) => proxyModeOf(r) === 'nftables');
  if (iptablesResults.length > 1) process.stdout.write(`\nscaling (cold medians)\n\n${scalingTable(iptablesResults)}\n`);
  if (nftResults.length > 1) process.stdout.write(`\nscaling of the nft node (cold medians)\n\n${scalingTable(nftResults)}\n`);
  if (sideBySide.length > 0) {
    process.stdout.write(`\nthe CLI on the iptables and the nft node, run alternately (medians)\n\n${sideBySideTable(sideBySide)}\n`);
  }
  const missing = [...new Set(results.flatMap((r) => r.missing))];
  if (missing.length > 0) process.stdout.write(`\nnot measured (pieces missing or failing):\n${missing.map((m) => `  ${m}`).join('\n')}\n`);
  const checks = checkTargets(results, sideBySide);
  process.stdout.write(`\ntargets\n${targetsText(checks)}\n`);
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ machine: machine(), loadBefore, loadAfter, results, sideBySide, checks }, null, 2)}\n`);
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0 || missing.length > 0) {
    process.stdout.write(`\n${failed.length} target${failed.length === 1 ? '' : 's'} missed${missing.length > 0 ? `, ${missing.length} piece${missing.length === 1 ? '' : 's'} missing` : ''}\n`);
    return 1;
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
