/** The HTML report of `audit`, `show` and `trace`: one self-contained page (document.ts). */
import type { TraceResult } from '../../analysis/path/trace.js';
import type { AuditResult } from '../../engine/types.js';
import type { HostView } from '../../show/view.js';
import { renderHtmlDocument } from './document.js';

/** `view`: the host model the topology is drawn from; without it, the findings only. */
export function formatHtmlAudit(inputs: readonly { result: AuditResult; view?: HostView | undefined }[]): string {
  return renderHtmlDocument(
    'netaudit audit',
    inputs.map((i) => ({ title: `netaudit audit: ${i.result.input}`, result: i.result, ...(i.view ? { view: i.view } : {}) })),
  );
}

export function formatHtmlShow(view: HostView, input: string): string {
  return renderHtmlDocument('netaudit show', [{ title: `netaudit show: ${input}`, view }]);
}

export function formatHtmlTrace(view: HostView, trace: TraceResult, input: string, audit?: AuditResult): string {
  const section = { title: `netaudit trace: ${input}`, view, trace, ...(audit ? { result: audit } : {}) };
  return renderHtmlDocument('netaudit trace', [section]);
}
