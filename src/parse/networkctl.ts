/**
 * `networkctl list --no-legend`: one line per link, `IDX LINK TYPE OPERATIONAL SETUP`:
 *
 *     1 lo      loopback carrier    unmanaged
 *     2 eth0    ether    routable   configured
 *     3 docker0 bridge   no-carrier unmanaged
 *
 * SETUP is systemd-networkd's state for the link (networkctl(1)): pending, initialized, configuring,
 * configured, unmanaged, failed, linger. Without --no-legend a header (`IDX LINK TYPE ...`) and a footer
 * (`3 links listed.`) frame the list: both are skipped.
 */
import { clip, DROPPED, fail, splitLines, stripAnsi, type ParseInput, type ParseNote, type Parsed } from './common.js';
import { pasteDamage } from './pasted-lines.js';
import { wrongFormatHint } from './wrong-format.js';

export interface NetworkctlLink {
  index: number;
  name: string;
  /** ether, loopback, bridge, vxlan, none, ... */
  type: string;
  /** missing, off, no-carrier, dormant, degraded-carrier, carrier, degraded, enslaved, routable. */
  operational: string;
  /** pending, initialized, configuring, configured, unmanaged, failed, linger. */
  setup: string;
  line: number;
  text: string;
}

/** What networkctl prints when it cannot ask systemd-networkd (no D-Bus, networkd stopped, not systemd). */
const CANNOT_CONNECT = /^(Failed to connect to (system )?bus|System has not been booted with systemd|Failed to (list|enumerate) links|Failed to acquire bus)/;
const NOT_RUNNING = /^WARNING: systemd-networkd is not running/;
const HEADER = /^IDX\s+LINK\s+TYPE\s+OPERATIONAL\s+SETUP\s*$/;
const FOOTER = /^\d+ links? listed\.$/;

const EXPECTED = 'expected the output of `networkctl list --no-legend` (IDX LINK TYPE OPERATIONAL SETUP lines)';

export interface NetworkctlList {
  links: NetworkctlLink[];
  /** The line where networkctl warned that systemd-networkd is not running (pasted with its stderr). */
  notRunning?: { line: number; text: string };
}

export function parseNetworkctlList(input: ParseInput): Parsed<NetworkctlList> {
  const notes: ParseNote[] = [];
  const result: NetworkctlList = { links: [] };
  const lines = splitLines(input.text);
  const damage = pasteDamage(input, { comments: false });
  notes.push(...damage.notes);
  let firstContentLine: number | undefined;
  let recognised = false;
  const note = (line: number, message: string, dropped?: typeof DROPPED) => notes.push({ source: input.source, line, message, ...dropped });

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const lineNo = i + 1;
    if (damage.skipped.has(lineNo)) continue;
    const text = stripAnsi(raw).trim();
    if (text === '') continue;
    firstContentLine ??= lineNo;
    if (CANNOT_CONNECT.test(text)) {
      fail(input, `networkctl could not list the links: ${clip(text, 120)}`, lineNo, 'systemd-networkd could not be asked: nothing to read (the collectors record this as the source\'s status)');
    }
    if (NOT_RUNNING.test(text)) {
      result.notRunning = { line: lineNo, text: clip(raw) };
      recognised = true;
      note(lineNo, 'networkctl warned that systemd-networkd is not running: it manages no link');
      continue;
    }
    if (HEADER.test(text) || FOOTER.test(text)) {
      recognised = true;
      note(lineNo, `${HEADER.test(text) ? 'header' : 'footer'} line skipped (networkctl run without --no-legend)`);
      continue;
    }
    const fields = text.split(/\s+/);
    if (fields.length !== 5 || !/^\d+$/.test(fields[0]!)) {
      note(lineNo, `not an IDX LINK TYPE OPERATIONAL SETUP line, skipped: ${clip(text, 80)}`, DROPPED);
      continue;
    }
    const [index, name, type, operational, setup] = fields as [string, string, string, string, string];
    result.links.push({ index: Number(index), name, type, operational, setup, line: lineNo, text: clip(raw) });
  }

  if (result.links.length === 0 && firstContentLine !== undefined && !recognised) {
    fail(input, 'no networkctl link line found', firstContentLine, wrongFormatHint(input.text) ?? EXPECTED);
  }
  return { value: result, notes };
}
