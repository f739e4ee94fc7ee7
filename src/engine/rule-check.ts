/**
 * Checks of a schema-valid rule against the fact registry and the operators: every fact exists for the
 * rule's subject kind (with its params), every operator exists, paths are in the supported subset,
 * literal values suit their operator (CIDRs parse, regexes are safe), evidence facts are Evidence[],
 * message placeholders name facts. Problems carry the JSON path inside the rule file.
 */
import type { FactRegistry } from './facts/registry.js';
import { EVIDENCE_TYPE } from './facts/registry.js';
import { parsePath } from './json-path.js';
import { checkOperatorValue, resolveOperator } from './operators.js';
import type { Problem } from './rule-diagnostics.js';
import type { ConditionShape, RuleFile } from './rule-file.js';
import type { SubjectKind } from './types.js';

/** {{fact}} or {{fact.a.b}} or {{fact[0]}} */
export const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d{1,9}\])*)\s*\}\}/g;

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

function suggestion(name: string, known: string[]): string {
  const best = known.map((k) => [k, editDistance(name.toLowerCase(), k.toLowerCase())] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean "${best[0]}"?)` : '';
}

class RuleChecker {
  readonly problems: Problem[] = [];

  constructor(
    private readonly registry: FactRegistry,
    private readonly kind: SubjectKind,
  ) {}

  private known(): string[] {
    return this.registry.factsOf(this.kind).map((f) => f.name);
  }

  fact(name: string, params: unknown, path: string, paramsPath: string): boolean {
    const def = this.registry.fact(this.kind, name);
    if (!def) {
      const known = this.known();
      const hint = known.length === 0 ? ` (no module provides facts for ${this.kind} yet)` : suggestion(name, known);
      this.problems.push({ path, message: `unknown fact "${name}" for subject kind "${this.kind}"${hint}; the facts are listed in docs/facts.md` });
      return false;
    }
    const declared = new Map((def.params ?? []).map((p) => [p.name, p]));
    const given = (params ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(given)) {
      if (!declared.has(key)) this.problems.push({ path: `${paramsPath}/${key}`, message: `fact "${name}" takes no parameter "${key}"${declared.size ? ` (it takes: ${[...declared.keys()].join(', ')})` : ''}` });
    }
    for (const p of declared.values()) {
      if (p.required && !(p.name in given)) this.problems.push({ path: paramsPath, message: `fact "${name}" needs the parameter "${p.name}": ${p.description}` });
    }
    return true;
  }

  path(path: string | undefined, at: string): void {
    if (path !== undefined && !parsePath(path)) this.problems.push({ path: at, message: `unsupported path "${path}": use "$" followed by ".name" and "[index]" steps` });
  }

  condition(c: ConditionShape, at: string): void {
    if ('all' in c) c.all.forEach((s, i) => this.condition(s, `${at}/all/${i}`));
    else if ('any' in c) c.any.forEach((s, i) => this.condition(s, `${at}/any/${i}`));
    else if ('not' in c) this.condition(c.not, `${at}/not`);
    else {
      this.fact(c.fact, c.params, `${at}/fact`, `${at}/params`);
      this.path(c.path, `${at}/path`);
      const op = resolveOperator(c.operator);
      if (!op) this.problems.push({ path: `${at}/operator`, message: `unknown operator "${c.operator}"; the operators are listed in docs/facts.md` });
      const v = c.value;
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, 'fact')) {
        const ref = v as { fact: unknown; params?: unknown; path?: unknown };
        if (typeof ref.fact !== 'string') this.problems.push({ path: `${at}/value/fact`, message: 'must be a fact name' });
        else this.fact(ref.fact, ref.params, `${at}/value/fact`, `${at}/value/params`);
        if (ref.path !== undefined && typeof ref.path !== 'string') this.problems.push({ path: `${at}/value/path`, message: 'must be a string' });
        else this.path(ref.path as string | undefined, `${at}/value/path`);
      } else if (op) {
        const problem = checkOperatorValue(c.operator, v);
        if (problem) this.problems.push({ path: `${at}/value`, message: `${c.operator}: ${problem}` });
      }
    }
  }
}

export function checkRule(rule: RuleFile, registry: FactRegistry): Problem[] {
  const checker = new RuleChecker(registry, rule.subject);
  if (!registry.subjectSource(rule.subject)) {
    checker.problems.push({ path: '/subject', message: `no fact module provides subjects of kind "${rule.subject}" yet` });
    return checker.problems;
  }
  checker.condition(rule.conditions, '/conditions');

  rule.evidence.forEach((ref, i) => {
    const name = typeof ref === 'string' ? ref : ref.fact;
    const params = typeof ref === 'string' ? undefined : ref.params;
    const at = typeof ref === 'string' ? `/evidence/${i}` : `/evidence/${i}/fact`;
    if (!checker.fact(name, params, at, `/evidence/${i}/params`)) return;
    const def = registry.fact(rule.subject, name);
    if (def && def.type !== EVIDENCE_TYPE) checker.problems.push({ path: at, message: `fact "${name}" is of type ${def.type}, not ${EVIDENCE_TYPE}: it cannot be quoted as evidence` });
  });

  for (const m of rule.message.matchAll(PLACEHOLDER)) {
    const name = m[1] as string;
    const def = registry.fact(rule.subject, name);
    if (!def) checker.fact(name, undefined, '/message', '/message');
    else if (def.params?.some((p) => p.required)) checker.problems.push({ path: '/message', message: `{{${name}}} needs parameters, which a message placeholder cannot give` });
  }
  const unclosed = rule.message.replace(PLACEHOLDER, '').match(/\{\{[^}]*\}?\}?/);
  if (unclosed) checker.problems.push({ path: '/message', message: `malformed placeholder "${unclosed[0]}": use {{fact}} or {{fact.path}}` });

  if (rule.suppressedBy.includes(rule.id)) checker.problems.push({ path: '/suppressedBy', message: 'a rule cannot suppress itself' });
  return checker.problems;
}
