import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip } from '../../src/parse/common.js';
import { parseSsListeners } from '../../src/parse/ss.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

const ifname = fc.stringMatching(/^[a-z][a-z0-9._-]{0,14}$/);
/** ss prints the 15-character comm raw inside quotes: anything but the `",` that ends it. */
const processName = fc.stringMatching(/^[A-Za-z0-9 ,"()_:./-]{1,15}$/).filter((n) => !n.includes('",'));

const local = fc.oneof(
  fc.record({ address: fc.ipV4(), bracket: fc.constant(false) }),
  fc.record({ address: fc.ipV6(), bracket: fc.constant(true) }),
  fc.record({ address: fc.constant('*'), bracket: fc.constant(false) }),
);

const listener = fc.record({
  recvQ: fc.nat({ max: 4096 }),
  sendQ: fc.nat({ max: 65535 }),
  local,
  iface: fc.option(ifname, { nil: undefined }),
  port: fc.integer({ min: 0, max: 65535 }),
  processes: fc.array(fc.record({ name: processName, pid: fc.integer({ min: 1, max: 4_194_304 }), fd: fc.nat({ max: 100_000 }) }), { maxLength: 3 }),
  gap: fc.constantFrom(' ', '   ', '\t', '      '),
});

type Generated = typeof listener extends fc.Arbitrary<infer T> ? T : never;

function render(l: Generated): string {
  const host = l.local.bracket ? `[${l.local.address}]` : l.local.address;
  const localText = `${host}${l.iface ? `%${l.iface}` : ''}:${l.port}`;
  const peer = l.local.bracket ? '[::]:*' : '0.0.0.0:*';
  const users = l.processes.length ? `users:(${l.processes.map((p) => `("${p.name}",pid=${p.pid},fd=${p.fd})`).join(',')})` : '';
  return ['LISTEN', l.recvQ, l.sendQ, localText, peer, users].join(l.gap).trimEnd();
}

describe('parseSsListeners properties', () => {
  it('round-trips generated listeners, process names included', () => {
    fc.assert(
      fc.property(fc.array(listener, { maxLength: 15 }), fc.boolean(), (listeners, header) => {
        const lines = listeners.map(render);
        if (header) lines.unshift('State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process');
        const { value } = parseSsListeners({ source: 'ss-tlnp', text: lines.join('\n') });
        const offset = header ? 2 : 1;
        expect(value).toEqual(
          listeners.map((l, i) => {
            const expected: Record<string, unknown> = {
              state: 'LISTEN',
              recvQ: l.recvQ,
              sendQ: l.sendQ,
              localAddress: l.local.address,
              localPort: l.port,
              peer: l.local.bracket ? '[::]:*' : '0.0.0.0:*',
              processes: l.processes,
              line: i + offset,
              text: clip(lines[i + offset - 1] ?? ''),
            };
            if (l.iface) expected['localInterface'] = l.iface;
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
