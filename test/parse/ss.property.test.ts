import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip } from '../../src/parse/common.js';
import { parseSsListeners } from '../../src/parse/ss.js';
import type { SsWildcard } from '../../src/parse/types.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

const ifname = fc.stringMatching(/^[a-z][a-z0-9._-]{0,14}$/);
/** ss prints the 15-character comm raw inside quotes: anything but the `",` that ends it. */
const processName = fc.stringMatching(/^[A-Za-z0-9 ,"()_:./-]{1,15}$/).filter((n) => !n.includes('",'));

/**
 * What a socket is bound to: an IPv4 address (0.0.0.0 included), an IPv6 one (`::` included), or `::` without
 * IPV6_V6ONLY, which the ss that brackets IPv6 prints `*`.
 */
const bound = fc.oneof(
  fc.record({ family: fc.constant(4 as const), address: fc.oneof(fc.ipV4(), fc.constant('0.0.0.0')) }),
  fc.record({ family: fc.constant(6 as const), address: fc.oneof(fc.ipV6(), fc.constant('::')) }),
  fc.record({ family: fc.constant('dual' as const), address: fc.constant('::') }),
);

const listener = fc.record({
  recvQ: fc.nat({ max: 4096 }),
  sendQ: fc.nat({ max: 65535 }),
  bound,
  iface: fc.option(ifname, { nil: undefined }),
  port: fc.integer({ min: 0, max: 65535 }),
  processes: fc.array(fc.record({ name: processName, pid: fc.integer({ min: 1, max: 4_194_304 }), fd: fc.nat({ max: 100_000 }) }), { maxLength: 3 }),
  /** `ss -e`: `v6only:N` of an IPv6 socket after the process column. */
  details: fc.boolean(),
  gap: fc.constantFrom(' ', '   ', '\t', '      '),
});

type Generated = typeof listener extends fc.Arbitrary<infer T> ? T : never;
/** The ss that brackets IPv6 addresses, or the older one: IPv6 bare, IPv4's 0.0.0.0 as `*`, `::` for both IPv6 kinds. */
type Style = 'bracketed' | 'bare';

/** The local address and the peer as each style prints them. */
function printed(l: Generated, style: Style): { host: string; peer: string } {
  const { family, address } = l.bound;
  if (style === 'bracketed') {
    if (family === 4) return { host: address, peer: '0.0.0.0:*' };
    return family === 'dual' ? { host: '*', peer: '*:*' } : { host: `[${address}]`, peer: '[::]:*' };
  }
  if (family === 4) return { host: address === '0.0.0.0' ? '*' : address, peer: '*:*' };
  return { host: address, peer: ':::*' };
}

function render(l: Generated, style: Style): string {
  const { family } = l.bound;
  const { host, peer } = printed(l, style);
  const localText = `${host}${l.iface ? `%${l.iface}` : ''}:${l.port}`;
  const users = l.processes.length ? `users:(${l.processes.map((p) => `("${p.name}",pid=${p.pid},fd=${p.fd})`).join(',')})` : '';
  const details = l.details && family !== 4 ? ` ino:1234 sk:1 v6only:${family === 'dual' ? 0 : 1} <->` : '';
  return ['LISTEN', l.recvQ, l.sendQ, localText, peer, users].join(l.gap).trimEnd() + details;
}

/** What the printed form says of a socket on every address; undefined for any other address. */
function expectedWildcard(l: Generated, style: Style, fileShowsStyle: boolean): SsWildcard | undefined {
  const { family, address } = l.bound;
  if (family === 4) return style === 'bare' && address === '0.0.0.0' ? (fileShowsStyle ? 'ipv4-only' : 'dual-stack') : undefined;
  if (address !== '::') return undefined;
  if (l.details) return family === 'dual' ? 'dual-stack' : 'ipv6-only';
  if (style === 'bracketed') return family === 'dual' ? 'dual-stack' : 'ipv6-only';
  return 'unknown';
}

describe('parseSsListeners properties', () => {
  it('round-trips generated listeners of either style of ss, process names and wildcards included', () => {
    fc.assert(
      fc.property(fc.constantFrom<Style>('bracketed', 'bare'), fc.array(listener, { maxLength: 15 }), fc.boolean(), (style, listeners, header) => {
        const lines = listeners.map((l) => render(l, style));
        if (header) lines.unshift('State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process');
        const { value } = parseSsListeners({ source: 'ss-tlnp', text: lines.join('\n') });
        const offset = header ? 2 : 1;
        // The older style shows in any line but one of IPv4's wildcard (`*:22 *:*`, which the newer prints for a dual-stack socket).
        const fileShowsStyle = listeners.some((l) => l.bound.family !== 4 || l.bound.address !== '0.0.0.0');
        expect(value).toEqual(
          listeners.map((l, i) => {
            const { host, peer } = printed(l, style);
            const expected: Record<string, unknown> = {
              state: 'LISTEN',
              recvQ: l.recvQ,
              sendQ: l.sendQ,
              localAddress: host.replace(/^\[(.*)\]$/, '$1'),
              localPort: l.port,
              peer,
              processes: l.processes,
              line: i + offset,
              text: clip(lines[i + offset - 1] ?? ''),
            };
            if (l.iface) expected['localInterface'] = l.iface;
            const wildcard = expectedWildcard(l, style, fileShowsStyle);
            if (wildcard) expected['wildcard'] = wildcard;
            return expected;
          }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text', () => {
    fc.assert(
      fc.property(anyText, (text) => expectOnlyParseError('ss-tlnp', () => parseSsListeners({ source: 'ss-tlnp', text }))),
      { numRuns: 1000 },
    );
  });
});
