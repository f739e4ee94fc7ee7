/**
 * Generated files (docs/, schemas/, rules/rule.schema.json, the README rule table) are committed: this fails
 * when one is out of date. Fix: `npm run gen` and commit the result.
 */
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runGenerators } from '../../src/gen/index.js';

describe('generated files', () => {
  it('are up to date (run `npm run gen` when this fails)', async () => {
    const result = await runGenerators(PROJECT_ROOT);
    expect(result.failures).toEqual([]);
    expect(result.files.length).toBeGreaterThan(0);
    expect(result.stale).toEqual([]);
    expect(result.orphans).toEqual([]);
  });

  it('include a docs page for every built-in rule, the facts page and the README table', async () => {
    const { files } = await runGenerators(PROJECT_ROOT);
    const paths = new Set(files.map((f) => f.path));
    expect(paths.has('docs/facts.md')).toBe(true);
    expect(paths.has('docs/rules/README.md')).toBe(true);
    expect(paths.has('README.md')).toBe(true);
  });
});
