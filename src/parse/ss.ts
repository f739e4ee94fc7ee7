/**
 * `ss -Htlnp` and `ss -Hulnp`: State Recv-Q Send-Q Local:Port Peer:Port [users:(("name",pid=N,fd=N),...)].
 * Addresses: `0.0.0.0:22`, `[::]:22`, `*:80`, `127.0.0.53%lo:53`, `[fe80::1]%eth0:22`, old `:::22`.
 * An IPv6 socket bound to `::` is printed `*` when it also takes IPv4 (dual-stack, IPV6_V6ONLY off) and `[::]`
 * when it is IPv6-only (iproute2's inet_addr_print, from the socket's INET_DIAG_SKV6ONLY). The older ss that
 * printed IPv6 addresses bare printed `:::22` for both, and IPv4's 0.0.0.0 as `*`: which of the two a file
 * is, its other lines tell (addressStyle). `-e` adds `v6only:0|1` to each IPv6 socket, which settles it.
 * Process names are printed raw inside quotes, so they may hold commas, quotes, parentheses or spaces;
 * the process column is therefore read with a small scanner, not split on whitespace.
 *
 * TCP listeners are in state LISTEN. A UDP socket has no listening state: one bound and not connected
 * (UNCONN, peer `*:*` / `0.0.0.0:*`) takes datagrams from anyone, one connected to a peer (ESTAB) only from
 * that peer, so only the first kind is a listener. Sockets the kernel opens for itself (VXLAN's, WireGuard's)
 * have no process column.
 */
import { clip, DROPPED, fail, type ParseInput, type ParseNote, type Parsed } from './common.js';
import type { SsListener, SsWildcard } from './types.js';
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

/** How a wildcard address was printed: `*`, `[::]`, or bare `::`; what each means depends on the tool (listenerOf). */
export type SsWildcardForm = '*' | '[::]' | '::';

export interface SsEndpoint {
  address: string;
  port: string;
  interface?: string;
  wildcardForm?: SsWildcardForm;
}

/** Split `addr[%if]:port`; IPv6 addresses come in brackets from iproute2 4.x on, bare (`:::22`) before. */
export function parseSsEndpoint(text: string): SsEndpoint | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0 || colon === text.length - 1) return undefined;
  let host = text.slice(0, colon);
  const port = text.slice(colon + 1);
  let iface: string | undefined;
  const bracketed = host.startsWith('[');
  if (bracketed) {
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
  const endpoint: SsEndpoint = { address: host, port };
  if (iface !== undefined) endpoint.interface = iface;
  if (host === '*') endpoint.wildcardForm = '*';
  else if (host === '::') endpoint.wildcardForm = bracketed ? '[::]' : '::';
  return endpoint;
}

/**
 * Which ss printed a socket line, where its addresses show it: `bracketed` (IPv6 in brackets, IPv4's wildcard
 * as 0.0.0.0, `*` only for a dual-stack socket) or `bare` (older: IPv6 bare, IPv4's wildcard as `*`, so an
 * IPv4 address listens with the peer `*:*`); undefined where the line does not tell (`*:22 *:*`).
 */
export function addressStyle(local: string, peer: string): 'bracketed' | 'bare' | undefined {
  const ends = [parseSsEndpoint(local), parseSsEndpoint(peer)];
  if (local.startsWith('[') || peer.startsWith('[') || ends.some((e) => e?.address === '0.0.0.0')) return 'bracketed';
  if (ends.some((e) => e !== undefined && e.address !== '*' && e.address.includes(':'))) return 'bare';
  if (peer === '*:*' && ends[0] !== undefined && /^\d{1,3}(\.\d{1,3}){3}$/.test(ends[0].address)) return 'bare';
  return undefined;
}

/** What each style of ss line was seen in one file: old ss's `*` is IPv4's wildcard only where nothing shows the newer style. */
export class AddressStyles {
  private bracketed = false;
  private bare = false;
  /** Listeners printed `*` whose line does not say `v6only:`: dual-stack, unless the file is old ss's. */
  private readonly stars: SsListener[] = [];

  see(local: string | undefined, peer: string | undefined): void {
    if (local === undefined || peer === undefined) return;
    const style = addressStyle(local, peer);
    if (style === 'bracketed') this.bracketed = true;
    else if (style === 'bare') this.bare = true;
  }

  star(listener: SsListener): void {
    this.stars.push(listener);
  }

