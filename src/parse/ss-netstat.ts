/**
 * `netstat -W -neopa` (net-tools), the socket listing sos collects beside (or, on older hosts, instead of)
 * `ss -peaonmi`: read into the models of `ss -Htlnp` and `ss -Hulnp` (ss.ts), the listening TCP sockets or
 * the UDP sockets bound and not connected, with their process. Only the "Active Internet connections"
 * section holds them; the UNIX sockets and group memberships (`netstat -agn`) that follow are not sockets
 * netaudit reads.
 *
 *     Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name     Timer
 *     tcp        0      0 192.0.2.10:80           0.0.0.0:*               LISTEN      0          3726015    28565/busybox        off (0.00/0/0)
 *     tcp6       0      0 :::8443                 :::*                    LISTEN      0          3726013    28566/busybox        off (0.00/0/0)
 *     udp        0      0 0.0.0.0:53              0.0.0.0:*                           0          5893458    27059/python3        off (0.00/0/0)
 *     udp        0      0 0.0.0.0:4789            0.0.0.0:*                           0          5893453    -                    off (0.00/0/0)
 *     udp        0      0 192.0.2.10:55000        192.0.2.1:53            ESTABLISHED 0          5893464    27059/python3        off (0.00/0/0)
 *
 * netstat prints the program's name (argv[0], up to 20 characters, spaces allowed: `812/sshd: /usr/sbin`)
 * where ss prints the process's comm, and no file descriptor; `-` where it could not see the process (and
 * for the kernel's own sockets). A UDP socket bound and not connected has an empty State column (ss's
 * UNCONN, which its listeners are given); a connected one is ESTABLISHED, with its peer's port. netstat does
 * not print the interface a socket is bound to (ss's `0.0.0.0%eth0:68`).
 */
import { clip, DROPPED, fail, type ParseInput, type ParseNote, type Parsed } from './common.js';
import { listenerOf, takeFields, type SsProtocol } from './ss.js';
import { readPaste } from './text/paste.js';
import type { SsListener } from './types.js';
import { wrongFormatHint } from './wrong-format.js';

const EXPECTED = 'expected the output of `netstat -W -neopa` (or `netstat -tlnp`, `netstat -ulnp`): `Proto Recv-Q Send-Q Local Address ...` and one line per socket';

/** `28565/busybox` and the rest of the program's name, before the timer column of -o. */
const PROGRAM = /(?:^|\s)(\d+)\/(.+?)\s*(?:\s(?:off|on|keepalive|timewait|unkn-\d+) \([^)]*\))?$/;

const PROTOCOL_OF: Readonly<Record<string, SsProtocol>> = { tcp: 'tcp', tcp6: 'tcp', udp: 'udp', udp6: 'udp' };
/** Internet sockets of kinds netaudit does not read (UDP-Lite, raw). */
const OTHER_INET = /^(raw|raw6|udpl|udpl6|unix)$/;

type Note = (line: number, message: string, dropped?: typeof DROPPED) => void;

/** The listening TCP sockets of `netstat -W -neopa`: what `ss -Htlnp` gives. */
export function parseNetstatListeners(input: ParseInput): Parsed<SsListener[]> {
  return readNetstat(input, 'tcp');
}

/** The UDP sockets of `netstat -W -neopa` bound and not connected, the kernel's own included: what `ss -Hulnp` gives. */
export function parseNetstatUdpListeners(input: ParseInput): Parsed<SsListener[]> {
  return readNetstat(input, 'udp');
}

