/**
 * `ss -peaonmi` as sosreports carry it (sos's networking plugin, `sos_commands/networking/ss_-peaonmi`, and
 * `ip netns exec NAME ss -peaonmi` per namespace): every socket of every kind, a Netid column first, the
 * details of `-e -o -m -i` after the process column and on indented lines below each socket, and ss's
 * stderr kept above the header (`Failed to find cgroup2 mount`, `RTNETLINK answers: ...`). Read into the
 * models of `ss -Htlnp` and `ss -Hulnp` (ss.ts): the listening TCP sockets, or the UDP sockets bound and not
 * connected (the kernel's own, VXLAN's or WireGuard's, have no process), with their processes and their line.
 *
 *     Netid State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess
 *     nl    UNCONN 0      0                  0:0                *     sk=0 cb=0 groups=0x00000000
 *     udp   UNCONN 0      0            0.0.0.0:53         0.0.0.0:*    users:(("python3",pid=27059,fd=3)) ino:5893458 sk:12eb <->
 *     udp   ESTAB  0      0         192.0.2.10:55000    192.0.2.1:53   users:(("python3",pid=27059,fd=9)) ino:5893464 sk:12ef <->
 *     tcp   LISTEN 0      9         172.18.0.2:80        0.0.0.0:*    users:(("busybox",pid=4768,fd=3)) ino:3686192 sk:fc <->
 *     	 skmem:(r0,rb131072,t0,tb16384,f0,w0,o0,bl0,d0) bbr cwnd:10
 */
import { DROPPED, clip, fail, type ParseInput, type ParseNote, type Parsed } from './common.js';
import { AddressStyles, isHeader, NETIDS, readSsSocketLine, takeFields, type SsProtocol } from './ss.js';
import { isIndented, readPaste, type PasteLine } from './text/paste.js';
import type { SsListener } from './types.js';
import { wrongFormatHint } from './wrong-format.js';

const EXPECTED = 'expected the output of `ss -peaonmi`: a `Netid State Recv-Q Send-Q ...` header and one line per socket, its kind first';

/**
 * `-a` lists every state: what `ss -tlnp` or `ss -ulnp` would show of it. A UDP socket connected to a peer
 * (ESTAB, the peer's port instead of `*`) takes datagrams from that peer only, so it is no listener.
 */
function listens(protocol: SsProtocol, socket: SsListener): boolean {
  if (protocol === 'tcp') return socket.state === 'LISTEN';
  return socket.state === 'UNCONN' && socket.peer.endsWith(':*');
}

/** The listening TCP sockets of `ss -peaonmi`: what `ss -Htlnp` gives. */
export function parseSsAllSockets(input: ParseInput): Parsed<SsListener[]> {
  return readAllSockets(input, 'tcp');
}

/** The UDP sockets of `ss -peaonmi` bound and not connected, the kernel's own included: what `ss -Hulnp` gives. */
export function parseSsAllUdpSockets(input: ParseInput): Parsed<SsListener[]> {
  return readAllSockets(input, 'udp');
}

function readAllSockets(input: ParseInput, protocol: SsProtocol): Parsed<SsListener[]> {
  const paste = readPaste(input);
  const notes: ParseNote[] = [...paste.notes];
  const listeners: SsListener[] = [];
  const note = (line: number, message: string, dropped?: typeof DROPPED): void => {
    notes.push({ source: input.source, line, message, ...dropped });
  };
  let header: number | undefined;
  let sockets = 0;
  // Indented lines carry the details (-m, -i) of the socket above them.
  let inSocket = false;
  const stderr: PasteLine[] = [];
  const styles = new AddressStyles();
  for (const l of paste.lines) {
    if (isIndented(l.text) && inSocket) continue;
    const lead = takeFields(l.text, 6).fields;
    const first = lead[0] ?? '';
    if (!isIndented(l.text) && isHeader(first)) {
      if (header !== undefined) note(l.line, 'a second header line: two outputs pasted together?');
      header ??= l.line;
      inSocket = false;
      continue;
    }
    if (!isIndented(l.text) && NETIDS.has(first)) {
      sockets++;
      inSocket = true;
      if (first === 'tcp' || first === 'udp') styles.see(lead[4], lead[5]);
      if (first !== protocol) continue;
      const read = readSsSocketLine(l.text, l.line, true);
      if (!read.ok) {
        note(l.line, read.message, DROPPED);
        continue;
      }
      if (!listens(protocol, read.listener)) continue;
      if (read.usersUnreadable) note(l.line, 'process column not understood; listener kept without processes', DROPPED);
      if (read.starUnsettled) styles.star(read.listener);
      listeners.push(read.listener);
      continue;
    }
    inSocket = false;
    if (header === undefined && sockets === 0) {
      // What ss wrote on stderr: sos keeps it in the same file, above the output.
      stderr.push(l);
      continue;
    }
    note(l.line, `not an \`ss\` socket line, skipped: ${clip(l.text.trim(), 80)}`, DROPPED);
  }
  if (header === undefined && sockets === 0 && paste.lines.length > 0) {
    fail(input, 'no `ss` header or socket line found', paste.lines[0]!.line, wrongFormatHint(input.text) ?? EXPECTED);
  }
  styles.settle();
  const first = stderr[0];
  if (first) {
    const more = stderr.length > 1 ? ` (and ${stderr.length - 1} more line${stderr.length > 2 ? 's' : ''} up to line ${stderr.at(-1)!.line})` : '';
    note(first.line, `ss's stderr above its header skipped: ${clip(first.text.trim(), 80)}${more}`);
  }
  return { value: listeners, notes };
}
