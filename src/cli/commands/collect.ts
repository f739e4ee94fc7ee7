/** `netaudit collect`: snapshot this host. */
import os from 'node:os';
import { collectSnapshot, DEFAULT_MAX_OUTPUT_BYTES } from '../../collect/node-collector.js';
import { UsageError } from '../../errors.js';
import { saveSnapshot, serializeSnapshot } from '../../snapshot/save.js';
import type { Snapshot } from '../../snapshot/schema.js';
import { ExitCode } from '../../errors.js';
import type { CliIo, RegisterCommand } from '../program.js';

interface CollectFlags {
  output?: string;
  netns?: string[];
  timeout: string;
  maxBytes?: string;
}

export const registerCollect: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('collect')
    .description('Snapshot this host\'s network configuration (raw command outputs) into one file; run as root')
    .option('-o, --output <file>', 'write the snapshot here (.json, or .json.gz to compress; "-" for stdout). Default: stdout, or netaudit-<host>-<time>.json.gz when stdout is a terminal')
    .option('--netns <names...>', 'also collect inside these named network namespaces; "all" adds every named namespace and the namespaces of running processes (containers)')
    .option('--timeout <seconds>', 'per command; a command still running is killed and recorded as failed', '10')
    .option('--max-bytes <bytes>', `per command output; longer output is cut and marked truncated (default ${DEFAULT_MAX_OUTPUT_BYTES})`)
    .action(async (flags: CollectFlags) => {
      const timeoutMs = positiveNumber(flags.timeout, '--timeout') * 1000;
      const maxOutputBytes = flags.maxBytes === undefined ? undefined : Math.floor(positiveNumber(flags.maxBytes, '--max-bytes'));
      const snapshot = await collectSnapshot({
        timeoutMs,
        env: io.env,
        ...(flags.netns ? { netns: flags.netns } : {}),
        ...(maxOutputBytes === undefined ? {} : { maxOutputBytes }),
      });
      const target = flags.output ?? (io.isTTY ? defaultFileName(snapshot) : '-');
      if (target === '-') {
        io.stdout((await serializeSnapshot(snapshot, { gzip: false })).toString('utf8'));
      } else {
        await saveSnapshot(snapshot, target);
      }
      reportSummary(io, snapshot, target);
      setExitCode(ExitCode.ok);
    });
};

function positiveNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} wants a number above 0, got "${text}"`);
  return value;
}

function defaultFileName(snapshot: Snapshot): string {
  const host = (snapshot.meta.hostname ?? os.hostname()).replace(/[^A-Za-z0-9._-]/g, '_');
  const stamp = (snapshot.meta.collectedAt ?? new Date().toISOString()).replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `netaudit-${host}-${stamp}.json.gz`;
}

/** On stderr: where the snapshot went, what did not come out, and the collector's notes. */
function reportSummary(io: CliIo, snapshot: Snapshot, target: string): void {
  const counts = new Map<string, number>();
  const problems: string[] = [];
  for (const ns of snapshot.namespaces) {
    for (const [id, source] of Object.entries(ns.sources)) {
      counts.set(source.status, (counts.get(source.status) ?? 0) + 1);
      if (source.status === 'failed') problems.push(`  ${ns.name === 'host' ? id : `${ns.name}/${id}`}: ${source.reason ?? 'failed'}`);
    }
  }
  const summary = ['ok', 'empty', 'failed', 'not-collected'].map((s) => `${counts.get(s) ?? 0} ${s}`).join(', ');
  const where = target === '-' ? 'stdout' : target;
  io.stderr(`netaudit: snapshot written to ${where}: ${snapshot.namespaces.length} namespace(s); sources ${summary}\n`);
  for (const line of problems) io.stderr(`${line}\n`);
  for (const note of snapshot.meta.notes) io.stderr(`netaudit: note: ${note}\n`);
}
