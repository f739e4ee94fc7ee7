/**
 * `netstat -W -neopa` (net-tools), the socket listing sos collects beside (or, on older hosts, instead of)
 * `ss -peaonmi`: read into the model of `ss -Htlnp` (ss.ts), the listening TCP sockets with their process.
 * Only the "Active Internet connections" section holds them; the UNIX sockets and group memberships
 * (`netstat -agn`) that follow are not sockets netaudit reads.
 *
 *     Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name     Timer
 *     tcp        0      0 192.0.2.10:80           0.0.0.0:*               LISTEN      0          3726015    28565/busybox        off (0.00/0/0)
 *     tcp6       0      0 :::8443                 :::*                    LISTEN      0          3726013    28566/busybox        off (0.00/0/0)
 *
 * netstat prints the program's name (argv[0], up to 20 characters, spaces allowed: `812/sshd: /usr/sbin`)
 * where ss prints the process's comm, and no file descriptor; `-` where it could not see the process.
 */
import { clip, DROPPED, fail, type ParseInput, type ParseNote, type Parsed } from './common.js';
import { listenerOf, takeFields } from './ss.js';
import { readPaste } from './text/paste.js';
import type { SsListener } from './types.js';
import { wrongFormatHint } from './wrong-format.js';

const EXPECTED = 'expected the output of `netstat -W -neopa` (or `netstat -tlnp`): `Proto Recv-Q Send-Q Local Address ...` and one line per socket';

/** `28565/busybox` and the rest of the program's name, before the timer column of -o. */
const PROGRAM = /(?:^|\s)(\d+)\/(.+?)\s*(?:\s(?:off|on|keepalive|timewait|unkn-\d+) \([^)]*\))?$/;

export function parseNetstatListeners(input: ParseInput): Parsed<SsListener[]> {
  const paste = readPaste(input);
  const notes: ParseNote[] = [...paste.notes];
  const listeners: SsListener[] = [];
  const note = (line: number, message: string, dropped?: typeof DROPPED): void => {
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
    const { fields, rest } = takeFields(text, 6);
    const [proto, recvQ, sendQ, local, peer, state] = fields;
    if (proto === 'Proto') {
      recognised = true;
      section ??= 'inet';
      continue;
    }
    if (proto === 'tcp' || proto === 'tcp6') {
      recognised = true;
      if (recvQ === undefined || sendQ === undefined || local === undefined || peer === undefined || state === undefined || !/^\d+$/.test(recvQ) || !/^\d+$/.test(sendQ)) {
        note(l.line, `not a \`netstat\` socket line, skipped: ${clip(text, 80)}`, DROPPED);
        continue;
      }
      if (state !== 'LISTEN') continue;
      const listener = listenerOf({ state, recvQ, sendQ, local, peer }, l.line, l.text, 'netstat');
      if (typeof listener === 'string') {
        note(l.line, listener, DROPPED);
        continue;
      }
      const program = PROGRAM.exec(text.slice(rest));
      if (program) listener.processes = [{ name: program[2] as string, pid: Number(program[1]) }];
      listeners.push(listener);
      continue;
    }
    if (/^(udp|udp6|raw|raw6|udpl|udpl6|unix)$/.test(proto ?? '')) {
      recognised = true;
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
