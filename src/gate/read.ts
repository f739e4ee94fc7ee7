/**
 * Reading a gate file (baseline, waivers, .netaudit): JSON, validated with ajv against its published schema
 * in schemas/. Every problem is an InputError naming the file and the JSON path (or line, for bad JSON).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { InputError } from '../errors.js';
import { systemMessage } from '../snapshot/read-bytes.js';
import type { GateSchemaFile } from './files.js';
import { parseJsonFile } from '../parse/json-syntax.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** schemas/ at the package root: two levels up from src/gate, dist/gate and dist/bundle alike. */
const SCHEMAS_DIR = path.resolve(here, '../../schemas');

const validators = new Map<GateSchemaFile, Promise<ValidateFunction>>();

function validatorFor(schemaFile: GateSchemaFile): Promise<ValidateFunction> {
  let validator = validators.get(schemaFile);
  if (!validator) {
    validator = (async () => {
      const file = path.join(SCHEMAS_DIR, schemaFile);
      let schema: unknown;
      try {
        schema = JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        throw new InputError(`cannot read the schema: ${systemMessage(err)}`, { file }, 'reinstall netaudit, or run npm run gen in a checkout');
      }
      const { Ajv2020 } = await import('ajv/dist/2020.js');
      return new Ajv2020({ allErrors: true, strict: false }).compile(schema as object);
    })();
    validators.set(schemaFile, validator);
  }
  return validator;
}

/** The JSON document in `file`, valid against `schemaFile`; what it is called in messages is `what`. */
export async function readGateFile(file: string, schemaFile: GateSchemaFile, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the ${what}: ${systemMessage(err)}`, { file });
  }
  const document = parseJsonFile(text, file, `the ${what} is not valid JSON: `);
  const validate = await validatorFor(schemaFile);
  if (!validate(document)) {
    const errors = validate.errors ?? [];
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
    throw new InputError(`invalid ${what}: ${first ? describeSchemaError(first) : 'does not match its schema'}${more}`, {
      file,
      path: first ? errorPath(first) : '/',
    });
  }
  return document;
}


/** The path of the offending value: for a missing or unknown property, the property itself. */
function errorPath(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const property = params.missingProperty ?? params.additionalProperty;
  const at = error.instancePath === '' ? '' : error.instancePath;
  return property === undefined ? at || '/' : `${at}/${property}`;
}

function describeSchemaError(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string; allowedValue?: unknown; pattern?: string };
  if (params.missingProperty !== undefined) return `"${params.missingProperty}" is required`;
  if (params.additionalProperty !== undefined) return `unknown property "${params.additionalProperty}"`;
  if (error.keyword === 'const') return `must be ${JSON.stringify(params.allowedValue)}`;
  if (error.keyword === 'pattern' && error.instancePath.endsWith('/expires')) return 'must be a date as YYYY-MM-DD';
  if (error.keyword === 'pattern' && error.instancePath.endsWith('/reason')) return 'must give a reason (it is blank)';
  return error.message ?? 'does not match its schema';
}
