/**
 * UDP delivery on a real kernel: a namespace `gw` joined by veths to `srv` (203.0.113.0/24), where a python3
 * socket listens on UDP 5353 and echoes, and to `closed` (198.51.100.0/24), where nothing listens. The real
 * collector (the built CLI, run in `gw`, which the snapshot calls host, naming the other two with --netns)
 * records ss -Hulnp in each; `netaudit trace --proto udp` then says delivered to the listener and dropped (ICMP
 * port unreachable) at a closed port, as a probe from `gw` sees it: an answer from the listener,
 * ConnectionRefusedError (the kernel's ICMP port unreachable on a connected UDP socket) elsewhere. Where the
 * kernel has VXLAN already, a VXLAN device in `srv` shows the kernel's own socket: no process in ss, delivered
 * in the trace, and no ICMP error to the probe. Without ss -Hulnp the trace stays unknown and says so. Only
 * namespaces this file creates (`naudp-<pid>-…`) are touched, and no kernel module is loaded.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netaudit } from './netaudit.js';
import { must, runSync } from './run.js';
import { SocketLab, socketLabSupport, traceFromHost, type TraceDoc } from './socket-lab.js';

const support = socketLabSupport('UDP delivery lab');

const lab = new SocketLab('udp-', ['gw', 'srv', 'closed'] as const);
const NS = lab.ns;
const GW_SRV = '203.0.113.1';
const SRV = '203.0.113.2';
const GW_CLOSED = '198.51.100.1';
const CLOSED = '198.51.100.2';
const PORT = 5353;
const CLOSED_PORT = 5399;
const SERVER_LIFETIME_S = 120;
/** A VXLAN device in srv: its socket is the kernel's, listed by ss -Hulnp without a process. */
const VXLAN_PORT = 4789;
const hasVxlan = support.ok && runSync(['test', '-d', '/sys/module/vxlan']).code === 0;

/** Binds UDP PORT on every IPv4 address, says ready, answers each datagram with "srv <data>"; exits by itself. */
const SERVER = `
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(1)
print("ready", flush=True)
end = time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        data, peer = s.recvfrom(512)
    except socket.timeout:
        continue
    s.sendto(b"srv " + data, peer)
`;

/** One datagram from gw on a connected socket, 2 s for an answer: "reply ...", "refused" (ICMP port unreachable) or "timeout". */
function probe(address: string, port: number): Promise<string> {
  return lab.probe('gw', 'udp', address, port, 2);
}

function trace(snapshot: string, to: string, port: number): { code: number | null; doc: TraceDoc } {
  return traceFromHost(snapshot, to, 'udp', port);
}

