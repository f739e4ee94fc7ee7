/**
 * sos's socket listings, `ss -peaonmi` and `netstat -W -neopa`, read into the listeners `ss -Htlnp` gives:
 * real outputs of one namespace at one moment (fixtures/ss), generated listings (fast-check), and mutants of
 * the real outputs, which either parse or fail with a ParseError located at the source.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import type { ParseInput } from '../../src/parse/common.js';
import { parseNetstatListeners } from '../../src/parse/ss-netstat.js';
import { parseSsAllSockets } from '../../src/parse/ss-peaonmi.js';
import { parseSsListeners } from '../../src/parse/ss.js';
import type { SsListener } from '../../src/parse/types.js';
import { PROJECT_ROOT } from '../cli/run.js';
import { anyText, expectOnlyParseError, hostileText } from './arbitrary-text.js';

const read = (name: string): string => readFileSync(path.join(PROJECT_ROOT, 'test/parse/fixtures/ss', name), 'utf8');
const PEAONMI = read('ss-peaonmi.txt');
const NETSTAT = read('netstat-W-neopa.txt');
const TLNP = read('ss-tlnp.txt');

/** What the model uses of a listener, with ss's `*` and netstat's `::` (both: every address, both families) as one. */
const essence = (l: SsListener, withFd = true) => ({
  address: l.localAddress === '*' ? '::' : l.localAddress,
  port: l.localPort,
  state: l.state,
  processes: l.processes.map((p) => (withFd ? p : { name: p.name, pid: p.pid })),
});

