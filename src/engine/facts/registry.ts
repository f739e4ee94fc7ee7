/**
 * The fact registry: which subjects exist for each subject kind, and which facts a rule can ask of them.
 * See src/engine/README.md for the pattern a fact module follows.
 */
import type { Host, Namespace } from '../../model/types.js';
import type { SubjectKind } from '../types.js';

/** The type string a fact declares when its value is Evidence[] (usable in a rule's "evidence"). */
export const EVIDENCE_TYPE = 'Evidence[]';

/** Which namespaces a subject kind is enumerated in. */
export type NamespaceScope = 'host' | 'others' | 'all';

/**
 * Per-audit memo for derived indexes that many subjects share (the uplinks of a namespace, a CIDR index
 * of its bridge subnets, ...): each is computed at most once per audit.
 */
export interface AuditCache {
  perNamespace<T>(namespace: Namespace, key: string, compute: () => T): T;
  perHost<T>(key: string, compute: () => T): T;
}

/** What a fact or an enumerator sees besides its subject. */
export interface FactEnv {
  host: Host;
  namespace: Namespace;
  cache: AuditCache;
}

export type FactParams = Record<string, unknown>;

export interface FactParamDoc {
  name: string;
  description: string;
  required?: boolean;
}

export interface FactDef<S> {
  /** camelCase, unique within its subject kind. */
  name: string;
  /** TypeScript-like type shown in the docs: "number | undefined", "string[]", "Evidence[]". */
  type: string;
  description: string;
  example?: unknown;
  params?: FactParamDoc[];
  /**
   * Pure function of the subject and the host. Declared as a method so that a FactDef<Interface> is
   * assignable to FactDef<unknown> in the registry.
   */
  compute(subject: S, env: FactEnv, params: FactParams): unknown;
}

export interface SubjectInstance<S> {
  /** Subject.name in findings: interface name, "net.ipv4.ip_forward", "filter/FORWARD#3", ... */
  name: string;
  value: S;
}

export interface SubjectSource<S> {
  kind: SubjectKind;
  description: string;
  namespaces: NamespaceScope;
  /** Subjects of this kind in env.namespace, from the model's indexed lists (no joins in loops). */
  enumerate(env: FactEnv): Iterable<SubjectInstance<S>>;
}

export interface FactProvider<S> {
  kind: SubjectKind;
  facts: FactDef<S>[];
}

/** One fact module: the subjects of a kind (at most one module per kind) and/or facts about them. */
export interface FactModule<S> {
  subjects?: SubjectSource<S>;
  facts?: FactProvider<S>;
}

/** Typed helpers so a module's facts are checked against its subject type. */
export function defineSubjects<S>(source: SubjectSource<S>): SubjectSource<S> {
  return source;
}

export function defineFacts<S>(kind: SubjectKind, facts: FactDef<S>[]): FactProvider<S> {
  return { kind, facts };
}

export interface FactDoc {
  name: string;
  subject: SubjectKind;
  type: string;
  description: string;
  example?: unknown;
  params?: FactParamDoc[];
}

export class FactRegistry {
  private readonly sources = new Map<SubjectKind, SubjectSource<unknown>>();
  private readonly facts = new Map<SubjectKind, Map<string, FactDef<unknown>>>();

  constructor(modules: FactModule<unknown>[]) {
    for (const m of modules) {
      if (m.subjects) {
        if (this.sources.has(m.subjects.kind)) throw new Error(`fact registry: two subject sources for kind ${m.subjects.kind}`);
        this.sources.set(m.subjects.kind, m.subjects);
      }
    }
    for (const m of modules) {
      if (!m.facts) continue;
      const { kind } = m.facts;
      if (!this.sources.has(kind)) throw new Error(`fact registry: facts for kind ${kind}, which no module enumerates`);
      let byName = this.facts.get(kind);
      if (!byName) this.facts.set(kind, (byName = new Map()));
      for (const f of m.facts.facts) {
        if (byName.has(f.name)) throw new Error(`fact registry: fact ${kind}.${f.name} defined twice`);
        byName.set(f.name, f);
      }
    }
  }

  kinds(): SubjectKind[] {
    return [...this.sources.keys()];
  }

  subjectSource(kind: SubjectKind): SubjectSource<unknown> | undefined {
    return this.sources.get(kind);
  }

  fact(kind: SubjectKind, name: string): FactDef<unknown> | undefined {
    return this.facts.get(kind)?.get(name);
  }

  factsOf(kind: SubjectKind): FactDef<unknown>[] {
    return [...(this.facts.get(kind)?.values() ?? [])];
  }

  docs(): FactDoc[] {
    const out: FactDoc[] = [];
    for (const [kind, byName] of this.facts) {
      for (const f of byName.values()) {
        const doc: FactDoc = { name: f.name, subject: kind, type: f.type, description: f.description };
        if (f.example !== undefined) doc.example = f.example;
        if (f.params) doc.params = f.params;
        out.push(doc);
      }
    }
    return out.sort((a, b) => (a.subject === b.subject ? a.name.localeCompare(b.name) : a.subject.localeCompare(b.subject)));
  }
}

/** The per-audit cache implementation. */
export function createAuditCache(): AuditCache {
  const byNamespace = new Map<Namespace, Map<string, unknown>>();
  const hostWide = new Map<string, unknown>();
  const memo = <T>(map: Map<string, unknown>, key: string, compute: () => T): T => {
    const known = map.get(key);
    if (known !== undefined || map.has(key)) return known as T;
    const value = compute();
    map.set(key, value);
    return value;
  };
  return {
    perNamespace(namespace, key, compute) {
      let map = byNamespace.get(namespace);
      if (!map) byNamespace.set(namespace, (map = new Map()));
      return memo(map, key, compute);
    },
    perHost(key, compute) {
      return memo(hostWide, key, compute);
    },
  };
}
