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
  const notes: ParseNote[] = [];
  let text: string;
  if (source.stdoutEncoding === 'base64') {
    const bytes = Buffer.from(source.stdout, 'base64');
    const bad = isUtf8(bytes) ? [] : invalidUtf8Lines(bytes);
    text = bytes.toString('utf8');
    for (const line of bad.slice(0, MAX_LINES_NAMED)) {
      notes.push({ source: label, line, message: 'bytes that are not valid UTF-8 replaced by U+FFFD' });
    }
    if (bad.length > MAX_LINES_NAMED) {
      notes.push({ source: label, message: `${bad.length - MAX_LINES_NAMED} more lines hold bytes that are not valid UTF-8 (replaced by U+FFFD)` });
    }
  } else {
    text = source.stdout;
  }
  if (source.truncated) {
    notes.push({
      source: label,
      message: 'output was cut at the collector\'s size limit: the last line may be incomplete and later content is missing',
    });
  }
  return { text, notes };
}
