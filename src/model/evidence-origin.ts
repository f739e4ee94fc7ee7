/**
 * A source joined from several files (the `iptables -L` listing of each table, iptables-list-files.ts; the
 * /proc/sys files of a sosreport, parse/text/proc-sys.ts) is stored as one text, so its evidence lines are
 * lines of that text. Its parts say where each file starts in it: evidence then also names the file and
 * the line there (`iptables-L-nat.txt:4`), while `line` stays the stored text's, as SARIF embeds it.
 */
import type { Evidence } from '../parse/common.js';
import { splitProcSysFiles } from '../parse/text/proc-sys.js';
import { splitTableListings } from '../snapshot/iptables-list-files.js';
import type { SourceFormat } from '../snapshot/sources.js';
import type { Host, SourcePart } from './types.js';

/** The parts of a stored text in a joined form; undefined for any other form, or a text its parser refuses. */
export function sourceParts(format: SourceFormat, text: string): SourcePart[] | undefined {
  try {
    if (format === 'iptables-list') return splitTableListings(text).map((l) => ({ file: l.origin, firstLine: l.firstLine, lineCount: l.text.split('\n').length }));
    if (format === 'proc-sys') return splitProcSysFiles(text).map((f) => ({ file: f.path, firstLine: f.firstLine, lineCount: f.lines.length }));
  } catch {
    // the parser refuses it too, and says where
  }
  return undefined;
}

/** The file and its line that a line of the joined text came from; undefined on a header line or outside every part. */
export function originOf(parts: readonly SourcePart[], line: number): { file: string; line: number } | undefined {
  for (const part of parts) {
    if (line >= part.firstLine && line < part.firstLine + part.lineCount) return { file: part.file, line: line - part.firstLine + 1 };
  }
  return undefined;
}

const partsByHost = new WeakMap<Host, Map<string, SourcePart[]>>();

function partsByLabel(host: Host): Map<string, SourcePart[]> {
  let byLabel = partsByHost.get(host);
  if (!byLabel) {
    byLabel = new Map(host.sources.filter((s) => s.parts !== undefined).map((s) => [s.label, s.parts!]));
    partsByHost.set(host, byLabel);
  }
  return byLabel;
}

/** The evidence with the file and line of each line quoted from a joined source (copies; the model's own are left alone). */
export function withOrigins(host: Host, evidence: Evidence[]): Evidence[] {
  const byLabel = partsByLabel(host);
  if (byLabel.size === 0) return evidence;
  return evidence.map((e) => {
    const parts = byLabel.get(e.source);
    const origin = parts && e.origin === undefined ? originOf(parts, e.line) : undefined;
    return origin ? { ...e, origin } : e;
  });
}
