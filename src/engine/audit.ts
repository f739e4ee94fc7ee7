/**
 * runAudit: every enabled rule on every subject of its kind, in every namespace the kind applies to.
 * Subjects come from the registry's enumerators; facts are computed lazily, once per subject; the
 * conditions run through the compiled evaluator (or json-rules-engine with engine: 'reference').
 */
import { DeferredParseError, InputError } from '../errors.js';
import { markSourceUnreadable } from '../model/unreadable.js';
import { allNamespacesCollected } from '../model/netns-request.js';
import type { Evidence, Host, Namespace } from '../model/types.js';
import type { LoadedRule, RuleCatalog } from './catalog.js';
import { compileConditions, type CompiledCondition, type FactGetter } from './evaluator.js';
import { FACT_REGISTRY } from './facts/index.js';
import { createAuditCache, type FactEnv, type FactRegistry, type NamespaceScope, type SubjectInstance, type SubjectSource } from './facts/registry.js';
import { withOrigins } from '../model/evidence-origin.js';
import { mergeEvidence } from './facts/lib/evidence.js';
import { interpolate } from './message.js';
import { SubjectFacts } from './subject-facts.js';
import { unavailableSources, unmetRequirement } from './requirements.js';
import { REPORT_SCHEMA_ID, SEVERITY_RANK, type AuditResult, type Finding, type Skipped, type Subject, type SubjectKind } from './types.js';

export interface AuditOptions {
  /** The input as the user named it (reported back in the result). */
  input: string;
  /** Rule ids (or aliases) not to run. */
  disable?: string[];
  /** Run only these rule ids (or aliases). */
  only?: string[];
  /** 'compiled' (default) or 'reference' (json-rules-engine itself; slow, for verification). */
  engine?: 'compiled' | 'reference';
  /** The fact registry; the built-in one unless a test supplies another. */
  registry?: FactRegistry;
}

interface ActiveRule {
  rule: LoadedRule;
  compiled?: CompiledCondition;
}

const compiledCache = new WeakMap<LoadedRule, CompiledCondition>();

function compiledOf(rule: LoadedRule): CompiledCondition {
  let c = compiledCache.get(rule);
  if (!c) {
    c = compileConditions(rule.definition.conditions);
    compiledCache.set(rule, c);
  }
  return c;
}

function resolveIds(catalog: RuleCatalog, ids: string[], flag: string): Set<LoadedRule> {
  const out = new Set<LoadedRule>();
  for (const id of ids) {
    const rule = catalog.byId.get(id);
    if (!rule) throw new InputError(`unknown rule id "${id}" in ${flag}`, {}, '`netaudit rules` lists the rule ids');
    out.add(rule);
  }
  return out;
}

export function selectRules(catalog: RuleCatalog, options: Pick<AuditOptions, 'only' | 'disable'>): LoadedRule[] {
  const only = options.only && options.only.length > 0 ? resolveIds(catalog, options.only, '--only') : undefined;
  const disabled = resolveIds(catalog, options.disable ?? [], '--disable');
  return catalog.rules.filter((r) => !r.meta.deprecated && (!only || only.has(r)) && !disabled.has(r));
}

function namespacesFor(host: Host, scope: NamespaceScope): Namespace[] {
  if (scope === 'host') return [host.host];
  if (scope === 'others') return host.namespaces.filter((n) => n !== host.host);
  return host.namespaces;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNamespace(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'host') return -1;
  if (b === 'host') return 1;
  return compareText(a, b);
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    compareText(a.ruleId, b.ruleId) ||
    compareNamespace(a.subject.namespace, b.subject.namespace) ||
    compareText(a.subject.name, b.subject.name)
  );
}

function subjectKey(s: Subject): string {
  return `${s.kind}\u0000${s.namespace}\u0000${s.name}`;
}

function evidenceOf(rule: LoadedRule, get: FactGetter): Evidence[] {
  return mergeEvidence(
    ...rule.definition.evidence.map((ref) => {
      const value = typeof ref === 'string' ? get(ref, {}) : get(ref.fact, ref.params ?? {});
      return Array.isArray(value) ? (value as Evidence[]) : [];
    }),
  );
}

