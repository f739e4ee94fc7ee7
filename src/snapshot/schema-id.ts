/**
 * The snapshot format's id, apart from the zod schema: code that only stamps or checks the id (the
 * importer, the loader) need not load zod.
 */
export const SNAPSHOT_SCHEMA_ID = 'netaudit/snapshot@1';
