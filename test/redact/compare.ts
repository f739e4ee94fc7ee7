/**
 * What "audits the same" means for a redacted snapshot: the same rule ids, severities, subject kinds and
 * namespaces, evidence sources and line numbers, and the same skipped rules; for a trace, the same verdicts
 * and the same steps (stage, verdict, evidence lines) on the request and on the reply.
 */
import { trace, type TraceQuery, type TraceResult } from '../../src/analysis/path/trace.js';
import { runAudit } from '../../src/engine/audit.js';
import type { RuleCatalog } from '../../src/engine/catalog.js';
import type { AuditResult } from '../../src/engine/types.js';
import { buildHost } from '../../src/model/build.js';
import type { Host } from '../../src/model/types.js';
import type { Snapshot } from '../../src/snapshot/schema.js';

export interface AuditShape {
  findings: string[];
  skipped: string[];
}

/** A file's path may hold an address (host-local's /var/lib/cni/networks/NET/10.244.1.5): mapped by redaction, so compared as "<address>". */
function sourceShape(source: string): string {
  return source.startsWith('/') ? source.replace(/(?<=\/)(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:]*)$/i, '<address>') : source;
}

export function auditShape(result: AuditResult): AuditShape {
  const findings = result.findings.map((f) =>
    [f.ruleId, f.severity, f.subject.kind, f.subject.namespace, f.evidence.map((e) => `${sourceShape(e.source)}:${e.line}`).join(',')].join(' '),
  );
  return { findings: findings.sort(), skipped: result.skipped.map((s) => s.ruleId).sort() };
}

export async function auditOf(snapshot: Snapshot, catalog: RuleCatalog): Promise<AuditShape> {
  return auditShape(await runAudit(buildHost(snapshot), catalog, { input: 'test' }));
}

export function traceShape(result: TraceResult): string[] {
  const leg = (name: string, steps: TraceResult['request']['steps']) =>
    steps.map((s) => `${name} ${s.namespace} ${s.stage} ${s.verdict} ${s.evidence.map((e) => `${e.source}:${e.line}`).join(',')}`);
  return [`verdict ${result.verdict}`, `request ${result.request.verdict}`, `reply ${result.reply?.verdict ?? '-'}`, ...leg('req', result.request.steps), ...leg('rep', result.reply?.steps ?? [])];
}

/** A trace, or the error it refused the query with (both must match). */
export function traceOrError(host: Host, query: TraceQuery): string[] {
  try {
    return traceShape(trace(host, query));
  } catch (err) {
    return [`error ${(err as Error).name}`];
  }
}
