/**
 * `ip route show table all` and `ip -6 route show table all` as plain text, into the records `ip -j route`
 * parses into: `[TYPE] DST [via [inet6] GW] [dev DEV] [table T] [proto P] [scope S] [src A] [metric N] [FLAGS]`,
 * a multipath route's next hops on the indented `nexthop via ... dev ... weight N` lines after it.
 * `expires NNNsec` becomes `expires` (seconds); `pref`, `mtu` and the other attributes the route record has no field for are read and left out.
 */
import { clip, fail, type ParseInput, type ParseNote, type Parsed } from '../common.js';
import { normaliseRouteDst } from '../ip-json.js';
import type { IpNextHop, IpRouteEntry } from '../types.js';
import { isIndented, readPaste, words, type PasteLine } from './paste.js';
import { keywordValue, put } from './record.js';

const EXPECTED = 'expected the output of `ip route show table all` (`[TYPE] DST [via GW] dev DEV ...` lines)';

export const ROUTE_TYPES: ReadonlySet<string> = new Set(['unicast', 'local', 'broadcast', 'multicast', 'unreachable', 'prohibit', 'blackhole', 'throw', 'anycast', 'nat', 'xresolve']);
/** Route and next-hop flags (RTNH_F_*, as iproute2 prints them). */
const FLAGS = new Set(['onlink', 'linkdown', 'dead', 'pervasive', 'offload', 'trap', 'notify', 'rt_offload', 'rt_trap', 'rt_offload_failed', 'unresolved']);
/** Attributes with one value that the record does not hold. */
const IGNORED_PAIRS = new Set(['pref', 'mtu', 'advmss', 'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'initcwnd', 'initrwnd', 'ssthresh', 'realms', 'rto_min', 'hoplimit', 'features', 'quickack', 'congctl', 'fastopen_no_cookie', 'nhid', 'tos', 'dsfield', 'error', 'from', 'encap', 'age', 'users', 'used']);
const DESTINATION = /^(default|[0-9a-fA-F:.]+(\/\d{1,3})?)$/;

export function parseIpRouteText(input: ParseInput, family: 4 | 6): Parsed<IpRouteEntry[]> {
  const paste = readPaste(input);
  const notes = paste.notes;
  const routes: IpRouteEntry[] = [];
  let last: IpRouteEntry | undefined;
  for (const l of paste.lines) {
    if (isIndented(l.text)) {
      if (!last) fail(input, `indented line before any route: ${clip(l.text)}`, l.line, EXPECTED);
      last.nexthops.push(readNextHop(input, l));
      continue;
    }
    last = readRoute(input, l, family, notes);
    routes.push(last);
  }
  return { value: routes, notes };
}

function readRoute(input: ParseInput, l: PasteLine, family: 4 | 6, notes: ParseNote[]): IpRouteEntry {
  const w = words(l.text);
  let i = 0;
  let type = 'unicast';
  if (ROUTE_TYPES.has(w[0] as string)) type = w[i++] as string;
  const dst = w[i++];
  if (dst === undefined || !DESTINATION.test(dst)) fail(input, `not a route: ${clip(l.text)}`, l.line, EXPECTED);
  const route: IpRouteEntry = { family, dst: normaliseRouteDst(dst), type, table: 'main', flags: [], nexthops: [], line: l.line, text: clip(l.text) };
  const unknown: string[] = [];
  for (; i < w.length; i++) {
    const word = w[i] as string;
    if (FLAGS.has(word)) {
      route.flags.push(word);
      continue;
    }
    const value = w[i + 1];
    const needValue = (): string => keywordValue(w, i++, input, l, EXPECTED);
    switch (word) {
      case 'via':
        put(route, 'gateway', gateway(w, i));
        i += value === 'inet' || value === 'inet6' ? 2 : 1;
        break;
      case 'dev':
        route.dev = needValue();
        break;
      case 'table':
        route.table = needValue();
        break;
      case 'proto':
        route.protocol = needValue();
        break;
      case 'scope':
        route.scope = needValue();
        break;
      case 'src':
        route.prefsrc = needValue();
        break;
      case 'expires': {
        // `expires 1798sec` (iproute2 prints whole seconds); another spelling is left out, as before.
        const seconds = /^(\d{1,10})sec$/.exec(needValue());
        if (seconds) route.expires = Number(seconds[1]);
        break;
      }
      case 'metric': {
        const metric = needValue();
        if (!/^\d{1,10}$/.test(metric)) fail(input, `metric ${JSON.stringify(metric)} is not a number: ${clip(l.text)}`, l.line, EXPECTED);
        route.metric = Number(metric);
        break;
      }
      default:
        if (IGNORED_PAIRS.has(word)) {
          // `mtu lock 1400`: the lock word comes before the value.
          if (w[i + 1] === 'lock') i++;
          i++;
        } else {
          unknown.push(word);
        }
    }
  }
  if (unknown.length > 0) notes.push({ source: input.source, line: l.line, message: `unknown words in a route, ignored: ${unknown.join(' ')}` });
  route.family = familyOf(route, family);
  return route;
}

/** `via 192.0.2.1`, `via inet6 fe80::1` (an IPv4 route through an IPv6 next hop). */
function gateway(w: string[], at: number): string | undefined {
  const next = w[at + 1];
  return next === 'inet' || next === 'inet6' ? w[at + 2] : next;
}

function familyOf(route: IpRouteEntry, fallback: 4 | 6): 4 | 6 {
  if (route.dst !== 'default') return route.dst.includes(':') ? 6 : 4;
  const hint = route.gateway ?? route.prefsrc;
  return hint === undefined ? fallback : hint.includes(':') ? 6 : 4;
}

/** `nexthop via 192.0.2.10 dev up0 weight 1 [onlink]`. */
function readNextHop(input: ParseInput, l: PasteLine): IpNextHop {
  const w = words(l.text);
  if (w[0] !== 'nexthop') fail(input, `indented line that is not a next hop: ${clip(l.text)}`, l.line, EXPECTED);
  const hop: IpNextHop = {};
  for (let i = 1; i < w.length; i++) {
    const word = w[i] as string;
    if (word === 'via') {
      put(hop, 'gateway', gateway(w, i));
      i += w[i + 1] === 'inet' || w[i + 1] === 'inet6' ? 2 : 1;
    } else if (word === 'dev') {
      put(hop, 'dev', w[++i]);
    } else if (word === 'weight') {
      const weight = w[++i] ?? '';
      if (!/^\d{1,5}$/.test(weight)) fail(input, `weight ${JSON.stringify(weight)} is not a number: ${clip(l.text)}`, l.line, EXPECTED);
      hop.weight = Number(weight);
    }
  }
  return hop;
}
