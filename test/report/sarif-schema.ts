/**
 * The official SARIF 2.1.0 JSON Schema (rtm.5, as shipped in @microsoft/jest-sarif, MIT licence), compiled
 * with ajv 8. The file declares draft-04; it uses no keyword whose meaning changed after draft-04
 * (no boolean exclusiveMinimum/Maximum), so its top-level `id` becomes `$id` and it compiles as draft-07.
 * Its `language` pattern is only valid without the regex u flag, hence unicodeRegExp: false.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
const SCHEMA_PATH = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

export function sarifValidator(): ValidateFunction {
  const { id, $schema: _draft04, ...schema } = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  if (JSON.stringify(schema).includes('"exclusiveMinimum":true')) throw new Error('schema uses draft-04 exclusiveMinimum');
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'file:///base/') && !/\s/.test(s));
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  return ajv.compile({ ...schema, $id: String(id) });
}
