/**
 * Finding messages: {{fact}} and {{fact.a.b}} placeholders replaced by fact values of the subject.
 */
import type { FactGetter } from './evaluator.js';
import { parsePath, resolvePath } from './json-path.js';
import { PLACEHOLDER } from './rule-check.js';

export function formatValue(value: unknown): string {
  if (value === undefined) return 'absent';
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(formatValue).join(', ');
  return JSON.stringify(value);
}

export function interpolate(message: string, get: FactGetter): string {
  return message.replace(PLACEHOLDER, (_m, fact: string, rest: string) => {
    const value = get(fact, {});
    const steps = rest ? parsePath(`$${rest}`) : undefined;
    return formatValue(steps ? resolvePath(value, steps) : value);
  });
}
