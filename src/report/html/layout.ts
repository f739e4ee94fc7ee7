/**
 * A column layout, left to right: the outside world with the published ports under it, the host namespace
 * (its interfaces, then each bridge with its ports), the other namespaces stacked in a column. Rows have a
 * fixed height and texts are cut to the width of their box, so nothing overlaps by construction (the browser
 * tests check it with the real font). Grouped veths and namespaces get a grid below the drawing, shown when a
 * group is expanded.
 */
import type { Topology } from './topology.js';
import { interfaceDetail } from './topology.js';

export const ROW = 30;
const GAP = 16;
const HEADER = 34;
const TOP = 20;
const OUTSIDE_X = 20;
const OUTSIDE_W = 220;
const HOST_X = 270;
const HOST_W = 560;
const NS_X = 890;
const NS_W = 380;
export const WIDTH = NS_X + NS_W + 20;
export const NAME_W = 130;
const PORT_INDENT = 30;
const CELL = { w: 196, h: 42 };
const CELL_GAP = 10;
const GRID_COLUMNS = Math.floor((WIDTH - 2 * OUTSIDE_X + CELL_GAP) / (CELL.w + CELL_GAP));
/** The page's 12px sans-serif, by the widths of DejaVu Sans (the widest common default) rounded up, in em. */
const FONT_PX = 12;
const NARROWEST = /[.,:;|'ijlI\s]/;
const NARROW = /[/()[\]ft!-]/;
const WIDE = /[mwMW@%…↔→]/;

/** An upper estimate of the width of `value` in the page's 12px (or `px`) sans-serif. */
export function textWidth(value: string, px = FONT_PX): number {
  let em = 0;
  for (const ch of value) em += NARROWEST.test(ch) ? 0.34 : NARROW.test(ch) ? 0.4 : WIDE.test(ch) ? 1 : /[A-Z]/.test(ch) ? 0.78 : 0.64;
  return em * px;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PlacedRow extends Box {
  /** "namespace|name" of the interface, bridge or group on this row; "published|N" of a published port. */
  key: string;
  label: string;
  detail: string;
  /** The uncut texts, for the tooltip. */
  full: string;
  kind: 'interface' | 'bridge' | 'port' | 'group' | 'published';
}

export interface PlacedCell extends Box {
  key: string;
  label: string;
  detail: string;
  full: string;
  kind: 'port' | 'namespace';
}

export interface Layout {
  width: number;
  height: number;
  /** Height with the group grid shown. */
  expandedHeight: number;
  outside: Box;
  namespaces: { name: string; box: Box }[];
  rows: PlacedRow[];
  /** The grid of grouped veths and namespaces (hidden until expanded), with a heading per group. */
  cells: PlacedCell[];
  headings: { text: string; x: number; y: number }[];
  rowByKey: Map<string, PlacedRow>;
}

/** Text cut to what fits `width` pixels, with an ellipsis where it was cut. */
export function fit(value: string, width: number, px = FONT_PX): string {
  if (textWidth(value, px) <= width) return value;
  const chars = [...value];
  let used = textWidth('…', px);
  let n = 0;
  while (n < chars.length && used + textWidth(chars[n]!, px) <= width) used += textWidth(chars[n++]!, px);
  return `${chars.slice(0, n).join('')}…`;
}

export function layout(t: Topology): Layout {
  const rows: PlacedRow[] = [];
  const namespaces: Layout['namespaces'] = [];
  let y = TOP + HEADER;
  const add = (key: string, name: string, detail: string, kind: PlacedRow['kind'], x: number, w: number) => {
    const suffix = kind !== 'group' && t.uplink !== undefined && key === `${t.host.name}|${t.uplink}` ? ' (uplink)' : '';
    rows.push({ key, label: fit(name + suffix, NAME_W - 12), detail: fit(detail, w - NAME_W - 30), full: `${name}${suffix}  ${detail}`, kind, x, y, w, h: ROW - 4 });
    y += ROW;
  };

  // The host namespace.
  const ports = new Set(t.bridges.flatMap((b) => b.ports));
  const bridgeNames = new Set(t.bridges.map((b) => b.name));
  const looseGroup = t.groups.find((g) => g.key === `${t.host.name}|#veths#group`);
  const inLooseGroup = new Set(looseGroup?.ports.map((p) => p.name) ?? []);
  for (const i of t.host.interfaces) {
    if (ports.has(i.name) || bridgeNames.has(i.name) || inLooseGroup.has(i.name)) continue;
    add(`${t.host.name}|${i.name}`, i.name, interfaceDetail(i), 'interface', HOST_X + 10, HOST_W - 20);
  }
  if (looseGroup) add(looseGroup.key, looseGroup.label, 'click to expand', 'group', HOST_X + 10, HOST_W - 20);
  for (const b of t.bridges) {
    const own = t.host.interfaces.find((i) => i.name === b.name);
    add(`${t.host.name}|${b.name}`, b.name, ['bridge', b.state, ...(own?.addresses ?? b.subnets)].join('  '), 'bridge', HOST_X + 10, HOST_W - 20);
    const g = t.groups.find((x) => x.key === `${t.host.name}|${b.name}#group`);
    if (g) {
      add(g.key, g.label, 'click to expand', 'group', HOST_X + 10 + PORT_INDENT, HOST_W - 20 - PORT_INDENT);
      continue;
    }
    for (const p of b.ports) {
      const i = t.host.interfaces.find((x) => x.name === p);
      add(`${t.host.name}|${p}`, p, i ? interfaceDetail(i) : '', 'port', HOST_X + 10 + PORT_INDENT, HOST_W - 20 - PORT_INDENT);
    }
  }
  const hostBox = { x: HOST_X, y: TOP, w: HOST_W, h: Math.max(y - TOP + 6, HEADER + 10) };
  namespaces.push({ name: t.host.name, box: hostBox });

  // The other namespaces, stacked.
  let bottom = TOP;
  for (const ns of t.namespaces) {
    const top = bottom;
    y = top + HEADER;
    for (const i of ns.interfaces) add(`${ns.name}|${i.name}`, i.name, interfaceDetail(i), 'interface', NS_X + 10, NS_W - 20);
    const box = { x: NS_X, y: top, w: NS_W, h: Math.max(y - top + 6, HEADER + 10) };
    namespaces.push({ name: ns.name, box });
    bottom = top + box.h + GAP;
  }
  if (t.groupedNamespaces.length > 0) {
    y = bottom + 10;
    add('group|namespaces', `${t.groupedNamespaces.length} namespaces`, 'click to expand', 'group', NS_X, NS_W);
    bottom = y + GAP;
  }

  // The outside world, the published ports under it.
  const outside = { x: OUTSIDE_X, y: TOP + HEADER - 6, w: OUTSIDE_W, h: 56 };
  y = outside.y + outside.h + 24;
  t.published.forEach((p, n) => add(`published|${n}`, p.label, '', 'published', OUTSIDE_X, OUTSIDE_W));
  if (t.publishedMore.length > 0) add('published|more', `+ ${t.publishedMore.length} more DNAT rules`, '', 'published', OUTSIDE_X, OUTSIDE_W);
  for (const r of rows) if (r.kind === 'published') r.label = fit(r.full.trimEnd(), OUTSIDE_W - 30);

  const height = Math.max(hostBox.y + hostBox.h, bottom, y) + 24;

  // The grid of the groups, below the drawing.
  const cells: PlacedCell[] = [];
  const headings: Layout['headings'] = [];
  let gridY = height + 10;
  const grid = (heading: string, items: Omit<PlacedCell, keyof Box>[]) => {
    headings.push({ text: fit(heading, WIDTH - 40, 13 * 1.1), x: OUTSIDE_X, y: gridY + 14 });
    gridY += 26;
    items.forEach((item, n) => {
      cells.push({ ...item, x: OUTSIDE_X + (n % GRID_COLUMNS) * (CELL.w + CELL_GAP), y: gridY + Math.floor(n / GRID_COLUMNS) * (CELL.h + CELL_GAP), w: CELL.w, h: CELL.h });
    });
    gridY += Math.ceil(items.length / GRID_COLUMNS) * (CELL.h + CELL_GAP) + 10;
  };
  for (const g of t.groups) {
    grid(
      g.label,
      g.ports.map((p) => {
        const detail = p.peer ? `↔ ${p.peer.name} in ${p.peer.namespace}` : p.detail;
        return { key: `${t.host.name}|${p.name}`, label: fit(p.name, CELL.w - 34), detail: fit(detail, CELL.w - 16), full: `${p.name}  ${detail}`, kind: 'port' as const };
      }),
    );
  }
  if (t.groupedNamespaces.length > 0) {
    grid(
      `${t.groupedNamespaces.length} namespaces`,
      t.groupedNamespaces.map(({ name, detail }) => ({ key: `ns|${name}`, label: fit(name, CELL.w - 34), detail: fit(detail, CELL.w - 16), full: `${name}  ${detail}`, kind: 'namespace' as const })),
    );
  }
  return {
    width: WIDTH,
    height,
    expandedHeight: cells.length > 0 ? gridY + 10 : height,
    outside,
    namespaces,
    rows,
    cells,
    headings,
    rowByKey: new Map(rows.map((r) => [r.key, r])),
  };
}
