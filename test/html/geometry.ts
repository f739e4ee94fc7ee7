/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Geometry of the drawn topology, measured in the browser with getBoundingClientRect: boxes that overlap,
 * and texts that run out of their box. Each result names the elements, so a failure says where to look.
 */
import type { Page } from 'playwright-core';

export interface Geometry {
  /** Visible boxes by kind: namespace, row (interface, bridge, port, group, published port), cell (expanded group). */
  counts: { namespaces: number; rows: number; cells: number };
  /** "a ∩ b" for every two boxes of the same level that overlap. */
  overlaps: string[];
  /** Rows not inside one namespace box (published ports: inside none). */
  misplaced: string[];
  /** Texts wider than their box, or outside the picture. */
  overflowing: string[];
}

/** Measured on the first picture of the page; hidden elements (a collapsed group) are left out. */
export function measure(page: Page): Promise<Geometry> {
  return page.evaluate(() => {
    const svg = document.querySelector('svg.topology')!;
    type R = { name: string; r: DOMRect };
    const visible = (el: Element) => el.getClientRects().length > 0;
    const box = (g: Element): R => ({ name: g.id || g.className.toString(), r: g.querySelector(':scope > rect')!.getBoundingClientRect() });
    const of = (selector: string) => [...svg.querySelectorAll(selector)].filter(visible).map(box);
    const namespaces = of('g.namespace:not(.cell)');
    const rows = of('g.row');
    const cells = of('g.cell');
    const meets = (a: DOMRect, b: DOMRect) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const inside = (a: DOMRect, b: DOMRect) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
    const overlaps: string[] = [];
    const pairs = (list: R[], other: R[] = list) => {
      for (let i = 0; i < list.length; i++) {
        for (let j = list === other ? i + 1 : 0; j < other.length; j++) if (meets(list[i]!.r, other[j]!.r)) overlaps.push(`${list[i]!.name} ∩ ${other[j]!.name}`);
      }
    };
    pairs(namespaces);
    pairs(rows);
    pairs(cells);
    pairs(cells, [...namespaces, ...rows]);
    const misplaced: string[] = [];
    for (const row of rows) {
      const holders = namespaces.filter((n) => inside(row.r, n.r)).length;
      const published = row.name.includes('-published--');
      if (published ? holders !== 0 || namespaces.some((n) => meets(row.r, n.r)) : holders !== 1) misplaced.push(`${row.name} (in ${holders} namespace boxes)`);
    }
    const overflowing: string[] = [];
    const picture = svg.getBoundingClientRect();
    for (const g of [...svg.querySelectorAll('g.row, g.cell, g.namespace')].filter(visible)) {
      const rect = g.querySelector(':scope > rect')!.getBoundingClientRect();
      for (const t of g.querySelectorAll(':scope > text')) {
        const r = t.getBoundingClientRect();
        if (r.width === 0) continue;
        if (!inside(r, rect) || !inside(r, picture)) overflowing.push(`${g.id}: "${t.textContent}" (${Math.round(r.left)}..${Math.round(r.right)} in ${Math.round(rect.left)}..${Math.round(rect.right)})`);
      }
    }
    return { counts: { namespaces: namespaces.length, rows: rows.length, cells: cells.length }, overlaps, misplaced, overflowing };
  });
}
