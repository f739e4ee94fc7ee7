/** schemas/diff.schema.json: the published JSON Schema of `netaudit diff --format json`, from the zod schema in src/diff/schema.ts. */
import { DIFF_SCHEMA_PATH, diffJsonSchema } from '../diff/schema.js';

export function generate(): { path: string; content: string }[] {
  return [{ path: DIFF_SCHEMA_PATH, content: `${JSON.stringify(diffJsonSchema(), null, 2)}\n` }];
}
