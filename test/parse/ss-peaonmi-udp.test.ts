/**
 * The UDP sockets of sos's socket listings, `ss -peaonmi` and `netstat -W -neopa`, read into the listeners
 * `ss -Hulnp` gives: real outputs of one namespace at one moment (fixtures/ss/udp-*: python3's sockets bound to
 * every address, to an interface, to loopback, IPv6 dual-stack and v6only, one connected to a peer, a VXLAN
 * device's kernel socket, a TCP listener beside them), older forms written by hand, generated listings
 * (fast-check), and mutants of the real outputs, which either parse or fail with a located ParseError.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip, splitLines, type ParseInput, type Parsed } from '../../src/parse/common.js';
import { parseNetstatListeners, parseNetstatUdpListeners } from '../../src/parse/ss-netstat.js';
import { parseSsAllSockets, parseSsAllUdpSockets } from '../../src/parse/ss-peaonmi.js';
import { parseSsUdpListeners } from '../../src/parse/ss.js';
import type { SsListener } from '../../src/parse/types.js';
import { PROJECT_ROOT } from '../cli/run.js';
import { mutate, mutation } from '../helpers/mutate-lines.js';
import { anyText, expectOnlyParseError, hostileText } from './arbitrary-text.js';

const read = (name: string): string => readFileSync(path.join(PROJECT_ROOT, 'test/parse/fixtures/ss', name), 'utf8');
const PEAONMI = read('udp-ss-peaonmi.txt');
const NETSTAT = read('udp-netstat-W-neopa.txt');
const ULNP = read('udp-ss-ulnp.txt');

const ss = (text: string) => parseSsAllUdpSockets({ source: 'ss-ulnp', text });
const netstat = (text: string) => parseNetstatUdpListeners({ source: 'ss-ulnp', text });
const endpoint = (l: SsListener): string => `${l.localAddress}${l.localInterface ? `%${l.localInterface}` : ''}:${l.localPort}`;

/** What the engine uses of a UDP listener; netstat shows no file descriptor nor bound interface, and `::` where ss has `*`. */
const essence = (l: SsListener, form: 'ss' | 'netstat' = 'ss') => ({
  address: form === 'netstat' && l.localAddress === '*' ? '::' : l.localAddress,
  port: l.localPort,
  state: l.state,
  ...(form === 'ss' && l.localInterface ? { interface: l.localInterface } : {}),
  processes: l.processes.map((p) => (form === 'ss' ? p : { name: p.name, pid: p.pid })),
});

const REAL = ['0.0.0.0:53', '0.0.0.0%eth0:68', '127.0.0.1:323', '0.0.0.0:4789', '::1:323', ':::546', '*:5353'];

