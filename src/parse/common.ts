/**
 * What every parser shares: the input it gets, the notes it leaves, and how it splits text into lines.
 */
import { ParseError } from '../errors.js';

/** A line of a source quoted as evidence: which source, which 1-based line, and its text. */
export interface Evidence {
  source: string;
  line: number;
  text: string;
  /** The line that proves the finding, where it is not the first quoted (a DNAT after the jumps to it). */
  primary?: true;
  /**
   * Where a source joins several files into one text (the `iptables -L` listing of each table, the /proc/sys
   * files a sosreport copied), the file the line came from and its line there; `line` is the joined text's.
   */
  origin?: { file: string; line: number };
}

/** A tolerated oddity in the input, kept visible to the user ("line 3: shell prompt skipped"). */
export interface ParseNote {
  source: string;
  line?: number;
  message: string;
  /**
   * The parser left input out of the model (a line it could not read, an element without its key, output
   * cut short): what the host holds may be missing from the audit. Absent where the oddity was only
   * tolerated (CRLF, a shell prompt, a header line) and nothing of the host's state was lost.
   * `audit --strict` fails on these.
   */
  dropped?: true;
}

/** Spread into a note that left input out of the model (see ParseNote.dropped). */
export const DROPPED = { dropped: true } as const;

export interface ParseInput {
  /** Label used in evidence and errors, e.g. "iptables-save" or "netns:blue/ip-link". */
  source: string;
  text: string;
}

export interface Parsed<T> {
  value: T;
  notes: ParseNote[];
}

/**
 * Split into lines, accepting LF, CRLF and lone CR, dropping a UTF-8 BOM.
 * Line i of the result is line i+1 of the source.
 */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.endsWith('\r\n')) body = body.slice(0, -2);
  else if (body.endsWith('\n') || body.endsWith('\r')) body = body.slice(0, -1);
  if (body.length === 0) return [''];
  return body.indexOf('\r') === -1 ? body.split('\n') : body.split(/\r\n|\r|\n/);
}

/** Throw the parser's own error with its location. */
export function fail(input: ParseInput, message: string, line?: number, hint?: string): never {
  throw new ParseError(message, line === undefined ? { source: input.source } : { source: input.source, line }, hint);
}

/** "… (314 more characters)" at the end of a text clip() shortened. */
const CLIPPED_TAIL = /… \((\d+) more characters\)$/;

/**
 * Shorten a line for messages and evidence so a 1 MB line cannot flood a report. A text clipped before (a
 * parser keeps its evidence short, a report clips again) counts every character cut from the original, not
 * the earlier "… (N more characters)" tail as if it were content.
 */
export function clip(text: string, max = 240): string {
  if (text.length <= max) return text;
  const tail = CLIPPED_TAIL.exec(text);
  const kept = tail ? text.slice(0, tail.index) : text;
  if (kept.length <= max) return text;
  const cutBefore = tail ? Number(tail[1]) : 0;
  return `${kept.slice(0, max)}… (${kept.length - max + cutBefore} more characters)`;
}

/** The part of a clipped text that is the original's own (its start), without the "… (N more characters)" tail. */
export function clippedPrefix(text: string): string {
  const tail = CLIPPED_TAIL.exec(text);
  return tail ? text.slice(0, tail.index) : text;
}

/** ANSI escape sequences (colour captures pasted from a terminal). */
export const ANSI_ESCAPE = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(text: string): string {
  return text.includes('\u001b') ? text.replace(ANSI_ESCAPE, '') : text;
}
