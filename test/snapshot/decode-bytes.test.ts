/** Snapshot bytes to text: the plain-ASCII shortcut and the UTF-8 decoder give the text the file holds. */
import { describe, expect, it } from 'vitest';
import { decodeSnapshotBytes } from '../../src/snapshot/validate.js';

describe('decodeSnapshotBytes', () => {
  it('reads an ASCII file as it is', () => {
    const text = '{"schema":"netaudit/snapshot@1","x":"a\\u00e9\\n"}';
    expect(decodeSnapshotBytes(Buffer.from(text, 'utf8'), 'f.json')).toEqual({ text, notes: [] });
  });

  it('decodes UTF-8 beyond ASCII, and drops a byte-order mark', () => {
    const text = '{"comment":"café → naïve 🙂"}';
    expect(decodeSnapshotBytes(Buffer.from(`\ufeff${text}`, 'utf8'), 'f.json')).toEqual({ text, notes: [] });
  });

  it('replaces bytes that are not UTF-8, with a note', () => {
    const { text, notes } = decodeSnapshotBytes(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), 'f.json');
    expect(text).toBe('{"\ufffd"}');
    expect(notes).toEqual(['f.json: the file is not valid UTF-8; invalid bytes were replaced by U+FFFD']);
  });
});
