/**
 * `ss -Htlnp` and `ss -Hulnp`: State Recv-Q Send-Q Local:Port Peer:Port [users:(("name",pid=N,fd=N),...)].
 * Addresses: `0.0.0.0:22`, `[::]:22`, `*:80`, `127.0.0.53%lo:53`, `[fe80::1]%eth0:22`, old `:::22`.
 * Process names are printed raw inside quotes, so they may hold commas, quotes, parentheses or spaces;
 * the process column is therefore read with a small scanner, not split on whitespace.
 *
 * TCP listeners are in state LISTEN. A UDP socket has no listening state: one bound and not connected
 * (UNCONN, peer `*:*` / `0.0.0.0:*`) takes datagrams from anyone, one connected to a peer (ESTAB) only from
 * that peer, so only the first kind is a listener. Sockets the kernel opens for itself (VXLAN's, WireGuard's)
 * have no process column.
 */
import { clip, DROPPED, fail, type ParseInput, type ParseNote, type Parsed } from './common.js';
import type { SsListener } from './types.js';
import { wrongFormatHint } from './wrong-format.js';
import { readPaste } from './text/paste.js';

type SsProcess = SsListener['processes'][number];

/** First column of `ss` when several socket kinds are listed (`ss -Htulnp`). */
export const NETIDS: ReadonlySet<string> = new Set([
  'tcp',
  'udp',
  'raw',
  'u_str',
  'u_dgr',
  'u_seq',
  'sctp',
  'mptcp',
  'dccp',
  'p_raw',
  'p_dgr',
  'nl',
  'tipc',
  'vsock',
]);

/** The first `count` whitespace-separated fields and the offset where the rest of the line starts. */
export function takeFields(line: string, count: number): { fields: string[]; rest: number } {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < count) {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= line.length) break;
    const start = i;
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') i++;
    fields.push(line.slice(start, i));
  }
  return { fields, rest: i };
}

export interface SsEndpoint {
  address: string;
  port: string;
  interface?: string;
}

/** Split `addr[%if]:port`; IPv6 addresses come in brackets from iproute2 4.x on, bare (`:::22`) before. */
export function parseSsEndpoint(text: string): SsEndpoint | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0 || colon === text.length - 1) return undefined;
  let host = text.slice(0, colon);
  const port = text.slice(colon + 1);
  let iface: string | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return undefined;
    const after = host.slice(close + 1);
    if (after !== '' && !after.startsWith('%')) return undefined;
    if (after.length > 1) iface = after.slice(1);
    host = host.slice(1, close);
  }
  const pct = host.indexOf('%');
  if (pct >= 0) {
    iface = host.slice(pct + 1) || iface;
    host = host.slice(0, pct);
  }
  if (host === '') return undefined;
  return iface === undefined ? { address: host, port } : { address: host, port, interface: iface };
}

/** `",pid=812,fd=3)` or the pre-4.x `",812,3)` that ends one process entry. */
const ENTRY_END = /",(?:pid=)?(\d+)(?:,(?:fd=)?(\d+))?\)/y;

/**
 * Read `users:(("sshd",pid=812,fd=3),("sshd",pid=900,fd=3))` starting at `from`.
 * A name ends at the first `",pid=N...)` after it; undefined when the text is not of that shape.
 */
export function parseSsUsers(text: string, from = 0): SsProcess[] | undefined {
  const PREFIX = 'users:(';
  if (!text.startsWith(PREFIX, from)) return undefined;
  let pos = from + PREFIX.length;
  const processes: SsProcess[] = [];
  for (;;) {
    if (!text.startsWith('("', pos)) return undefined;
    const nameStart = pos + 2;
    let quote = text.indexOf('",', nameStart);
    let match: RegExpExecArray | null = null;
    while (quote >= 0) {
      ENTRY_END.lastIndex = quote;
      match = ENTRY_END.exec(text);
      if (match) break;
      quote = text.indexOf('",', quote + 1);
    }
    if (!match || quote < 0) return undefined;
    const process: SsProcess = { name: text.slice(nameStart, quote), pid: Number(match[1]) };
    if (match[2] !== undefined) process.fd = Number(match[2]);
    processes.push(process);
    pos = ENTRY_END.lastIndex;
    if (text[pos] === ',') {
      pos++;
      continue;
    }
    if (text[pos] === ')') return processes;
    return undefined;
  }
}

