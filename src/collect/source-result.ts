/**
 * From a finished command to a snapshot Source, with the status rules both collectors share:
 * missing tool / timeout / non-zero exit → failed (with the reason), exit 0 and nothing printed → empty.
 */
import { formatBytes } from '../snapshot/read-bytes.js';
import type { Source } from '../snapshot/schema.js';
import { storeBytes } from '../snapshot/utf8.js';
import type { RunResult } from './run-command.js';

export const REASON_NOT_FOUND = 'command not found';

export function timeoutReason(timeoutMs: number): string {
  const seconds = timeoutMs / 1000;
  return `timed out after ${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

export function sourceFromRun(command: string, run: RunResult, limits: { timeoutMs: number; maxOutputBytes: number }): Source {
  const out = storeBytes(run.stdout);
  const err = storeBytes(run.stderr);
  const base = {
    command,
    exitCode: run.exitCode,
    stdout: out.text,
    stdoutEncoding: out.encoding,
    stderr: err.text,
    stderrEncoding: err.encoding,
    durationMs: run.durationMs,
    truncated: run.truncated,
  };
  if (run.startError !== undefined) return { ...base, status: 'failed', reason: run.startError };
  if (run.timedOut) return { ...base, status: 'failed', reason: timeoutReason(limits.timeoutMs) };
  if (run.truncated) {
    // Stopped by the collector: whatever status it would have exited with is not its own.
    return { ...base, exitCode: null, status: 'ok', reason: `output cut at ${formatBytes(limits.maxOutputBytes)}, the size limit; the command was stopped` };
  }
  if (run.exitCode === null) return { ...base, status: 'failed', reason: `killed by signal ${run.signal ?? 'unknown'}` };
  if (run.exitCode !== 0) return { ...base, status: 'failed', reason: exitReason(run.exitCode, run.stderr) };
  return { ...base, status: run.stdout.length === 0 ? 'empty' : 'ok' };
}

/** "exit code 1: <first line of stderr>" */
export function exitReason(exitCode: number, stderr: Buffer): string {
  const firstLine = stderr
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (firstLine === undefined) return `exit code ${exitCode}`;
  return `exit code ${exitCode}: ${firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine}`;
}
