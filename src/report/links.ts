/**
 * Where a reader finds more about a rule. The pages ship with netaudit (docs/rules/<id>.md in the
 * package and the repository); the project has no public home yet, so links are package paths,
 * never a made-up URL. One place to change when it gets one.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILT_IN_ORIGIN, BUILT_IN_RULES_DIR } from '../engine/catalog.js';
import type { RuleMeta } from '../engine/types.js';

/** Generated page of a built-in rule (docs/rules/<id>.md, see src/gen/rule-docs.ts). */
export function ruleDocsUrl(id: string): string {
  return `docs/rules/${encodeURIComponent(id)}.md`;
}

/**
 * The same page as a file:// URL into the installed package (docs/ ships beside rules/), for a reader
 * who runs netaudit outside its repository, where the relative path leads nowhere.
 */
export function installedRuleDocsUrl(id: string): string {
  return pathToFileURL(path.join(BUILT_IN_RULES_DIR, '..', ruleDocsUrl(id))).href;
}

/** Rules from a user's --rules directory have no page of ours; `netaudit explain` still describes them. */
export function isBuiltinRule(meta: Pick<RuleMeta, 'origin'>): boolean {
  return meta.origin === BUILT_IN_ORIGIN;
}
