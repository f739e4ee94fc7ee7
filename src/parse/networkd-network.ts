/**
 * systemd-networkd's .network files (systemd.network(5)): what decides which file takes a link, and whether
 * that file leaves it alone. Unit-file syntax: `[Section]` headers, `Key=Value` lines, `#` and `;` comments,
 * a trailing backslash continuing a line. Read as networkd reads them (src/shared/net-condition.c):
 * - [Match] lists of globs (Name=, Type=, Kind=, Driver=, Path=, Property=, WLANInterfaceType=, SSID=): each
 *   assignment adds its words, all of them negated when the value starts with `!` (`Name=!lo eth0` adds `!lo`
 *   and `!eth0`); an empty assignment resets the list. A list matches a string when no negated pattern matches
 *   it and, if it has any plain pattern, one of those does;
 * - MACAddress=, PermanentMACAddress=, BSSID=: sets of hardware addresses (`:` or `-` separated, or `xxxx.xxxx.xxxx`);
 * - conditions on the system (Host=, Virtualization=, KernelCommandLine=, ...): kept, a match they take part
 *   in is "unknown" here;
 * - [Link] Unmanaged= (yes: networkd leaves the matched link unmanaged).
 * A file whose [Match] holds nothing (no valid match, no condition) is ignored by networkd, with a warning.
 */
import { clip, fail, splitLines, type ParseInput, type Parsed, type ParseNote } from './common.js';
import { pasteDamage } from './pasted-lines.js';

/** networkd matches its globs with fnmatch(3) without flags. */
export { fnmatch } from './fnmatch.js';

export interface MatchPattern {
  pattern: string;
  negated: boolean;
}

export interface NetworkdCondition {
  key: string;
  /** Every pattern of the key, in order, each with its own negation. */
  patterns: MatchPattern[];
  /** For display: the patterns, without `!` when all are negated (`inverted`), else each with its own `!`. */
  values: string[];
  inverted: boolean;
  /** The last assignment that added to the list. */
  line: number;
  text: string;
}

export interface NetworkdNetworkFile {
  /** [Match] conditions by key. */
  match: Map<string, NetworkdCondition>;
  matchLine?: number;
  /** [Link] Unmanaged=, when set. */
  unmanaged?: { value: boolean; line: number; text: string };
}

/** [Match] keys that hold hardware addresses (a set, no negation). */
const ADDRESS_KEYS = new Set(['MACAddress', 'PermanentMACAddress', 'BSSID']);
/** [Match] keys that are glob lists; the others are conditions on the system (Host=, Virtualization=, ...), the last assignment holding. */
const GLOB_KEYS = new Set(['Name', 'Type', 'Kind', 'Driver', 'Path', 'Property', 'WLANInterfaceType', 'SSID']);

const BOOLEAN_TRUE = new Set(['1', 'yes', 'y', 'true', 't', 'on']);
const BOOLEAN_FALSE = new Set(['0', 'no', 'n', 'false', 'f', 'off']);

export function parseNetworkdNetwork(input: ParseInput): Parsed<NetworkdNetworkFile> {
  const notes: ParseNote[] = [];
  const file: NetworkdNetworkFile = { match: new Map() };
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
    if (section === 'Match') assignMatch(file, key, value, { line: lineNo, text: clip(raw) }, (message) => notes.push({ source: input.source, line: lineNo, message }));
    else if (section === 'Link' && key === 'Unmanaged') {
      const lower = value.toLowerCase();
      if (!BOOLEAN_TRUE.has(lower) && !BOOLEAN_FALSE.has(lower)) fail(input, `[Link]: Unmanaged=${clip(value, 30)} is not a boolean`, lineNo);
      file.unmanaged = { value: BOOLEAN_TRUE.has(lower), line: lineNo, text: clip(raw) };
    }
  }
  return { value: file, notes };
}

function assignMatch(file: NetworkdNetworkFile, key: string, value: string, where: { line: number; text: string }, note: (message: string) => void): void {
  if (value === '') {
    file.match.delete(key);
    return;
  }
  let added: MatchPattern[];
  if (ADDRESS_KEYS.has(key)) {
    added = [];
    for (const word of value.split(/\s+/)) {
      const address = parseEtherAddress(word);
      if (address === undefined) note(`[Match]: ${key}=: "${clip(word, 40)}" is not a hardware address, networkd ignores it`);
      else added.push({ pattern: address, negated: false });
    }
  } else if (GLOB_KEYS.has(key)) {
    const negated = value.startsWith('!');
    added = [];
    for (const word of (negated ? value.slice(1) : value).split(/\s+/).filter(Boolean)) {
      if (key === 'Name' && !ifnameValid(word)) note(`[Match]: Name=: "${clip(word, 40)}" is not a valid interface name, networkd ignores it`);
      else added.push({ pattern: word, negated });
    }
  } else {
    // A condition on the system, or a key this model does not know: the last assignment, as it is written.
    const negated = value.startsWith('!');
    file.match.set(key, condition(key, [{ pattern: negated ? value.slice(1) : value, negated }], where));
    return;
  }
  const earlier = file.match.get(key);
  const patterns = [...(earlier?.patterns ?? []), ...added];
  if (patterns.length === 0) return;
  file.match.set(key, condition(key, patterns, added.length > 0 || !earlier ? where : { line: earlier.line, text: earlier.text }));
}

function condition(key: string, patterns: MatchPattern[], where: { line: number; text: string }): NetworkdCondition {
  const inverted = patterns.every((p) => p.negated);
  return { key, patterns, values: patterns.map((p) => (p.negated && !inverted ? `!${p.pattern}` : p.pattern)), inverted, line: where.line, text: where.text };
}

/** networkd's interface-name check for Name= (alternative names allowed): 1 to 127 printable characters, no `/`, `:` or blank, not `.` or `..`. */
function ifnameValid(name: string): boolean {
  return name.length > 0 && name.length < 128 && name !== '.' && name !== '..' && /^[!-~]+$/.test(name) && !/[/:]/.test(name);
}

/** ether_addr_from_string: six bytes as `xx:xx:xx:xx:xx:xx`, `xx-xx-…` or `xxxx.xxxx.xxxx`; lower case, `:` separated. */
export function parseEtherAddress(text: string): string | undefined {
  let bytes: string[];
  if (/^[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}$/.test(text)) bytes = text.replace(/\./g, '').match(/../g)!;
  else if (/^[0-9A-Fa-f]{1,2}([:-])[0-9A-Fa-f]{1,2}(\1[0-9A-Fa-f]{1,2}){4}$/.test(text)) bytes = text.split(/[:-]/);
  else return undefined;
  return bytes.map((b) => b.padStart(2, '0').toLowerCase()).join(':');
}
