/**
 * IPv6-only against dual-stack sockets on a real kernel: in namespace `srv` one python3 process binds `::` port
 * 8081 with IPV6_V6ONLY=1 and `::` port 8082 without it, over TCP and UDP; `cli`, joined to it by a veth with an
 * IPv4 (203.0.113.0/24) and an IPv6 (2001:db8:6::/64) address at each end, connects to each over both families.
 * The kernel refuses IPv4 at 8081 (TCP reset, ICMP port unreachable) and takes the three others; ss prints the
 * first socket `[::]`, the second `*`. The real collector (the built CLI, run in `cli`, which the snapshot calls
 * host, naming srv with --netns) records both, and `netaudit trace` must give the kernel's verdict for all eight.
 * Only namespaces this file creates (`nav6o-<pid>-…`) are touched, and no kernel module is loaded.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SocketLab, socketLabSupport, traceFromHost, type Proto, type TraceDoc } from './socket-lab.js';

const support = socketLabSupport('IPv6-only socket lab');

const lab = new SocketLab('v6o-', ['cli', 'srv'] as const);
const NS = lab.ns;
const ADDRESS = { 4: { cli: '203.0.113.1', srv: '203.0.113.2', len: 24 }, 6: { cli: '2001:db8:6::1', srv: '2001:db8:6::2', len: 64 } } as const;
const V6ONLY_PORT = 8081;
const DUAL_PORT = 8082;
const SERVER_LIFETIME_S = 120;

/**
 * TCP and UDP on `::` at both ports, IPV6_V6ONLY set on the first only; a connection gets "srv", a datagram
 * "srv <data>" back. Says ready once every socket is bound; exits by itself.
 */
const SERVER = `
import select, socket, sys, time
socks = []
for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
    for port, v6only in ((int(sys.argv[1]), 1), (int(sys.argv[2]), 0)):
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
        s.bind(("::", port))
        if kind == socket.SOCK_STREAM:
            s.listen(8)
        socks.append(s)
print("ready", flush=True)
end = time.time() + float(sys.argv[3])
while time.time() < end:
    for s in select.select(socks, [], [], 1)[0]:
        if s.type == socket.SOCK_STREAM:
            c, _ = s.accept()
            c.sendall(b"srv")
            c.close()
        else:
            data, peer = s.recvfrom(512)
            s.sendto(b"srv " + data, peer)
`;

/** One connection or datagram from cli, 1 s at most: "reply srv…", "refused" (reset, ICMP port unreachable) or "timeout". */
function probe(proto: Proto, family: 4 | 6, port: number): Promise<string> {
  return lab.probe('cli', proto, ADDRESS[family].srv, port);
}

function trace(snapshot: string, proto: Proto, family: 4 | 6, port: number): TraceDoc {
  return traceFromHost(snapshot, ADDRESS[family].srv, proto, port).doc;
}

const CASES = (['tcp', 'udp'] as const).flatMap((proto) =>
  ([4, 6] as const).flatMap((family) => [V6ONLY_PORT, DUAL_PORT].map((port) => ({ proto, family, port, refused: family === 4 && port === V6ONLY_PORT }))),
);

describe.skipIf(!support.ok)('IPv6-only and dual-stack sockets: the kernel\'s verdict, and the trace\'s', () => {
  let snapshot: string;

  beforeAll(async () => {
    lab.create();
    lab.ip('cli', 'link', 'add', 'v6o0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.srv);
    for (const [role, dev] of [['cli', 'v6o0'], ['srv', 'eth0']] as const) {
      lab.ip(role, 'addr', 'add', `${ADDRESS[4][role]}/${ADDRESS[4].len}`, 'dev', dev);
      // nodad: usable at once, not tentative while the collector runs.
      lab.ip(role, 'addr', 'add', `${ADDRESS[6][role]}/${ADDRESS[6].len}`, 'dev', dev, 'nodad');
      lab.ip(role, 'link', 'set', dev, 'up');
    }
    await lab.waitForCarrier([['cli', 'v6o0'], ['srv', 'eth0']]);
    await lab.startServer('srv', SERVER, [String(V6ONLY_PORT), String(DUAL_PORT), String(SERVER_LIFETIME_S)]);
    snapshot = await lab.collect('cli', ['srv'], 'v6only.json');
  });

  afterAll(() => lab.destroy());

  function srvSource(id: 'ss-tlnp' | 'ss-ulnp'): string {
    const doc = JSON.parse(readFileSync(snapshot, 'utf8')) as { namespaces: { name: string; sources: Record<string, { stdout: string }> }[] };
    return doc.namespaces.find((n) => n.name === NS.srv)!.sources[id]!.stdout;
  }

  it('ss prints the IPv6-only socket [::] and the dual-stack one *, for TCP and UDP alike', () => {
    for (const [id, state] of [['ss-tlnp', 'LISTEN'], ['ss-ulnp', 'UNCONN']] as const) {
      const text = srvSource(id);
      expect(text).toMatch(new RegExp(`^${state}\\s+\\d+\\s+\\d+\\s+\\[::\\]:${V6ONLY_PORT}\\s+\\[::\\]:\\*\\s+users:\\(\\("python3"`, 'm'));
      expect(text).toMatch(new RegExp(`^${state}\\s+\\d+\\s+\\d+\\s+\\*:${DUAL_PORT}\\s+\\*:\\*\\s+users:\\(\\("python3"`, 'm'));
    }
  });

  it.each(CASES)('$proto IPv$family to port $port: the probe and the trace agree', async ({ proto, family, port, refused }) => {
    expect(await probe(proto, family, port)).toBe(refused ? 'refused' : proto === 'tcp' ? 'reply srv' : 'reply srv probe');
    const doc = trace(snapshot, proto, family, port);
    const delivery = doc.steps.find((s) => s.stage === 'local-delivery' && s.namespace === NS.srv)!;
    const source = `netns:${NS.srv}/${proto === 'tcp' ? 'ss-tlnp' : 'ss-ulnp'}`;
    const lines = srvSource(proto === 'tcp' ? 'ss-tlnp' : 'ss-ulnp').split('\n');
    const printed = port === V6ONLY_PORT ? `[::]:${port} ` : `*:${port} `;
    const line = lines.findIndex((l) => l.includes(printed)) + 1;
    expect(line).toBeGreaterThan(0);
    if (refused) {
      expect(doc.verdict).toBe('dropped');
      expect(delivery.verdict).toBe('refused');
      expect(delivery.note).toContain(`port ${port} is listened on only at :::${port} (IPv6 only: the socket has IPV6_V6ONLY set)`);
    } else {
      expect(`${doc.verdict}: ${doc.reason}`).toMatch(/^delivered: /);
      expect(delivery.verdict).toBe('deliver');
      expect(delivery.note).toBe(`delivered to python3, listening on ${port === V6ONLY_PORT ? '::' : '*'}:${port}`);
    }
    expect(delivery.evidence).toEqual([expect.objectContaining({ source, line })]);
  });
});
