/** The topology as an inline SVG string: boxes, rows, veth links, published-port arrows, findings, a trace's path. */
import type { TraceResult } from '../../analysis/path/trace.js';
import type { Finding, Severity } from '../../engine/types.js';
import { fit, NAME_W, type Box, type Layout, type PlacedCell, type PlacedRow } from './layout.js';
import { attr, findingId, keyId, text } from './svg-text.js';
import type { Topology } from './topology.js';

/** A trace on the picture: the layout keys the packet passes ("outside" beyond the uplink), and where it dies. */
export interface TracePath {
  hops: string[];
  dropped?: { key: string; label: string };
}

const RANK: Record<Severity, number> = { info: 1, warning: 2, error: 3 };

export function worst(findings: readonly Finding[]): Severity | undefined {
  return findings.reduce<Severity | undefined>((w, f) => (w === undefined || RANK[f.severity] > RANK[w] ? f.severity : w), undefined);
}

export type FindingsByKey = Map<string, { finding: Finding; index: number }[]>;

export function renderSvg(section: number, t: Topology, l: Layout, findingsByKey: FindingsByKey, path?: TracePath): string {
  const parts: string[] = [];
  const id = (key: string) => keyId(section, key);
  const mark = (key: string) => {
    const list = findingsByKey.get(key) ?? [];
    const sev = worst(list.map((x) => x.finding));
    return { cls: sev ? ` sev-${sev}` : '', refs: list.map((x) => findingId(section, x.index)).join(' ') };
  };
  const badge = (x: number, y: number, key: string) => {
    const list = findingsByKey.get(key) ?? [];
    if (list.length === 0) return '';
    const sev = worst(list.map((f) => f.finding));
    return `<a href="#${findingId(section, list[0]!.index)}" class="badge-link"><circle class="badge sev-${sev}" cx="${x}" cy="${y}" r="9"/><text class="badge-text" x="${x}" y="${y + 4}" text-anchor="middle">${list.length}</text></a>`;
  };

  // Outside world.
  const o = l.outside;
  parts.push(
    `<g class="node outside" id="s${section}-outside"><rect x="${o.x}" y="${o.y}" width="${o.w}" height="${o.h}" rx="8"/><text x="${o.x + 10}" y="${o.y + 22}" class="title">outside</text>` +
      `${t.defaultVia ? `<text x="${o.x + 10}" y="${o.y + 42}" class="detail">${text(fit(`gateway ${t.defaultVia}`, o.w - 20))}</text>` : ''}</g>`,
  );
  for (const { name, box } of l.namespaces) {
    const key = `ns|${name}`;
    const m = mark(key);
    const title = name === t.host.name ? 'host namespace' : `namespace ${name}`;
    parts.push(
      `<g class="node namespace${m.cls}" id="${id(key)}" data-findings="${attr(m.refs)}"><rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="10"/>` +
        `<text x="${box.x + 12}" y="${box.y + 22}" class="title">${text(fit(title, box.w - 44, 13 * 1.1))}</text>${badge(box.x + box.w - 16, box.y + 16, key)}</g>`,
    );
  }

  // Lines first, boxes over them.
  const lines: string[] = [];
  for (const link of t.links) {
    const from = l.rowByKey.get(`${link.from.namespace}|${link.from.name}`);
    const to = l.rowByKey.get(`${link.to.namespace}|${link.to.name}`);
    if (!from || !to) continue;
    lines.push(`<path class="veth-link" d="${curve(right(from), left(to))}"><title>${text(`veth ${link.from.name} ↔ ${link.to.name} (${link.to.namespace})`)}</title></path>`);
  }
  const uplink = t.uplink !== undefined ? l.rowByKey.get(`${t.host.name}|${t.uplink}`) : undefined;
  if (uplink) lines.push(`<path class="uplink-link" d="${curve(right(o), left(uplink))}"/>`);
  t.published.forEach((p, n) => {
    const from = l.rowByKey.get(`published|${n}`)!;
    const target = p.targetKey !== undefined ? (l.rowByKey.get(p.targetKey) ?? groupRowOf(t, l, p.targetKey)) : undefined;
    const d: string[] = [];
    if (uplink) {
      d.push(curve(right(from), left(uplink)));
      if (target && target !== uplink) d.push(target.x > uplink.x + uplink.w ? curve(right(uplink), left(target), true) : loop(right(uplink), right(target)));
    } else if (target) {
      d.push(curve(right(from), left(target), true));
    }
    if (d.length > 0) lines.push(`<path class="published-link" data-published="${n}" marker-end="url(#s${section}-arrow)" d="${d.join(' ')}"><title>${text(p.label)}</title></path>`);
  });
  parts.push(`<g class="links">${lines.join('')}</g>`);

  for (const row of l.rows) parts.push(renderRow(id(row.key), row, mark(row.key), badge(row.x + row.w - 13, row.y + row.h / 2, row.key)));
  if (path) parts.push(renderPath(path, l, t));

  // The grouped veths and namespaces, hidden until a group is expanded.
  if (l.cells.length > 0) {
    parts.push('<g class="group-detail">');
    for (const h of l.headings) parts.push(`<text class="title" x="${h.x}" y="${h.y}">${text(h.text)}</text>`);
    for (const cell of l.cells) parts.push(renderCell(id(cell.key), cell, mark(cell.key), badge(cell.x + cell.w - 12, cell.y + 12, cell.key)));
    parts.push('</g>');
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="topology" id="s${section}-topology" viewBox="0 0 ${l.width} ${l.height}" width="${l.width}" height="${l.height}" data-height="${l.height}" data-expanded-height="${l.expandedHeight}" role="img" aria-label="network topology">` +
    `<defs><marker id="s${section}-arrow" class="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z"/></marker></defs>` +
    `${parts.join('\n')}</svg>`
  );
}

type Point = { x: number; y: number };
const left = (b: Box): Point => ({ x: b.x, y: b.y + Math.min(b.h, 28) / 2 });
const right = (b: Box): Point => ({ x: b.x + b.w, y: b.y + Math.min(b.h, 28) / 2 });

/** A curve from a to b, leaving and arriving horizontally; `arrow`: stop short of b for the arrow head. */
function curve(a: Point, b: Point, arrow = false): string {
  const end = arrow ? b.x - 3 : b.x;
  const dx = Math.max(30, Math.abs(end - a.x) / 2);
  return `M${a.x} ${a.y} C ${a.x + dx} ${a.y}, ${end - dx} ${b.y}, ${end} ${b.y}`;
}

/** From the right edge of one row back into the right edge of another in the same column. */
function loop(a: Point, b: Point): string {
  const out = Math.max(a.x, b.x) + 34;
  return `M${a.x} ${a.y} C ${out} ${a.y}, ${out} ${b.y}, ${b.x + 3} ${b.y}`;
}

/** The row that stands for a key drawn only in the expanded grid: its group's row. */
function groupRowOf(t: Topology, l: Layout, key: string): PlacedRow | undefined {
  const [ns, name] = [key.slice(0, key.indexOf('|')), key.slice(key.indexOf('|') + 1)];
  if (ns === 'ns') return l.rowByKey.get('group|namespaces');
  const g = t.groups.find((x) => x.ports.some((p) => p.name === name) && ns === t.host.name);
  if (g) return l.rowByKey.get(g.key);
  return t.groupedNamespaces.some((x) => x.name === ns) ? l.rowByKey.get('group|namespaces') : undefined;
}

/** The row that stands for a key on the picture as first drawn: the key's own row, its group's row, or its namespace. */
export function visibleKey(t: Topology, l: Layout, key: string): string | undefined {
  if (l.rowByKey.has(key) || l.namespaces.some((n) => key === `ns|${n.name}`)) return key;
  return groupRowOf(t, l, key)?.key;
}

function renderRow(id: string, row: PlacedRow, m: { cls: string; refs: string }, badge: string): string {
  const group = row.kind === 'group';
  const toggle = group ? ' data-toggle="group" tabindex="0" role="button" aria-expanded="false"' : '';
  const detail = group
    ? '<tspan class="when-collapsed">click to expand</tspan><tspan class="when-expanded">click to collapse</tspan>'
    : text(row.detail);
  const nameW = row.kind === 'published' ? row.w : NAME_W;
  return (
    `<g class="row ${row.kind}${m.cls}" id="${id}" data-findings="${attr(m.refs)}"${toggle}><title>${text(row.full)}</title><rect x="${row.x}" y="${row.y}" width="${row.w}" height="${row.h}" rx="5"/>` +
    `<text x="${row.x + 8}" y="${row.y + 18}" class="name">${text(row.label)}</text>` +
    (row.kind === 'published' ? '' : `<text x="${row.x + nameW}" y="${row.y + 18}" class="detail">${detail}</text>`) +
    `${badge}</g>`
  );
}

function renderCell(id: string, cell: PlacedCell, m: { cls: string; refs: string }, badge: string): string {
  return (
    `<g class="cell ${cell.kind}${m.cls}" id="${id}" data-findings="${attr(m.refs)}"><title>${text(cell.full)}</title><rect x="${cell.x}" y="${cell.y}" width="${cell.w}" height="${cell.h}" rx="5"/>` +
    `<text x="${cell.x + 8}" y="${cell.y + 17}" class="name">${text(cell.label)}</text><text x="${cell.x + 8}" y="${cell.y + 34}" class="detail">${text(cell.detail)}</text>${badge}</g>`
  );
}

function renderPath(path: TracePath, l: Layout, t: Topology): string {
  const point = (key: string): Point => {
    // Left edges: the path runs beside the texts, not over them.
    if (key === 'outside') return { x: l.outside.x + l.outside.w, y: l.outside.y + l.outside.h / 2 };
    const row = l.rowByKey.get(key);
    if (row) return { x: row.x, y: row.y + row.h / 2 };
    const box = l.namespaces.find((n) => key === `ns|${n.name}`)?.box ?? l.namespaces[0]!.box;
    return { x: box.x, y: box.y + 18 };
  };
  const keys = path.hops.map((k) => visibleKey(t, l, k) ?? k);
  const points = keys.map(point).filter((p, i, all) => i === 0 || p.x !== all[i - 1]!.x || p.y !== all[i - 1]!.y);
  const out = [`<polyline class="trace-path" points="${points.map((p) => `${p.x},${p.y}`).join(' ')}"/>`];
  if (path.dropped) {
    const on = point(visibleKey(t, l, path.dropped.key) ?? path.dropped.key);
    const at = { x: on.x - 13, y: on.y };
    out.push(
      `<g class="trace-drop" id="trace-drop"><title>${text(path.dropped.label)}</title><circle cx="${at.x}" cy="${at.y}" r="11"/>` +
        `<path d="M${at.x - 5} ${at.y - 5} L${at.x + 5} ${at.y + 5} M${at.x + 5} ${at.y - 5} L${at.x - 5} ${at.y + 5}"/></g>`,
    );
  }
  return out.join('');
}

/** The keys a trace passes, from its steps: the interface a step names (the longest name that occurs in its note), else its namespace. */
export function tracePath(result: TraceResult, t: Topology, l: Layout, drawn: ReadonlySet<string>): TracePath {
  const names = new Map<string, string[]>();
  for (const key of drawn) {
    const bar = key.indexOf('|');
    const ns = key.slice(0, bar);
    const name = key.slice(bar + 1);
    if (ns === 'ns' || ns === 'published' || ns === 'group' || name.endsWith('#group')) continue;
    names.set(ns, [...(names.get(ns) ?? []), name]);
  }
  const named = (ns: string, note: string): string | undefined => {
    const found = (names.get(ns) ?? []).filter((name) => mentions(note, name) || mentions(note, name.replaceAll('.', '/')));
    found.sort((a, b) => b.length - a.length);
    return found[0];
  };
  const keyOf = (ns: string, iface?: string) => (iface !== undefined && drawn.has(`${ns}|${iface}`) ? `${ns}|${iface}` : `ns|${ns}`);
  const hops: string[] = [];
  const push = (key: string) => {
    if (hops[hops.length - 1] !== key) hops.push(key);
  };
  if (result.origin.iface !== undefined) {
    push('outside');
    push(keyOf(result.origin.namespace, result.origin.iface));
  } else push(`ns|${result.origin.namespace}`);
  const path: TracePath = { hops };
  for (const leg of [result.request, ...(result.reply ? [result.reply] : [])]) {
    const dropping = leg.verdict === 'dropped' ? ([...leg.steps].reverse().find((s) => s.verdict === 'drop' || s.verdict === 'refused') ?? leg.steps[leg.steps.length - 1]) : undefined;
    let last = hops[hops.length - 1]!;
    for (const step of leg.steps) {
      const iface = named(step.namespace, step.note);
      const key = iface !== undefined ? keyOf(step.namespace, iface) : last.startsWith(`${step.namespace}|`) || last === `ns|${step.namespace}` ? last : `ns|${step.namespace}`;
      if (step === dropping) {
        // The mark goes where the step points (net.ipv4.conf.eth0.forwarding: eth0); the path ends where the packet was.
        path.dropped = { key, label: `dropped at ${[step.namespace, step.stage, step.table, step.chain, step.rule].filter(Boolean).join(' ')}: ${step.note}` };
        break;
      }
      push(key);
      last = key;
    }
    if (dropping) break;
    if (leg.leftSnapshot && leg.leftThrough !== undefined && leg.leftThrough === t.uplink) {
      push(keyOf(leg.endNamespace, leg.leftThrough));
      push('outside');
    }
  }
  return path;
}

function mentions(note: string, name: string): boolean {
  let from = 0;
  for (;;) {
    const at = note.indexOf(name, from);
    if (at < 0) return false;
    const before = note[at - 1];
    const after = note[at + name.length];
    if ((before === undefined || !/[A-Za-z0-9_-]/.test(before)) && (after === undefined || !/[A-Za-z0-9_-]/.test(after))) return true;
    from = at + 1;
  }
}
