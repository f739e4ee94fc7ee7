/** What `netaudit collect` does: snapshot this host, write it, and summarise on stderr. */
import os from 'node:os';
import { collectSnapshot } from '../../collect/node-collector.js';
import { ExitCode, UsageError } from '../../errors.js';
import { saveSnapshot, serializeSnapshot } from '../../snapshot/save.js';
import type { Snapshot } from '../../snapshot/schema.js';
import type { CollectFlags } from '../commands/collect.js';
import type { CliIo } from '../program.js';

export async function runCollectCommand(flags: CollectFlags, io: CliIo): Promise<number> {
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
  return ExitCode.ok;
}

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
