import type { Evidence } from '../../../parse/common.js';

/**
 * Evidence lists, in order, without repeating a line (a line quoted twice stays primary if either quote is).
 * Elements of a one-line JSON document (`nft -j`) share their line and differ by what they quote: each is kept.
 */
export function mergeEvidence(...lists: (Evidence | Evidence[] | undefined)[]): Evidence[] {
  const seen = new Map<string, number>();
  const out: Evidence[] = [];
  for (const list of lists) {
    if (!list) continue;
    for (const e of Array.isArray(list) ? list : [list]) {
      const key = `${e.source}\u0000${e.line}\u0000${e.text}`;
      const at = seen.get(key);
      if (at === undefined) {
        seen.set(key, out.length);
        out.push(e);
      } else if (e.primary && !out[at]?.primary) {
        out[at] = e;
      }
    }
  }
  return out;
}

/** The line that proves a finding, marked so that reports locate the finding there (a copy: model evidence is shared). */
export function primaryEvidence(e: Evidence): Evidence {
  return { ...e, primary: true };
}

/** The same lines with no line marked primary: where the lines prove something else than the finding at hand. */
export function secondaryEvidence(lines: readonly Evidence[]): Evidence[] {
  return lines.map((e) => (e.primary ? { source: e.source, line: e.line, text: e.text } : e));
}

/** "a, b, c and 4 more" */
export function summarise(items: string[], max = 3): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
