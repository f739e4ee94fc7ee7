/**
 * NetworkManager.conf and its conf.d snippets (NetworkManager.conf(5)): a GLib key file, `[section]` headers
 * and `key=value` lines, `#` comments, with NetworkManager's extension `key+=value` / `key-=value` (append to /
 * remove from a list set by an earlier file). Values take GLib's escapes (`\s`, `\t`, `\n`, `\r`, `\\`).
 *
 * And the "Device List Format" of `[keyfile] unmanaged-devices=` (and other device lists): specs separated by
 * `,` or `;` (a backslash escapes either), each `*`, `interface-name:NAME` (`*` and `?` glob), `interface-name:=NAME`
 * (literal), `interface-name:~NAME` (glob), `mac:HWADDR` (or a bare MAC), `type:TYPE`, `driver:NAME`,
 * `subchannels:…`, and `except:SPEC` (a device matching an except: spec is never in the list).
 */
import { clip, fail, type ParseInput, type Parsed, type ParseNote } from './common.js';
import { configLines } from './pasted-lines.js';

export interface NmConfEntry {
  section: string;
  key: string;
  /** `=` sets, `+=` appends to a list, `-=` removes from it. */
  op: '=' | '+=' | '-=';
  /** Unescaped. */
  value: string;
  line: number;
  text: string;
}

export interface NmConfFile {
  entries: NmConfEntry[];
  /** Sections in order, with their header lines. */
  sections: { name: string; line: number }[];
}

const GROUP = /^\[([^\]\[]+)\]\s*$/;
/** A key: GLib allows anything but `=`, `[`, `]` and control characters (a locale suffix `key[de]` is kept whole). */
const KEY_VALUE = /^([^=[\]\s]+?(?:\[[^\]]*\])?)\s*(\+=|-=|=)\s*(.*)$/;

export function parseNmConf(input: ParseInput): Parsed<NmConfFile> {
  const notes: ParseNote[] = [];
  const file: NmConfFile = { entries: [], sections: [] };
  let section: string | undefined;
  for (const { line: lineNo, text, raw } of configLines(input, notes)) {
    const group = GROUP.exec(text);
    if (group) {
      section = (group[1] as string).trim();
      file.sections.push({ name: section, line: lineNo });
      continue;
    }
    const kv = KEY_VALUE.exec(text);
    const where = section === undefined ? '' : `[${section}]: `;
    if (!kv) fail(input, `${where}not a key=value line, [section] header or # comment: ${clip(text, 80)}`, lineNo, 'NetworkManager refuses a configuration file it cannot read as a key file');
    if (section === undefined) fail(input, `key "${clip(kv[1] as string, 40)}" before any [section] header`, lineNo, 'a key file starts with a [section] header (e.g. [main] or [keyfile])');
    const value = unescapeValue(kv[3] as string);
    if (value === undefined) fail(input, `${where}invalid escape sequence in the value of ${kv[1] as string}`, lineNo, 'GLib key files know \\s \\t \\n \\r \\\\ (and \\; \\, in lists)');
    file.entries.push({ section, key: kv[1] as string, op: kv[2] as NmConfEntry['op'], value, line: lineNo, text: clip(raw) });
  }
  return { value: file, notes };
}

/**
 * GLib's value escapes. `\\`, `\;` and `\,` stay escaped: they belong to the list splitting that follows
 * (NetworkManager splits device lists itself, reading the backslashes). Undefined for an unknown escape or a
 * trailing backslash.
 */
function unescapeValue(value: string): string | undefined {
  if (!value.includes('\\')) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = value[++i];
    switch (next) {
      case 's':
        out += ' ';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\\\';
        break;
      case ';':
      case ',':
        out += `\\${next}`;
        break;
      default:
        return undefined;
    }
  }
  return out;
}

/* ---------- Device List Format ---------- */

export type DeviceSpecKind = 'all' | 'interface-name' | 'mac' | 'type' | 'driver' | 'other';

export interface DeviceSpec {
  /** The spec as written (after list splitting). */
  text: string;
  except: boolean;
  kind: DeviceSpecKind;
  /** Name pattern, MAC (lower case), type or driver; the whole spec for `other`. */
  value: string;
  /** interface-name: glob (`*`, `?`) rather than literal (`interface-name:=`). */
  glob: boolean;
}

/** Split a device list on unescaped `,` and `;`, trimming each spec and dropping empty ones. */
export function splitDeviceList(value: string): string[] {
  const specs: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      current += value[i + 1];
      i++;
    } else if (c === ',' || c === ';') {
      specs.push(current);
      current = '';
    } else current += c;
  }
  specs.push(current);
  return specs.map((s) => s.trim()).filter((s) => s !== '');
}

const BARE_MAC = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5,19}$/;

export function parseDeviceSpec(text: string): DeviceSpec {
  let rest = text;
  let except = false;
  if (rest.startsWith('except:')) {
    except = true;
    rest = rest.slice('except:'.length);
  }
  const spec = (kind: DeviceSpecKind, value: string, glob = false): DeviceSpec => ({ text, except, kind, value, glob });
  if (rest === '*') return spec('all', '*');
  if (rest.startsWith('interface-name:')) {
    const name = rest.slice('interface-name:'.length);
    if (name.startsWith('=')) return spec('interface-name', name.slice(1));
    if (name.startsWith('~')) return spec('interface-name', name.slice(1), true);
    return spec('interface-name', name, true);
  }
  if (rest.startsWith('mac:')) return spec('mac', rest.slice(4).toLowerCase());
  if (rest.startsWith('type:')) return spec('type', rest.slice(5));
  if (rest.startsWith('driver:')) return spec('driver', rest.slice(7));
  if (!except && BARE_MAC.test(rest)) return spec('mac', rest.toLowerCase());
  return spec('other', rest);
}

/** NetworkManager's simple glob (`*` and `?`; no ranges, no escaping). */
export function nmGlobMatches(pattern: string, name: string): boolean {
  let re = '^';
  for (const c of pattern) re += c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.\\+^$(){}|[\]-]/g, '\\$&');
  return new RegExp(`${re}$`, 's').test(name);
}
