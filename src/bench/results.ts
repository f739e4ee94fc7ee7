/**
 * From raw samples to the figures the table prints: medians per phase over cold processes and over warm
 * iterations, and each phase's ratio to the floor.
 */
import type { ExpectedCounts } from './gen/node.js';
import type { NodeSpec, ProxyMode } from './gen/cluster.js';
import type { ProcessSample } from './process.js';
import { DIFF_PHASE, REDACT_PHASE, TRACE_PHASE, type AuditSummary, type PhaseSample, type WorkerReport } from './protocol.js';
import { median } from './stats.js';

export interface PhaseRow {
  name: string;
  coldMs?: number;
  warmMs?: number;
  /** Median peak RSS of the cold process at the end of the phase. */
  peakRssMB?: number;
  /** The phase's own floor (its source's split or JSON.parse, or the snapshot's read + JSON.parse). */
  ownFloorMs?: number;
}

export interface ProcessFigures {
  wallMs: number;
  minMs: number;
  maxMs: number;
  maxRssMB: number;
}

export interface SizeResult {
  spec: NodeSpec;
  expected: ExpectedCounts;
  fileBytes: number;
  generateMs: number;
  runs: number;
  /** In-process floor, cold: read + JSON.parse + every source split or parsed. */
  floorMs: number;
  floorWarmMs?: number;
  rows: PhaseRow[];
  /** Sum of the cold in-process pipeline phases (module load to report). */
  pipelineColdMs?: number;
  cli?: ProcessFigures;
  /** The CLI with its modules imported one by one rather than from the bundle (NETAUDIT_NO_BUNDLE=1). */
  cliModules?: ProcessFigures;
  cliExitCode?: number | null;
  cliError?: string;
  processFloor: ProcessFigures;
  audit?: AuditSummary;
  missing: string[];
}

export function proxyModeOf(r: { spec: NodeSpec }): ProxyMode {
  return r.spec.proxyMode ?? 'iptables';
}

/** "10k", or "nft 10k" for the node whose kube-proxy runs in nftables mode. */
export function nodeLabel(r: { spec: NodeSpec }): string {
  const size = `${r.spec.services / 1000}k`;
  return proxyModeOf(r) === 'nftables' ? `nft ${size}` : size;
}

/** The CLI on the iptables and the nft node of one size, run alternately so that load from elsewhere touches both alike. */
export interface SideBySide {
  services: number;
  runs: number;
  iptables: ProcessFigures;
  nftables: ProcessFigures;
}

function byName(reports: readonly WorkerReport[], keep: (s: PhaseSample) => boolean): Map<string, PhaseSample[]> {
  const out = new Map<string, PhaseSample[]>();
  for (const report of reports) {
    for (const sample of report.samples) {
      if (!keep(sample)) continue;
      const list = out.get(sample.name) ?? [];
      list.push(sample);
      out.set(sample.name, list);
    }
  }
  return out;
}

export function processFigures(samples: readonly ProcessSample[]): ProcessFigures {
  const walls = samples.map((s) => s.wallMs);
  return {
    wallMs: median(walls),
    minMs: Math.min(...walls),
    maxMs: Math.max(...walls),
    maxRssMB: median(samples.map((s) => s.maxRssMB)),
  };
}

export interface Samples {
  floor: WorkerReport[];
  cold: WorkerReport[];
  parse: WorkerReport[];
  warm?: WorkerReport;
}

