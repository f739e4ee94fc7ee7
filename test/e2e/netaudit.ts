/**
 * The real netaudit CLI (dist/cli/main.js, built by `npm run build`) as the e2e suites drive it:
 * both collectors inside the lab's host namespace, then `show` and `audit` on their snapshots.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import type { Lab } from './lab.js';
import { describeRun, inNetns, must, run, runSync, type RunResult } from './run.js';
import { CONTAINERS } from './topology.js';

export const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');

const COLLECT_TIMEOUT_MS = 30_000;
const BUILD_TIMEOUT_MS = 180_000;

/** Builds dist/ when it is missing (a checkout that only ran `npx vitest`); `npm test` builds first. */
export function ensureBuilt(): void {
  if (existsSync(CLI)) return;
  const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  runSync([process.execPath, tsc, '-p', path.join(PROJECT_ROOT, 'tsconfig.build.json')], { timeoutMs: BUILD_TIMEOUT_MS });
  if (!existsSync(CLI)) throw new Error(`${CLI} missing after building: run \`npm run build\` and look at its errors`);
}

export function netaudit(args: readonly string[], timeoutMs = COLLECT_TIMEOUT_MS): RunResult {
  return runSync([process.execPath, CLI, ...args], { timeoutMs });
}

export type CollectorKind = 'node' | 'sh' | 'busybox-sh';

/** The namespaces of the containers as the collectors take them on their command lines. */
const containerNamespaces = (lab: Lab): string[] => CONTAINERS.map((c) => lab.ns[c]);

/** `netaudit collect --netns c1 c2 -o FILE`, run inside the lab's host namespace. */
export async function collectWithNode(lab: Lab, out: string): Promise<RunResult> {
  const argv = inNetns(lab.ns.host, [process.execPath, CLI, 'collect', '--netns', ...containerNamespaces(lab), '-o', out]);
  return must(await run(argv, { timeoutMs: COLLECT_TIMEOUT_MS }));
}

/**
 * For a suite on the lab: builds the CLI and creates the lab before it, destroys the lab after it, and gives
 * `collect(name)`, which collects with the Node collector into a directory of the suite's own and returns
 * the snapshot's path. Called inside the suite's describe, before its own hooks (they run after these
 * before it, and before these after it).
 */
export function labSnapshots(lab: Lab, label: string): (name: string) => Promise<string> {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), `netaudit-e2e-${label}-`));
    ensureBuilt();
    await lab.create();
  }, 60_000);
  afterAll(() => {
    lab.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return async (name) => {
    const file = path.join(dir, `${name}.json`);
    await collectWithNode(lab, file);
    return file;
  };
}

/** Writes the POSIX sh collector that `netaudit collector-script` prints to `file`. */
export function writeCollectorScript(file: string): void {
  const r = must(netaudit(['collector-script']));
  writeFileSync(file, r.stdout, { mode: 0o755 });
}

/**
 * Runs the sh collector with dash (`sh`) or `busybox sh` inside the lab's host namespace, with the
 * options its usage documents: `-o FILE --netns NAME...`.
 */
export async function collectWithSh(lab: Lab, script: string, shell: 'sh' | 'busybox-sh', out: string): Promise<RunResult> {
  const interpreter = shell === 'sh' ? ['sh'] : ['busybox', 'sh'];
  const argv = inNetns(lab.ns.host, [...interpreter, script, '-o', out, '--netns', ...containerNamespaces(lab)]);
  return must(await run(argv, { timeoutMs: COLLECT_TIMEOUT_MS }));
}

export async function collect(lab: Lab, kind: CollectorKind, out: string, script?: string): Promise<RunResult> {
  if (kind === 'node') return collectWithNode(lab, out);
  if (script === undefined) throw new Error('the sh collectors need the script file');
  return collectWithSh(lab, script, kind, out);
}

export function showJson<T>(snapshot: string): T {
  const r = netaudit(['show', '--format', 'json', snapshot]);
  if (r.code !== 0) throw new Error(`show failed: ${describeRun(r)}`);
  return JSON.parse(r.stdout) as T;
}

export function showText(snapshot: string): string {
  return must(netaudit(['show', snapshot])).stdout;
}

export interface AuditRun<T> {
  code: number | null;
  report: T;
  stderr: string;
}

export function auditJson<T>(snapshot: string, failOn: 'error' | 'warning' | 'info' | 'none' = 'error', disable: readonly string[] = []): AuditRun<T> {
  const r = netaudit(['audit', snapshot, '--format', 'json', '--fail-on', failOn, ...disable.flatMap((id) => ['--disable', id])]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`audit failed: ${describeRun(r)}`);
  return { code: r.code, report: JSON.parse(r.stdout) as T, stderr: r.stderr };
}

/* ---------- reading a snapshot back, to check evidence against the raw text ---------- */

interface RawSource {
  stdout: string;
  stdoutEncoding?: 'utf8' | 'base64';
}

interface RawSnapshot {
  namespaces: { name: string; sources: Record<string, RawSource> }[];
}

export class SnapshotText {
  private readonly lines = new Map<string, string[]>();

  constructor(file: string) {
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot;
    for (const ns of snapshot.namespaces) {
      for (const [id, source] of Object.entries(ns.sources)) {
        const text = source.stdoutEncoding === 'base64' ? Buffer.from(source.stdout, 'base64').toString('utf8') : source.stdout;
        // Same label scheme as evidence: bare in the host, "netns:<name>/<source>" elsewhere.
        const label = ns.name === 'host' ? id : `netns:${ns.name}/${id}`;
        this.lines.set(label, text.split('\n'));
      }
    }
  }

  has(label: string): boolean {
    return this.lines.has(label);
  }

  /** 1-based line of a source, as evidence counts it. */
  line(label: string, line: number): string | undefined {
    return this.lines.get(label)?.[line - 1];
  }
}
