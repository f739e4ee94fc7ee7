/**
 * /etc/sysctl.conf and /etc/sysctl.d/*.conf, as sysctl.d(5) reads them: `key = value` lines,
 * `#` and `;` comments, a leading "-" that makes systemd-sysctl ignore a failure to set the key,
 * keys written with "/" separators, glob keys (`net.ipv4.conf.*.rp_filter`) kept as written, and
 * `-key` alone, which excludes the key from the globs that match it (systemd's own 50-default.conf:
 * `net.ipv4.conf.*.rp_filter = 2` with `-net.ipv4.conf.all.rp_filter`).
 */
import { clip, DROPPED, splitLines, type ParseInput, type ParseNote, type Parsed } from './common.js';
import type { SysctlConfEntry } from './types.js';

/**
 * The sysctl -a spelling of a key. sysctl.d(5): when the first separator is "/", slashes and dots swap
 * ("net/ipv4/conf/eth0.100/forwarding" → "net.ipv4.conf.eth0/100.forwarding"); otherwise the key is already dotted.
 */
export function normaliseSysctlKey(key: string): string {
  let k = key;
  while (k.startsWith('/')) k = k.slice(1);
  const firstSeparator = k.search(/[./]/);
  if (firstSeparator < 0 || k[firstSeparator] === '.') return k;
  let out = '';
  for (const ch of k) out += ch === '/' ? '.' : ch === '.' ? '/' : ch;
  return out;
}

export function parseSysctlConf(input: ParseInput): Parsed<SysctlConfEntry[]> {
  const notes: ParseNote[] = [];
  const entries: SysctlConfEntry[] = [];
  const lines = splitLines(input.text);

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const lineNo = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const eq = trimmed.indexOf('=');
    const excluded = eq < 0 && trimmed.startsWith('-');
    if (eq < 0 && !excluded) {
      const message = `line without "=" ignored (as systemd-sysctl does): ${clip(trimmed, 80)}`;
      notes.push({ source: input.source, line: lineNo, message });
      continue;
    }
    let written = (excluded ? trimmed : trimmed.slice(0, eq)).trim();
    const ignoreErrors = !excluded && written.startsWith('-');
    if (written.startsWith('-')) written = written.slice(1).trimStart();
    if (written === '' || /\s/.test(written)) {
      notes.push({ source: input.source, line: lineNo, message: `not a valid key, line ignored: ${clip(trimmed, 80)}`, ...DROPPED });
      continue;
    }
    entries.push({
      key: normaliseSysctlKey(written),
      value: excluded ? '' : trimmed.slice(eq + 1).trim(),
      file: input.source,
      line: lineNo,
      text: clip(raw),
      ignoreErrors,
      excluded,
    });
  }
  return { value: entries, notes };
}
