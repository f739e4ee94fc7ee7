/**
 * Running one read-only command with a deadline and an output cap. The command gets its own process
 * group so that a timeout or the cap kills everything it started, not just the first process.
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  timeoutMs: number;
  /** stdout beyond this is dropped and the command is stopped. */
  maxOutputBytes: number;
  env: NodeJS.ProcessEnv;
  /** stderr beyond this is dropped (default 1 MiB). */
  maxStderrBytes?: number;
}

export interface RunResult {
  /** null when the process did not exit normally (signal, not started). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  /** stdout reached maxOutputBytes and the command was stopped. */
  truncated: boolean;
  timedOut: boolean;
  /** The process could not be started: "command not found", "permission denied", ... */
  startError?: string;
  durationMs: number;
}

/** How long stdout may stay open after the process exited (a background child still holding it). */
const AFTER_EXIT_GRACE_MS = 200;
const DEFAULT_MAX_STDERR = 1024 * 1024;

export function runCommand(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('internal: runCommand needs a command');
  const started = performance.now();
  const maxStderr = options.maxStderrBytes ?? DEFAULT_MAX_STDERR;

  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    let truncated = false;
    let timedOut = false;
    let startError: string | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;

    const child = spawn(file, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(grace);
      killGroup();
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: Buffer.concat(stdout, stdoutBytes),
        stderr: Buffer.concat(stderr, stderrBytes),
        truncated,
        timedOut,
        ...(startError === undefined ? {} : { startError }),
        durationMs: Math.round(performance.now() - started),
      });
    };

    const deadline = setTimeout(() => {
      timedOut = exit === undefined;
      killGroup();
      finish();
    }, options.timeoutMs);
    let grace: NodeJS.Timeout | undefined;

    child.stdout.on('data', (chunk: Buffer) => {
      if (truncated) return;
      const room = options.maxOutputBytes - stdoutBytes;
      if (chunk.length > room) {
        if (room > 0) stdout.push(chunk.subarray(0, room));
        stdoutBytes += Math.max(room, 0);
        truncated = true;
        killGroup();
        return;
      }
      stdout.push(chunk);
      stdoutBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const room = maxStderr - stderrBytes;
      if (room <= 0) return;
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      stderr.push(kept);
      stderrBytes += kept.length;
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      startError = err.code === 'ENOENT' ? 'command not found' : err.code === 'EACCES' ? 'permission denied' : err.message;
      finish();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      grace = setTimeout(finish, AFTER_EXIT_GRACE_MS);
    });
    child.on('close', finish);
  });
}