function evaluationError(rule: LoadedRule, subject: Subject, err: unknown): InputError {
  if (err instanceof DeferredParseError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InputError(
    `rule ${rule.meta.id} could not be evaluated on ${subject.kind} ${subject.name} (namespace ${subject.namespace}): ${message}`,
    rule.file ? { file: rule.file } : {},
    'check the operators and values of its conditions',
  );
}

/**
 * What one kind × namespace evaluated: its subjects, its rules, and which (subject, rule) pairs fired,
 * as `subject * rules.length + rule`, ascending. Passes are everything else, listed only when asked for.
 */
interface Evaluated {
  kind: SubjectKind;
  namespace: string;
  names: string[];
  ruleIds: string[];
  fired: number[];
}

interface Accumulator {
  findings: Finding[];
  evaluated: Evaluated[];
  skipped: Skipped[];
  ranRules: Set<string>;
}

interface KindRun {
  host: Host;
  kind: SubjectKind;
  source: SubjectSource<unknown>;
  registry: FactRegistry;
  engine: 'compiled' | 'reference';
  env: FactEnv;
}

/** Every runnable rule of one kind on every subject of that kind in one namespace. */
async function auditNamespace(run: KindRun, active: ActiveRule[], out: Accumulator): Promise<void> {
  const { host, kind, source, registry, env } = run;
  const ns = env.namespace;
  const runnable: ActiveRule[] = [];
  for (const a of active) {
    const reason = unmetRequirement(host, ns, a.rule.meta.requires);
    if (reason) out.skipped.push({ ruleId: a.rule.meta.id, reason });
    else runnable.push(a);
  }
  if (runnable.length === 0) return;
  for (const a of runnable) out.ranRules.add(a.rule.meta.id);
  const record: Evaluated = { kind, namespace: ns.name, names: [], ruleIds: runnable.map((a) => a.rule.meta.id), fired: [] };
  out.evaluated.push(record);

  // json-rules-engine is loaded only when asked for: the compiled evaluator needs none of it.
  const reference =
    run.engine === 'reference'
      ? new (await import('./reference.js')).ReferenceEvaluator(
          runnable.map((a) => ({ id: a.rule.meta.id, conditions: a.rule.definition.conditions })),
          registry.factsOf(kind).map((f) => f.name),
        )
      : undefined;
  const facts = new SubjectFacts(registry, kind, env);
  const get = facts.get;
  const ruleCount = runnable.length;
  const enumerated = source.enumerate(env);
  // An indexed loop over tens of thousands of subjects: for...of allocates per step until V8 optimises it.
  const instances = Array.isArray(enumerated) ? (enumerated as SubjectInstance<unknown>[]) : [...enumerated];
  for (let i = 0; i < instances.length; i++) {
    const instance = instances[i] as SubjectInstance<unknown>;
    const index = record.names.length;
    record.names.push(instance.name);
    facts.moveTo(instance.value);
    // Built for findings only: passes are listed from `record` when asked for.
    let subject: Subject | undefined;
    let fired: Set<string> | undefined;
    if (reference) {
      try {
        fired = await reference.fired(get);
      } catch (err) {
        throw evaluationError((runnable[0] as ActiveRule).rule, { kind, name: instance.name, namespace: ns.name }, err);
      }
    }
    for (let r = 0; r < ruleCount; r++) {
      const a = runnable[r] as ActiveRule;
      let fires: boolean;
      try {
        fires = fired ? fired.has(a.rule.meta.id) : (a.compiled as CompiledCondition)(get);
      } catch (err) {
        throw evaluationError(a.rule, { kind, name: instance.name, namespace: ns.name }, err);
      }
      if (!fires) continue;
      record.fired.push(index * ruleCount + r);
      out.findings.push({
        ruleId: a.rule.meta.id,
        severity: a.rule.meta.severity,
        title: a.rule.meta.title,
        subject: (subject ??= { kind, name: instance.name, namespace: ns.name }),
        message: interpolate(a.rule.definition.message, get),
        evidence: evidenceOf(a.rule, get),
        remediation: a.rule.meta.remediation,
      });
    }
  }
}

/** Every (rule, subject) evaluated that did not fire, in evaluation order. */
function passesOf(evaluated: Evaluated[]): { ruleId: string; subject: Subject }[] {
  const passed: { ruleId: string; subject: Subject }[] = [];
  for (const { kind, namespace, names, ruleIds, fired } of evaluated) {
    let next = 0;
    let firedAt = fired[0] ?? -1;
    for (let s = 0; s < names.length; s++) {
      const subject: Subject = { kind, name: names[s] as string, namespace };
      for (let r = 0; r < ruleIds.length; r++) {
        if (s * ruleIds.length + r === firedAt) {
          firedAt = fired[++next] ?? -1;
          continue;
        }
        passed.push({ ruleId: ruleIds[r] as string, subject });
      }
    }
  }
  return passed.sort(
    (a, b) => compareText(a.ruleId, b.ruleId) || compareNamespace(a.subject.namespace, b.subject.namespace) || compareText(a.subject.name, b.subject.name),
  );
}

function distinctSubjects(evaluated: Evaluated[]): number {
  // A kind runs once per namespace: subjects of different records never coincide.
  let count = 0;
  for (const e of evaluated) count += new Set(e.names).size;
  return count;
}

/**
 * `passed` is listed on first use (JUnit reads it; the other formats do not): on a large node it is
 * hundreds of thousands of entries. Assigning to it replaces it.
 */
function definePassed(result: Omit<AuditResult, 'passed'>, evaluated: Evaluated[]): AuditResult {
  let passed: AuditResult['passed'] | undefined;
  return Object.defineProperty(result, 'passed', {
    enumerable: true,
    configurable: true,
    get: () => (passed ??= passesOf(evaluated)),
    set: (value: AuditResult['passed']) => {
      passed = value;
    },
  }) as AuditResult;
}

/**
 * Audit a host. A source that turns out malformed while the checks read it (DeferredParseError) is marked
 * unreadable and the audit runs again without it: the result is the one an up-front parse error gives.
 */
export async function runAudit(host: Host, catalog: RuleCatalog, options: AuditOptions): Promise<AuditResult> {
  for (;;) {
    try {
      return await auditOnce(host, catalog, options);
    } catch (err) {
      if (!(err instanceof DeferredParseError) || !markSourceUnreadable(host, err)) throw err;
    }
  }
}

async function auditOnce(host: Host, catalog: RuleCatalog, options: AuditOptions): Promise<AuditResult> {
  const registry = options.registry ?? FACT_REGISTRY;
  const engine = options.engine ?? 'compiled';
  const rules = selectRules(catalog, options);
  const cache = createAuditCache();
  const out: Accumulator = { findings: [], evaluated: [], skipped: [], ranRules: new Set() };

  const byKind = new Map<SubjectKind, ActiveRule[]>();
  for (const rule of rules) {
    const list = byKind.get(rule.meta.subject) ?? [];
    list.push(engine === 'reference' ? { rule } : { rule, compiled: compiledOf(rule) });
    byKind.set(rule.meta.subject, list);
  }

  for (const [kind, active] of byKind) {
    const source = registry.subjectSource(kind);
    if (!source) {
      for (const a of active) out.skipped.push({ ruleId: a.rule.meta.id, reason: `no fact module provides subjects of kind ${kind}` });
      continue;
    }
    const namespaces = namespacesFor(host, source.namespaces);
    if (namespaces.length === 0) {
      // After --netns all, no other namespace is a fact: nothing to check is not something left unchecked.
      if (allNamespacesCollected(host.meta.netnsRequested)) continue;
      for (const a of active) out.skipped.push({ ruleId: a.rule.meta.id, reason: 'no namespace other than the host\'s was collected (collect with --netns all)' });
      continue;
    }
    for (const namespace of namespaces) {
      await auditNamespace({ host, kind, source, registry, engine, env: { host, namespace, cache } }, active, out);
    }
  }

  const findings = suppress(out.findings, rules);
  findings.sort(compareFindings);
  for (const f of findings) f.evidence = withOrigins(host, f.evidence);
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const f of findings) {
    if (f.severity === 'error') errors++;
    else if (f.severity === 'warning') warnings++;
    else infos++;
  }
  const result = definePassed(
    {
      schema: REPORT_SCHEMA_ID,
      input: options.input,
      host: {},
      findings,
      suppressed: [],
      skipped: out.skipped,
      rules: rules.map((r) => r.meta),
      summary: {
        errors,
        warnings,
        infos,
        rulesEvaluated: out.ranRules.size,
        rulesSkipped: new Set(out.skipped.map((s) => s.ruleId)).size,
        subjectsEvaluated: distinctSubjects(out.evaluated),
        suppressed: 0,
        unavailableSources: unavailableSources(host),
      },
    },
    out.evaluated,
  );
  const meta = host.meta;
  if (meta.hostname !== undefined) result.host.hostname = meta.hostname;
  if (meta.kernel !== undefined) result.host.kernel = meta.kernel;
  if (meta.collectedAt !== undefined) result.host.collectedAt = meta.collectedAt;
  result.host.collector = `${meta.collector.name} ${meta.collector.version}`;
  return result;
}