export function phaseRows(samples: Samples): { rows: PhaseRow[]; floorMs: number; floorWarmMs?: number; pipelineColdMs?: number } {
  const floor = byName(samples.floor, () => true);
  const cold = byName([...samples.cold, ...samples.parse.map((r) => ({ ...r, samples: r.samples.filter((s) => s.name.startsWith('parse: ')) }))], () => true);
  const warm = samples.warm ? byName([samples.warm], (s) => s.iteration > 0) : new Map<string, PhaseSample[]>();
  const med = (list: PhaseSample[] | undefined, pick: (s: PhaseSample) => number): number | undefined =>
    list && list.length > 0 ? median(list.map(pick)) : undefined;
  const row = (name: string, coldList: PhaseSample[] | undefined, warmName = name, ownFloorMs?: number): PhaseRow => {
    const r: PhaseRow = { name };
    const c = med(coldList, (s) => s.ms);
    const w = med(warm.get(warmName), (s) => s.ms);
    const rss = med(coldList, (s) => s.peakRssMB);
    if (c !== undefined) r.coldMs = c;
    if (w !== undefined) r.warmMs = w;
    if (rss !== undefined) r.peakRssMB = rss;
    if (ownFloorMs !== undefined) r.ownFloorMs = ownFloorMs;
    return r;
  };

  const floorMs = med(floor.get('floor'), (s) => s.ms) ?? Number.NaN;
  const floorOf = (name: string): number | undefined => med(floor.get(`floor: ${name}`), (s) => s.ms);
  const sourceNames = [...floor.keys()].filter((n) => n.startsWith('floor: ') && n !== 'floor: read file' && n !== 'floor: JSON.parse snapshot');
  const sourcesFloor = sourceNames.reduce((sum, n) => sum + (med(floor.get(n), (s) => s.ms) ?? 0), 0);
  const readAndParse = (floorOf('read file') ?? 0) + (floorOf('JSON.parse snapshot') ?? 0);

  const rows: PhaseRow[] = [
    row('floor: read file', floor.get('floor: read file')),
    row('floor: JSON.parse snapshot', floor.get('floor: JSON.parse snapshot')),
    { name: 'floor: split / JSON.parse sources', coldMs: sourcesFloor },
    row('floor (in-process total)', floor.get('floor'), 'floor'),
    row('module load', cold.get('module load')),
    row('load (read, JSON, schema)', cold.get('load'), 'load', readAndParse),
  ];
  const parseRows = [...cold.keys()].filter((n) => n.startsWith('parse: ')).map((name) => row(name, cold.get(name), name, floorOf(name.slice('parse: '.length))));
  rows.push(...parseRows);
  if (parseRows.length > 0) {
    const all: PhaseRow = { name: 'parse: all sources', coldMs: parseRows.reduce((sum, r) => sum + (r.coldMs ?? 0), 0), ownFloorMs: sourcesFloor };
    if (parseRows.every((r) => r.warmMs !== undefined)) all.warmMs = parseRows.reduce((sum, r) => sum + (r.warmMs ?? 0), 0);
    rows.push(all);
  }
  rows.push(
    row('model (buildHost, parsing included)', cold.get('model'), 'model', sourcesFloor),
    row('rule catalog', cold.get('rule catalog')),
    row('facts+rules (runAudit)', cold.get('facts+rules'), 'facts+rules'),
    row('report (json)', cold.get('report'), 'report'),
    row('trace (node port from outside, and the reply)', cold.get(TRACE_PHASE), TRACE_PHASE),
    row('diff (the node against itself: model and findings compared)', cold.get(DIFF_PHASE), DIFF_PHASE),
    row('redact (every source of the loaded snapshot rewritten)', cold.get(REDACT_PHASE), REDACT_PHASE),
  );
  const auditSamples = (r: WorkerReport): PhaseSample[] => r.samples.filter((s) => s.name !== TRACE_PHASE && s.name !== DIFF_PHASE && s.name !== REDACT_PHASE);
  const pipelineColdMs = samples.cold.length > 0 ? median(samples.cold.map((r) => auditSamples(r).reduce((sum, s) => sum + s.ms, 0))) : undefined;
  const result: { rows: PhaseRow[]; floorMs: number; floorWarmMs?: number; pipelineColdMs?: number } = { rows, floorMs };
  const fw = med(warm.get('floor'), (s) => s.ms);
  if (fw !== undefined) result.floorWarmMs = fw;
  if (pipelineColdMs !== undefined) result.pipelineColdMs = pipelineColdMs;
  return result;
}
