/**
 * `sysctl -a`: one `key = value` line per kernel parameter (busybox prints `key=value`).
 * Keys are kept exactly as printed ("net.ipv4.conf.eth0/100.forwarding": a dot inside an interface
 * name is printed as "/"); values keep their inner TABs; a key printed several times keeps every entry.
 */
import { clip, DROPPED, fail, splitLines, type ParseInput, type ParseNote, type Parsed } from './common.js';
import type { SysctlDump, SysctlEntry } from './types.js';
import { wrongFormatHint } from './wrong-format.js';

/** Lines sysctl writes to stderr, often captured together with the dump. */
const STDERR_PREFIX = 'sysctl: ';

/**
 * Split one line into key and value, or undefined when it is not an assignment.
 * procps prints " = " between them; an interface name may itself contain "=", so that separator wins.
 */
export function splitSysctlLine(line: string): { key: string; value: string } | undefined {
  let eq = line.indexOf(' = ');
  let valueStart = eq + 3;
  if (eq < 0) {
    eq = line.indexOf('=');
    if (eq < 0) return undefined;
    valueStart = line.charCodeAt(eq + 1) === 32 ? eq + 2 : eq + 1;
  }
  const key = line.slice(0, eq).trimEnd();
  if (!isSysctlKey(key)) return undefined;
  return { key, value: line.slice(valueStart).trimEnd() };
}

/** Dotted, no whitespace, no empty level: what sysctl prints for every key (all live below a top-level dir). */
function isSysctlKey(key: string): boolean {
  if (key.length === 0 || hasWhitespace(key)) return false;
  const firstDot = key.indexOf('.');
  return firstDot > 0 && !key.endsWith('.') && !key.includes('..');
}

/** /\s/.test(text), without running the regex on the 30k ASCII keys of a large node. */
function hasWhitespace(text: string): boolean {
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
    if (c >= 0xa0) return /\s/.test(text);
  }
  return false;
}

export function parseSysctl(input: ParseInput): Parsed<SysctlDump> {
  const notes: ParseNote[] = [];
  const entries: SysctlEntry[] = [];
  const lines = splitLines(input.text);
  let firstContentLine: number | undefined;

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const lineNo = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    firstContentLine ??= lineNo;
    if (trimmed.startsWith(STDERR_PREFIX)) {
      notes.push({ source: input.source, line: lineNo, message: `sysctl error message skipped: ${clip(trimmed, 160)}` });
      continue;
    }
    const kv = splitSysctlLine(raw.trimStart());
    if (!kv) {
      notes.push({ source: input.source, line: lineNo, message: `not a "key = value" line, skipped: ${clip(trimmed, 80)}`, ...DROPPED });
      continue;
    }
    entries.push({ key: kv.key, value: kv.value, line: lineNo, text: clip(raw) });
  }

  if (entries.length === 0 && firstContentLine !== undefined) {
    fail(
      input,
      'no "key = value" line found: this is not `sysctl -a` output',
      firstContentLine,
      wrongFormatHint(input.text) ?? 'expected the output of `sysctl -a`',
    );
  }
  return { value: { entries }, notes };
}
