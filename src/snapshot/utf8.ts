/**
 * Bytes ↔ snapshot strings: stdout is stored as UTF-8 text where it is valid UTF-8, base64 otherwise,
 * so that no byte a command printed is lost.
 */
import { isUtf8 } from 'node:buffer';

export type StoredEncoding = 'utf8' | 'base64';

export interface StoredText {
  text: string;
  encoding: StoredEncoding;
}

/** How a collector or importer stores raw bytes in a snapshot. */
export function storeBytes(bytes: Uint8Array): StoredText {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buf) ? { text: buf.toString('utf8'), encoding: 'utf8' } : { text: buf.toString('base64'), encoding: 'base64' };
}

/**
 * A source read from a file rather than run (a raw-output directory, a sosreport): its output stored, no
 * stderr, no duration. The caller says how it ended and which command printed it.
 */
export function fileSource(bytes: Uint8Array, ended: { status: 'ok' | 'empty' | 'failed'; command: string; exitCode: number | null }) {
  const stored = storeBytes(bytes);
  return {
    ...ended,
    stdout: stored.text,
    stdoutEncoding: stored.encoding,
    stderr: '',
    stderrEncoding: 'utf8' as const,
    durationMs: 0,
    truncated: false,
  };
}

/**
 * 1-based numbers of the lines (split on LF) holding bytes that are not well-formed UTF-8
 * (stray continuation bytes, overlong forms, surrogates, code points above U+10FFFF, cut sequences).
 * Linear in the input.
 */
export function invalidUtf8Lines(bytes: Uint8Array): number[] {
  const lines: number[] = [];
  let line = 1;
  let lastReported = 0;
  const report = (): void => {
    if (lastReported !== line) {
      lines.push(line);
      lastReported = line;
    }
  };
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      if (b === 0x0a) line++;
      i++;
      continue;
    }
    const need = sequenceLength(b);
    if (need === 0) {
      report();
      i++;
      continue;
    }
    const len = wellFormedLength(bytes, i, need);
    if (len === need) {
      i += need;
    } else {
      // Maximal subpart: skip the bytes that started a plausible sequence, as TextDecoder does.
      report();
      i += Math.max(1, len);
    }
  }
  return lines;
}

/** Length of the sequence a lead byte announces, 0 when it cannot start one. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** How many bytes from `start` form a valid prefix of the announced sequence (Unicode table 3-7). */
function wellFormedLength(bytes: Uint8Array, start: number, need: number): number {
  const lead = bytes[start]!;
  let low = 0x80;
  let high = 0xbf;
  if (lead === 0xe0) low = 0xa0;
  else if (lead === 0xed) high = 0x9f;
  else if (lead === 0xf0) low = 0x90;
  else if (lead === 0xf4) high = 0x8f;
  let k = 1;
  for (; k < need; k++) {
    const c = bytes[start + k];
    if (c === undefined) return k;
    if (k === 1 ? c < low || c > high : c < 0x80 || c > 0xbf) return k;
  }
  return k;
}
