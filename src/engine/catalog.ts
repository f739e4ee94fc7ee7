/**
 * The rule catalog: built-in rules (rules/*.json) plus each user --rules DIR. Every file is validated
 * with ajv against rules/rule.schema.json, then against the fact registry and the operators; any problem
 * is an InputError naming the file and the JSON path.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { InputError } from '../errors.js';
import { FACT_REGISTRY } from './facts/index.js';
import type { FactRegistry } from './facts/registry.js';
import { checkRule } from './rule-check.js';
import { explainSchemaErrors, type Problem } from './rule-diagnostics.js';
import { RuleFile } from './rule-file.js';
import type { RuleMeta } from './types.js';

export interface LoadedRule {
  meta: RuleMeta;
  definition: RuleFile;
  /** The file it was loaded from. */
  file?: string;
}

export interface RuleCatalog {
  /** Every rule, built-ins first, each directory's in file-name order. */
  rules: LoadedRule[];
  /** By id and by alias. */
  byId: Map<string, LoadedRule>;
}

export const BUILT_IN_ORIGIN = 'built-in';

const here = path.dirname(fileURLToPath(import.meta.url));
/** rules/ at the package root: the same two levels up from src/engine and dist/engine. */
export const BUILT_IN_RULES_DIR = path.resolve(here, '../../rules');
export const RULE_SCHEMA_FILE = 'rule.schema.json';

let validatorPromise: Promise<ValidateFunction> | undefined;

async function ruleValidator(): Promise<ValidateFunction> {
  validatorPromise ??= (async () => {
    const file = path.join(BUILT_IN_RULES_DIR, RULE_SCHEMA_FILE);
    let schema: unknown;
    try {
      schema = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new InputError(`cannot read the rule schema: ${(err as Error).message}`, { file }, 'reinstall netaudit, or run npm run gen in a checkout');
    }
    const ajv = new Ajv({ allErrors: true, strict: true });
    ajv.addFormat('uri', (s: string) => URL.canParse(s));
    return ajv.compile(schema as object);
  })();
  return validatorPromise;
}

/** "Unexpected token } in JSON at position 120" → line of position 120. */
function jsonErrorLine(text: string, message: string): number | undefined {
  const pos = /position (\d+)/.exec(message);
  if (pos) return text.slice(0, Number(pos[1])).split('\n').length;
  const line = /line (\d+)/.exec(message);
  return line ? Number(line[1]) : undefined;
}

function problemsError(file: string, problems: Problem[]): InputError {
  const first = problems[0] as Problem;
  const rest = problems.slice(1, 6).map((p) => `${p.path}: ${p.message}`);
  const more = problems.length > 6 ? `; and ${problems.length - 6} more` : '';
  const message = `invalid rule: ${first.message}${rest.length ? `; also ${rest.join('; ')}` : ''}${more}`;
  return new InputError(message, { file, path: first.path });
}

async function loadRuleFile(file: string, origin: string, registry: FactRegistry): Promise<LoadedRule> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read rule file: ${(err as Error).message}`, { file });
  }
  let document: unknown;
  try {
    document = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const message = (err as Error).message;
    const line = jsonErrorLine(text, message);
    throw new InputError(`not valid JSON: ${message}`, line === undefined ? { file } : { file, line });
  }
  const validate = await ruleValidator();
  if (!validate(document)) throw problemsError(file, explainSchemaErrors(document, validate.errors ?? []));
  const definition = RuleFile.parse(document);

  const expectedName = `${definition.id}.json`;
  if (path.basename(file) !== expectedName) {
    throw new InputError(`rule id "${definition.id}" does not match the file name`, { file, path: '/id' }, `name the file ${expectedName}`);
  }
  const problems = checkRule(definition, registry);
  if (problems.length > 0) throw problemsError(file, problems);

  const meta: RuleMeta = {
    id: definition.id,
    title: definition.title,
    severity: definition.severity,
    subject: definition.subject,
    rationale: definition.rationale,
    remediation: definition.remediation,
    references: definition.references,
    requires: definition.requires,
    origin,
  };
  if (definition.deprecated !== undefined) meta.deprecated = definition.deprecated;
  if (definition.aliases !== undefined) meta.aliases = definition.aliases;
  return { meta, definition, file };
}

async function ruleFilesIn(dir: string): Promise<string[]> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new InputError('rules directory not found', { file: dir });
  }
  if (!info.isDirectory()) throw new InputError('--rules expects a directory of rule files (*.json)', { file: dir });
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json') && n !== RULE_SCHEMA_FILE).sort();
  return names.map((n) => path.join(dir, n));
}

/**
 * Built-in rules plus each directory of `dirs` (a user's --rules DIR). Ids and aliases are unique across
 * the whole catalog; every suppressedBy id must exist in it.
 */
export async function loadRuleCatalog(dirs: string[] = [], registry: FactRegistry = FACT_REGISTRY): Promise<RuleCatalog> {
  const sources: { dir: string; origin: string }[] = [{ dir: BUILT_IN_RULES_DIR, origin: BUILT_IN_ORIGIN }, ...dirs.map((d) => ({ dir: d, origin: d }))];
  const rules: LoadedRule[] = [];
  const byId = new Map<string, LoadedRule>();
  for (const { dir, origin } of sources) {
    for (const file of await ruleFilesIn(dir)) {
      const rule = await loadRuleFile(file, origin, registry);
      for (const [id, at] of [[rule.meta.id, '/id'], ...(rule.meta.aliases ?? []).map((a, i) => [a, `/aliases/${i}`])] as [string, string][]) {
        const clash = byId.get(id);
        if (clash) throw new InputError(`rule id "${id}" is already taken by ${clash.file ?? clash.meta.origin}`, { file, path: at }, 'ids and aliases are unique; pick another id');
        byId.set(id, rule);
      }
      rules.push(rule);
    }
  }
  for (const rule of rules) {
    rule.definition.suppressedBy.forEach((id, i) => {
      if (!byId.has(id)) throw new InputError(`suppressedBy names unknown rule "${id}"`, { file: rule.file ?? rule.meta.origin, path: `/suppressedBy/${i}` });
    });
  }
  return { rules, byId };
}
