/**
 * schemas/baseline.schema.json, schemas/waivers.schema.json and schemas/config.schema.json: the published JSON
 * Schemas of the files a gate reads, generated from the zod schemas in src/gate/files.ts. The CLI validates
 * user files against them with ajv.
 */
import { GATE_SCHEMAS, gateJsonSchema } from '../gate/files.js';

export function generate(): { path: string; content: string }[] {
  return GATE_SCHEMAS.map((entry) => ({ path: `schemas/${entry.file}`, content: `${JSON.stringify(gateJsonSchema(entry), null, 2)}\n` }));
}