/**
 * One cause, one finding: a rule's finding is dropped when a rule it names in suppressedBy fired on the
 * same subject (same subject kind), anywhere in the same namespace (another kind), or anywhere at all with
 * a finding that quotes the line proving this one (a container's connection dies at the host's FORWARD
 * policy that forward-drop-without-accept already names). Dropped findings count neither as findings nor
 * as passes.
 */
function suppress(findings: Finding[], rules: LoadedRule[]): Finding[] {
  const byId = new Map(rules.map((r) => [r.meta.id, r]));
  const firedOnSubject = new Set<string>();
  const firedInNamespace = new Set<string>();
  const quoted = new Set<string>();
  for (const f of findings) {
    firedOnSubject.add(`${f.ruleId}\u0000${subjectKey(f.subject)}`);
    firedInNamespace.add(`${f.ruleId}\u0000${f.subject.namespace}`);
    for (const e of f.evidence) quoted.add(`${f.ruleId}\u0000${e.source}\u0000${e.line}`);
  }
  return findings.filter((f) => {
    const rule = byId.get(f.ruleId);
    const proof = f.evidence.find((e) => e.primary);
    for (const by of rule?.definition.suppressedBy ?? []) {
      const suppressor = byId.get(by);
      if (!suppressor) continue;
      const sameKind = suppressor.meta.subject === f.subject.kind;
      if (sameKind ? firedOnSubject.has(`${by}\u0000${subjectKey(f.subject)}`) : firedInNamespace.has(`${by}\u0000${f.subject.namespace}`)) return false;
      if (proof && quoted.has(`${by}\u0000${proof.source}\u0000${proof.line}`)) return false;
    }
    return true;
  });
}
