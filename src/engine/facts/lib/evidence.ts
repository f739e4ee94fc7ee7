import type { Evidence } from '../../../parse/common.js';

/** Evidence lists, in order, without repeating a line. */
export function mergeEvidence(...lists: (Evidence | Evidence[] | undefined)[]): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const list of lists) {
    if (!list) continue;
    for (const e of Array.isArray(list) ? list : [list]) {
      const key = `${e.source}\u0000${e.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(e);
    }
  }
  return out;
}

/** "a, b, c and 4 more" */
export function summarise(items: string[], max = 3): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
