/**
 * One measuring process: `node dist/bench/worker.js MODE SNAPSHOT [ITERATIONS]`, printing one JSON line
 * (a WorkerReport) on stdout. The harness starts a fresh process per cold sample.
 *
 * - floor: the floor phases (read, JSON.parse, split or JSON.parse of each source), in a fresh process.
 * - cold:  the pipeline in the CLI's order (import, load, model, catalog, facts+rules, report), once.
 * - parse: import and load, then each source's parser once, cold.
 * - warm:  everything above ITERATIONS times in one process, collecting garbage between phases when
 *          node runs with --expose-gc; the harness drops the first iteration.
 */
import type { AuditResult } from '../engine/types.js';
import type { Host } from '../model/types.js';
import type { Snapshot } from '../snapshot/schema.js';
import { parseSnapshotJson, readSnapshotBytes, sourcesOf, touchSource } from './floor.js';
import { loadPipeline, type Pipeline } from './pipeline.js';
import { DIFF_PHASE, isWorkerMode, REDACT_PHASE, TRACE_PHASE, WORKER_MODES, type PhaseSample, type WorkerMode, type WorkerReport } from './protocol.js';
import { heapUsedMB, peakRssMB } from './stats.js';

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

/** A phase that threw: the worker reports it instead of crashing, and measures nothing after it. */
class PhaseFailure extends Error {
  constructor(
    readonly phase: string,
    cause: unknown,
  ) {
    super(describeError(cause));
  }
}

/** An InputError's own one-line description; for anything else (a bug), the message and where it was thrown. */
function describeError(err: unknown): string {
  if (err && typeof err === 'object' && 'describe' in err && typeof err.describe === 'function') return String(err.describe());
  if (!(err instanceof Error)) return String(err);
  const frames = (err.stack ?? '').split('\n').filter((l) => l.trimStart().startsWith('at ')).slice(0, 3);
  return [`${err.name}: ${err.message}`, ...frames.map((f) => f.trim())].join(' | ');
}

/** Thrown instead of running a phase that already failed: the warm loop keeps measuring the phases before it. */
class SkipFailedPhase extends Error {}

class Recorder {
  readonly samples: PhaseSample[] = [];
  missing: string[] = [];
  iteration = 0;
  failed: PhaseFailure | undefined;

  async phase<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    if (this.failed?.phase === name) throw new SkipFailedPhase();
    if (gc && this.iteration > 0) gc();
    const start = performance.now();
    let value: T;
    try {
      value = await fn();
    } catch (err) {
      throw new PhaseFailure(name, err);
    }
    const ms = performance.now() - start;
    this.samples.push({ name, iteration: this.iteration, ms, peakRssMB: peakRssMB(), heapUsedMB: heapUsedMB() });
    return value;
  }
}

async function floorPhases(rec: Recorder, file: string): Promise<void> {
  const first = rec.samples.length;
  const bytes = await rec.phase('floor: read file', () => readSnapshotBytes(file));
  const snapshot = await rec.phase('floor: JSON.parse snapshot', () => parseSnapshotJson(bytes));
  let count = 0;
  for (const source of sourcesOf(snapshot)) {
    count += await rec.phase(`floor: ${source.label}`, () => touchSource(source.id, source.text));
  }
  // The sum of the parts, not the wall time around them: that would include the collections between phases.
  const ms = rec.samples.slice(first).reduce((sum, s) => sum + s.ms, 0);
  rec.samples.push({ name: 'floor', iteration: rec.iteration, ms, peakRssMB: peakRssMB(), heapUsedMB: heapUsedMB() });
  if (count < 0) throw new Error('unreachable');
}

async function parsePhases(rec: Recorder, pipeline: Pipeline, snapshot: Snapshot): Promise<void> {
  const { sourceText } = pipeline;
  if (!sourceText) return;
  const host = snapshot.namespaces[0];
  if (!host) return;
  for (const [id, parser] of pipeline.parsers) {
    const source = host.sources[id];
    if (!source || (source.status !== 'ok' && source.status !== 'empty')) continue;
    await rec.phase(`parse: ${id}`, () => parser({ source: id, text: sourceText(source, id).text }));
  }
}

