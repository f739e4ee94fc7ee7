/**
 * Precompiled built-in rules that no longer match rules/*.json (a rule file edited in a checkout, no
 * `npm run gen` since) are not used: the catalog validates the files instead.
 */
import { describe, expect, it, vi } from 'vitest';
import { loadRuleCatalog, loadValidatedBuiltInCatalog } from '../../src/engine/catalog.js';

vi.mock('../../src/generated/built-in-rules.js', () => ({
  BUILT_IN_RULES_DIGEST: 'made from other rule files',
  builtInRuleDefinitions: () => [],
}));

describe('stale precompiled built-in rules', () => {
  it('are ignored in favour of the rule files', async () => {
    const catalog = await loadRuleCatalog();
    expect(catalog.rules.length).toBeGreaterThan(0);
    expect(catalog).toEqual(await loadValidatedBuiltInCatalog());
  });
});
