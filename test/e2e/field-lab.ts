/**
 * Small namespace labs for the field-fault rules that need their own plumbing (an IPv6 router, a VXLAN
 * underlay, a macvlan LAN): namespaces named `naf<pid>-<role>`, bounded commands and probes, the real
 * collector (the built CLI) run inside the lab's host namespace, and the audit of its snapshot.
 *
 * With NETAUDIT_CAPTURE_FIELD_FIXTURES=1 a snapshot is also written out as a raw-output directory
 * (fixtures/rules/<id>/{fail,pass}: one file per source by its raw-directory name, other namespaces under
 * netns/<role>/): a new kernel or iproute2 is a deliberate recapture, not a side effect of a test run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog } from '../../src/engine/catalog.js';
import type { AuditResult, Finding } from '../../src/engine/types.js';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { SOURCES } from '../../src/snapshot/sources.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { cleanLeftovers } from './lab.js';
import { CLI, ensureBuilt } from './netaudit.js';
import { inNetns, must, run, runSync, type RunResult } from './run.js';

export const captureRequested = process.env.NETAUDIT_CAPTURE_FIELD_FIXTURES === '1';
const TAG = 'f';
const COLLECT_TIMEOUT_MS = 30_000;
const PROBE_TIMEOUT_MS = 5_000;

export class FieldLab<Role extends string> {
  readonly ns: Record<Role, string>;
  private readonly work: string;

  constructor(
    readonly name: string,
    readonly roles: readonly Role[],
  ) {
    this.ns = Object.fromEntries(roles.map((r) => [r, `na${TAG}${process.pid}-${name}${r}`])) as Record<Role, string>;
    this.work = mkdtempSync(path.join(tmpdir(), `netaudit-${name}-`));
  }

  create(): void {
    cleanLeftovers(TAG);
    for (const role of this.roles) {
      must(runSync(['ip', 'netns', 'add', this.ns[role]]));
      this.ip(role, 'link', 'set', 'lo', 'up');
    }
  }

  destroy(): void {
    for (const role of this.roles) runSync(['ip', 'netns', 'del', this.ns[role]]);
    rmSync(this.work, { recursive: true, force: true });
  }

  exec(role: Role, argv: readonly string[]): RunResult {
    return must(runSync(inNetns(this.ns[role], argv)));
  }

  ip(role: Role, ...args: string[]): RunResult {
    return must(runSync(['ip', '-n', this.ns[role], ...args]));
  }

  sysctl(role: Role, ...assignments: string[]): void {
    this.exec(role, ['sysctl', '-q', '-w', ...assignments]);
  }

  /** One ICMP echo with a 1 s wait (`-6` for IPv6), killed if it overruns. */
  async ping(from: Role, address: string): Promise<{ ok: boolean; detail: string }> {
    const family = address.includes(':') ? ['-6'] : [];
    const r = await run(inNetns(this.ns[from], ['busybox', 'ping', ...family, '-c', '1', '-W', '1', address]), { timeoutMs: PROBE_TIMEOUT_MS });
    return { ok: r.code === 0, detail: `ping ${from} → ${address}: ${r.code === 0 ? 'reply' : r.timedOut ? 'killed' : r.stderr.trim() || 'no reply'}` };
  }

  /** `netaudit collect` (the built CLI) inside the `host` role's namespace, naming the other roles with --netns. */
  async collect(host: Role, others: readonly Role[], label: string): Promise<Snapshot> {
    ensureBuilt();
    const out = path.join(this.work, `${label}.json`);
    const netns = others.length > 0 ? ['--netns', ...others.map((r) => this.ns[r])] : [];
    must(await run(inNetns(this.ns[host], [process.execPath, CLI, 'collect', ...netns, '-o', out]), { timeoutMs: COLLECT_TIMEOUT_MS }));
    return (await loadInput(out)).snapshot;
  }

  /** The namespace name in findings of a role collected with --netns. */
  role(role: Role): string {
    return this.ns[role];
  }
}

/** Polls `check` every 100 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function audit(snapshot: Snapshot, only: readonly string[]): Promise<AuditResult> {
  return runAudit(buildHost(snapshot), await loadRuleCatalog(), { input: 'lab', only: [...only] });
}

export function findingsOf(result: AuditResult, ruleId: string): Finding[] {
  return result.findings.filter((f) => f.ruleId === ruleId);
}

const RAW_FILE_BY_ID = new Map<string, string>(SOURCES.filter((s) => s.rawFile !== undefined).map((s) => [s.id, s.rawFile as string]));

/**
 * Writes the snapshot as a raw-output directory: the host's sources at the top, each other namespace under
 * netns/<name>/ by the name `names` gives it. Only when capture was requested; the directory is replaced.
 */
export function writeRawFixture(snapshot: Snapshot, relativeDir: string, names: ReadonlyMap<string, string>): void {
  if (!captureRequested) return;
  const dir = path.join(PROJECT_ROOT, relativeDir);
  rmSync(dir, { recursive: true, force: true });
  for (const ns of snapshot.namespaces) {
    const nsDir = ns.kind === 'host' ? dir : path.join(dir, 'netns', names.get(ns.name) ?? ns.name);
    mkdirSync(nsDir, { recursive: true });
    for (const [id, source] of Object.entries(ns.sources)) {
      const file = RAW_FILE_BY_ID.get(id);
      if (file === undefined || (source.status !== 'ok' && source.status !== 'empty')) continue;
      const text = source.stdoutEncoding === 'base64' ? Buffer.from(source.stdout, 'base64') : source.stdout;
      writeFileSync(path.join(nsDir, file), text);
    }
  }
}
