/**
 * The catalog's name for where a traced packet died: the finding that quotes the line of the dropping step
 * (the sysctl, the rule, the route), with its message and fix. A drop no rule names has no cause here.
 */
import type { Finding } from '../../engine/types.js';
import type { Leg, TraceStep } from './types.js';

export interface TraceCause {
  ruleId: string;
  message: string;
  remediation: string;
}

/** The step where a dropped leg died: its last step that drops or refuses. */
export function dropStep(leg: Leg): TraceStep | undefined {
  if (leg.verdict !== 'dropped') return undefined;
  return [...leg.steps].reverse().find((s) => s.verdict === 'drop' || s.verdict === 'refused');
}

/** The first finding (error before warning before info) that quotes a line the dropping step quotes. */
export function causeOf(step: TraceStep, findings: readonly Finding[]): TraceCause | undefined {
  const lines = new Set(step.evidence.map((e) => `${e.source}\u0000${e.line}`));
  if (lines.size === 0) return undefined;
  const order = { error: 0, warning: 1, info: 2 } as const;
  const matching = findings.filter((f) => f.evidence.some((e) => lines.has(`${e.source}\u0000${e.line}`)));
  matching.sort((a, b) => order[a.severity] - order[b.severity]);
  const f = matching[0];
  return f ? { ruleId: f.ruleId, message: f.message, remediation: f.remediation } : undefined;
}
