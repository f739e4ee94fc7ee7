/**
 * Where a reader finds more: the project's home and each built-in rule's documentation page.
 * One place to change when the repository moves.
 */
import { BUILT_IN_ORIGIN } from '../engine/catalog.js';
import type { RuleMeta } from '../engine/types.js';

export const PROJECT_URL = 'https://github.com/netaudit/netaudit';

/** Generated page of a built-in rule (docs/rules/<id>.md, see src/gen/rule-docs.ts). */
export function ruleDocsUrl(id: string): string {
  return `${PROJECT_URL}/blob/main/docs/rules/${encodeURIComponent(id)}.md`;
}

/** Rules from a user's --rules directory have no page of ours; `netaudit explain` still describes them. */
export function isBuiltinRule(meta: Pick<RuleMeta, 'origin'>): boolean {
  return meta.origin === BUILT_IN_ORIGIN;
}
