/**
 * `--format html`: one self-contained page (inline CSS, script and SVG; no request leaves it), for `audit`,
 * `show` and `trace`. The topology with the findings on their elements (coloured by severity), the findings
 * with their evidence lines and fixes, each linked to its element and back; a trace's path on the picture;
 * the host context (resolvers, runtimes, device managers, pod network: context.ts), its rows linked to the
 * findings that quote them and back.
 */
import type { TraceResult } from '../../analysis/path/trace.js';
import type { AuditResult, Finding } from '../../engine/types.js';
import type { HostView } from '../../show/view.js';
import { renderHostContext, type HostContextHtml } from './context.js';
import { elementKeyOf } from './findings-map.js';
import { layout } from './layout.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './page-assets.js';
import { renderSvg, tracePath, type FindingsByKey } from './svg.js';
import { attr, findingId, keyId, text } from './svg-text.js';
import { buildTopology } from './topology.js';
import { evidenceWhere } from '../evidence-where.js';

export interface HtmlSection {
  title: string;
  /** The host view the topology is drawn from; without it the page has the findings only. */
  view?: HostView;
  result?: AuditResult;
  trace?: TraceResult;
}

export function renderHtmlDocument(title: string, sections: readonly HtmlSection[]): string {
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">` +
    `<title>${text(title)}</title><style>${PAGE_STYLE}</style></head><body>\n` +
    sections.map(renderSection).join('\n') +
    `\n<script>${PAGE_SCRIPT}</script></body></html>\n`
  );
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function renderSection(section: HtmlSection, n: number): string {
  const findings = section.result?.findings ?? [];
  const host = section.view?.host;
  const summary = section.result
    ? `<p class="summary">${plural(section.result.summary.errors, 'error', 'errors')}, ${plural(section.result.summary.warnings, 'warning', 'warnings')}, ${plural(section.result.summary.infos, 'info', 'infos')}; ${plural(section.result.summary.rulesEvaluated, 'rule', 'rules')} evaluated, ${section.result.summary.rulesSkipped} skipped</p>`
    : '';
  const meta = host ? `<p class="meta">${text([host.hostname, host.kernel, host.collectedAt, host.collector].filter(Boolean).join(' · '))}</p>` : '';
  let picture = '<p class="no-picture">The topology is not drawn: no host model was given with these results.</p>';
  let targets: (string | undefined)[] = findings.map(() => undefined);
  let caption = '';
  if (section.view) {
    const topology = buildTopology(section.view);
    const l = layout(topology);
    const drawn = new Set<string>([...l.rows.map((r) => r.key), ...l.cells.map((c) => c.key), ...l.namespaces.map((x) => `ns|${x.name}`)]);
    const byKey: FindingsByKey = new Map();
    const keys = findings.map((f, i) => {
      const key = elementKeyOf(f, topology, drawn);
      const list = byKey.get(key);
      if (list) list.push({ finding: f, index: i });
      else byKey.set(key, [{ finding: f, index: i }]);
      return key;
    });
    targets = keys.map((k) => keyId(n, k));
    const path = section.trace ? tracePath(section.trace, topology, l, drawn) : undefined;
    if (path?.dropped) caption = `<p class="trace-caption"><span class="drop-mark">✕</span> ${text(path.dropped.label)}</p>`;
    picture = renderSvg(n, topology, l, byKey, path);
  }
  const context = renderHostContext(n, section.view, findings);
  return (
    `<section class="report" id="s${n}"><header><h1>${text(section.title)}</h1>${meta}${summary}</header>` +
    `${caption}<div class="picture">${picture}</div>` +
    (section.trace ? renderTrace(section.trace) : '') +
    (section.result ? renderFindings(findings, targets, n, section.result, context.rowOf) : '') +
    context.html +
    '</section>'
  );
}

function renderFindings(findings: readonly Finding[], targets: readonly (string | undefined)[], n: number, result: AuditResult, contextRow: HostContextHtml['rowOf']): string {
  const items = findings.map((f, i) => {
    const evidence = f.evidence
      .map((e) => {
        const where = `<code class="where">${text(evidenceWhere(e))}</code>`;
        const row = contextRow(e);
        return `<li>${row !== undefined ? `<a href="#${attr(row)}" class="to-context">${where}</a>` : where} <code>${text(e.text)}</code></li>`;
      })
      .join('');
    const target = targets[i];
    const subject = target !== undefined ? `<a href="#${attr(target)}" class="to-element">${text(f.subject.name)}</a>` : `<span class="subject">${text(f.subject.name)}</span>`;
    return (
      `<li class="finding sev-${f.severity}" id="${findingId(n, i)}" data-rule="${attr(f.ruleId)}"${target !== undefined ? ` data-target="${attr(target)}"` : ''}>` +
      `<h3><span class="sev">${f.severity}</span> <code class="rule">${text(f.ruleId)}</code> on ${text(f.subject.kind)} ${subject}${f.subject.namespace && f.subject.namespace !== 'host' ? ` in ${text(f.subject.namespace)}` : ''}</h3>` +
      `<p>${text(f.message)}</p><ul class="evidence">${evidence}</ul><p class="fix"><strong>Fix:</strong> ${text(f.remediation)}</p></li>`
    );
  });
  const skipped = result.skipped.length > 0 ? `<details><summary>${plural(result.skipped.length, 'rule', 'rules')} skipped</summary><ul>${result.skipped.map((s) => `<li><code>${text(s.ruleId)}</code>: ${text(s.reason)}</li>`).join('')}</ul></details>` : '';
  return `<h2>Findings</h2>${items.length === 0 ? '<p>No findings.</p>' : `<ol class="findings">${items.join('')}</ol>`}${skipped}`;
}

function renderTrace(result: TraceResult): string {
  const leg = (name: string, l: TraceResult['request']) =>
    `<h3>${name}: ${text(l.verdict)}</h3><ol class="steps">${l.steps
      .map((s) => `<li class="step v-${attr(s.verdict)}"><code>${text(s.namespace)}</code> ${text(s.stage)} <strong>${text(s.verdict)}</strong>: ${text(s.note)}${s.evidence.map((e) => ` <code class="where">${text(e.source)}:${e.line}</code>`).join('')}</li>`)
      .join('')}</ol>`;
  return `<h2>Trace: <span class="verdict v-${attr(result.verdict)}">${text(result.verdict)}</span></h2><p>${text(result.reason)}</p>${leg('Request', result.request)}${result.reply ? leg('Reply', result.reply) : ''}`;
}
