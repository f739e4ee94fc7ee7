/**
 * Bounded process runners for the netns lab: every command has a hard timeout and is killed with
 * SIGKILL when it runs over, so a hung probe or collector can never stall the suite.
 */
import { spawn, spawnSync } from 'node:child_process';

export interface RunResult {
  argv: readonly string[];
  /** null when the process was killed (timeout) or could not start. */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

export function inNetns(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

export function runSync(argv: readonly string[], opts: RunOptions = {}): RunResult {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('runSync: empty argv');
  const started = Date.now();
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: opts.input,
    env: opts.env,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: MAX_OUTPUT_BYTES,
  });
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  return {
    argv,
    code: r.status,
    stdout: r.stdout ?? '',
    stderr: (r.stderr ?? '') + (r.error && !timedOut ? String(r.error.message) : ''),
    timedOut,
    ms: Date.now() - started,
  };
}

export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new Error('run: empty argv'));
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    const finish = (code: number | null, extra = ''): void => {
      clearTimeout(timer);
      resolve({
        argv,
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + extra,
        timedOut,
        ms: Date.now() - started,
      });
    };
    child.on('error', (e) => finish(null, e.message));
    child.on('close', (code) => finish(code));
  });
}

export function describeRun(r: RunResult): string {
  const status = r.timedOut ? 'timed out' : `exit ${r.code}`;
  const stderr = r.stderr.trim().split('\n').slice(-8).join('\n    ');
  return `\`${r.argv.join(' ')}\` ${status} after ${r.ms} ms${stderr ? `\n    ${stderr}` : ''}`;
}

/** Throws with the command, its status and the end of its stderr unless it exited 0. */
export function must(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`command failed: ${describeRun(r)}`);
  return r;
}
