/** Build snapshots in tests from raw command outputs, the way a collector would have recorded them. */
import { Snapshot, type SnapshotInput, SNAPSHOT_SCHEMA_ID } from '../../src/snapshot/schema.js';
import { SOURCE_BY_ID, type SourceId } from '../../src/snapshot/sources.js';

export type RawSources = Partial<Record<SourceId, string | { status: 'failed' | 'not-collected'; reason: string }>>;

export interface TestNamespace {
  name: string;
  kind: 'named' | 'container';
  nsid?: number;
  sources: RawSources;
}

function sourcesOf(raw: RawSources): SnapshotInput['namespaces'][number]['sources'] {
  const out: SnapshotInput['namespaces'][number]['sources'] = {};
  for (const [id, value] of Object.entries(raw)) {
    const command = SOURCE_BY_ID.get(id as SourceId)?.argv.join(' ') ?? id;
    if (value === undefined) continue;
    if (typeof value === 'string') {
      out[id] = { status: value.length === 0 ? 'empty' : 'ok', command, exitCode: 0, stdout: value };
    } else {
      out[id] = { status: value.status, command, exitCode: value.status === 'failed' ? 1 : null, stdout: '', reason: value.reason };
    }
  }
  return out;
}

export function makeSnapshot(host: RawSources, options: { namespaces?: TestNamespace[]; sysctlFiles?: { path: string; content: string }[] } = {}): Snapshot {
  const input: SnapshotInput = {
    schema: SNAPSHOT_SCHEMA_ID,
    meta: { hostname: 'test-host', kernel: '6.1.0-test', collector: { name: 'test', version: '0' } },
    namespaces: [
      { name: 'host', kind: 'host', sources: sourcesOf(host) },
      ...(options.namespaces ?? []).map((ns) => ({ name: ns.name, kind: ns.kind, ...(ns.nsid !== undefined ? { nsid: ns.nsid } : {}), sources: sourcesOf(ns.sources) })),
    ],
    sysctlFiles: options.sysctlFiles ? { status: 'ok', files: options.sysctlFiles } : { status: 'not-collected', reason: 'test' },
  };
  return Snapshot.parse(input);
}
