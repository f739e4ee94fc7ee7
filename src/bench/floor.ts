/**
 * The floor the pipeline is measured against: reading the snapshot's bytes, JSON.parse of the file, and
 * for each source splitting its text into lines (text sources) or JSON.parse of it (JSON sources).
 * Nothing an auditor can skip. Imports only node:fs, so a process running it loads no more than Node itself.
 */
import { readFileSync } from 'node:fs';

/** Sources printed as JSON by their tools (ip -j, bridge -j). */
const JSON_SOURCES = new Set(['ip-link', 'ip-addr', 'ip-route', 'ip6-route', 'ip-rule', 'ip6-rule', 'ip-neigh', 'bridge-link', 'nft-ruleset']);

interface RawSnapshot {
  namespaces: { sources: Record<string, { stdout: string }> }[];
}

export function readSnapshotBytes(file: string): Buffer {
  return readFileSync(file);
}

export function parseSnapshotJson(bytes: Buffer): RawSnapshot {
  return JSON.parse(bytes.toString('utf8')) as RawSnapshot;
}

/** Split or JSON.parse one source; returns a count so the work cannot be optimised away. */
export function touchSource(id: string, text: string): number {
  if (JSON_SOURCES.has(id)) {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.length : 1;
  }
  return text.split('\n').length;
}

/** Every source of every namespace, with the namespace index in the label when not the host. */
export function sourcesOf(snapshot: RawSnapshot): { id: string; label: string; text: string }[] {
  const out: { id: string; label: string; text: string }[] = [];
  snapshot.namespaces.forEach((ns, i) => {
    for (const [id, source] of Object.entries(ns.sources)) out.push({ id, label: i === 0 ? id : `ns${i}/${id}`, text: source.stdout });
  });
  return out;
}

/** The whole floor in one call (what the floor process runs). */
export function floorWork(file: string): number {
  const snapshot = parseSnapshotJson(readSnapshotBytes(file));
  let count = 0;
  for (const s of sourcesOf(snapshot)) count += touchSource(s.id, s.text);
  return count;
}