function readNetstat(input: ParseInput, protocol: SsProtocol): Parsed<SsListener[]> {
  const paste = readPaste(input);
  const notes: ParseNote[] = [...paste.notes];
  const listeners: SsListener[] = [];
  const note: Note = (line, message, dropped) => {
    notes.push({ source: input.source, line, message, ...dropped });
  };
  let recognised = false;
  let section: 'inet' | 'other' | undefined;
  for (const l of paste.lines) {
    const text = l.text.trim();
    if (text.startsWith('Active Internet connections')) {
      recognised = true;
      section = 'inet';
      continue;
    }
    if (/^Active (UNIX domain sockets|Bluetooth connections)|^IPv6\/IPv4 Group Memberships|^Interface\s+RefCnt\s+Group/.test(text)) {
      recognised = true;
      section = 'other';
      continue;
    }
    if (section === 'other') continue;
    const proto = takeFields(text, 1).fields[0] ?? '';
    if (proto === 'Proto') {
      recognised = true;
      section ??= 'inet';
      continue;
    }
    const kind = PROTOCOL_OF[proto];
    if (kind !== undefined || OTHER_INET.test(proto)) {
      recognised = true;
      if (kind !== protocol) continue;
      const listener = kind === 'tcp' ? tcpListener(text, l.line, l.text, note) : udpListener(text, l.line, l.text, note);
      if (listener) listeners.push(listener);
      continue;
    }
    if (!recognised) {
      note(l.line, `line before netstat's header skipped (netstat's stderr?): ${clip(text, 80)}`);
      continue;
    }
    note(l.line, `not a \`netstat\` socket line, skipped: ${clip(text, 80)}`, DROPPED);
  }
  if (!recognised && paste.lines.length > 0) fail(input, 'no `netstat` header or socket line found', paste.lines[0]!.line, wrongFormatHint(input.text) ?? EXPECTED);
  return { value: listeners, notes };
}

/** Proto, the queues, the local and the peer address: the columns every socket line starts with. */
function leadingColumns(text: string, line: number, note: Note): { recvQ: string; sendQ: string; local: string; peer: string; rest: number } | undefined {
  const { fields, rest } = takeFields(text, 5);
  const [, recvQ, sendQ, local, peer] = fields;
  if (recvQ === undefined || sendQ === undefined || local === undefined || peer === undefined || !/^\d+$/.test(recvQ) || !/^\d+$/.test(sendQ)) {
    note(line, `not a \`netstat\` socket line, skipped: ${clip(text, 80)}`, DROPPED);
    return undefined;
  }
  return { recvQ, sendQ, local, peer, rest };
}

/** A line's listener from its columns, with the program of `-p` after `from`; undefined (with a note) when unreadable. */
function withProgram(columns: { state: string; recvQ: string; sendQ: string; local: string; peer: string }, text: string, from: number, line: number, raw: string, note: Note): SsListener | undefined {
  // tcp6/udp6: netstat's `::` does not say whether the socket takes IPv4 too.
  const family = takeFields(text, 1).fields[0]?.endsWith('6') ? 6 : 4;
  const listener = listenerOf({ ...columns, family }, line, raw, 'netstat');
  if (typeof listener === 'string') {
    note(line, listener, DROPPED);
    return undefined;
  }
  const program = PROGRAM.exec(text.slice(from));
  if (program) listener.processes = [{ name: program[2] as string, pid: Number(program[1]) }];
  return listener;
}

function tcpListener(text: string, line: number, raw: string, note: Note): SsListener | undefined {
  const columns = leadingColumns(text, line, note);
  if (!columns) return undefined;
  const { fields, rest } = takeFields(text, 6);
  const state = fields[5];
  if (state === undefined) {
    note(line, `not a \`netstat\` socket line, skipped: ${clip(text, 80)}`, DROPPED);
    return undefined;
  }
  if (state !== 'LISTEN') return undefined;
  return withProgram({ ...columns, state }, text, rest, line, raw, note);
}

function udpListener(text: string, line: number, raw: string, note: Note): SsListener | undefined {
  const columns = leadingColumns(text, line, note);
  if (!columns) return undefined;
  // Connected to a peer: ESTABLISHED, and the peer's port where a bound socket has `*`.
  if (!columns.peer.endsWith(':*') || takeFields(text.slice(columns.rest), 1).fields[0] === 'ESTABLISHED') return undefined;
  return withProgram({ ...columns, state: 'UNCONN' }, text, columns.rest, line, raw, note);
}
