/**
 * `nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device`: one line per device NetworkManager knows,
 * `docker0:bridge:connected (externally):docker0`. In terse mode nmcli escapes `:` inside a value as `\:`
 * and `\` as `\\` (nmcli(1), "--escape yes" is the default), and prints an empty value where the tabular
 * form prints `--` (older versions print `--` in terse mode too: read as empty).
 *
 * The tabular form a bug report carries (`nmcli device`, `nmcli dev status`) is read as well: a header
 * `DEVICE  TYPE  STATE  CONNECTION` whose column starts cut every line (STATE and CONNECTION hold spaces).
 */
import { clip, DROPPED, fail, splitLines, stripAnsi, type ParseInput, type ParseNote, type Parsed } from './common.js';
import { pasteDamage } from './pasted-lines.js';
import { wrongFormatHint } from './wrong-format.js';

export interface NmcliDevice {
  device: string;
  /** ethernet, bridge, loopback, wifi, tun, veth (NetworkManager 1.16+), vxlan, ... as nmcli prints it. */
  type: string;
  /** unmanaged, unavailable, disconnected, connecting (…), connected, connected (externally), deactivating, … */
  state: string;
  /** The active connection profile's name, empty when none. May carry an SSID or a host name. */
  connection: string;
  line: number;
  text: string;
}

/** What nmcli prints (to stderr, or pasted into the file) when it cannot talk to NetworkManager. */
const NOT_RUNNING = /^Error: (NetworkManager is not running|Could not create NMClient object)/;

const EXPECTED = 'expected the output of `nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device` (DEVICE:TYPE:STATE:CONNECTION lines) or of `nmcli device`';

/** Split a terse line on unescaped `:`, undoing `\:` and `\\`. */
export function splitTerse(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length && (line[i + 1] === ':' || line[i + 1] === '\\')) {
      current += line[i + 1];
      i++;
    } else if (c === ':') {
      fields.push(current);
      current = '';
    } else current += c;
  }
  fields.push(current);
  return fields;
}

/** A value as nmcli -t escapes it (for tests and fixtures). */
export function escapeTerse(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}

const TABULAR_HEADER = /^DEVICE\s+TYPE\s+STATE\s+CONNECTION\s*$/;

export function parseNmcliDevices(input: ParseInput): Parsed<NmcliDevice[]> {
  const notes: ParseNote[] = [];
  const devices: NmcliDevice[] = [];
  const lines = splitLines(input.text);
  const damage = pasteDamage(input, { comments: false });
  notes.push(...damage.notes);
  let firstContentLine: number | undefined;
  /** Column starts of the tabular form, once its header was seen. */
  let columns: number[] | undefined;
  const note = (line: number, message: string, dropped?: typeof DROPPED) => notes.push({ source: input.source, line, message, ...dropped });

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const lineNo = i + 1;
    if (damage.skipped.has(lineNo)) continue;
    // Not trimmed: a connection name may end in a space (the tabular form's columns are trimmed one by one).
    const text = stripAnsi(raw);
    if (text.trim() === '') continue;
    firstContentLine ??= lineNo;
    if (NOT_RUNNING.test(text.trim())) {
      fail(input, `nmcli reported an error: ${clip(text.trim(), 120)}`, lineNo, 'NetworkManager was not running: nothing to read (the collectors record this as the source\'s status)');
    }
    if (TABULAR_HEADER.test(text.trimEnd())) {
      columns = ['DEVICE', 'TYPE', 'STATE', 'CONNECTION'].map((h) => text.indexOf(h));
      note(lineNo, 'header of `nmcli device` (tabular form): columns read by position');
      continue;
    }
    const fields = columns ? tabularFields(text.trimEnd(), columns) : splitTerse(text);
    if (fields === undefined || fields.length !== 4) {
      note(lineNo, `not a DEVICE:TYPE:STATE:CONNECTION line, skipped: ${clip(text.trim(), 80)}`, DROPPED);
      continue;
    }
    const [device, type, state, connection] = fields.map((f) => (columns ? f.trim() : f)) as [string, string, string, string];
    if (device === '' || /\s/.test(device) || state === '') {
      note(lineNo, `no device name or state, line skipped: ${clip(text.trim(), 80)}`, DROPPED);
      continue;
    }
    devices.push({ device, type, state, connection: connection === '--' ? '' : connection, line: lineNo, text: clip(raw) });
  }

  if (devices.length === 0 && firstContentLine !== undefined && columns === undefined) {
    fail(input, 'no nmcli device line found', firstContentLine, wrongFormatHint(input.text) ?? EXPECTED);
  }
  return { value: devices, notes };
}

/** The four columns of a tabular line, cut at the header's column starts; undefined when the line is too short. */
function tabularFields(text: string, columns: number[]): string[] | undefined {
  const [device, type, state, connection] = columns as [number, number, number, number];
  if (text.length <= state || text[type - 1]?.trim() || text[state - 1]?.trim() || (text.length > connection && text[connection - 1]?.trim())) return undefined;
  return [text.slice(device, type), text.slice(type, state), text.slice(state, connection), text.slice(connection)];
}
