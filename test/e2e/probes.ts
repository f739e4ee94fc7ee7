/**
 * Bounded connectivity probes through the lab: one ICMP echo with a 1 s wait, TCP connects with a
 * 1 s timeout, each process killed if it overruns. A probe reports what happened, never throws.
 */
import type { Lab } from './lab.js';
import { inNetns, run } from './run.js';
import { TOPOLOGY, type NamespaceKey } from './topology.js';

export interface ProbeResult {
  ok: boolean;
  /** For TCP: the server's reply, "<server name> <peer address it saw>". */
  reply?: string;
  detail: string;
}

const TCP_TIMEOUT_MS = 1_000;
/** Kill margin over the probe's own timeout (process start-up included). */
const HARD_TIMEOUT_MS = 5_000;

const CLIENT_SCRIPT = `
const net = require('node:net');
const [host, port, timeoutMs] = process.argv.slice(1);
const socket = net.connect({ host, port: Number(port), timeout: Number(timeoutMs) });
let data = '';
socket.on('data', (d) => (data += d));
socket.on('end', () => { process.stdout.write(data); process.exit(0); });
socket.on('timeout', () => { process.stderr.write('timeout'); process.exit(3); });
socket.on('error', (e) => { process.stderr.write(e.code || e.message); process.exit(2); });
`;

export async function ping(lab: Lab, from: NamespaceKey, address: string): Promise<ProbeResult> {
  const r = await run(inNetns(lab.ns[from], ['busybox', 'ping', '-c', '1', '-W', '1', address]), { timeoutMs: HARD_TIMEOUT_MS });
  const detail = `ping ${from} → ${address}: ${r.code === 0 ? 'reply' : r.timedOut ? 'killed' : 'no reply'}`;
  return { ok: r.code === 0, detail };
}

export async function tcp(lab: Lab, from: NamespaceKey, address: string, port: number): Promise<ProbeResult> {
  const argv = inNetns(lab.ns[from], [process.execPath, '--input-type=commonjs', '-e', CLIENT_SCRIPT, address, String(port), String(TCP_TIMEOUT_MS)]);
  const r = await run(argv, { timeoutMs: HARD_TIMEOUT_MS });
  const reply = r.stdout.trim();
  const ok = r.code === 0 && reply.length > 0;
  const detail = `tcp ${from} → ${address}:${port}: ${ok ? `reply "${reply}"` : r.timedOut ? 'killed' : r.stderr.trim() || `exit ${r.code}`}`;
  return ok ? { ok, reply, detail } : { ok, detail };
}

const T = TOPOLOGY;

/** The probes the suites name, each a path through the lab. */
export const PROBES = {
  c1PingInternet: {
    what: `ping from c1 to ${T.remoteAddress} on the internet`,
    run: (lab: Lab) => ping(lab, 'c1', T.remoteAddress),
  },
  c1TcpInternet: {
    what: `TCP from c1 to ${T.remoteAddress}:${T.serverPort}, masqueraded to ${T.hostUplinkAddress}`,
    run: async (lab: Lab) => {
      const r = await tcp(lab, 'c1', T.remoteAddress, T.serverPort);
      // Without MASQUERADE the internet has no route back to the container, so no reply at all;
      // a reply showing the container's own address would mean the lab itself is wrong.
      return r.ok && r.reply !== `internet ${T.hostUplinkAddress}` ? { ok: false, detail: `${r.detail} (expected the host address as source)` } : r;
    },
  },
  c2PingInternet: {
    what: `ping from c2 to ${T.remoteAddress} on the internet`,
    run: (lab: Lab) => ping(lab, 'c2', T.remoteAddress),
  },
  publishedPort: {
    what: `TCP from the internet to the published port ${T.hostUplinkAddress}:${T.publishedPort}, answered by c1`,
    run: async (lab: Lab) => {
      const r = await tcp(lab, 'internet', T.hostUplinkAddress, T.publishedPort);
      return r.ok && r.reply !== `c1 ${T.internetAddress}` ? { ok: false, detail: `${r.detail} (expected c1 to answer)` } : r;
    },
  },
  c1TcpC2: {
    what: `TCP from c1 to c2 ${T.containers.c2.address}:${T.serverPort} across the bridge`,
    run: async (lab: Lab) => {
      const r = await tcp(lab, 'c1', T.containers.c2.address, T.serverPort);
      return r.ok && r.reply !== `c2 ${T.containers.c1.address}` ? { ok: false, detail: `${r.detail} (expected c2 to answer c1)` } : r;
    },
  },
} as const;

export type ProbeName = keyof typeof PROBES;
export const PROBE_NAMES = Object.keys(PROBES) as ProbeName[];

/** Runs probes concurrently (they are independent and mostly wait on timeouts). */
export async function runProbes(lab: Lab, names: readonly ProbeName[]): Promise<Map<ProbeName, ProbeResult>> {
  const results = await Promise.all(names.map((name) => PROBES[name].run(lab)));
  return new Map(names.map((name, i) => [name, results[i] as ProbeResult]));
}
