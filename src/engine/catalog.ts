/**
 * The rule catalog: built-in rules (rules/*.json) plus each user --rules DIR. Every file is validated
 * with ajv against rules/rule.schema.json, then against the fact registry and the operators; any problem
 * is an InputError naming the file and the JSON path.
 *
 * The built-in rules skip the schema step when rules/*.json are, byte for byte, the files `npm run gen`
 * validated into src/generated/built-in-rules.ts (a digest of names and contents says so): ajv and zod,
 * slow to load and to compile, then stay out of an audit that has no --rules. An edited rule file in a
 * checkout fails the digest and is validated like any other.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { InputError } from '../errors.js';
import { BUILT_IN_RULES_DIGEST, builtInRuleDefinitions } from '../generated/built-in-rules.js';
import { FACT_REGISTRY } from './facts/index.js';
import type { FactRegistry } from './facts/registry.js';
import { checkRule } from './rule-check.js';
import { explainSchemaErrors, type Problem } from './rule-diagnostics.js';
import type { RuleFile } from './rule-file.js';
import type { RuleMeta } from './types.js';
import { parseJsonFile } from '../parse/json-syntax.js';

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
    const { Ajv } = await import('ajv');
    const ajv = new Ajv({ allErrors: true, strict: true });
    ajv.addFormat('uri', (s: string) => URL.canParse(s));
    return ajv.compile(schema as object);
  })();
  return validatorPromise;
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
  const document = parseJsonFile(text, file, 'not valid JSON: ');
  const validate = await ruleValidator();
  if (!validate(document)) throw problemsError(file, explainSchemaErrors(document, validate.errors ?? []));
  const { RuleFile } = await import('./rule-file.js');
  const definition = RuleFile.parse(document);

  const expectedName = `${definition.id}.json`;
  if (path.basename(file) !== expectedName) {
    throw new InputError(`rule id "${definition.id}" does not match the file name`, { file, path: '/id' }, `name the file ${expectedName}`);
  }
  return checkedRule(definition, file, origin, registry);
}

/** A schema-valid rule, checked against the registry and the operators. */
function checkedRule(definition: RuleFile, file: string, origin: string, registry: FactRegistry): LoadedRule {
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

/** sha256 of rule files' names and contents: what the precompiled built-in rules were made from. */
export function ruleFilesDigest(files: readonly { name: string; text: string }[]): string {
  const hash = createHash('sha256');
  for (const { name, text } of files) hash.update(`${name}\0${text}\0`);
  return hash.digest('hex');
}

/**
 * The built-in rule files in catalog order, each with its contents. Synchronous: nothing else runs while
 * the catalog loads, and some thirty small reads through the thread pool take several times longer.
 */
export function readBuiltInRuleFiles(): { name: string; text: string }[] {
  return ruleFileNames(readdirSync(BUILT_IN_RULES_DIR)).map((name) => ({ name, text: readFileSync(path.join(BUILT_IN_RULES_DIR, name), 'utf8') }));
}

/** True when rules/*.json are the very files the precompiled rules were made from. */
function builtInRulesUnchanged(): boolean {
  try {
    return ruleFilesDigest(readBuiltInRuleFiles()) === BUILT_IN_RULES_DIGEST;
  } catch {
    return false; // validating the files says what is wrong with them
  }
}

/** The precompiled built-in rules, checked against the registry: code, which the digest does not cover. */
function precompiledBuiltInRules(registry: FactRegistry): LoadedRule[] {
  return builtInRuleDefinitions().map(({ name, definition }) => checkedRule(definition, path.join(BUILT_IN_RULES_DIR, name), BUILT_IN_ORIGIN, registry));
}

async function ruleFilesIn(dir: string): Promise<string[]> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new InputError('rules directory not found', { file: dir });
  }
  if (!info.isDirectory()) throw new InputError('--rules expects a directory of rule files (*.json)', { file: dir });
  return ruleFileNames(await readdir(dir)).map((n) => path.join(dir, n));
}

/** The rule files among a directory's entries, in catalog order. */
function ruleFileNames(entries: string[]): string[] {
  return entries.filter((n) => n.endsWith('.json') && n !== RULE_SCHEMA_FILE).sort();
}

/**
 * Built-in rules plus each directory of `dirs` (a user's --rules DIR). Ids and aliases are unique across
 * the whole catalog; every suppressedBy id must exist in it.
 */
export function loadRuleCatalog(dirs: string[] = [], registry: FactRegistry = FACT_REGISTRY): Promise<RuleCatalog> {
  return assembleCatalog(dirs, registry, true);
}

/** The built-in catalog validated from rules/*.json, never precompiled: what `npm run gen` precompiles. */
export function loadValidatedBuiltInCatalog(registry: FactRegistry = FACT_REGISTRY): Promise<RuleCatalog> {
  return assembleCatalog([], registry, false);
}

async function assembleCatalog(dirs: string[], registry: FactRegistry, usePrecompiled: boolean): Promise<RuleCatalog> {
  const rules: LoadedRule[] = [];
  const byId = new Map<string, LoadedRule>();
  const add = (rule: LoadedRule): void => {
    const file = rule.file as string;
    for (const [id, at] of [[rule.meta.id, '/id'], ...(rule.meta.aliases ?? []).map((a, i) => [a, `/aliases/${i}`])] as [string, string][]) {
      const clash = byId.get(id);
      if (clash) throw new InputError(`rule id "${id}" is already taken by ${clash.file ?? clash.meta.origin}`, { file, path: at }, 'ids and aliases are unique; pick another id');
      byId.set(id, rule);
    }
    rules.push(rule);
  };

  if (usePrecompiled && builtInRulesUnchanged()) precompiledBuiltInRules(registry).forEach(add);
  else for (const file of await ruleFilesIn(BUILT_IN_RULES_DIR)) add(await loadRuleFile(file, BUILT_IN_ORIGIN, registry));
  for (const dir of dirs) {
    for (const file of await ruleFilesIn(dir)) add(await loadRuleFile(file, dir, registry));
  }

  for (const rule of rules) {
    rule.definition.suppressedBy.forEach((id, i) => {
      if (!byId.has(id)) throw new InputError(`suppressedBy names unknown rule "${id}"`, { file: rule.file ?? rule.meta.origin, path: `/suppressedBy/${i}` });
    });
  }
  return { rules, byId };
}