  /** Old ss's `*` listeners become IPv4-only once the whole file is read. */
  settle(): void {
    if (!this.bare || this.bracketed) return;
    for (const listener of this.stars) listener.wildcard = 'ipv4-only';
  }
}

/** `",pid=812,fd=3)` or the pre-4.x `",812,3)` that ends one process entry. */
const ENTRY_END = /",(?:pid=)?(\d+)(?:,(?:fd=)?(\d+))?\)/y;

/**
 * Read `users:(("sshd",pid=812,fd=3),("sshd",pid=900,fd=3))` starting at `from`.
 * A name ends at the first `",pid=N...)` after it; undefined when the text is not of that shape.
 */
export function parseSsUsers(text: string, from = 0): SsProcess[] | undefined {
  return scanSsUsers(text, from)?.processes;
}

/** parseSsUsers, and the offset just after the column. */
function scanSsUsers(text: string, from: number): { processes: SsProcess[]; end: number } | undefined {
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
    if (text[pos] === ')') return { processes, end: pos + 1 };
    return undefined;
  }
}

export function isHeader(first: string): boolean {
  return first === 'State' || first === 'Netid';
}

/**
 * One socket line read, or why it could not be (the line is then left out, with a note). `starUnsettled`: its
 * local address is `*` and no `v6only:` says which socket it is (AddressStyles settles it).
 */
export type SsSocketLine = { ok: true; listener: SsListener; usersUnreadable: boolean; starUnsettled: boolean } | { ok: false; message: string };

/** `v6only:1` of `ss -e`, after the process column. */
const V6ONLY = /(?:^|\s)v6only:([01])(?=\s|$)/;

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
  let details = rest;
  const usersAt = raw.indexOf('users:(', rest);
  if (usersAt >= 0) {
    const users = scanSsUsers(raw, usersAt);
    if (users) {
      listener.processes = users.processes;
      details = users.end;
    } else usersUnreadable = true;
  }
  // ss prints v6only only for IPv6 sockets, so a `*` with it is one; an unreadable process column may hide it.
  const v6only = usersUnreadable ? null : V6ONLY.exec(raw.slice(details));
  if (v6only && listener.wildcard !== undefined) listener.wildcard = v6only[1] === '1' ? 'ipv6-only' : 'dual-stack';
  const starUnsettled = listener.localAddress === '*' && !v6only;
  return { ok: true, listener, usersUnreadable, starUnsettled };
}

/**
 * A listening socket from the columns ss and netstat share (queues already checked as numbers), or why its
 * local address cannot be read (the line is then left out with that note).
 */
export function listenerOf(
  columns: { state: string; recvQ: string; sendQ: string; local: string; peer: string; family?: 4 | 6 },
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
  if (endpoint.wildcardForm !== undefined) listener.wildcard = wildcardOf(endpoint.wildcardForm, tool, columns.family);
  return listener;
}

/**
 * ss: `*` dual-stack, `[::]` IPv6-only, bare `::` (older ss) either. netstat prints `::` for both kinds of IPv6
 * socket (`[::]` or `*` without -n) and `*` for IPv4's 0.0.0.0 without -n: its Proto column (`tcp6`) tells the family.
 */
function wildcardOf(form: SsWildcardForm, tool: 'ss' | 'netstat', family: 4 | 6 | undefined): SsWildcard {
  if (tool === 'netstat') return family === 4 ? 'ipv4-only' : 'unknown';
  return form === '*' ? 'dual-stack' : form === '[::]' ? 'ipv6-only' : 'unknown';
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
  const styles = new AddressStyles();
  const note = (line: number, message: string, dropped?: typeof DROPPED) => notes.push({ source: input.source, line, message, ...dropped });

  for (const { line: lineNo, text: raw } of paste.lines) {
    const { fields: lead } = takeFields(raw, 6);
    const first = lead[0] ?? '';
    if (isHeader(first)) {
      recognisedOther = true;
      note(lineNo, 'header line skipped (ss run without -H)');
      continue;
    }
    const netid = NETIDS.has(first) ? first : undefined;
    if (netid === undefined) styles.see(lead[3], lead[4]);
    else if (netid === 'tcp' || netid === 'udp') styles.see(lead[4], lead[5]);
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
    if (read.starUnsettled) styles.star(read.listener);
    listeners.push(read.listener);
  }
  styles.settle();

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
