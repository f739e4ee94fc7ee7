/**
 * `ip addr`, `ip -d address`, `ip -o addr` (and the same inside a namespace) as plain text, into the
 * records `ip -j addr` parses into. `ip -o addr` prints only the index and name of an interface before each
 * address: its flags, mtu, state and master are not in that form (flags are then empty).
 */
import { clip, fail, type ParseInput, type Parsed } from '../common.js';
import type { IpAddrEntry, IpAddrInfo } from '../types.js';
import { headerText, integerField, readLinkHeader } from './link-header.js';
import { put } from './record.js';
import { expandOneLine, iprouteErrorNote, isIndented, readPaste, words, type PasteLine } from './paste.js';

const EXPECTED = 'expected the output of `ip addr` (`N: NAME: <FLAGS> ...` lines, each followed by indented `inet`/`inet6` lines)';

/** `1: lo    inet 127.0.0.1/8 scope host lo`: a line of `ip -o addr`. */
const ONE_LINE_ADDRESS = /^(\d+):\s+(\S+)\s+(inet6?\s.*)$/;

/** Address flags iproute2 prints after the scope (print_ifa_flags). */
const ADDRESS_FLAGS = new Set([
  'secondary', 'temporary', 'primary', 'nodad', 'optimistic', 'dadfailed', 'home', 'deprecated', 'tentative',
  'permanent', 'dynamic', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'stable-privacy',
]);
/** Keys followed by a value on an address line. */
const ADDRESS_PAIRS = new Set(['brd', 'any', 'scope', 'metric', 'proto', 'peer']);

const ADDRESS = /^[0-9a-fA-F:.]+$/;

export function parseIpAddrText(input: ParseInput): Parsed<IpAddrEntry[]> {
  const paste = readPaste(input);
  const notes = [...paste.notes];
  const entries: IpAddrEntry[] = [];
  const byIndex = new Map<string, IpAddrEntry>();
  let current: IpAddrEntry | undefined;
  for (const l of expandOneLine(paste.lines)) {
    const header = readLinkHeader(l.text);
    if (header) {
      current = { ifindex: header.ifindex, ifname: header.ifname, flags: header.flags, addrs: [], line: l.line, text: headerText(l.text) };
      put(current, 'mtu', integerField(header.fields, 'mtu'));
      put(current, 'operstate', header.fields.get('state'));
      put(current, 'master', header.fields.get('master'));
      entries.push(current);
      byIndex.set(`${header.ifindex}:${header.ifname}`, current);
      continue;
    }
    const oneLine = ONE_LINE_ADDRESS.exec(l.text);
    if (oneLine) {
      const key = `${oneLine[1]}:${oneLine[2]}`;
      current = byIndex.get(key);
      if (!current) {
        current = { ifindex: Number(oneLine[1]), ifname: oneLine[2] as string, flags: [], addrs: [], line: l.line, text: headerText(l.text) };
        entries.push(current);
        byIndex.set(key, current);
      }
      current.addrs.push(readAddress(input, { line: l.line, text: oneLine[3] as string }));
      continue;
    }
    const error = iprouteErrorNote(input.source, l);
    if (error) {
      notes.push(error);
      current = undefined;
      continue;
    }
    if (!isIndented(l.text)) fail(input, `not a line of \`ip addr\`: ${clip(l.text)}`, l.line, EXPECTED);
    if (!current) fail(input, `indented line before any interface: ${clip(l.text)}`, l.line, EXPECTED);
    const first = words(l.text)[0];
    if (first === 'inet' || first === 'inet6') current.addrs.push(readAddress(input, l));
    else if (first === 'valid_lft') readLifetime(l, current.addrs.at(-1));
    // link/…, altname and the `-d` details are not part of the address records.
  }
  return { value: entries, notes };
}

/** `inet 192.0.2.1/24 brd 192.0.2.255 scope global secondary up0:sec`, `inet 198.51.100.1 peer 198.51.100.2/32 ...`. */
function readAddress(input: ParseInput, l: PasteLine): IpAddrInfo {
  const w = words(l.text);
  const family = w[0] === 'inet6' ? 'inet6' : 'inet';
  const [address, length] = (w[1] ?? '').split('/');
  const peerAt = w.indexOf('peer');
  const peerText = peerAt > 0 ? w[peerAt + 1] : undefined;
  const [peer, peerLength] = (peerText ?? '').split('/');
  const prefixText = peerText !== undefined ? (peerLength ?? length) : length;
  if (address === undefined || !ADDRESS.test(address) || prefixText === undefined || !/^\d{1,3}$/.test(prefixText)) {
    fail(input, `${family} line without an address and prefix length: ${clip(l.text.trim())}`, l.line, EXPECTED);
  }
  const info: IpAddrInfo = { family, local: address, prefixlen: Number(prefixText) };
  if (peer !== undefined && peer !== '' && peer !== address) {
    info.address = peer;
    info.peer = peer;
  }
  for (let i = 2; i < w.length; i++) {
    const word = w[i] as string;
    if (ADDRESS_PAIRS.has(word)) {
      const value = w[++i];
      if (word === 'brd' && value !== undefined) info.broadcast = value;
      if (word === 'scope' && value !== undefined) info.scope = value;
    } else if (word === 'dynamic') {
      info.dynamic = true;
    } else if (word === 'mngtmpaddr') {
      info.mngtmpaddr = true;
    } else if (!ADDRESS_FLAGS.has(word) && family === 'inet') {
      // iproute2 ends an IPv4 address line with its label.
      info.label = word;
    }
  }
  return info;
}

/** `valid_lft 3593sec preferred_lft 1793sec` after an address line: its valid lifetime (`forever` leaves none). */
function readLifetime(l: PasteLine, address: IpAddrInfo | undefined): void {
  const seconds = /^(\d{1,10})sec$/.exec(words(l.text)[1] ?? '');
  if (address && seconds) address.validLifetime = Number(seconds[1]);
}
