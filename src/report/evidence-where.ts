/**
 * Where an evidence line is, as reports print it: `iptables-save:45`, and for a line of a source joined from
 * several files also the file and its line, `iptables-save:45 (iptables-L-filter.txt:12)`.
 */
import type { Evidence } from '../parse/common.js';

export function evidenceWhere(e: Evidence): string {
  return e.origin ? `${e.source}:${e.line} (${e.origin.file}:${e.origin.line})` : `${e.source}:${e.line}`;
}
