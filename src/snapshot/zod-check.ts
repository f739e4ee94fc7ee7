/**
 * zod's verdict on a snapshot, its first problem worded for the user with a JSON path. The loader
 * imports this module only when the precompiled validator rejects a snapshot: zod is the source of
 * truth for the format, and slow to load.
 */
import type { core } from 'zod';
import { InputError } from '../errors.js';
import { pointer } from './json-pointer.js';
import { Snapshot } from './schema.js';

/** The snapshot as zod parses it (defaults filled in), or an InputError naming the first problem. */
export function parseWithZod(data: unknown, label: string): Snapshot {
  const result = Snapshot.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new InputError(`${describeIssue(first, data)}${more}`, { file: label, path: pointer(issuePath(first)) });
}

function issuePath(issue: core.$ZodIssue): PropertyKey[] {
  if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) return [...issue.path, issue.keys[0]!];
  return issue.path;
}

function describeIssue(issue: core.$ZodIssue, data: unknown): string {
  switch (issue.code) {
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}`
        : `expected one of ${issue.values.map(String).join('|')}`;
    case 'invalid_type': {
      const actual = valueAt(data, issue.path);
      return actual.found ? `expected ${issue.expected}, got ${typeName(actual.value)}` : `missing required ${issue.expected}`;
    }
    case 'unrecognized_keys':
      return issue.keys.length === 1
        ? 'unknown key'
        : `unknown keys ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `expected at least ${String(issue.minimum)} character${issue.minimum === 1 ? '' : 's'}`;
      return `expected a number ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'invalid_format':
    case 'too_big':
    case 'not_multiple_of':
    case 'invalid_key':
    case 'invalid_element':
    case 'invalid_union':
    case 'custom':
      return issue.message;
  }
}

function valueAt(data: unknown, path: PropertyKey[]): { found: boolean; value?: unknown } {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return { found: false };
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: cur };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isInteger(value)) return `number ${value}`;
  return typeof value;
}
