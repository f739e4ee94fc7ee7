/**
 * Turning a rule file's schema violations into messages a rule author can act on.
 *
 * ajv decides validity. Its errors for a condition tree are noisy (every branch of the anyOf reports),
 * so conditions are explained by a walker that knows which branch was meant from the keys present;
 * ajv's own errors are used for everything else.
 */
import type { ErrorObject } from 'ajv';

export interface Problem {
  /** JSON pointer into the rule file. */
  path: string;
  message: string;
}

const BOOLEAN_KEYS = ['any', 'all', 'not'] as const;
const META_KEYS = new Set(['priority', 'name']);
const FACT_KEYS = new Set(['fact', 'operator', 'value', 'path', 'params', 'priority', 'name']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkMeta(node: Record<string, unknown>, path: string, out: Problem[]): void {
  if ('priority' in node && !(Number.isInteger(node.priority) && (node.priority as number) >= 1)) out.push({ path: `${path}/priority`, message: 'must be an integer of at least 1' });
  if ('name' in node && typeof node.name !== 'string') out.push({ path: `${path}/name`, message: 'must be a string' });
}

export function explainCondition(node: unknown, path: string, topLevel: boolean, out: Problem[]): void {
  if (!isObject(node)) {
    out.push({ path, message: 'a condition must be an object' });
    return;
  }
  const present = BOOLEAN_KEYS.filter((k) => k in node);
  if (present.length > 1 || (present.length === 1 && 'fact' in node)) {
    out.push({ path, message: `a condition has exactly one of "all", "any", "not" or "fact" (found ${[...present, ...('fact' in node ? ['fact'] : [])].join(', ')})` });
    return;
  }
  const kind = present[0];
  if (kind) {
    for (const key of Object.keys(node)) {
      if (key !== kind && !META_KEYS.has(key)) out.push({ path: `${path}/${key}`, message: `unknown property "${key}" in an "${kind}" condition` });
    }
    checkMeta(node, path, out);
    const sub = node[kind];
    if (kind === 'not') explainCondition(sub, `${path}/not`, false, out);
    else if (!Array.isArray(sub)) out.push({ path: `${path}/${kind}`, message: `"${kind}" must be a list of conditions` });
    else sub.forEach((c, i) => explainCondition(c, `${path}/${kind}/${i}`, false, out));
    return;
  }
  if (topLevel) {
    out.push({ path, message: 'the top-level condition must be "all", "any" or "not"' });
    return;
  }
  if (!('fact' in node)) {
    out.push({ path, message: 'a condition needs "fact", "operator" and "value", or one of "all", "any", "not"' });
    return;
  }
  for (const key of Object.keys(node)) {
    if (!FACT_KEYS.has(key)) out.push({ path: `${path}/${key}`, message: `unknown property "${key}" in a fact condition (allowed: ${[...FACT_KEYS].join(', ')})` });
  }
  for (const key of ['fact', 'operator'] as const) {
    if (!(key in node)) out.push({ path, message: `a fact condition needs "${key}"` });
    else if (typeof node[key] !== 'string' || node[key] === '') out.push({ path: `${path}/${key}`, message: 'must be a non-empty string' });
  }
  if (!('value' in node)) out.push({ path, message: 'a fact condition needs "value"' });
  if ('path' in node && (typeof node.path !== 'string' || !node.path.startsWith('$'))) out.push({ path: `${path}/path`, message: 'must be a JSONPath starting with "$"' });
  if ('params' in node && !isObject(node.params)) out.push({ path: `${path}/params`, message: 'must be an object' });
  const value = node.value;
  if (isObject(value) && 'fact' in value) {
    for (const key of Object.keys(value)) {
      if (!['fact', 'path', 'params'].includes(key)) out.push({ path: `${path}/value/${key}`, message: `unknown property "${key}" in a fact reference (allowed: fact, path, params)` });
    }
  }
  checkMeta(node, path, out);
}

function describeAjvError(e: ErrorObject): Problem {
  const path = e.instancePath || '/';
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: `${e.instancePath}/${String((e.params as { additionalProperty: string }).additionalProperty)}`, message: 'unknown property' };
    case 'required':
      return { path, message: `missing required property "${String((e.params as { missingProperty: string }).missingProperty)}"` };
    case 'enum':
      return { path, message: `must be one of: ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String).join(', ')}` };
    default:
      return { path, message: e.message ?? 'invalid' };
  }
}

/** Problems of a rule file that failed schema validation, most specific first. */
export function explainSchemaErrors(document: unknown, errors: ErrorObject[]): Problem[] {
  const out: Problem[] = [];
  if (!isObject(document)) return [{ path: '/', message: 'a rule file must hold one JSON object' }];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.instancePath.startsWith('/conditions')) continue;
    const p = describeAjvError(e);
    const key = `${p.path} ${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  }
  if ('conditions' in document) explainCondition(document.conditions, '/conditions', true, out);
  if (out.length === 0) {
    // The walker found nothing ajv did not: fall back to ajv's words.
    for (const e of errors) out.push(describeAjvError(e));
  }
  return out;
}
