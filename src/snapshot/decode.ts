/**
 * The text a parser reads from a snapshot source: base64 stdout decoded, bytes that are not UTF-8
 * replaced by U+FFFD, and notes that say so (and when the output was cut at the size limit).
 */
import { isUtf8 } from 'node:buffer';
import type { ParseNote } from '../parse/common.js';
import type { Source } from './schema.js';
import { invalidUtf8Lines } from './utf8.js';

/** At most this many lines are named one by one in notes about invalid bytes. */
const MAX_LINES_NAMED = 5;

export function sourceText(source: Source, label: string): { text: string; notes: ParseNote[] } {
  const decoded = decodeText(source.stdout, source.stdoutEncoding, label);
  if (source.truncated) {
    decoded.notes.push({
      source: label,
      message: 'output was cut at the collector\'s size limit: the last line may be incomplete and later content is missing',
      dropped: true,
    });
  }
  return decoded;
}

/** Stored text (a source's stdout, a persisted file's content) as a parser reads it, with notes on bad bytes. */
export function decodeText(content: string, encoding: 'utf8' | 'base64', label: string): { text: string; notes: ParseNote[] } {
  const notes: ParseNote[] = [];
  if (encoding !== 'base64') return { text: content, notes };
  const bytes = Buffer.from(content, 'base64');
  const bad = isUtf8(bytes) ? [] : invalidUtf8Lines(bytes);
  for (const line of bad.slice(0, MAX_LINES_NAMED)) {
    notes.push({ source: label, line, message: 'bytes that are not valid UTF-8 replaced by U+FFFD' });
  }
  if (bad.length > MAX_LINES_NAMED) {
    notes.push({ source: label, message: `${bad.length - MAX_LINES_NAMED} more lines hold bytes that are not valid UTF-8 (replaced by U+FFFD)` });
  }
  return { text: bytes.toString('utf8'), notes };
}
