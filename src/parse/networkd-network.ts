/**
 * systemd-networkd's .network files (systemd.network(5)): what decides which file takes a link, and whether
 * that file leaves it alone. Unit-file syntax: `[Section]` headers, `Key=Value` lines, `#` and `;` comments,
 * a trailing backslash continuing a line. Read:
 * - [Match] Name= (space-separated globs; a leading `!` inverts the whole list), Type=, MACAddress=,
 *   and the conditions this model cannot evaluate (Driver=, Path=, Property=, Kind=, Host=, Virtualization=,
 *   KernelCommandLine=, ...), kept so that a match they take part in is "unknown";
 * - [Link] Unmanaged= (yes: networkd leaves the matched link unmanaged).
 * An empty assignment resets a list (Name= clears earlier Name= lines), as systemd does.
 */
import { clip, fail, splitLines, type ParseInput, type Parsed, type ParseNote } from './common.js';
import { pasteDamage } from './pasted-lines.js';

export interface NetworkdCondition {
  key: string;
  /** The values, an inverted list without its `!`. */
  values: string[];
  inverted: boolean;
  line: number;
  text: string;
}

export interface NetworkdNetworkFile {
  /** [Match] conditions by key (the last non-empty assignment's line kept for evidence). */
  match: Map<string, NetworkdCondition>;
  matchLine?: number;
  /** [Link] Unmanaged=, when set. */
  unmanaged?: { value: boolean; line: number; text: string };
  /** Nothing but blank lines and comments (an empty file, or a link to /dev/null: it masks the name). */
  empty: boolean;
}

const BOOLEAN_TRUE = new Set(['1', 'yes', 'y', 'true', 't', 'on']);
const BOOLEAN_FALSE = new Set(['0', 'no', 'n', 'false', 'f', 'off']);

export function parseNetworkdNetwork(input: ParseInput): Parsed<NetworkdNetworkFile> {
  const notes: ParseNote[] = [];
  const file: NetworkdNetworkFile = { match: new Map(), empty: true };
  const lines = splitLines(input.text);
  const damage = pasteDamage(input, { comments: true });
  notes.push(...damage.notes);
  let section: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    if (damage.skipped.has(lineNo)) continue;
    let raw = lines[i] ?? '';
    // A trailing backslash joins the next line (the evidence stays on the first).
    while (raw.endsWith('\\') && i + 1 < lines.length) raw = `${raw.slice(0, -1)} ${lines[++i] ?? ''}`;
    const text = raw.trim();
    if (text === '' || text.startsWith('#') || text.startsWith(';')) continue;
    file.empty = false;
    const header = /^\[([^\]]+)\]$/.exec(text);
    if (header) {
      section = header[1];
      if (section === 'Match') file.matchLine ??= lineNo;
      continue;
    }
    const eq = text.indexOf('=');
    if (eq <= 0) fail(input, `${section ? `[${section}]: ` : ''}not a Key=Value line, [Section] header or comment: ${clip(text, 80)}`, lineNo, 'systemd-networkd ignores a .network file it cannot parse');
    if (section === undefined) fail(input, `assignment before any [Section] header: ${clip(text, 80)}`, lineNo);
    const key = text.slice(0, eq).trim();
    const value = text.slice(eq + 1).trim();
    if (section === 'Match') {
      if (value === '') {
        file.match.delete(key);
        continue;
      }
      const inverted = value.startsWith('!');
      const values = (inverted ? value.slice(1) : value).split(/\s+/).filter(Boolean);
      const earlier = file.match.get(key);
      file.match.set(key, { key, values: earlier && earlier.inverted === inverted ? [...earlier.values, ...values] : values, inverted, line: lineNo, text: clip(raw) });
    } else if (section === 'Link' && key === 'Unmanaged') {
      const lower = value.toLowerCase();
      if (!BOOLEAN_TRUE.has(lower) && !BOOLEAN_FALSE.has(lower)) fail(input, `[Link]: Unmanaged=${clip(value, 30)} is not a boolean`, lineNo);
      file.unmanaged = { value: BOOLEAN_TRUE.has(lower), line: lineNo, text: clip(raw) };
    }
  }
  return { value: file, notes };
}

/** fnmatch(3) as systemd uses it for Name=: `*`, `?`, `[...]` (with `!` or `^` negation). */
export function fnmatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      re += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's').test(name);
}
