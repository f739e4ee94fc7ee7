/**
 * rules/rule.schema.json, the published JSON Schema of a rule file, generated from the zod schema in
 * src/engine/rule-file.ts (the source of truth). The catalog validates every rule file against it with ajv.
 */
import { ruleJsonSchema } from '../engine/rule-file.js';

export const RULE_SCHEMA_PATH = 'rules/rule.schema.json';

export function generate(): { path: string; content: string }[] {
  return [{ path: RULE_SCHEMA_PATH, content: `${JSON.stringify(ruleJsonSchema(), null, 2)}\n` }];
}
