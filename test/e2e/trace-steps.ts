/**
 * The steps `netaudit trace` walked for one of the lab's probes, request and reply, as its JSON report
 * (`netaudit/trace@1`) gives them: what the nft-layout suite reads to see which ruleset lines the trace quotes.
 */
import type { Lab } from './lab.js';
import { netaudit } from './netaudit.js';
import type { ProbeName } from './probes.js';
import { traceArgs } from './trace-probes.js';

export interface TracedEvidence {
  source: string;
  line: number;
  text: string;
}

export interface TracedStep {
  namespace: string;
  stage: string;
  table?: string;
  chain?: string;
  rule?: string;
  verdict: string;
  note: string;
  evidence: TracedEvidence[];
}

export interface TraceReport {
  verdict: string;
  reason: string;
  steps: TracedStep[];
  reply?: { verdict: string; reason: string; steps: TracedStep[] };
}

export function traceReport(snapshot: string, lab: Lab, probe: ProbeName): TraceReport {
  const run = netaudit(['trace', snapshot, ...traceArgs(lab, probe), '--format', 'json']);
  if (run.code !== 0 && run.code !== 1) throw new Error(`trace of ${probe} failed with exit ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as TraceReport;
}

/** Request steps, then the reply's. */
export const allSteps = (report: TraceReport): TracedStep[] => [...report.steps, ...(report.reply?.steps ?? [])];

export const describeStep = (s: TracedStep): string =>
  `${s.namespace} ${s.stage} ${s.verdict}${s.table ? ` [${s.table} ${s.chain ?? ''} ${s.rule ?? ''}]` : ''}: ${s.note}\n      ${s.evidence.map((e) => `${e.source}:${e.line} ${e.text}`).join('\n      ')}`;
