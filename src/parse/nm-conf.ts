/**
 * NetworkManager.conf and its conf.d snippets (NetworkManager.conf(5)), read as GLib's key file parser and
 * NetworkManager's reader (nm-config.c) read them: `[group]` headers, `key=value` lines, `#` comments (`;` is
 * no comment), a key's surrounding whitespace dropped. A key ending in `+` or `-` is NetworkManager's list
 * extension (`unmanaged-devices+=…` appends to a list set by an earlier file, `-=` removes from it): the key is
 * the rest, as written, so `unmanaged-devices +=` names the key `unmanaged-devices ` and NetworkManager drops it.
 * Values are kept raw: escapes are interpreted only where a value is read (GLib's `\s \t \n \r \\` for strings,
 * NetworkManager's own splitting for device lists), and an invalid escape makes that value unreadable, not the
 * file. What GLib refuses to load (a line that is none of the three, a key before any group, an invalid key
 * or group name) NetworkManager refuses too: a ParseError at the line.
 *
 * And the "Device List Format" (`[keyfile] unmanaged-devices=`, `match-device=`): nm_match_spec_split and
 * the specs nm_match_spec_device knows (NetworkManager's src/libnm-core-aux-intern, nm-core-utils.c).
 */
import { clip, fail, type ParseInput, type Parsed, type ParseNote } from './common.js';
import { configLines } from './pasted-lines.js';

export interface NmConfEntry {
  /** The group as written between the brackets. */
  section: string;
  /** The key as NetworkManager reads it (for `+=`/`-=` without the `+`/`-`, whitespace before it kept). */
  key: string;
  /** `=` sets, `+=` appends to a list, `-=` removes from it. */
  op: '=' | '+=' | '-=';
  /** The value as written, leading whitespace dropped, escapes not interpreted. */
  raw: string;
  /** GLib's string value (escapes interpreted); undefined when an escape is invalid (NetworkManager then reads no value). */
  value: string | undefined;
  line: number;
  text: string;
}

export interface NmConfFile {
  entries: NmConfEntry[];
  /** Groups in the order they first appear (a repeated header continues the group), with their first header line. */
  sections: { name: string; line: number }[];
}

/** GLib: `[`, a name without `[`, `]` or control characters, `]`, then only blanks. */
const GROUP = /^\[([^\]\[\u0000-\u001f\u007f]+)\][ \t]*$/;
/** GLib's key names: no `=`, `[` or `]` (a locale suffix `key[de]` aside), no leading or trailing space. */
const KEY = /^[^=[\] ](?:[^=[\]]*[^=[\] ])?(?:\[[^\]]*\])?$/;

export function parseNmConf(input: ParseInput): Parsed<NmConfFile> {
  const notes: ParseNote[] = [];
  const file: NmConfFile = { entries: [], sections: [] };
  let section: string | undefined;
  for (const { line: lineNo, text, raw } of configLines(input, notes)) {
    if (text.startsWith('[')) {
      const group = GROUP.exec(text);
      if (!group) fail(input, `not a [group] header: ${clip(text, 80)}`, lineNo, 'GLib refuses the file, and NetworkManager with it');
      section = group[1] as string;
      if (!file.sections.some((s) => s.name === section)) file.sections.push({ name: section, line: lineNo });
      continue;
    }
    const where = section === undefined ? '' : `[${section}]: `;
    const eq = text.indexOf('=');
    if (eq < 0) fail(input, `${where}not a key=value line, [group] header or # comment: ${clip(text, 80)}`, lineNo, 'NetworkManager refuses a configuration file it cannot read as a key file');
    const written = text.slice(0, eq).trimEnd();
    if (!KEY.test(written)) fail(input, `${where}invalid key name "${clip(written, 40)}"`, lineNo, 'GLib refuses the file, and NetworkManager with it');
    if (section === undefined) fail(input, `key "${clip(written, 40)}" before any [group] header`, lineNo, 'a key file starts with a [group] header (e.g. [main] or [keyfile])');
    const last = written[written.length - 1];
    const extends_ = written.length > 1 && (last === '+' || last === '-');
    const key = extends_ ? written.slice(0, -1) : written;
    if (extends_ && key !== key.trimEnd()) notes.push({ source: input.source, line: lineNo, message: `[${section}]: "${clip(written, 40)}=": NetworkManager reads the key "${clip(key, 40)}" (with the space) and ignores the line` });
    const rawValue = text.slice(eq + 1).replace(/^[ \t]+/, '');
    file.entries.push({ section, key, op: extends_ ? (last === '+' ? '+=' : '-=') : '=', raw: rawValue, value: glibString(rawValue), line: lineNo, text: clip(raw) });
  }
  return { value: file, notes };
}

/** g_key_file_get_string's unescaping: `\s \t \n \r \\`; undefined for any other escape or a trailing backslash. */
export function glibString(value: string): string | undefined {
  if (!value.includes('\\')) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = value[++i];
    const unescaped = next === 's' ? ' ' : next === 't' ? '\t' : next === 'n' ? '\n' : next === 'r' ? '\r' : next === '\\' ? '\\' : undefined;
    if (unescaped === undefined) return undefined;
    out += unescaped;
  }
  return out;
}