export function isHeader(first: string): boolean {
  return first === 'State' || first === 'Netid';
}

/** One socket line read, or why it could not be (the line is then left out, with a note). */
export type SsSocketLine = { ok: true; listener: SsListener; usersUnreadable: boolean } | { ok: false; message: string };

/**
 * A socket line of `ss` from the state column on (`withNetid`: a first `tcp` column before it): state,
 * queues, local and peer address, and the processes of `users:(...)` where `-p` printed them.
 */
export function readSsSocketLine(raw: string, lineNo: number, withNetid: boolean): SsSocketLine {
  const { fields, rest } = takeFields(raw, withNetid ? 6 : 5);
  const [state, recvQ, sendQ, local, peer] = withNetid ? fields.slice(1) : fields;
  if (state === undefined || recvQ === undefined || sendQ === undefined || local === undefined || peer === undefined) {
    return { ok: false, message: `not an \`ss\` socket line, skipped: ${clip(raw.trim(), 80)}` };
  }
  if (!/^\d+$/.test(recvQ) || !/^\d+$/.test(sendQ)) return { ok: false, message: `Recv-Q/Send-Q are not numbers, line skipped: ${clip(raw.trim(), 80)}` };
  const listener = listenerOf({ state, recvQ, sendQ, local, peer }, lineNo, raw, 'ss');
  if (typeof listener === 'string') return { ok: false, message: listener };
  let usersUnreadable = false;
  const usersAt = raw.indexOf('users:(', rest);
  if (usersAt >= 0) {
    const processes = parseSsUsers(raw, usersAt);
    if (processes) listener.processes = processes;
    else usersUnreadable = true;
  }
  return { ok: true, listener, usersUnreadable };
}

/**
 * A listening socket from the columns ss and netstat share (queues already checked as numbers), or why its
 * local address cannot be read (the line is then left out with that note).
 */
export function listenerOf(
  columns: { state: string; recvQ: string; sendQ: string; local: string; peer: string },
  line: number,
  raw: string,
  tool: 'ss' | 'netstat',
): SsListener | string {
  const endpoint = parseSsEndpoint(columns.local);
  if (!endpoint) return `local address "${clip(columns.local, 60)}" not understood, line skipped`;
  if (!/^\d{1,5}$/.test(endpoint.port) || Number(endpoint.port) > 65535) {
    return `local port "${clip(endpoint.port, 30)}" is not a number (${tool} run without -n?), line skipped`;
  }
  const listener: SsListener = {
    state: columns.state,
    recvQ: Number(columns.recvQ),
    sendQ: Number(columns.sendQ),
    localAddress: endpoint.address,
    localPort: Number(endpoint.port),
    peer: columns.peer,
    processes: [],
    line,
    text: clip(raw),
  };
  if (endpoint.interface !== undefined) listener.localInterface = endpoint.interface;
  return listener;
}

export type SsProtocol = 'tcp' | 'udp';

/** What each protocol's parser reads, and how the other protocol's sockets look when pasted into it. */
const PROTOCOLS: Record<SsProtocol, { label: string; command: string; rawFile: string; otherState: string; other: SsProtocol }> = {
  tcp: { label: 'TCP', command: 'ss -Htlnp', rawFile: 'ss-tlnp.txt', otherState: 'UNCONN', other: 'udp' },
  udp: { label: 'UDP', command: 'ss -Hulnp', rawFile: 'ss-ulnp.txt', otherState: 'LISTEN', other: 'tcp' },
};

/** `*:*`, `0.0.0.0:*`, `[::]:*`: a socket not connected to a peer. */
function unconnected(peer: string): boolean {
  return peer.endsWith(':*');
}

