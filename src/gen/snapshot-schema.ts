/**
 * schemas/snapshot.schema.json, the published JSON Schema of the snapshot format, generated from the
 * zod schema (the source of truth). Input side: fields with defaults are optional in a file.
 */
import { z } from 'zod';
import { SNAPSHOT_SCHEMA_ID, Snapshot } from '../snapshot/schema.js';

export const SNAPSHOT_SCHEMA_PATH = 'schemas/snapshot.schema.json';

export function snapshotJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(Snapshot, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: generated.$schema,
    title: `netaudit snapshot (${SNAPSHOT_SCHEMA_ID})`,
    description: 'Raw output of network configuration commands of one Linux host, per namespace. Written by `netaudit collect` or the POSIX sh collector.',
    ...Object.fromEntries(Object.entries(generated).filter(([k]) => k !== '$schema')),
  };
}

export function generate(): { path: string; content: string }[] {
  return [{ path: SNAPSHOT_SCHEMA_PATH, content: `${JSON.stringify(snapshotJsonSchema(), null, 2)}\n` }];
}
