/**
 * `ss -Hulnp` through the protocol-aware ss parser: real outputs (fixtures/ss-udp: python3's sockets, a VXLAN
 * device's), the kernel's own sockets of WireGuard written by hand (this kernel has no WireGuard), the other
 * protocol's output refused with the file it belongs in, generated listings (fast-check) and mutants.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { clip } from '../../src/parse/common.js';
import { parseSsListeners, parseSsUdpListeners } from '../../src/parse/ss.js';
import { mutate, mutation } from '../helpers/mutate-lines.js';
import { catchError } from '../helpers/errors.js';
import { PROJECT_ROOT } from '../cli/run.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

const read = (name: string): string => readFileSync(path.join(PROJECT_ROOT, 'test/parse/fixtures/ss-udp', name), 'utf8');
const ULNP = read('ss-ulnp.txt');
const UANP = read('ss-uanp.txt');
const TULNP = read('ss-tulnp.txt');

const udp = (text: string) => parseSsUdpListeners({ source: 'ss-ulnp', text });
const endpoints = (text: string) => udp(text).value.map((l) => `${l.localAddress}${l.localInterface ? `%${l.localInterface}` : ''}:${l.localPort}`);
const REAL = ['0.0.0.0:53', '0.0.0.0%lo:68', '127.0.0.1:323', '::1:323', '*:5353', ':::5354'];

describe('ss -Hulnp (real output)', () => {
  it('reads every bound socket with its address, interface, port and process', () => {
    const { value, notes } = udp(ULNP);
    expect(notes).toEqual([]);
    expect(endpoints(ULNP)).toEqual(REAL);
    expect(value.every((l) => l.state === 'UNCONN' && l.processes[0]?.name === 'python3')).toBe(true);
    const lines = ULNP.split('\n');
    for (const l of value) expect(lines[l.line - 1]).toBe(l.text);
  });

  it('leaves out the socket connected to a peer (ss -Huanp), with a note that loses nothing', () => {
    const { value, notes } = udp(UANP);
    expect(value.map((l) => `${l.localAddress}:${l.localPort}`)).not.toContain('127.0.0.1:41000');
    expect(value).toHaveLength(REAL.length);
    expect(notes).toEqual([{ source: 'ss-ulnp', line: 4, message: 'UDP socket connected to 127.0.0.1:53 skipped: it takes datagrams from that peer only' }]);
  });

  it('reads the udp lines of ss -Htulnp and skips the tcp ones (and the TCP parser the reverse)', () => {
    expect(endpoints(TULNP)).toEqual(REAL);
    expect(udp(TULNP).notes).toEqual([{ source: 'ss-ulnp', line: 7, message: 'tcp socket skipped: only UDP listeners are read' }]);
    const tcp = parseSsListeners({ source: 'ss-tlnp', text: TULNP });
    expect(tcp.value.map((l) => `${l.localAddress}:${l.localPort}`)).toEqual(['0.0.0.0:22']);
    expect(tcp.notes.filter((n) => n.dropped)).toEqual([]);
  });

  it('a VXLAN device\'s socket is the kernel\'s own: a listener with no process', () => {
    const { value, notes } = udp(read('ss-ulnp-vxlan.txt'));
    expect(notes).toEqual([]);
    expect(value.map((l) => [l.localAddress, l.localPort, l.processes])).toEqual([['0.0.0.0', 4789, []]]);
  });

  it('an empty output is no socket, and no error', () => {
    expect(udp('')).toEqual({ value: [], notes: [] });
  });
});

describe('ss -Hulnp: the kernel\'s own sockets and pasted damage', () => {
  // VXLAN (8472), WireGuard (51820, one socket per family) and a Geneve device: no process column, as the
  // real VXLAN line of ss-ulnp-vxlan.txt.
  const KERNEL = [
    'UNCONN 0      0            0.0.0.0:8472       0.0.0.0:*',
    'UNCONN 0      0            0.0.0.0:51820      0.0.0.0:*',
    'UNCONN 0      0               [::]:51820         [::]:*',
    'UNCONN 0      0                  *:6081             *:*',
    'UNCONN 0      0      127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=612,fd=13))',
  ].join('\n');

  it('keeps sockets without a process as listeners with no process', () => {
    const { value, notes } = udp(KERNEL);
    expect(notes).toEqual([]);
    expect(value.map((l) => [l.localAddress, l.localPort, l.processes.length])).toEqual([
      ['0.0.0.0', 8472, 0],
      ['0.0.0.0', 51820, 0],
      ['::', 51820, 0],
      ['*', 6081, 0],
      ['127.0.0.53', 53, 1],
    ]);
    expect(value[4]!.localInterface).toBe('lo');
  });

  it('skips the header of ss without -H, a prompt and CRLF line endings', () => {
    const pasted = `root@node1:~# ss -ulnp\r\nState  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\r\n${KERNEL.split('\n').join('\r\n')}\r\n`;
    const { value, notes } = udp(pasted);
    expect(value).toHaveLength(5);
    expect(notes.filter((n) => n.dropped)).toEqual([]);
    expect(notes.map((n) => n.line)).toContain(2);
  });

  it('refuses TCP listeners in the UDP file, naming where they belong', () => {
    const tcp = 'LISTEN 0      4096         0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=812,fd=3))\n';
    const err = catchError(() => udp(tcp));
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).location).toEqual({ source: 'ss-ulnp', line: 1 });
    expect((err as ParseError).message).toMatch(/no UDP listener found; line 1 is in state LISTEN, which only TCP sockets are in/);
    expect((err as ParseError).hint).toBe('this is `ss -Htlnp` output: put it in ss-tlnp.txt, and the output of `ss -Hulnp` in ss-ulnp.txt');
  });

  it('refuses UDP sockets in the TCP file, naming where they belong', () => {
    const err = catchError(() => parseSsListeners({ source: 'ss-tlnp', text: ULNP }));
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).location).toEqual({ source: 'ss-tlnp', line: 1 });
    expect((err as ParseError).hint).toBe('this is `ss -Hulnp` output: put it in ss-ulnp.txt, and the output of `ss -Htlnp` in ss-tlnp.txt');
  });

  it('a LISTEN line among UDP sockets is dropped with a note, the rest read', () => {
    const mixed = `${KERNEL}\nLISTEN 0 4096 0.0.0.0:22 0.0.0.0:*\n`;
    const { value, notes } = udp(mixed);
    expect(value).toHaveLength(5);
    expect(notes).toEqual([expect.objectContaining({ line: 6, dropped: true, message: expect.stringContaining('it belongs in ss-tlnp.txt') })]);
  });

  it('refuses text that is no ss output, with the hint to run ss -Hulnp', () => {
    const err = catchError(() => udp('hello\nworld\n'));
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).location).toEqual({ source: 'ss-ulnp', line: 1 });
    expect((err as ParseError).hint).toMatch(/ss -Hulnp/);
  });
});

const ifname = fc.stringMatching(/^[a-z][a-z0-9._-]{0,14}$/);
const processName = fc.stringMatching(/^[A-Za-z0-9 ,"()_:./-]{1,15}$/).filter((n) => !n.includes('",'));
const local = fc.oneof(
  fc.record({ address: fc.ipV4(), bracket: fc.constant(false) }),
  fc.record({ address: fc.ipV6(), bracket: fc.constant(true) }),
  fc.record({ address: fc.constant('*'), bracket: fc.constant(false) }),
);
const socket = fc.record({
  local,
  iface: fc.option(ifname, { nil: undefined }),
  port: fc.integer({ min: 0, max: 65535 }),
  processes: fc.array(fc.record({ name: processName, pid: fc.integer({ min: 1, max: 4_194_304 }), fd: fc.nat({ max: 100_000 }) }), { maxLength: 2 }),
  /** A socket connected to a peer (ss -a): not a listener. */
  connectedTo: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  gap: fc.constantFrom(' ', '   ', '\t'),
});
type Generated = typeof socket extends fc.Arbitrary<infer T> ? T : never;

