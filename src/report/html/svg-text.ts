/** Escaping for the HTML report: every string from a snapshot goes through one of these. */
import { xmlAttr, xmlText } from '../escape.js';

export const text = (value: string | number): string => xmlText(String(value));
export const attr = (value: string | number): string => xmlAttr(String(value));

/** One part of an id: letters, digits and `_`; anything else (`-` too) as `_` and its code, so `--` only separates parts. */
function idPart(value: string): string {
  return value.replace(/[^A-Za-z0-9_]/g, (ch) => `_${ch.codePointAt(0)!.toString(16)}_`);
}

/** An id safe in HTML and in a URL fragment, stable for the same element, unique within the page. */
export function elementId(section: number, kind: string, ...parts: string[]): string {
  return `s${section}-${kind}--${parts.map(idPart).join('--')}`;
}

/** The id of the element a layout key names (layout.ts): a row, a cell, a namespace, a published port. */
export function keyId(section: number, key: string): string {
  if (key === 'group|namespaces') return `s${section}-group-namespaces`;
  const bar = key.indexOf('|');
  const a = key.slice(0, bar);
  const b = key.slice(bar + 1);
  if (a === 'ns') return elementId(section, 'ns', b);
  if (a === 'published') return elementId(section, 'published', b);
  if (b.endsWith('#group')) return elementId(section, 'group', a, b.slice(0, -'#group'.length));
  return elementId(section, 'if', a, b);
}

export function findingId(section: number, index: number): string {
  return `s${section}-f${index}`;
}
