import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sourceText } from '../../src/snapshot/decode.js';
import type { Source } from '../../src/snapshot/schema.js';
import { invalidUtf8Lines, storeBytes } from '../../src/snapshot/utf8.js';

const source = (over: Partial<Source>): Source => ({
  status: 'ok', command: 'iptables-save -c', exitCode: 0, stdout: '', stdoutEncoding: 'utf8',
  stderr: '', stderrEncoding: 'utf8', durationMs: 0, truncated: false, ...over,
});

describe('sourceText', () => {
  it('returns utf8 stdout as is, without notes', () => {
    expect(sourceText(source({ stdout: 'a\nb\n' }), 'iptables-save')).toEqual({ text: 'a\nb\n', notes: [] });
  });

  it('decodes base64 and names each line holding bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('ok\n'), Buffer.from([0x62, 0xff, 0x0a]), Buffer.from('caf\u00e9\n'), Buffer.from([0xe2, 0x82, 0x0a])]);
    const { text, notes } = sourceText(source({ stdout: bytes.toString('base64'), stdoutEncoding: 'base64' }), 'netns:blue/iptables-save');
    expect(text).toBe('ok\nb\ufffd\ncaf\u00e9\n\ufffd\n');
    expect(notes).toEqual([
      { source: 'netns:blue/iptables-save', line: 2, message: 'bytes that are not valid UTF-8 replaced by U+FFFD' },
      { source: 'netns:blue/iptables-save', line: 4, message: 'bytes that are not valid UTF-8 replaced by U+FFFD' },
    ]);
  });

  it('names at most five lines and counts the rest', () => {
    const bytes = Buffer.from(Array.from({ length: 8 }, () => [0x80, 0x0a]).flat());
    const { notes } = sourceText(source({ stdout: bytes.toString('base64'), stdoutEncoding: 'base64' }), 'sysctl');
    expect(notes.map((n) => n.line)).toEqual([1, 2, 3, 4, 5, undefined]);
    expect(notes[5]?.message).toMatch(/^3 more lines/);
  });

  it('notes a truncated source', () => {
    const { notes } = sourceText(source({ stdout: '-A INPUT', truncated: true }), 'iptables-save');
    expect(notes).toEqual([{ source: 'iptables-save', message: expect.stringMatching(/cut at the collector's size limit/), dropped: true }]);
  });
});

describe('UTF-8 checks', () => {
  it('invalidUtf8Lines finds exactly the lines that are not valid UTF-8 on their own', () => {
    const bytesArb = fc.array(
      fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x0a, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0)),
      { maxLength: 200 },
    );
    fc.assert(
      fc.property(bytesArb, (arr) => {
        const bytes = Buffer.from(arr);
        const expected: number[] = [];
        let start = 0;
        let line = 1;
        for (let i = 0; i <= bytes.length; i++) {
          if (i === bytes.length || bytes[i] === 0x0a) {
            if (!isUtf8(bytes.subarray(start, i))) expected.push(line);
            start = i + 1;
            line++;
          }
        }
        expect(invalidUtf8Lines(bytes)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('storeBytes keeps any bytes recoverable', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (arr) => {
        const stored = storeBytes(arr);
        const back = stored.encoding === 'base64' ? Buffer.from(stored.text, 'base64') : Buffer.from(stored.text, 'utf8');
        expect(back.equals(Buffer.from(arr))).toBe(true);
        expect(stored.encoding).toBe(isUtf8(arr) ? 'utf8' : 'base64');
      }),
    );
  });
});