function render(s: Generated): string {
  const host = s.local.bracket ? `[${s.local.address}]` : s.local.address;
  const peerHost = s.local.bracket ? '[::]' : s.local.address === '*' ? '*' : '0.0.0.0';
  const peer = s.connectedTo === undefined ? `${peerHost}:*` : `${s.local.bracket ? '[2001:db8::1]' : '192.0.2.1'}:${s.connectedTo}`;
  const users = s.processes.length ? `users:(${s.processes.map((p) => `("${p.name}",pid=${p.pid},fd=${p.fd})`).join(',')})` : '';
  return [s.connectedTo === undefined ? 'UNCONN' : 'ESTAB', 0, 0, `${host}${s.iface ? `%${s.iface}` : ''}:${s.port}`, peer, users].join(s.gap).trimEnd();
}

describe('parseSsUdpListeners properties', () => {
  it('reads exactly the unconnected sockets, each at its line, processes included', () => {
    fc.assert(
      fc.property(fc.array(socket, { maxLength: 15 }), (sockets) => {
        const lines = sockets.map(render);
        const { value, notes } = udp(lines.join('\n'));
        const expected = sockets.flatMap((s, i) => (s.connectedTo === undefined ? [{ s, i }] : []));
        expect(value.map((l) => ({ address: l.localAddress, port: l.localPort, iface: l.localInterface, processes: l.processes, line: l.line, text: l.text }))).toEqual(
          expected.map(({ s, i }) => ({ address: s.local.address, port: s.port, iface: s.iface, processes: s.processes, line: i + 1, text: clip(lines[i]!) })),
        );
        expect(notes.filter((n) => n.dropped)).toEqual([]);
        expect(notes).toHaveLength(sockets.length - expected.length);
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text', () => {
    fc.assert(
      fc.property(anyText, (text) => expectOnlyParseError('ss-ulnp', () => udp(text))),
      { numRuns: 1000 },
    );
  });

  it('mutants of the real output parse (never more sockets than their lines hold) or fail located', () => {
    const lines = UANP.trimEnd().split('\n');
    fc.assert(
      fc.property(mutation, (m) => {
        const text = mutate(lines, m);
        expectOnlyParseError('ss-ulnp', () => {
          const read = udp(text).value;
          expect(read.length).toBeLessThanOrEqual(text.split(/\r?\n/).length);
        });
      }),
      { numRuns: 300 },
    );
  });
});