describe('ss -peaonmi (real output)', () => {
  const parsed = parseSsAllSockets({ source: 'ss-tlnp', text: PEAONMI });

  it('gives the listeners ss -Htlnp gives of the same namespace, processes and file descriptors included', () => {
    const tlnp = parseSsListeners({ source: 'ss-tlnp', text: TLNP }).value;
    expect(parsed.value.map((l) => essence(l))).toEqual(tlnp.map((l) => essence(l)));
    expect(parsed.value.map((l) => `${l.localAddress}:${l.localPort}`)).toEqual(['192.0.2.10:80', '127.0.0.1:5432', '*:8443']);
  });

  it('leaves out established TCP connections, UDP, netlink and the details lines', () => {
    expect(parsed.value.every((l) => l.state === 'LISTEN')).toBe(true);
    expect(parsed.value.some((l) => l.localPort === 36972 || l.localPort === 53)).toBe(false);
  });

  it('quotes each listener\'s own line as evidence', () => {
    const lines = PEAONMI.split('\n');
    for (const l of parsed.value) {
      expect(lines[l.line - 1]).toMatch(/^tcp\s+LISTEN\s/);
      expect(lines[l.line - 1]!.trimEnd().startsWith(l.text.trimEnd().slice(0, 60))).toBe(true);
    }
  });

  it('notes ss\'s stderr above the header, and loses nothing', () => {
    expect(parsed.notes.filter((n) => n.dropped)).toEqual([]);
    expect(parsed.notes.filter((n) => /stderr/.test(n.message))).toEqual([expect.objectContaining({ line: 1, message: expect.stringMatching(/^ss's stderr above its header skipped: Failed to find cgroup2 mount \(and 7 more lines up to line 8\)$/) })]);
  });

  it('an output of ss -Htlnp, a sysctl listing or nothing at all is refused with the line and a hint', () => {
    expect(() => parseSsAllSockets({ source: 'ss-tlnp', text: 'net.ipv4.ip_forward = 1\n' })).toThrow(ParseError);
    const err = (() => {
      try {
        parseSsAllSockets({ source: 'netns:c1/ss-tlnp', text: 'hello\nworld\n' });
      } catch (e) {
        return e as ParseError;
      }
      return undefined;
    })();
    expect(err?.location).toEqual({ source: 'netns:c1/ss-tlnp', line: 1 });
    expect(err?.message).toMatch(/no `ss` header or socket line found/);
  });

  it('a socket line it cannot read is left out with a note naming its line', () => {
    const text = PEAONMI.replace('192.0.2.10:80 ', '192.0.2.10:http ');
    const r = parseSsAllSockets({ source: 'ss-tlnp', text });
    expect(r.value.map((l) => l.localPort)).toEqual([5432, 8443]);
    const line = text.split('\n').findIndex((l) => l.includes('192.0.2.10:http')) + 1;
    expect(r.notes).toContainEqual(expect.objectContaining({ line, dropped: true, message: expect.stringMatching(/local port "http" is not a number/) }));
  });
});

describe('netstat -W -neopa (real output)', () => {
  const parsed = parseNetstatListeners({ source: 'ss-tlnp', text: NETSTAT });

  it('gives the listeners ss gives of the same namespace (netstat shows no file descriptor)', () => {
    const ss = parseSsAllSockets({ source: 'ss-tlnp', text: PEAONMI }).value;
    expect(parsed.value.map((l) => essence(l, false))).toEqual(ss.map((l) => essence(l, false)));
    expect(parsed.notes.filter((n) => n.dropped)).toEqual([]);
  });

  it('reads program names with spaces before the timer, and `-` as no process', () => {
    const text = [
      'Active Internet connections (servers and established)',
      'Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name     Timer',
      'tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      0          20871      812/sshd: /usr/sbin  off (0.00/0/0)',
      'tcp6       0      0 ::1:631                 :::*                    LISTEN      0          21000      -                    off (0.00/0/0)',
      'tcp        0      0 127.0.0.1:8125          0.0.0.0:*               LISTEN      1000       20999      4242/node',
    ].join('\n');
    const r = parseNetstatListeners({ source: 'ss-tlnp', text });
    expect(r.value.map((l) => [l.localAddress, l.localPort, l.processes, l.line])).toEqual([
      ['0.0.0.0', 22, [{ name: 'sshd: /usr/sbin', pid: 812 }], 3],
      ['::1', 631, [], 4],
      ['127.0.0.1', 8125, [{ name: 'node', pid: 4242 }], 5],
    ]);
  });

  it('stops at the UNIX sockets and group memberships, and refuses what is no netstat output', () => {
    expect(parseNetstatListeners({ source: 'ss-tlnp', text: `${NETSTAT}unix  2      [ ACC ]     STREAM     LISTENING     20000    1/init               /run/systemd/private\n` }).value).toHaveLength(3);
    expect(() => parseNetstatListeners({ source: 'ss-tlnp', text: 'default via 192.0.2.1 dev eth0\n' })).toThrow(/no `netstat` header or socket line found/);
  });
});

describe('generated ss -peaonmi listings', () => {
  const address = fc.oneof(fc.ipV4(), fc.ipV6().map((a) => `[${a}]`), fc.constant('*'));
  const processName = fc.stringMatching(/^[A-Za-z0-9 ,()_:./-]{1,15}$/);
  const socket = fc.oneof(
    fc.record({
      netid: fc.constant('tcp' as const),
      state: fc.constantFrom('LISTEN', 'ESTAB', 'TIME-WAIT', 'SYN-SENT', 'CLOSE-WAIT'),
      address,
      port: fc.integer({ min: 0, max: 65535 }),
      processes: fc.array(fc.record({ name: processName, pid: fc.integer({ min: 1, max: 4_194_304 }), fd: fc.nat({ max: 4096 }) }), { maxLength: 2 }),
      details: fc.boolean(),
    }),
    fc.record({ netid: fc.constantFrom('udp' as const, 'nl' as const, 'u_str' as const, 'p_raw' as const), line: fc.constantFrom('UNCONN 0 0 0.0.0.0:53 0.0.0.0:*', 'UNCONN 0 0 4:0 *', 'ESTAB 0 0 * 20001 * 20002', 'UNCONN 0 0 *:eth0 *') }),
  );
  const render = (s: typeof socket extends fc.Arbitrary<infer T> ? T : never): string[] => {
    if (s.netid !== 'tcp') return [`${s.netid}   ${s.line}`];
    const users = s.processes.length > 0 ? ` users:(${s.processes.map((p) => `("${p.name}",pid=${p.pid},fd=${p.fd})`).join(',')})` : '';
    const lines = [`tcp   ${s.state}  0  128  ${s.address}:${s.port}  ${s.address === '*' ? '*:*' : '0.0.0.0:*'}${users} ino:1234 sk:1 <->`];
    if (s.details) lines.push('\t skmem:(r0,rb131072,t0,tb16384,f0,w0,o0,bl0,d0) bbr cwnd:10');
    return lines;
  };

  it('round-trips: the listening TCP sockets, each at its line, whatever else is listed', () => {
    fc.assert(
      fc.property(fc.array(socket, { maxLength: 20 }), fc.boolean(), (sockets, stderr) => {
        const lines = [...(stderr ? ['Failed to find cgroup2 mount'] : []), 'Netid State Recv-Q Send-Q Local Address:Port Peer Address:PortProcess'];
        const expected: { address: string; port: number; processes: unknown; line: number }[] = [];
        for (const s of sockets) {
          const rendered = render(s);
          if (s.netid === 'tcp' && s.state === 'LISTEN') expected.push({ address: s.address.replace(/^\[|\]$/g, ''), port: s.port, processes: s.processes, line: lines.length + 1 });
          lines.push(...rendered);
        }
        const r = parseSsAllSockets({ source: 'ss-tlnp', text: lines.join('\n') });
        expect(r.value.map((l) => ({ address: l.localAddress, port: l.localPort, processes: l.processes, line: l.line }))).toEqual(expected);
        expect(r.notes.filter((n) => n.dropped)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['ss -peaonmi', parseSsAllSockets],
    ['netstat', parseNetstatListeners],
  ] as const)('%s: arbitrary text returns or throws a located ParseError', (_name, parse) => {
    fc.assert(fc.property(fc.oneof(anyText, hostileText), (t) => expectOnlyParseError('ss-tlnp', () => parse({ source: 'ss-tlnp', text: t }))), { numRuns: 300 });
  });
});

describe('mutated real outputs', () => {
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), keepPartial: fc.boolean() }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('corrupt' as const), at: fc.nat(), offset: fc.nat(), junk: fc.string({ unit: 'binary', maxLength: 10 }) }),
    fc.record({ kind: fc.constant('crlf' as const) }),
    fc.record({ kind: fc.constant('nul' as const), at: fc.nat() }),
  );
  const mutate = (text: string, m: typeof mutation extends fc.Arbitrary<infer T> ? T : never): string => {
    const lines = text.split('\n');
    const at = 'at' in m ? m.at % lines.length : 0;
    const line = lines[at] ?? '';
    switch (m.kind) {
      case 'truncate':
        return [...lines.slice(0, at), ...(m.keepPartial ? [line.slice(0, Math.floor(line.length / 2))] : [])].join('\n');
      case 'delete':
        return [...lines.slice(0, at), ...lines.slice(at + 1)].join('\n');
      case 'duplicate':
        return [...lines.slice(0, at), line, ...lines.slice(at)].join('\n');
      case 'corrupt': {
        const offset = line.length === 0 ? 0 : m.offset % line.length;
        lines[at] = line.slice(0, offset) + m.junk + line.slice(offset);
        return lines.join('\n');
      }
      case 'crlf':
        return lines.join('\r\n');
      case 'nul':
        lines[at] = `${line.slice(0, 5)}\u0000${line.slice(5)}`;
        return lines.join('\n');
    }
  };
  const listenersOf = (parse: (input: ParseInput) => { value: SsListener[] }, text: string) => parse({ source: 'ss-tlnp', text }).value;

  it.each([
    ['ss -peaonmi', PEAONMI, parseSsAllSockets],
    ['netstat -W -neopa', NETSTAT, parseNetstatListeners],
  ] as const)('%s: a mutant parses (never more listeners than the original lines hold) or fails located', (_name, original, parse) => {
    const whole = listenersOf(parse, original).length;
    fc.assert(
      fc.property(mutation, (m) => {
        const text = mutate(original, m);
        expectOnlyParseError('ss-tlnp', () => {
          const listeners = listenersOf(parse, text);
          if (m.kind !== 'duplicate') expect(listeners.length).toBeLessThanOrEqual(whole);
          else expect(listeners.length).toBeLessThanOrEqual(whole + 1);
        });
      }),
      { numRuns: 300 },
    );
  });
});
