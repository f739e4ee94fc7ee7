/**
 * The "Host context" section of the HTML report (its content: context-rows.ts). Each row that shows lines of
 * the snapshot is an anchor: a finding's evidence line that a row shows links to the row, and the row links
 * back to the findings that quote it. Hidden (empty) when the snapshot has none of the context's sources.
 */
import type { Finding } from '../../engine/types.js';
import type { Evidence } from '../../parse/common.js';
import type { HostView } from '../../show/view.js';
import { contextParts, type ContextBlock, type ContextRow, type Where } from './context-rows.js';
import { attr, elementId, findingId, text } from './svg-text.js';

export interface HostContextHtml {
  html: string;
  /** The id of the row that shows an evidence line (that very line, else its file); undefined when none does. */
  rowOf: (e: Pick<Evidence, 'source' | 'line'>) => string | undefined;
}

const whereKey = (source: string, line?: number): string => (line === undefined ? source : `${source}:${line}`);

export function renderHostContext(section: number, view: HostView | undefined, findings: readonly Finding[]): HostContextHtml {
  const parts = view && contextParts(view);
  if (!parts) return { html: '', rowOf: () => undefined };

  // The first row showing a line (or a file) is its anchor.
  const anchors = new Map<string, string>();
  const rowIds = new Map<ContextRow, string>();
  for (const row of parts.flatMap((p) => p.blocks.flatMap((b) => (b.kind === 'table' ? b.rows : [])))) {
    if (row.where.length === 0) continue;
    const id = elementId(section, 'ctx', String(rowIds.size));
    rowIds.set(row, id);
    for (const w of row.where) {
      for (const key of [whereKey(w.source, w.line), w.source]) if (!anchors.has(key)) anchors.set(key, id);
    }
  }
  const rowOf = (e: Pick<Evidence, 'source' | 'line'>) => anchors.get(whereKey(e.source, e.line)) ?? anchors.get(e.source);

  const citedBy = new Map<string, { id: string; ruleId: string }[]>();
  findings.forEach((f, i) => {
    const rows = new Set(f.evidence.map(rowOf).filter((id): id is string => id !== undefined));
    for (const id of rows) citedBy.set(id, [...(citedBy.get(id) ?? []), { id: findingId(section, i), ruleId: f.ruleId }]);
  });

  const renderRow = (row: ContextRow): string => {
    const id = rowIds.get(row);
    const cited = id === undefined ? [] : (citedBy.get(id) ?? []);
    const links = cited.map((c) => ` <a href="#${attr(c.id)}" class="to-finding">${text(c.ruleId)}</a>`).join('');
    return (
      `<tr${id !== undefined ? ` id="${attr(id)}"` : ''}${cited.length > 0 ? ' class="cited"' : ''}>` +
      row.cells.map((c) => `<td>${text(c)}</td>`).join('') +
      `<td class="lines">${whereText(row.where)}${links}</td></tr>`
    );
  };
  const renderBlock = (b: ContextBlock): string => {
    if (b.kind === 'status') return `<p class="ctx-status${b.missing ? ' not-collected' : ''}">${text(b.text)}</p>`;
    return (
      `<table class="ctx"><caption>${text(b.caption)}</caption><thead><tr>${[...b.head, 'Lines'].map((h) => `<th>${text(h)}</th>`).join('')}</tr></thead>` +
      `<tbody>${b.rows.map(renderRow).join('')}</tbody></table>`
    );
  };
  const html =
    `<div class="context" id="s${section}-context"><h2>Host context</h2>` +
    parts.map((p) => `<h3>${text(p.title)}</h3>${p.blocks.map(renderBlock).join('')}`).join('') +
    '</div>';
  return { html, rowOf };
}

/** "/etc/resolv.conf:2, 3, 4", one code per file. */
function whereText(where: readonly Where[]): string {
  const lines = new Map<string, number[]>();
  for (const w of where) {
    const list = lines.get(w.source) ?? [];
    if (w.line !== undefined && !list.includes(w.line)) list.push(w.line);
    list.sort((a, b) => a - b);
    lines.set(w.source, list);
  }
  return [...lines].map(([source, list]) => `<code class="where">${text(list.length > 0 ? `${source}:${list.join(', ')}` : source)}</code>`).join(' ');
}
