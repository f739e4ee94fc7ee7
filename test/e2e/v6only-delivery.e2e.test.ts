/**
 * IPv6-only against dual-stack sockets on a real kernel: in namespace `srv` one python3 process binds `::` port
 * 8081 with IPV6_V6ONLY=1 and `::` port 8082 without it, over TCP and UDP; `cli`, joined to it by a veth with an
 * IPv4 (203.0.113.0/24) and an IPv6 (2001:db8:6::/64) address at each end, connects to each over both families.
 * The kernel refuses IPv4 at 8081 (TCP reset, ICMP port unreachable) and takes the three others; ss prints the
 * first socket `[::]`, the second `*`. The real collector (the built CLI, run in `cli`, which the snapshot calls
 * host, naming srv with --netns) records both, and `netaudit trace` must give the kernel's verdict for all eight.
 * Only namespaces this file creates (`nav6o-<pid>-…`) are touched, and no kernel module is loaded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './field-lab.js';
import { CLI, ensureBuilt, netaudit } from './netaudit.js';
import { inNetns, must, run, runSync } from './run.js';
import { labSupport, warnIfUnsupported } from './support.js';

const support = labSupport();
const hasPython = support.ok && runSync(['sh', '-c', 'command -v python3']).code === 0;
warnIfUnsupported('IPv6-only socket lab', support.ok && !hasPython ? { ok: false, reason: 'python3 not found' } : support);

const PREFIX = 'nav6o-';
const NS = { cli: `${PREFIX}${process.pid}-cli`, srv: `${PREFIX}${process.pid}-srv` };
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

/** One connection or datagram, 1 s at most: "reply srv…", "refused" (reset, ICMP port unreachable) or "timeout". */
const PROBE = `
import socket, sys
proto, family, address, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
af = socket.AF_INET6 if family == "6" else socket.AF_INET
s = socket.socket(af, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
s.settimeout(1)
try:
    s.connect((address, port))
    if proto == "udp":
        s.send(b"probe")
    print("reply " + s.recv(512).decode())
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
`;

function namespaces(): string[] {
  return must(runSync(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter(Boolean);
}

/** Namespaces of a crashed run of this file (its pid gone), and this run's own from an earlier attempt. */
function cleanLeftovers(): void {
  for (const name of namespaces()) {
    const m = /^nav6o-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = pid !== process.pid;
    try {
      if (alive) process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) runSync(['ip', 'netns', 'del', name]);
  }
}

function ip(ns: string, ...args: string[]): void {
  must(runSync(['ip', '-n', ns, ...args]));
}

/** A veth's carrier comes up a moment after both ends are up: the collector must not see NO-CARRIER. */
async function carrierUp(ns: string, dev: string): Promise<boolean> {
  return until(() => {
    const links = JSON.parse(must(runSync(['ip', '-n', ns, '-j', 'link', 'show', dev])).stdout) as { flags: string[] }[];
    return links[0]?.flags.includes('LOWER_UP') === true && !links[0].flags.includes('NO-CARRIER');
  }, 5000);
}

function startServer(): Promise<ChildProcess> {
  const [cmd, ...args] = inNetns(NS.srv, ['python3', '-c', SERVER, String(V6ONLY_PORT), String(DUAL_PORT), String(SERVER_LIFETIME_S)]);
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server not ready: ${stderr}`));
    }, 5000);
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
    child.stdout?.on('data', (b: Buffer) => {
      if (!b.toString().includes('ready')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      // The pipes stay open (python3 exits when they close under it), drained and not holding the test process.
      for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
      child.unref();
      resolve(child);
    });
  });
}

type Proto = 'tcp' | 'udp';

async function probe(proto: Proto, family: 4 | 6, port: number): Promise<string> {
  const r = await run(inNetns(NS.cli, ['python3', '-c', PROBE, proto, String(family), ADDRESS[family].srv, String(port)]), { timeoutMs: 5000 });
  return r.code === 0 ? r.stdout.trim() : `probe failed: ${r.stderr.trim() || (r.timedOut ? 'killed' : `exit ${r.code}`)}`;
}

interface TraceDoc {
  verdict: string;
  reason: string;
  steps: { namespace: string; stage: string; verdict: string; note: string; evidence: { source: string; line: number; text: string }[] }[];
}

function trace(snapshot: string, proto: Proto, family: 4 | 6, port: number): TraceDoc {
  const r = netaudit(['trace', snapshot, '--from', 'netns:host', '--to', ADDRESS[family].srv, '--proto', proto, '--dport', String(port), '--format', 'json']);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as TraceDoc;
}

const CASES = (['tcp', 'udp'] as const).flatMap((proto) =>
  ([4, 6] as const).flatMap((family) => [V6ONLY_PORT, DUAL_PORT].map((port) => ({ proto, family, port, refused: family === 4 && port === V6ONLY_PORT }))),
);

describe.skipIf(!support.ok || !hasPython)('IPv6-only and dual-stack sockets: the kernel\'s verdict, and the trace\'s', () => {
  let work: string;
  let server: ChildProcess | undefined;
  let snapshot: string;

  beforeAll(async () => {
    cleanLeftovers();
    work = mkdtempSync(path.join(tmpdir(), 'netaudit-v6only-'));
    for (const ns of Object.values(NS)) {
      must(runSync(['ip', 'netns', 'add', ns]));
      ip(ns, 'link', 'set', 'lo', 'up');
    }
    ip(NS.cli, 'link', 'add', 'v6o0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.srv);
    for (const [ns, dev, end] of [[NS.cli, 'v6o0', 'cli'], [NS.srv, 'eth0', 'srv']] as const) {
      ip(ns, 'addr', 'add', `${ADDRESS[4][end]}/${ADDRESS[4].len}`, 'dev', dev);
      // nodad: usable at once, not tentative while the collector runs.
      ip(ns, 'addr', 'add', `${ADDRESS[6][end]}/${ADDRESS[6].len}`, 'dev', dev, 'nodad');
      ip(ns, 'link', 'set', dev, 'up');
    }
    for (const [ns, dev] of [[NS.cli, 'v6o0'], [NS.srv, 'eth0']] as const) {
      if (!(await carrierUp(ns, dev))) throw new Error(`${dev} in ${ns} has no carrier after 5 s`);
    }
    server = await startServer();
    ensureBuilt();
    snapshot = path.join(work, 'v6only.json');
    must(await run(inNetns(NS.cli, [process.execPath, CLI, 'collect', '--netns', NS.srv, '-o', snapshot]), { timeoutMs: 30_000 }));
  });

  afterAll(() => {
    if (server?.pid !== undefined && server.exitCode === null) {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    for (const ns of Object.values(NS)) runSync(['ip', 'netns', 'del', ns]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

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
