/**
 * Commands the real-kernel collector labs run (ip netns, iptables, nft): bounded, killed if they overrun,
 * with the sbin directories on PATH and the C locale, never throwing unless asked to.
 */
import { spawnSync } from 'node:child_process';

export const PATH_ENV = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin:/usr/bin:/bin`, LC_ALL: 'C' };

const COMMAND_TIMEOUT_MS = 20_000;

export function run(argv: string[], timeout = COMMAND_TIMEOUT_MS): { ok: boolean; out: string; err: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { timeout, env: PATH_ENV, encoding: 'utf8', killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: r.stderr ?? String(r.error ?? '') };
}

/** run(), throwing with the command and its stderr when it fails. */
export function must(argv: string[], timeout?: number): string {
  const r = run(argv, timeout);
  if (!r.ok) throw new Error(`${argv.join(' ')} failed: ${r.err.trim()}`);
  return r.out;
}