describe('ss -peaonmi: its UDP sockets (real output)', () => {
  const parsed = ss(PEAONMI);

  it('gives the listeners ss -Hulnp gave of the same namespace at the same moment, processes and descriptors included', () => {
    const ulnp = parseSsUdpListeners({ source: 'ss-ulnp', text: ULNP });
    expect(ulnp.notes).toEqual([]);
    expect(parsed.value.map((l) => essence(l))).toEqual(ulnp.value.map((l) => essence(l)));
    expect(parsed.value.map(endpoint)).toEqual(REAL);
  });

  it('leaves out the socket connected to a peer, the TCP listener, netlink and the details lines, losing nothing', () => {
    expect(parsed.value.every((l) => l.state === 'UNCONN' && l.peer.endsWith(':*'))).toBe(true);
    expect(parsed.value.some((l) => l.localPort === 55000 || l.localPort === 22)).toBe(false);
    expect(parsed.notes.filter((n) => n.dropped)).toEqual([]);
    expect(parsed.notes).toEqual([expect.objectContaining({ line: 1, message: expect.stringMatching(/^ss's stderr above its header skipped: Failed to find cgroup2 mount \(and 10 more lines up to line 11\)$/) })]);
  });

  it('keeps the kernel\'s own socket (a VXLAN device\'s) as a listener with no process', () => {
    expect(parsed.value.find((l) => l.localPort === 4789)).toMatchObject({ localAddress: '0.0.0.0', processes: [] });
  });

  it('quotes each socket\'s own line as evidence', () => {
    const lines = PEAONMI.split('\n');
    for (const l of parsed.value) {
      expect(lines[l.line - 1]).toMatch(/^udp\s+UNCONN\s/);
      expect(lines[l.line - 1]!.startsWith(l.text.slice(0, 60))).toBe(true);
    }
  });

  it('the TCP parser still reads only the TCP listener of the same output', () => {
    expect(parseSsAllSockets({ source: 'ss-tlnp', text: PEAONMI }).value.map(endpoint)).toEqual(['0.0.0.0:22']);
  });

  it('the older capture (fixtures/ss/ss-peaonmi.txt) gives its DNS socket', () => {
    expect(ss(read('ss-peaonmi.txt')).value.map((l) => `${endpoint(l)} ${l.processes[0]?.name}`)).toEqual(['0.0.0.0:53 python3']);
  });

  it('reads older iproute2 forms: `*` for the IPv4 wildcard, `sk:` as a kernel address, pre-4.x users without pid=/fd=', () => {
    const text = [
      'Netid  State      Recv-Q Send-Q     Local Address:Port                    Peer Address:Port',
      'udp    UNCONN     0      0                      *:68                                 *:*                   users:(("dhclient",pid=1044,fd=6)) ino:20153 sk:ffff88003c8a8000 <->',
      'udp    UNCONN     0      0                     :::546                               :::*                   users:(("dhclient",1044,5)) ino:20160 sk:ffff88003b1d0000 v6only:1 <->',
      'udp    UNCONN     0      0                      *:8472                               *:*                   ino:0 sk:ffff880035e94440 <->',
    ].join('\n');
    const r = ss(text);
    expect(r.notes).toEqual([]);
    expect(r.value.map((l) => [endpoint(l), l.processes])).toEqual([
      ['*:68', [{ name: 'dhclient', pid: 1044, fd: 6 }]],
      [':::546', [{ name: 'dhclient', pid: 1044, fd: 5 }]],
      ['*:8472', []],
    ]);
  });

  it('a UDP line it cannot read is left out with a note naming its line; a TCP one is not its concern', () => {
    const text = PEAONMI.replace('0.0.0.0:53 ', '0.0.0.0:domain ').replace('0.0.0.0:22 ', '0.0.0.0:ssh ');
    const r = ss(text);
    expect(r.value.map(endpoint)).toEqual(REAL.slice(1));
    const line = text.split('\n').findIndex((l) => l.includes('0.0.0.0:domain')) + 1;
    expect(r.notes.filter((n) => n.dropped)).toEqual([expect.objectContaining({ line, message: expect.stringMatching(/local port "domain" is not a number/) })]);
  });
});

describe('netstat -W -neopa: its UDP sockets (real output)', () => {
  const parsed = netstat(NETSTAT);

  it('gives the listeners ss gives of the same namespace: no descriptor, no bound interface, `::` for ss\'s `*`', () => {
    expect(parsed.notes).toEqual([]);
    expect(parsed.value.map((l) => essence(l, 'netstat'))).toEqual(ss(PEAONMI).value.map((l) => essence(l, 'netstat')));
    expect(parsed.value.map(endpoint)).toEqual(['0.0.0.0:53', '0.0.0.0:68', '127.0.0.1:323', '0.0.0.0:4789', '::1:323', ':::546', ':::5353']);
  });

  it('reads the empty State column as a bound socket (UNCONN) and leaves out the ESTABLISHED one; `-` is no process', () => {
    expect(parsed.value.every((l) => l.state === 'UNCONN')).toBe(true);
    expect(parsed.value.some((l) => l.localPort === 55000)).toBe(false);
    expect(parsed.value.find((l) => l.localPort === 4789)!.processes).toEqual([]);
    const lines = NETSTAT.split('\n');
    for (const l of parsed.value) expect(lines[l.line - 1]).toMatch(/^udp6?\s+0\s+0\s/);
  });

  it('the TCP parser still reads only the TCP listener, and the older capture gives its DNS socket', () => {
    expect(parseNetstatListeners({ source: 'ss-tlnp', text: NETSTAT }).value.map(endpoint)).toEqual(['0.0.0.0:22']);
    expect(netstat(read('netstat-W-neopa.txt')).value.map((l) => `${endpoint(l)} ${l.processes[0]?.name}`)).toEqual(['0.0.0.0:53 python3']);
  });

  it('reads the forms without -e or -o, and program names with spaces', () => {
    const text = [
      'Active Internet connections (servers and established)',
      'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name',
      'udp        0      0 0.0.0.0:68              0.0.0.0:*                           612/dhclient',
      'udp        0      0 0.0.0.0:68              0.0.0.0:*                           0          12345      612/dhclient         off (0.00/0/0)',
      'udp        0      0 127.0.0.1:8125          0.0.0.0:*                           4242/statsd: worker',
      'udp6       0      0 :::51820                :::*                                -',
      'udp        0      0 0.0.0.0:500',
      'udpl       0      0 0.0.0.0:1234            0.0.0.0:*                           99/lite',
    ].join('\n');
    const r = netstat(text);
    expect(r.value.map((l) => [endpoint(l), l.processes, l.line])).toEqual([
      ['0.0.0.0:68', [{ name: 'dhclient', pid: 612 }], 3],
      ['0.0.0.0:68', [{ name: 'dhclient', pid: 612 }], 4],
      ['127.0.0.1:8125', [{ name: 'statsd: worker', pid: 4242 }], 5],
      [':::51820', [], 6],
    ]);
    expect(r.notes).toEqual([{ source: 'ss-ulnp', line: 7, message: 'not a `netstat` socket line, skipped: udp        0      0 0.0.0.0:500', dropped: true }]);
  });

  it('refuses what is no netstat output, at its first line', () => {
    expect(() => netstat('default via 192.0.2.1 dev eth0\n')).toThrow(/no `netstat` header or socket line found/);
  });
});

/* ---------- generated listings ---------- */

const processName = fc.stringMatching(/^[A-Za-z0-9 ,()_:./-]{1,15}$/);
/** netstat's argv[0]: spaces inside (`sshd: /usr/sbin`), none around it, where its column's padding is. */
const programName = fc.stringMatching(/^[A-Za-z0-9_.-][A-Za-z0-9 ,()_:./-]{0,13}[A-Za-z0-9_.)-]$|^[A-Za-z0-9_.-]$/);
const v4 = fc.record({ family: fc.constant(4 as const), address: fc.ipV4() });
const v6 = fc.record({ family: fc.constant(6 as const), address: fc.ipV6() });
const udpSocket = fc.record({
  kind: fc.constant('udp' as const),
  local: fc.oneof(v4, v6, fc.constant({ family: 0 as const, address: '*' })),
  iface: fc.option(fc.stringMatching(/^[a-z][a-z0-9_-]{0,9}$/), { nil: undefined }),
  port: fc.integer({ min: 1, max: 65535 }),
  process: fc.option(fc.record({ name: processName, pid: fc.integer({ min: 1, max: 4_194_304 }), fd: fc.nat({ max: 4096 }) }), { nil: undefined }),
  /** What netstat prints for the same process. */
  program: programName,
  /** Connected (ESTAB, the peer's port): no listener. */
  peerPort: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  details: fc.boolean(),
});
const otherSocket = fc.record({
  kind: fc.constant('other' as const),
  line: fc.constantFrom(
    'tcp   LISTEN 0      5            0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=812,fd=3)) ino:1 sk:1 <->',
    'tcp   ESTAB  0      0         192.0.2.10:22    198.51.100.7:50000 users:(("sshd",pid=900,fd=4)) ino:2 sk:2 <->',
    'nl    UNCONN 0      0                  0:0                 *     sk=0 cb=0 groups=0x00000000',
    'u_str ESTAB  0      0                  * 20001            * 20002',
    'p_raw UNCONN 0      0                  *:eth0             *',
  ),
});
type UdpSocket = typeof udpSocket extends fc.Arbitrary<infer T> ? T : never;

const hostOf = (s: UdpSocket): string => (s.local.family === 6 ? `[${s.local.address}]` : s.local.address);
const listens = (s: UdpSocket): boolean => s.peerPort === undefined;

function renderSs(s: UdpSocket): string[] {
  const wildcard = s.local.family === 6 ? '[::]' : s.local.family === 0 ? '*' : '0.0.0.0';
  const peer = s.peerPort === undefined ? `${wildcard}:*` : `${s.local.family === 6 ? '[2001:db8::1]' : '192.0.2.1'}:${s.peerPort}`;
  const users = s.process ? ` users:(("${s.process.name}",pid=${s.process.pid},fd=${s.process.fd}))` : '';
  const lines = [`udp   ${listens(s) ? 'UNCONN' : 'ESTAB '} 0      0   ${hostOf(s)}${s.iface ? `%${s.iface}` : ''}:${s.port}   ${peer}${users} ino:4242 sk:1 <->`];
  if (s.details) lines.push('\t skmem:(r0,rb212992,t0,tb212992,f0,w0,o0,bl0,d0)');
  return lines;
}

/** netstat prints IPv6 bare (`:::546`), no interface, `udp6` for IPv6 sockets and ESTABLISHED for a connected one. */
function renderNetstat(s: UdpSocket): string {
  const six = s.local.family !== 4;
  const local = `${s.local.family === 0 ? '::' : s.local.address}:${s.port}`;
  const peer = s.peerPort === undefined ? (six ? ':::*' : '0.0.0.0:*') : `${six ? '2001:db8::1' : '192.0.2.1'}:${s.peerPort}`;
  const program = s.process ? `${s.process.pid}/${s.program}` : '-';
  return `${six ? 'udp6' : 'udp '}       0      0 ${local.padEnd(23)} ${peer.padEnd(23)} ${(listens(s) ? '' : 'ESTABLISHED').padEnd(11)} 0          4242       ${program.padEnd(20)} off (0.00/0/0)`;
}

describe('generated listings', () => {
  it('ss -peaonmi: exactly the UDP sockets bound and not connected, each at its line, whatever else is listed', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(udpSocket, otherSocket), { maxLength: 20 }), fc.boolean(), (sockets, stderr) => {
        const lines = [...(stderr ? ['Failed to find cgroup2 mount'] : []), 'Netid State Recv-Q Send-Q Local Address:Port Peer Address:PortProcess'];
        const expected: { address: string; iface: string | undefined; port: number; processes: unknown; line: number; text: string }[] = [];
        for (const s of sockets) {
          if (s.kind === 'other') {
            lines.push(s.line);
            continue;
          }
          const rendered = renderSs(s);
          if (listens(s)) expected.push({ address: s.local.address, iface: s.iface, port: s.port, processes: s.process ? [s.process] : [], line: lines.length + 1, text: clip(rendered[0]!) });
          lines.push(...rendered);
        }
        const r = ss(lines.join('\n'));
        expect(r.value.map((l) => ({ address: l.localAddress, iface: l.localInterface, port: l.localPort, processes: l.processes, line: l.line, text: l.text }))).toEqual(expected);
        expect(r.notes.filter((n) => n.dropped)).toEqual([]);
        // The TCP parser of the same text sees only the TCP listener lines.
        expect(parseSsAllSockets({ source: 'ss-tlnp', text: lines.join('\n') }).value.every((l) => l.state === 'LISTEN')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('netstat: the same sockets, whatever the padding, the TCP lines around them and the UNIX section after', () => {
    fc.assert(
      fc.property(fc.array(udpSocket, { maxLength: 15 }), fc.boolean(), (sockets, unix) => {
        const lines = ['Active Internet connections (servers and established)', 'Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name     Timer'];
        lines.push('tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      0          20871      812/sshd: /usr/sbin  off (0.00/0/0)');
        const expected: { address: string; port: number; processes: unknown; line: number }[] = [];
        for (const s of sockets) {
          lines.push(renderNetstat(s));
          if (listens(s)) expected.push({ address: s.local.family === 0 ? '::' : s.local.address, port: s.port, processes: s.process ? [{ name: s.program, pid: s.process.pid }] : [], line: lines.length });
        }
        if (unix) lines.push('Active UNIX domain sockets (servers and established)', 'unix  2      [ ACC ]     STREAM     LISTENING     20000    1/init               /run/systemd/private');
        const r = netstat(lines.join('\n'));
        expect(r.value.map((l) => ({ address: l.localAddress, port: l.localPort, processes: l.processes, line: l.line }))).toEqual(expected);
        expect(r.value.every((l) => l.state === 'UNCONN')).toBe(true);
        expect(r.notes).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['ss -peaonmi', parseSsAllUdpSockets],
    ['netstat', parseNetstatUdpListeners],
  ] as const)('%s: arbitrary text returns or throws a located ParseError', (_name, parse) => {
    fc.assert(fc.property(fc.oneof(anyText, hostileText), (t) => expectOnlyParseError('ss-ulnp', () => parse({ source: 'ss-ulnp', text: t }))), { numRuns: 300 });
  });

  it.each([
    ['ss -peaonmi', PEAONMI, parseSsAllUdpSockets],
    ['netstat -W -neopa', NETSTAT, parseNetstatUdpListeners],
  ] as const)('%s: a mutant of the real output parses (never more sockets than its UDP lines) or fails located', (_name, original, parse: (input: ParseInput) => Parsed<SsListener[]>) => {
    const lines = original.trimEnd().split('\n');
    fc.assert(
      fc.property(mutation, (m) => {
        const text = mutate(lines, m);
        expectOnlyParseError('ss-ulnp', () => {
          const read = parse({ source: 'ss-ulnp', text }).value;
          expect(read.length).toBeLessThanOrEqual(splitLines(text).filter((l) => l.includes('udp')).length);
        });
      }),
      { numRuns: 300 },
    );
  });
});