/**
 * The listening sockets of `ss -Htlnp` (tcp) or `ss -Hulnp` (udp): with or without the header and the Netid
 * column; other kinds of socket are skipped with a note. A file holding only the other protocol's sockets
 * (UNCONN in the TCP file, LISTEN in the UDP one) is refused, naming the file it belongs in.
 */
export function parseSsSockets(input: ParseInput, protocol: SsProtocol): Parsed<SsListener[]> {
  const spec = PROTOCOLS[protocol];
  // CRLF, colour escapes, and shell prompts around the output are tolerated with a note.
  const paste = readPaste(input);
  const notes: ParseNote[] = [...paste.notes];
  const listeners: SsListener[] = [];
  // Headers and sockets of other kinds show this is ss output even when no listener is in it.
  let recognisedOther = false;
  // Sockets of this protocol that are no listeners (connected UDP sockets): ss output all the same.
  let ownNonListeners = 0;
  let otherProtocolLine: number | undefined;
  const note = (line: number, message: string, dropped?: typeof DROPPED) => notes.push({ source: input.source, line, message, ...dropped });

  for (const { line: lineNo, text: raw } of paste.lines) {
    const { fields: lead } = takeFields(raw, 1);
    const first = lead[0] ?? '';
    if (isHeader(first)) {
      recognisedOther = true;
      note(lineNo, 'header line skipped (ss run without -H)');
      continue;
    }
    const netid = NETIDS.has(first) ? first : undefined;
    if (netid !== undefined && netid !== protocol) {
      recognisedOther = true;
      note(lineNo, `${netid} socket skipped: only ${spec.label} listeners are read`);
      continue;
    }
    const read = readSsSocketLine(raw, lineNo, netid !== undefined);
    if (!read.ok) {
      note(lineNo, read.message, DROPPED);
      continue;
    }
    const { state, peer } = read.listener;
    if (netid !== undefined && state === spec.otherState) {
      // A TCP socket closed but bound (`ss -tan`), listening to nothing.
      ownNonListeners++;
      note(lineNo, `${netid} socket in state ${state} skipped: not listening`);
      continue;
    }
    if (state === spec.otherState) {
      otherProtocolLine ??= lineNo;
      note(lineNo, `${state} socket skipped: ${spec.command} lists no such state (${PROTOCOLS[spec.other].command} output? it belongs in ${PROTOCOLS[spec.other].rawFile})`, DROPPED);
      continue;
    }
    if (protocol === 'udp' && !unconnected(peer)) {
      ownNonListeners++;
      note(lineNo, `UDP socket connected to ${clip(peer, 60)} skipped: it takes datagrams from that peer only`);
      continue;
    }
    if (read.usersUnreadable) note(lineNo, 'process column not understood; listener kept without processes', DROPPED);
    listeners.push(read.listener);
  }

  if (listeners.length === 0 && ownNonListeners === 0 && otherProtocolLine !== undefined) {
    const other = PROTOCOLS[spec.other];
    fail(input, `no ${spec.label} listener found; line ${otherProtocolLine} is in state ${spec.otherState}, which only ${other.label} sockets are in`, otherProtocolLine, `this is \`${other.command}\` output: put it in ${other.rawFile}, and the output of \`${spec.command}\` in ${spec.rawFile}`);
  }
  const firstContentLine = paste.lines[0]?.line;
  if (listeners.length === 0 && ownNonListeners === 0 && firstContentLine !== undefined && !recognisedOther) {
    const hint = wrongFormatHint(input.text) ?? `expected the output of \`${spec.command}\``;
    fail(input, 'no `ss` socket line found', firstContentLine, hint);
  }
  return { value: listeners, notes };
}

/** `ss -Htlnp`: the TCP sockets in state LISTEN. */
export function parseSsListeners(input: ParseInput): Parsed<SsListener[]> {
  return parseSsSockets(input, 'tcp');
}

/** `ss -Hulnp`: the UDP sockets bound and not connected, the kernel's own (no process) included. */
export function parseSsUdpListeners(input: ParseInput): Parsed<SsListener[]> {
  return parseSsSockets(input, 'udp');
}
