/**
 * `wg show all listen-port` (wireguard-tools, wg(8)): one line per WireGuard device, its name, a tab and the
 * UDP port it receives its peers on, `wg0\t51820`. `ip -d link` prints only a WireGuard device's kind, so this
 * is where its port is. The port is 0 while the device has none (made down, no `ListenPort`: the kernel picks
 * one when it goes up). Devices wg could not read are reported on stderr, `Unable to access interface wg1:
 * Operation not permitted`, and wg still exits 0 when another device was read; with no WireGuard device at all
 * it prints nothing. `wg show wg0 listen-port` prints the port alone, without the name: refused, since the
 * device it belongs to cannot be told.
 *
 * Interface names hold no whitespace, `/` or `:` and at most 15 bytes (the kernel's dev_valid_name), so a
 * line is split on whitespace: a paste that turned the tab into spaces reads the same.
 */
import { clip, DROPPED, fail, type ParseInput, type ParseNote, type Parsed } from './common.js';
import { readPaste } from './text/paste.js';
import { wrongFormatHint } from './wrong-format.js';

export interface WgListenPort {
  interface: string;
  /** 0: the device has no port (down, none configured). */
  port: number;
  line: number;
  text: string;
}

export interface WgListenPorts {
  ports: WgListenPort[];
  /** Devices wg named but could not read, with its reason ("Operation not permitted"), from pasted stderr lines. */
  unreadable: Map<string, string>;
}

const EXPECTED = 'expected the output of `wg show all listen-port`: one line per WireGuard device, its name, a tab and its port';

/** wg's message for a device it lists but cannot read (show.c), on stderr. */
const ACCESS_ERROR = /^Unable to access interface ([^\s/:]{1,15}): (.+)$/;

/** What wg prints when the command line is wrong: the usage of `wg show`. */
const USAGE = /^Usage: \S*wg show /;

function validInterfaceName(name: string): boolean {
  return name.length <= 15 && name !== '.' && name !== '..' && !/[\s/:]/.test(name);
}

/** The devices wg could not read, from its stderr (the collectors keep it beside stdout). */
export function wgAccessErrors(stderr: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stderr.split(/\r\n|\r|\n/)) {
    const m = ACCESS_ERROR.exec(line.trim());
    if (m && !out.has(m[1]!)) out.set(m[1]!, m[2]!);
  }
  return out;
}

export function parseWgListenPorts(input: ParseInput): Parsed<WgListenPorts> {
  const paste = readPaste(input);
  const notes: ParseNote[] = [...paste.notes];
  const note = (line: number, message: string, dropped?: typeof DROPPED): void => {
    notes.push({ source: input.source, line, message, ...dropped });
  };
  const ports: WgListenPort[] = [];
  const seen = new Set<string>();
  const unreadable = new Map<string, string>();
  let barePort: number | undefined;
  for (const l of paste.lines) {
    const text = l.text.trim();
    if (USAGE.test(text)) fail(input, `wg printed its usage: ${clip(text, 100)}`, l.line, 'run `wg show all listen-port`');
    const access = ACCESS_ERROR.exec(text);
    if (access) {
      if (!unreadable.has(access[1]!)) unreadable.set(access[1]!, access[2]!);
      note(l.line, `wg could not read ${access[1]}: ${clip(access[2]!, 80)}; its port is unknown`, DROPPED);
      continue;
    }
    const fields = text.split(/\s+/);
    if (fields.length === 1 && /^\d{1,5}$/.test(fields[0]!)) {
      barePort ??= l.line;
      note(l.line, `a port without its device (\`wg show <interface> listen-port\` output?), skipped: ${clip(text, 40)}`, DROPPED);
      continue;
    }
    const [name, port] = fields as [string, string | undefined];
    if (fields.length !== 2 || !validInterfaceName(name) || port === undefined || !/^\d{1,5}$/.test(port) || Number(port) > 65535) {
      note(l.line, `not an \`<interface>\\t<port>\` line, skipped: ${clip(text, 80)}`, DROPPED);
      continue;
    }
    if (seen.has(name)) {
      note(l.line, `${name} listed a second time (two outputs pasted together?), this line skipped`, DROPPED);
      continue;
    }
    seen.add(name);
    ports.push({ interface: name, port: Number(port), line: l.line, text: clip(l.text) });
  }
  if (ports.length === 0 && unreadable.size === 0 && paste.lines.length > 0) {
    const first = paste.lines[0]!.line;
    if (barePort !== undefined) {
      fail(input, 'ports without the devices they belong to', barePort, 'run `wg show all listen-port`: with `all` each line starts with the device\'s name');
    }
    fail(input, 'no `<interface>\\t<port>` line found', first, wrongFormatHint(input.text) ?? EXPECTED);
  }
  return { value: { ports, unreadable }, notes };
}