describe.skipIf(!support.ok)('UDP delivery lab: a listener, a closed port, a namespace with no socket', () => {
  let snapshot: string;

  beforeAll(async () => {
    lab.create();
    for (const [peer, dev, own, theirs] of [['srv', 'srv0', GW_SRV, SRV], ['closed', 'cls0', GW_CLOSED, CLOSED]] as const) {
      lab.ip('gw', 'link', 'add', dev, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS[peer]);
      lab.ip('gw', 'addr', 'add', `${own}/24`, 'dev', dev);
      lab.ip('gw', 'link', 'set', dev, 'up');
      lab.ip(peer, 'addr', 'add', `${theirs}/24`, 'dev', 'eth0');
      lab.ip(peer, 'link', 'set', 'eth0', 'up');
    }
    await lab.waitForCarrier([['gw', 'srv0'], ['gw', 'cls0'], ['srv', 'eth0'], ['closed', 'eth0']]);
    // Only where the kernel has VXLAN already (built in or loaded): the lab loads no module.
    if (hasVxlan) {
      lab.ip('srv', 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'local', SRV, 'remote', GW_SRV, 'dev', 'eth0', 'dstport', String(VXLAN_PORT));
      lab.ip('srv', 'link', 'set', 'vx0', 'up');
    }
    await lab.startServer('srv', SERVER, [String(PORT), String(SERVER_LIFETIME_S)]);
    snapshot = await lab.collect('gw', ['srv', 'closed'], 'udp.json');
  });

  afterAll(() => lab.destroy());

  /** The 1-based line of srv's ss -Hulnp that holds `text`. */
  function ssLine(text: string): number {
    const doc = JSON.parse(readFileSync(snapshot, 'utf8')) as { namespaces: { name: string; sources: Record<string, { stdout: string }> }[] };
    const lines = doc.namespaces.find((n) => n.name === NS.srv)!.sources['ss-ulnp']!.stdout.split('\n');
    return lines.findIndex((l) => l.includes(text)) + 1;
  }

  it('the collector records each namespace\'s UDP sockets: the listener in srv, none in closed', () => {
    const doc = JSON.parse(readFileSync(snapshot, 'utf8')) as { namespaces: { name: string; sources: Record<string, { status: string; stdout: string; command: string }> }[] };
    const byName = new Map(doc.namespaces.map((n) => [n.name, n.sources['ss-ulnp']!]));
    expect(byName.get(NS.srv)).toMatchObject({ status: 'ok', command: `ip netns exec ${NS.srv} ss -Hulnp` });
    expect(byName.get(NS.srv)!.stdout).toMatch(new RegExp(`^UNCONN\\s+0\\s+0\\s+0\\.0\\.0\\.0:${PORT}\\s+0\\.0\\.0\\.0:\\*\\s+users:\\(\\("python3",pid=\\d+,fd=\\d+\\)\\)$`, 'm'));
    expect(byName.get(NS.closed)).toMatchObject({ status: 'empty', stdout: '' });
  });

  it('a listener: the probe gets its answer, the trace says delivered, quoting the ss -Hulnp line', async () => {
    expect(await probe(SRV, PORT)).toBe('reply srv probe');
    const { code, doc } = trace(snapshot, SRV, PORT);
    expect(`${doc.verdict}: ${doc.reason}`).toMatch(/^delivered: /);
    expect(code).toBe(0);
    const delivery = doc.steps.find((s) => s.stage === 'local-delivery' && s.namespace === NS.srv)!;
    expect(delivery.note).toBe(`delivered to python3, listening on 0.0.0.0:${PORT}`);
    expect(delivery.evidence).toEqual([expect.objectContaining({ source: `netns:${NS.srv}/ss-ulnp`, line: ssLine(`0.0.0.0:${PORT} `) })]);
  });

  it('a namespace where nothing listens: the probe is refused (ICMP port unreachable), the trace says dropped there', async () => {
    expect(await probe(CLOSED, PORT)).toBe('refused');
    const { code, doc } = trace(snapshot, CLOSED, PORT);
    expect(doc.verdict).toBe('dropped');
    expect(code).toBe(1);
    expect(doc.reason).toContain(`no socket listens on UDP ${CLOSED}:${PORT} in namespace ${NS.closed}: the kernel answers with ICMP port unreachable`);
  });

  it('another port of the listening namespace: refused, and dropped', async () => {
    expect(await probe(SRV, CLOSED_PORT)).toBe('refused');
    const { doc } = trace(snapshot, SRV, CLOSED_PORT);
    expect(doc.verdict).toBe('dropped');
    expect(doc.reason).toContain(`no socket listens on UDP ${SRV}:${CLOSED_PORT} in namespace ${NS.srv}`);
  });

  it.skipIf(!hasVxlan)('the kernel\'s own socket (a VXLAN device): no port unreachable, and the trace delivers to a socket with no process', async () => {
    // The VXLAN socket takes the datagram (and drops it as no VXLAN frame): no answer, and no ICMP error either.
    expect(await probe(SRV, VXLAN_PORT)).toBe('timeout');
    const { doc } = trace(snapshot, SRV, VXLAN_PORT);
    const delivery = doc.steps.find((s) => s.stage === 'local-delivery' && s.namespace === NS.srv)!;
    expect(delivery).toMatchObject({ verdict: 'deliver', note: `delivered to a UDP socket with no process shown, listening on 0.0.0.0:${VXLAN_PORT}` });
    expect(delivery.evidence[0]!.text).toMatch(new RegExp(`^UNCONN\\s+0\\s+0\\s+0\\.0\\.0\\.0:${VXLAN_PORT}\\s+0\\.0\\.0\\.0:\\*$`));
  });

  it('the same snapshot without ss -Hulnp: unknown, naming the source, never a guess', () => {
    const doc = JSON.parse(readFileSync(snapshot, 'utf8')) as { namespaces: { sources: Record<string, unknown> }[] };
    for (const ns of doc.namespaces) delete ns.sources['ss-ulnp'];
    const older = lab.file('without-ss-ulnp.json');
    writeFileSync(older, JSON.stringify(doc));
    const { code, doc: traced } = trace(older, SRV, PORT);
    expect(traced.verdict).toBe('unknown');
    expect(code).toBe(1);
    expect(traced.reason).toContain(`its UDP sockets were not collected (ss -Hulnp), so whether a program listens on port ${PORT} is not known`);
  });

  it('show lists the UDP socket of srv', () => {
    const r = must(netaudit(['show', snapshot]));
    const section = r.stdout.split('\n').slice(r.stdout.split('\n').findIndex((l) => l.trim().startsWith('UDP sockets')));
    expect(section.slice(1, 3).some((l) => new RegExp(`^\\s+0\\.0\\.0\\.0:${PORT}\\s+python3\\(\\d+\\)$`).test(l))).toBe(true);
  });
});
