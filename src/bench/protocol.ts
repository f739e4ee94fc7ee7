/** What a measuring process (worker.ts) reports to the harness (run.ts). */

export const WORKER_MODES = ['floor', 'cold', 'parse', 'warm'] as const;
export type WorkerMode = (typeof WORKER_MODES)[number];

/** The trace measured after the audit: a command of its own, so not part of the audit pipeline's total. */
export const TRACE_PHASE = 'trace';

/** `netaudit diff` of the node against itself, after the audit: the model and finding comparison only (the CLI also loads and audits both sides). */
export const DIFF_PHASE = 'diff';

/** `netaudit redact` of the node (in memory, the snapshot already loaded): a command of its own, compared with the audit's total. */
export const REDACT_PHASE = 'redact';

export interface PhaseSample {
  name: string;
  iteration: number;
  ms: number;
  /** Peak RSS of the process up to the end of this phase. */
  peakRssMB: number;
  heapUsedMB: number;
}

export interface AuditSummary {
  findings: number;
  passed: number;
  skipped: number;
  subjects: number;
  notes: number;
  reportBytes: number;
}

export interface WorkerReport {
  mode: WorkerMode;
  samples: PhaseSample[];
  missing: string[];
  /** What the audit found, to show the run did real work. */
  audit?: AuditSummary;
  /** The phase that threw, and its message: the phases after it were not measured. */
  failure?: { phase: string; message: string };
}

export function isWorkerMode(value: string | undefined): value is WorkerMode {
  return (WORKER_MODES as readonly string[]).includes(value ?? '');
}
