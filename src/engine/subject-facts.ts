/**
 * The fact getter of one subject kind in one namespace, reused from subject to subject: facts without
 * params live in slots indexed by fact, stamped with the subject's generation, so that moving on to the
 * next subject allocates nothing. Same answers as cachingGetter over the registry: each (fact, params)
 * is computed at most once per subject, an unknown fact throws when asked for, a throwing fact is not cached.
 */
import { NO_PARAMS, stableJson, type FactGetter } from './evaluator.js';
import type { FactDef, FactEnv, FactParams, FactRegistry } from './facts/registry.js';
import type { SubjectKind } from './types.js';

function hasKeys(params: FactParams): boolean {
  for (const key in params) if (Object.hasOwn(params, key)) return true;
  return false;
}

export class SubjectFacts {
  /** Pass to compiled conditions, messages and evidence; answers for the current subject. */
  readonly get: FactGetter;
  private readonly indexByName = new Map<string, number>();
  private readonly defs: FactDef<unknown>[];
  private readonly values: unknown[];
  private readonly stamps: Uint32Array;
  private generation = 0;
  private subject: unknown;
  private withParams: Map<string, unknown> | undefined;

  constructor(registry: FactRegistry, kind: SubjectKind, private readonly env: FactEnv) {
    this.defs = registry.factsOf(kind);
    this.defs.forEach((def, i) => this.indexByName.set(def.name, i));
    this.values = new Array<unknown>(this.defs.length);
    this.stamps = new Uint32Array(this.defs.length);
    this.get = (name, params) => this.fact(name, params);
  }

  /** Make `subject` the current subject; every fact is computed afresh for it. */
  moveTo(subject: unknown): void {
    this.subject = subject;
    this.generation++;
    this.withParams?.clear();
  }

  private fact(name: string, params: FactParams): unknown {
    if (params !== NO_PARAMS && hasKeys(params)) return this.factWithParams(name, params);
    const i = this.indexOf(name);
    if (this.stamps[i] === this.generation) return this.values[i];
    const value = (this.defs[i] as FactDef<unknown>).compute(this.subject, this.env, params);
    this.values[i] = value;
    this.stamps[i] = this.generation;
    return value;
  }

  private factWithParams(name: string, params: FactParams): unknown {
    const def = this.defs[this.indexOf(name)] as FactDef<unknown>;
    const cache = (this.withParams ??= new Map());
    const key = `${name}\u0000${stableJson(params)}`;
    if (cache.has(key)) return cache.get(key);
    const value = def.compute(this.subject, this.env, params);
    cache.set(key, value);
    return value;
  }

  private indexOf(name: string): number {
    const i = this.indexByName.get(name);
    if (i === undefined) throw new Error(`unknown fact ${name}`);
    return i;
  }
}