interface AuditRun {
  host?: Host;
  result?: AuditResult;
  report?: string;
}

/** load → model → catalog → facts+rules → report, as `netaudit audit FILE --format json` runs them. */
async function pipelinePhases(rec: Recorder, pipeline: Pipeline, file: string, withParse: boolean): Promise<AuditRun> {
  const run: AuditRun = {};
  if (!pipeline.loadInput) return run;
  const loaded = await rec.phase('load', () => pipeline.loadInput!(file));
  if (withParse) await parsePhases(rec, pipeline, loaded.snapshot);
  if (!pipeline.buildHost) return run;
  const host = await rec.phase('model', () => pipeline.buildHost!(loaded.snapshot));
  run.host = host;
  if (!pipeline.loadRuleCatalog || !pipeline.runAudit) return run;
  const catalog = await rec.phase('rule catalog', () => pipeline.loadRuleCatalog!());
  const result = await rec.phase('facts+rules', () => pipeline.runAudit!(host, catalog, { input: file }));
  run.result = result;
  if (!pipeline.renderJson) return run;
  run.report = await rec.phase('report', () => pipeline.renderJson!(result));
  if (pipeline.traceNodePort) await rec.phase(TRACE_PHASE, () => pipeline.traceNodePort!(host));
  if (pipeline.redact) await rec.phase(REDACT_PHASE, () => pipeline.redact!(loaded.snapshot));
  if (pipeline.diffAgainstItself) await rec.phase(DIFF_PHASE, () => pipeline.diffAgainstItself!(host, result));
  return run;
}

async function runWorker(rec: Recorder, mode: WorkerMode, file: string, iterations: number): Promise<WorkerReport> {
  if (mode === 'floor') {
    await floorPhases(rec, file);
    return { mode, samples: rec.samples, missing: [] };
  }
  const pipeline = await rec.phase('module load', () => loadPipeline());
  rec.missing = pipeline.missing;
  const report: WorkerReport = { mode, samples: rec.samples, missing: pipeline.missing };
  if (mode === 'parse') {
    if (pipeline.loadInput) {
      const loaded = await rec.phase('load', () => pipeline.loadInput!(file));
      await parsePhases(rec, pipeline, loaded.snapshot);
    }
    return report;
  }
  const rounds = mode === 'warm' ? iterations : 1;
  for (let i = 0; i < rounds; i++) {
    rec.iteration = i;
    if (mode === 'warm') await floorPhases(rec, file);
    let run: AuditRun;
    try {
      run = await pipelinePhases(rec, pipeline, file, mode === 'warm');
    } catch (err) {
      if (err instanceof SkipFailedPhase) continue;
      if (!(err instanceof PhaseFailure) || mode !== 'warm') throw err;
      rec.failed = err;
      report.failure = { phase: err.phase, message: err.message };
      continue;
    }
    if (run.result) {
      report.audit = {
        findings: run.result.findings.length,
        passed: run.result.passed.length,
        skipped: run.result.skipped.length,
        subjects: run.result.summary.subjectsEvaluated,
        notes: run.host?.notes.length ?? 0,
        reportBytes: run.report === undefined ? 0 : Buffer.byteLength(run.report),
      };
    }
  }
  return report;
}

async function main(): Promise<void> {
  const [mode, file, iterations] = process.argv.slice(2);
  if (!isWorkerMode(mode) || !file) {
    process.stderr.write(`usage: node dist/bench/worker.js ${WORKER_MODES.join('|')} SNAPSHOT [ITERATIONS]\n`);
    process.exitCode = 2;
    return;
  }
  const rec = new Recorder();
  let report: WorkerReport;
  try {
    report = await runWorker(rec, mode, file, Math.max(2, Number(iterations ?? 6)));
  } catch (err) {
    if (!(err instanceof PhaseFailure)) throw err;
    report = { mode, samples: rec.samples, missing: rec.missing, failure: { phase: err.phase, message: err.message } };
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
