/**
 * `bridge -j link show` (with or without -d): one object per bridge port with its STP state.
 */
import { DROPPED, type ParseInput, type ParseNote, type Parsed } from './common.js';
import { readJsonRecords, type JsonRecord } from './json-source.js';
import type { BridgeLinkEntry } from './types.js';

function readBridgeLink(r: JsonRecord): BridgeLinkEntry | undefined {
  const ifname = r.string('ifname');
  if (ifname === undefined) {
    r.note('bridge port without "ifname"; skipped', DROPPED);
    return undefined;
  }
  if (r.has('vlans') && !r.has('ifindex')) {
    r.note(`"${ifname}" lists VLANs, not link state: this is \`bridge -j vlan show\` output; skipped`, DROPPED);
    return undefined;
  }
  let ifindex = r.integer('ifindex');
  if (ifindex === undefined) {
    r.note(`"${ifname}" has no "ifindex"; index recorded as 0`);
    ifindex = 0;
  }
  const entry: BridgeLinkEntry = { ifindex, ifname, flags: r.strings('flags') ?? [], line: r.line, text: r.text };
  const master = r.string('master');
  const state = r.string('state');
  const mtu = r.integer('mtu');
  if (master !== undefined) entry.master = master;
  if (state !== undefined) entry.state = state;
  if (mtu !== undefined) entry.mtu = mtu;
  return entry;
}

export function parseBridgeLink(input: ParseInput): Parsed<BridgeLinkEntry[]> {
  const notes: ParseNote[] = [];
  const value: BridgeLinkEntry[] = [];
  for (const record of readJsonRecords(input, 'bridge -j link show', notes)) {
    const entry = readBridgeLink(record);
    if (entry) value.push(entry);
  }
  return { value, notes };
}
