/**
 * Timing a whole process: wall time measured here around the spawn, peak RSS from GNU time (`-v`) when
 * /usr/bin/time exists, otherwise from rss-probe.js, which runs the script in its own process and prints
 * process.resourceUsage().maxRSS on exit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const GNU_TIME = '/usr/bin/time';
/** The line rss-probe.js ends stderr with. */
export const PROBE_MARKER = 'NETAUDIT_BENCH_MAXRSS_KB=';
const RSS_PROBE = fileURLToPath(new URL('./rss-probe.js', import.meta.url));

export interface ProcessSample {
  wallMs: number;
  maxRssMB: number;
  exitCode: number | null;
  /** The child's own stderr, without the measuring tool's lines. */
  stderr: string;
  stdout?: string;
}

let gnuTime: boolean | undefined;

/** Whether /usr/bin/time is GNU time (BusyBox and BSD time lack -v). */
export function hasGnuTime(): boolean {
  if (gnuTime === undefined) {
    gnuTime = existsSync(GNU_TIME) && /Maximum resident set size/.test(spawnSync(GNU_TIME, ['-v', 'true'], { encoding: 'utf8' }).stderr ?? '');
  }
  return gnuTime;
}

export function rssMethod(): string {
  return hasGnuTime() ? '/usr/bin/time -v' : 'process.resourceUsage().maxRSS (rss-probe.js)';
}

/** Run `node ...args` once. */
export function measureNode(args: readonly string[], options: { captureStdout?: boolean; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): ProcessSample {
  const viaTime = hasGnuTime();
  const command = viaTime ? GNU_TIME : process.execPath;
  const argv = viaTime ? ['-v', process.execPath, ...args] : [RSS_PROBE, ...args];
  const start = performance.now();
  const child = spawnSync(command, argv, {
    stdio: ['ignore', options.captureStdout ? 'pipe' : 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: options.timeoutMs ?? 600_000,
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
  });
  const wallMs = performance.now() - start;
  if (child.error) throw child.error;
  const stderr = child.stderr ?? '';
  const { own, maxRssKB } = viaTime ? splitGnuTime(stderr) : splitProbe(stderr);
  const sample: ProcessSample = { wallMs, maxRssMB: maxRssKB / 1024, exitCode: child.status, stderr: own };
  if (options.captureStdout) sample.stdout = child.stdout ?? '';
  return sample;
}

function splitGnuTime(stderr: string): { own: string; maxRssKB: number } {
  const at = stderr.lastIndexOf('\tCommand being timed:');
  const own = at === -1 ? stderr : stderr.slice(0, at).replace(/Command exited with non-zero status \d+\n$/, '');
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr.slice(Math.max(0, at)));
  return { own, maxRssKB: rss ? Number(rss[1]) : Number.NaN };
}

function splitProbe(stderr: string): { own: string; maxRssKB: number } {
  const at = stderr.lastIndexOf(PROBE_MARKER);
  if (at === -1) return { own: stderr, maxRssKB: Number.NaN };
  return { own: stderr.slice(0, at), maxRssKB: Number(stderr.slice(at + PROBE_MARKER.length).trim()) };
}

