/**
 * `ip neigh` and `ip -s -s neigh show` as plain text, into the records `ip -j neigh` parses into:
 * `DST [dev DEV] [lladdr MAC] [router] [proxy] [ref N] [used A/B/C] [probes N] STATE...`.
 */
import { clip, fail, type ParseInput, type Parsed } from '../common.js';
import type { IpNeighEntry } from '../types.js';
import { readPaste, words, type PasteLine } from './paste.js';
import { keywordValue } from './record.js';

const EXPECTED = 'expected the output of `ip neigh` (`ADDRESS dev DEV lladdr MAC STATE` lines)';
const STATES = new Set(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'FAILED', 'INCOMPLETE', 'PERMANENT', 'NOARP', 'NONE']);
const ADDRESS = /^[0-9a-fA-F:.]+$/;
/** Flags printed as words; only `router` is part of the record. */
const FLAGS = new Set(['router', 'proxy', 'extern_learn', 'offload', 'use', 'managed', 'extern_valid']);

export function parseIpNeighText(input: ParseInput): Parsed<IpNeighEntry[]> {
  const paste = readPaste(input);
  return { value: paste.lines.map((l) => readNeigh(input, l)), notes: paste.notes };
}

function readNeigh(input: ParseInput, l: PasteLine): IpNeighEntry {
  const w = words(l.text);
  const dst = w[0];
  // `ip neigh show proxy` and `-6` print "dst" before nothing else; every line starts with the address.
  if (dst === undefined || !ADDRESS.test(dst) || !/[.:]/.test(dst)) fail(input, `not an \`ip neigh\` line: ${clip(l.text)}`, l.line, EXPECTED);
  const neigh: IpNeighEntry = { dst, state: [], router: false, line: l.line, text: clip(l.text) };
  for (let i = 1; i < w.length; i++) {
    const word = w[i] as string;
    const value = (): string => keywordValue(w, i++, input, l, EXPECTED);
    // `used 4/67/4probes 6`: iproute2 6.1 prints no space before "probes".
    if (word === 'dev') neigh.dev = value();
    else if (word === 'lladdr') neigh.lladdr = value();
    else if (word === 'router') neigh.router = true;
    else if (word === 'used') {
      if (value().endsWith('probes')) value();
    } else if (word === 'ref' || word === 'probes' || word === 'protocol' || word === 'vlan' || word === 'port' || word === 'vni' || word === 'nhid') value();
    else if (STATES.has(word)) neigh.state.push(word);
    else if (!FLAGS.has(word)) fail(input, `unknown word ${JSON.stringify(word)} in a neighbour: ${clip(l.text)}`, l.line, EXPECTED);
  }
  return neigh;
}
