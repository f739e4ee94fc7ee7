/**
 * The compiled evaluator: a rule's conditions become one synchronous closure over a fact getter, with
 * json-rules-engine's semantics (see reference.ts, and the equivalence tests):
 * - all / any over a list, not over one condition; an empty list holds for both all and any;
 * - children are grouped by priority (a condition's own, else 1) and the groups run highest first, with
 *   the same short-circuit between groups; inside a group we stop at the first deciding child (json-rules-engine
 *   evaluates the whole group, which only matters when an operator throws: then it throws too);
 * - `path` applies to object fact values only, `value: { fact }` reads another fact, params go to the fact.
 */
import type { FactParams } from './facts/registry.js';
import { parsePath, resolvePath, type PathStep } from './json-path.js';
import { evaluateOperator, resolveOperator } from './operators.js';
import type { ConditionShape, FactConditionShape, TopLevelConditionShape } from './rule-file.js';

export type FactGetter = (name: string, params: FactParams) => unknown;
export type CompiledCondition = (get: FactGetter) => boolean;

/** The params of a condition or reference that names none (shared: see SubjectFacts). */
export const NO_PARAMS: FactParams = Object.freeze({}) as FactParams;

function compilePath(path: string | undefined): PathStep[] | undefined {
  if (path === undefined || path === '') return undefined;
  const steps = parsePath(path);
  if (!steps) throw new Error(`unsupported path ${path}`);
  return steps;
}

function compileValue(value: unknown): (get: FactGetter) => unknown {
  if (value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, 'fact')) {
    const ref = value as { fact: string; params?: FactParams; path?: string };
    const steps = compilePath(ref.path);
    const params = ref.params ?? NO_PARAMS;
    return steps ? (get) => resolvePath(get(ref.fact, params), steps) : (get) => get(ref.fact, params);
  }
  return () => value;
}

function compileFactCondition(c: FactConditionShape): CompiledCondition {
  const op = resolveOperator(c.operator);
  if (!op) throw new Error(`unknown operator ${c.operator}`);
  const steps = compilePath(c.path);
  const params = c.params ?? NO_PARAMS;
  const right = compileValue(c.value);
  const fact = c.fact;
  if (steps) return (get) => evaluateOperator(op, resolvePath(get(fact, params), steps), right(get));
  return (get) => evaluateOperator(op, get(fact, params), right(get));
}

function priorityOf(c: ConditionShape): number {
  return c.priority ?? 1;
}

/** Children in json-rules-engine's order: priority groups from highest, document order inside a group. */
function ordered(children: ConditionShape[]): ConditionShape[] {
  if (children.every((c) => c.priority === undefined)) return children;
  return children
    .map((c, i) => ({ c, i }))
    .sort((a, b) => priorityOf(b.c) - priorityOf(a.c) || a.i - b.i)
    .map((x) => x.c);
}

function compileList(children: ConditionShape[], mode: 'all' | 'any'): CompiledCondition {
  if (children.length === 0) return () => true;
  const compiled = ordered(children).map(compileCondition);
  if (compiled.length === 1) return compiled[0] as CompiledCondition;
  if (mode === 'all') {
    return (get) => {
      for (const c of compiled) if (!c(get)) return false;
      return true;
    };
  }
  return (get) => {
    for (const c of compiled) if (c(get)) return true;
    return false;
  };
}

export function compileCondition(c: ConditionShape): CompiledCondition {
  if ('any' in c) return compileList(c.any, 'any');
  if ('all' in c) return compileList(c.all, 'all');
  if ('not' in c) {
    const inner = compileCondition(c.not);
    return (get) => !inner(get);
  }
  return compileFactCondition(c);
}

export function compileConditions(top: TopLevelConditionShape): CompiledCondition {
  return compileCondition(top);
}

/** A fact getter over `compute` that computes each (fact, params) once. */
export function cachingGetter(compute: (name: string, params: FactParams) => unknown): FactGetter {
  const cache = new Map<string, unknown>();
  return (name, params) => {
    const key = params === NO_PARAMS || Object.keys(params).length === 0 ? name : `${name}\u0000${stableJson(params)}`;
    if (cache.has(key)) return cache.get(key);
    const value = compute(name, params);
    cache.set(key, value);
    return value;
  };
}

/** JSON with object keys sorted: equal params give equal text. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`)
    .join(',')}}`;
}
