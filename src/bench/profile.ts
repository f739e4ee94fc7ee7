/**
 * Where the CLI spends its time: run it under `node --cpu-prof` and summarise the V8 profile by function
 * (self and inclusive time) and by file, so a slow phase can be pinned to the function that makes it slow.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  /** "parseRule (dist/parse/iptables-save.js:120)" */
  name: string;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  totalMs: number;
  functions: ProfileRow[];
  files: { file: string; selfMs: number }[];
}

/** "dist/parse/sysctl.js" for netaudit's own files, "node_modules/ajv/dist/core.js" for dependencies. */
function shortUrl(url: string): string {
  if (url === '') return '';
  // Dependencies first: they have dist/ folders of their own.
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) return url.slice(modules + 1);
  const dist = url.lastIndexOf('/dist/');
  if (dist !== -1) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function frameKey(frame: CallFrame): string {
  const where = shortUrl(frame.url);
  const name = frame.functionName || '(anonymous)';
  return where ? `${name} (${where}:${frame.lineNumber + 1})` : name;
}

interface Totals {
  totalMs: number;
  self: Map<string, number>;
  /** Inclusive time per function, recursion counted once per sample. */
  inclusive: Map<string, number>;
  files: Map<string, number>;
}

function add(map: Map<string, number>, key: string, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

function totals(profile: CpuProfile): Totals {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const t: Totals = { totalMs: 0, self: new Map(), inclusive: new Map(), files: new Map() };
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the time before sample i; the time after it is the better estimate of its cost.
    const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    t.totalMs += ms;
    const leaf = byId.get(id);
    if (!leaf) return;
    add(t.self, frameKey(leaf.callFrame), ms);
    add(t.files, shortUrl(leaf.callFrame.url) || leaf.callFrame.functionName, ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame) break;
      const key = frameKey(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      add(t.inclusive, key, ms);
    }
  });
  return t;
}

export function summariseProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const t = totals(profile);
  const functions = [...t.self.entries()]
    .map(([name, selfMs]) => ({ name, selfMs, totalMs: t.inclusive.get(name) ?? selfMs }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top);
  const files = [...t.files.entries()].map(([file, selfMs]) => ({ file, selfMs })).sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  return { totalMs: t.totalMs, functions, files };
}

/** The project's own functions (under dist/) by inclusive time: which call owns a slow phase. */
export function inclusiveOwnFunctions(profile: CpuProfile, top = 25): ProfileRow[] {
  const t = totals(profile);
  return [...t.inclusive.entries()]
    .filter(([name]) => name.includes(' (dist/'))
    .map(([name, totalMs]) => ({ name, totalMs, selfMs: t.self.get(name) ?? 0 }))
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top);
}

/** Run `node --cpu-prof ARGS` once and return its profile. */
export function profileNode(args: readonly string[]): CpuProfile {
  const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-prof-'));
  try {
    const child = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      timeout: 600_000,
      // The modules one by one, so that time is told by file (the bundle would put it all in one).
      env: { ...process.env, NETAUDIT_NO_BUNDLE: '1' },
    });
    if (child.error) throw child.error;
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no CPU profile written (exit ${String(child.status)}): ${(child.stderr ?? '').slice(0, 500)}`);
    return JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