/** NetworkManager's booleans (nm_config_parse_boolean): true/yes/on/1, false/no/off/0, any case, blanks trimmed; undefined otherwise. */
export function nmBoolean(value: string | undefined): boolean | undefined {
  const v = value?.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === 'on' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === 'off' || v === '0') return false;
  return undefined;
}

/* ---------- Device List Format ---------- */

/**
 * - all: `*`; interface-name: `interface-name:NAME` (glob `*` `?`, or `interface-name:~NAME`), literal with `interface-name:=NAME`;
 * - mac: `mac:HWADDR`; type, driver (`driver:NAME` or `driver:NAME/VERSION-GLOB`), s390-subchannels, dhcp-plugin;
 * - bare: no known tag: NetworkManager matches it as an interface name or a MAC ("fuzzy"), never behind except:;
 * - unknown-tag: `word:…` that is not a MAC: no tag this model knows (a later NetworkManager's?).
 */
export type DeviceSpecKind = 'all' | 'interface-name' | 'mac' | 'type' | 'driver' | 's390-subchannels' | 'dhcp-plugin' | 'bare' | 'unknown-tag';

export interface DeviceSpec {
  /** The spec as split from the list. */
  text: string;
  except: boolean;
  kind: DeviceSpecKind;
  /** What follows the tag (the whole spec for `bare`); MACs in lower case. */
  value: string;
  /** interface-name: glob (`*`, `?`) rather than literal (`interface-name:=`). */
  glob: boolean;
}

/**
 * nm_match_spec_split: specs separated by `,` or `;`; a backslash escapes `,` `;` `\` and writes `\s \t \n \r`
 * (any other escape stays as written, backslash included); blanks around a spec are dropped (an escaped one
 * kept), empty specs too.
 */
export function splitDeviceList(value: string): string[] {
  const specs: string[] = [];
  let current = '';
  /** Unescaped blanks at the end of `current`: trimmed when the spec ends. */
  let trailing = 0;
  let i = 0;
  while (i < value.length && /\s/.test(value[i]!)) i++;
  const finish = () => {
    const spec = current.slice(0, current.length - trailing);
    if (spec !== '') specs.push(spec);
    current = '';
    trailing = 0;
    while (i < value.length && /\s/.test(value[i]!)) i++;
  };
  while (i < value.length) {
    const c = value[i]!;
    if (c === '\\') {
      const next = value[i + 1];
      i += 2;
      trailing = 0;
      if (next === undefined) break;
      current += next === 's' ? ' ' : next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next === '\\' || next === ',' || next === ';' ? next : `\\${next}`;
    } else if (c === ',' || c === ';') {
      i++;
      finish();
    } else {
      current += c;
      trailing = /\s/.test(c) ? trailing + 1 : 0;
      i++;
    }
  }
  finish();
  return specs;
}

/** A hardware address as NetworkManager reads one (nm_utils_hwaddr_aton): hex byte pairs joined by `:` or `-`, 1 to 20 bytes. */
export function parseHwaddr(text: string): string | undefined {
  const bytes = text.split(/[:-]/);
  if (bytes.length < 1 || bytes.length > 20 || !bytes.every((b) => /^[0-9A-Fa-f]{1,2}$/.test(b))) return undefined;
  if (text.includes(':') && text.includes('-')) return undefined;
  return bytes.map((b) => b.padStart(2, '0').toLowerCase()).join(':');
}

const TAGS: [string, DeviceSpecKind][] = [
  ['interface-name:', 'interface-name'],
  ['mac:', 'mac'],
  ['type:', 'type'],
  ['driver:', 'driver'],
  ['s390-subchannels:', 's390-subchannels'],
  ['dhcp-plugin:', 'dhcp-plugin'],
];

/** One spec, its `except:` and its tag (matched without regard to case, as NetworkManager does). */
export function parseDeviceSpec(text: string): DeviceSpec {
  let rest = text;
  const except = rest.slice(0, 7).toLowerCase() === 'except:';
  if (except) rest = rest.slice(7);
  const spec = (kind: DeviceSpecKind, value: string, glob = false): DeviceSpec => ({ text, except, kind, value, glob });
  if (rest === '*') return spec('all', '*');
  for (const [tag, kind] of TAGS) {
    if (rest.slice(0, tag.length).toLowerCase() !== tag) continue;
    const value = rest.slice(tag.length);
    if (kind === 'interface-name') {
      if (value.startsWith('=')) return spec(kind, value.slice(1));
      return spec(kind, value.startsWith('~') ? value.slice(1) : value, true);
    }
    return spec(kind, kind === 'mac' ? value.toLowerCase() : value);
  }
  if (parseHwaddr(rest) === undefined && /^[A-Za-z0-9-]+:/.test(rest)) return spec('unknown-tag', rest);
  return spec('bare', rest);
}

/** g_pattern_match_simple: `*` any run, `?` one character; no ranges, no escaping. */
export function nmGlobMatches(pattern: string, name: string): boolean {
  let re = '^';
  for (const c of pattern) re += c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.\\+^$(){}|[\]-]/g, '\\$&');
  return new RegExp(`${re}$`, 's').test(name);
}
