/**
 * The plumbing of the socket labs (UDP delivery, IPv6-only sockets): namespaces named `na<tag><pid>-<role>`
 * joined by veths, a python3 server in one, python3 probes from another, the real collector (the built CLI)
 * run in one namespace naming the others with --netns, and `netaudit trace` on its snapshot. Only the lab's
 * own namespaces are touched, and no kernel module is loaded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { until } from './field-lab.js';
import { cleanLeftovers } from './lab.js';
import { CLI, ensureBuilt, netaudit } from './netaudit.js';
import { inNetns, must, run, runSync } from './run.js';
import { labSupport, warnIfUnsupported, type LabSupport } from './support.js';

export type Proto = 'tcp' | 'udp';

const CARRIER_TIMEOUT_MS = 5_000;
const SERVER_START_TIMEOUT_MS = 5_000;
const PROBE_TIMEOUT_MS = 5_000;
const COLLECT_TIMEOUT_MS = 30_000;

/**
 * One connection (tcp) or datagram on a connected socket (udp), waiting argv[4] seconds: "reply <answer>",
 * "refused" (TCP reset, or ICMP port unreachable) or "timeout". The family follows the address.
 */
const PROBE = `
import socket, sys
proto, address, port, wait = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
af = socket.AF_INET6 if ":" in address else socket.AF_INET
s = socket.socket(af, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
s.settimeout(wait)
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

/** The netns lab's support, and python3 on top; says why when the suite is skipped. */
export function socketLabSupport(suite: string): LabSupport {
  const base = labSupport();
  const support: LabSupport = base.ok && runSync(['sh', '-c', 'command -v python3']).code !== 0 ? { ok: false, reason: 'python3 not found' } : base;
  warnIfUnsupported(suite, support);
  return support;
}

export interface TraceDoc {
  verdict: string;
  reason: string;
  steps: { namespace: string; stage: string; verdict: string; note: string; evidence: { source: string; line: number; text: string }[] }[];
}

/** `netaudit trace` from the snapshot's host as JSON; it must print nothing on stderr. */
export function traceFromHost(snapshot: string, to: string, proto: Proto, port: number): { code: number | null; doc: TraceDoc } {
  const r = netaudit(['trace', snapshot, '--from', 'netns:host', '--to', to, '--proto', proto, '--dport', String(port), '--format', 'json']);
  expect(r.stderr).toBe('');
  return { code: r.code, doc: JSON.parse(r.stdout) as TraceDoc };
}

export class SocketLab<Role extends string> {
  readonly ns: Record<Role, string>;
  private work: string | undefined;
  private server: ChildProcess | undefined;

  constructor(
    readonly tag: string,
    readonly roles: readonly Role[],
  ) {
    this.ns = Object.fromEntries(roles.map((r) => [r, `na${tag}${process.pid}-${r}`])) as Record<Role, string>;
  }

  /** Deletes what a crashed run with this tag left, then adds each namespace with its loopback up. */
  create(): void {
    cleanLeftovers(this.tag);
    this.work = mkdtempSync(path.join(tmpdir(), `netaudit-${this.tag}`));
    for (const role of this.roles) {
      must(runSync(['ip', 'netns', 'add', this.ns[role]]));
      this.ip(role, 'link', 'set', 'lo', 'up');
    }
  }

  destroy(): void {
    const pid = this.server?.pid;
    if (pid !== undefined && this.server!.exitCode === null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    for (const role of this.roles) runSync(['ip', 'netns', 'del', this.ns[role]]);
    if (this.work) rmSync(this.work, { recursive: true, force: true });
  }

  ip(role: Role, ...args: string[]): void {
    must(runSync(['ip', '-n', this.ns[role], ...args]));
  }

  /** A veth's carrier comes up a moment after both ends are up: the collector must not see NO-CARRIER. */
  async waitForCarrier(links: readonly (readonly [Role, string])[]): Promise<void> {
    for (const [role, dev] of links) {
      const up = await until(() => {
        const shown = JSON.parse(must(runSync(['ip', '-n', this.ns[role], '-j', 'link', 'show', dev])).stdout) as { flags: string[] }[];
        return shown[0]?.flags.includes('LOWER_UP') === true && !shown[0].flags.includes('NO-CARRIER');
      }, CARRIER_TIMEOUT_MS);
      if (!up) throw new Error(`${dev} in ${this.ns[role]} has no carrier after ${CARRIER_TIMEOUT_MS / 1000} s`);
    }
  }

  /** `python3 -c script args…` in the namespace, once it prints "ready"; destroy() kills it, if it has not exited by then. */
  startServer(role: Role, script: string, args: readonly string[]): Promise<void> {
    const [cmd, ...rest] = inNetns(this.ns[role], ['python3', '-c', script, ...args]);
    const child = spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.server = child;
    return new Promise((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`server in ${this.ns[role]} not ready: ${stderr}`));
      }, SERVER_START_TIMEOUT_MS);
      child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server in ${this.ns[role]} exited with ${code}: ${stderr}`));
      });
      child.stdout?.on('data', (b: Buffer) => {
        if (!b.toString().includes('ready')) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        // The pipes stay open (python3 exits when they close under it), drained and not holding the test process.
        for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
        child.unref();
        resolve();
      });
    });
  }

  /** What the kernel does with one connection or datagram from `from`: see PROBE. */
  async probe(from: Role, proto: Proto, address: string, port: number, waitS = 1): Promise<string> {
    const r = await run(inNetns(this.ns[from], ['python3', '-c', PROBE, proto, address, String(port), String(waitS)]), { timeoutMs: PROBE_TIMEOUT_MS });
    return r.code === 0 ? r.stdout.trim() : `probe failed: ${r.stderr.trim() || (r.timedOut ? 'killed' : `exit ${r.code}`)}`;
  }

  /** `netaudit collect` in the host role's namespace, naming the others with --netns; returns the snapshot's path. */
  async collect(host: Role, others: readonly Role[], file: string): Promise<string> {
    ensureBuilt();
    const snapshot = this.file(file);
    must(await run(inNetns(this.ns[host], [process.execPath, CLI, 'collect', '--netns', ...others.map((r) => this.ns[r]), '-o', snapshot]), { timeoutMs: COLLECT_TIMEOUT_MS }));
    return snapshot;
  }

  /** A path in the lab's scratch directory, removed by destroy(). */
  file(name: string): string {
    if (!this.work) throw new Error('socket lab: create() first');
    return path.join(this.work, name);
  }
}
