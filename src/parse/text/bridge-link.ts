/**
 * `bridge link` and `bridge -s -s -d link show` as plain text, into the records `bridge -j link` parses into:
 * `3: va0@br0: <FLAGS> mtu 1500 master br0 state forwarding priority 32 cost 2`, with `-d` an indented line
 * of port options after each (not part of the record).
 */
import { clip, fail, type ParseInput, type Parsed } from '../common.js';
import type { BridgeLinkEntry } from '../types.js';
import { headerText, integerField, readLinkHeader } from './link-header.js';
import { isIndented, readPaste } from './paste.js';
import { put } from './record.js';

const EXPECTED = 'expected the output of `bridge link` (`N: PORT: <FLAGS> mtu N master BRIDGE state STATE ...` lines)';

export function parseBridgeLinkText(input: ParseInput): Parsed<BridgeLinkEntry[]> {
  const paste = readPaste(input);
  const ports: BridgeLinkEntry[] = [];
  for (const l of paste.lines) {
    const header = readLinkHeader(l.text);
    if (header) {
      const port: BridgeLinkEntry = { ifindex: header.ifindex, ifname: header.ifname, flags: header.flags, line: l.line, text: headerText(l.text) };
      put(port, 'master', header.fields.get('master'));
      put(port, 'state', header.fields.get('state'));
      put(port, 'mtu', integerField(header.fields, 'mtu'));
      ports.push(port);
      continue;
    }
    if (!isIndented(l.text)) fail(input, `not a line of \`bridge link\`: ${clip(l.text)}`, l.line, EXPECTED);
    if (ports.length === 0) fail(input, `indented line before any port: ${clip(l.text)}`, l.line, EXPECTED);
  }
  return { value: ports, notes: paste.notes };
}
