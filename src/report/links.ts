/**
 * Where a reader finds more about a rule. The pages ship with netaudit (docs/rules/<id>.md in the
 * package and the repository); the project has no public home yet, so links are package paths,
 * never a made-up URL. One place to change when it gets one.
 */
import { BUILT_IN_ORIGIN } from '../engine/catalog.js';
import type { RuleMeta } from '../engine/types.js';

/** Generated page of a built-in rule (docs/rules/<id>.md, see src/gen/rule-docs.ts). */
export function ruleDocsUrl(id: string): string {
  return `docs/rules/${encodeURIComponent(id)}.md`;
}

/** Rules from a user's --rules directory have no page of ours; `netaudit explain` still describes them. */
export function isBuiltinRule(meta: Pick<RuleMeta, 'origin'>): boolean {
  return meta.origin === BUILT_IN_ORIGIN;
}
