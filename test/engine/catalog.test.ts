/**
 * Rule files: the committed schema is the generated one, built-in rules load, and every kind of
 * mistake in a user's rule file is an InputError naming the file and the JSON path.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT_IN_RULES_DIR, loadRuleCatalog, loadValidatedBuiltInCatalog, readBuiltInRuleFiles, ruleFilesDigest } from '../../src/engine/catalog.js';
import { InputError } from '../../src/errors.js';
import { generate } from '../../src/gen/rule-schema.js';
import { BUILT_IN_RULES_DIGEST } from '../../src/generated/built-in-rules.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

const work = mkdtempSync(path.join(tmpdir(), 'netaudit-rules-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let dirCount = 0;
function ruleDir(files: Record<string, unknown>): string {
  const dir = path.join(work, `d${dirCount++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return dir;
}

function siteRule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'site-syncookies',
    title: 'SYN cookies are off',
    severity: 'warning',
    subject: 'host',
    requires: ['sysctl'],
    rationale: 'Without SYN cookies a SYN flood fills the listen queues.',
    remediation: 'sysctl -w net.ipv4.tcp_syncookies=1',
    references: ['https://docs.kernel.org/networking/ip-sysctl.html'],
    message: 'net.ipv4.tcp_syncookies is off on {{hostname}}',
    evidence: [{ fact: 'sysctlEvidence', params: { key: 'net.ipv4.tcp_syncookies' } }],
    conditions: { all: [{ fact: 'sysctlNumber', params: { key: 'net.ipv4.tcp_syncookies' }, operator: 'notEqual', value: 1 }] },
    suppressedBy: [],
    ...overrides,
  };
}

async function loadError(files: Record<string, unknown>): Promise<InputError> {
  const dir = ruleDir(files);
  try {
    await loadRuleCatalog([dir]);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected the catalog to refuse the rule');
}

describe('rule schema', () => {
  it('rules/rule.schema.json is the one generated from the zod schema', () => {
    for (const file of generate()) {
      expect(file.path).toBe('rules/rule.schema.json');
      const committed = readFileSync(path.join(PROJECT_ROOT, file.path), 'utf8');
      expect(committed, 'run `npm run gen` to regenerate rules/rule.schema.json').toBe(file.content);
    }
  });

  it('is a valid draft-07 schema that accepts every built-in rule file', () => {
    const schema = JSON.parse(readFileSync(path.join(BUILT_IN_RULES_DIR, 'rule.schema.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: true });
    ajv.addFormat('uri', (s: string) => URL.canParse(s));
    const validate = ajv.compile(schema);
    expect(validate(siteRule())).toBe(true);
    expect(validate({ ...siteRule(), conditions: { fact: 'ipForward', operator: 'equal', value: 0 } })).toBe(false);
  });
});

describe('precompiled built-in rules (src/generated/built-in-rules.ts)', () => {
  it('were made from the rule files in the tree (run `npm run gen` when this fails)', () => {
    expect(ruleFilesDigest(readBuiltInRuleFiles())).toBe(BUILT_IN_RULES_DIGEST);
  });

  it('make the catalog that validating rules/*.json with ajv makes', async () => {
    const precompiled = await loadRuleCatalog();
    const validated = await loadValidatedBuiltInCatalog();
    expect(precompiled.rules.length).toBe(readBuiltInRuleFiles().length);
    expect(precompiled).toEqual(validated);
  });

  it('stop matching when a rule file is edited, added, removed or renamed', () => {
    const files = readBuiltInRuleFiles();
    const digest = ruleFilesDigest(files);
    const first = files[0]!;
    for (const changed of [
      [{ ...first, text: first.text.replace('"', ' "') }, ...files.slice(1)],
      [...files, { name: 'zz-new.json', text: '{}' }],
      files.slice(1),
      [{ ...first, name: `x${first.name}` }, ...files.slice(1)],
    ]) {
      expect(ruleFilesDigest(changed)).not.toBe(digest);
    }
  });
});

describe('loadRuleCatalog', () => {
  it('loads the built-in rules, indexed by id', async () => {
    const catalog = await loadRuleCatalog();
    expect(catalog.rules.length).toBeGreaterThanOrEqual(18);
    for (const id of ['ip-forward-disabled', 'iface-forwarding-disabled', 'sysctl-drift', 'veth-orphan', 'netns-gateway-mismatch']) {
      expect(catalog.byId.get(id)?.meta.origin).toBe('built-in');
    }
  });

  it('adds a site rule from a --rules directory, with params, evidence params and message placeholders', async () => {
    const dir = ruleDir({ 'site-syncookies.json': siteRule() });
    const catalog = await loadRuleCatalog([dir]);
    const rule = catalog.byId.get('site-syncookies');
    expect(rule?.meta.origin).toBe(dir);
    expect(rule?.definition.suppressedBy).toEqual([]);
  });

  it('names the line of a JSON syntax error', async () => {
    const err = await loadError({ 'broken.json': '{\n  "id": "broken",\n  "title": "x",,\n}\n' });
    expect(err.location.file).toMatch(/broken\.json$/);
    expect(err.location.line).toBe(3);
    expect(err.message).toMatch(/not valid JSON/);
  });

  it('names the JSON path of schema violations', async () => {
    const missing = siteRule();
    delete missing.rationale;
    let err = await loadError({ 'site-syncookies.json': missing });
    expect(err.location.path).toBe('/');
    expect(err.message).toMatch(/missing required property "rationale"/);

    err = await loadError({ 'site-syncookies.json': siteRule({ severity: 'fatal' }) });
    expect(err.location.path).toBe('/severity');
    expect(err.message).toMatch(/error, warning, info/);

    err = await loadError({ 'site-syncookies.json': siteRule({ colour: 'red' }) });
    expect(err.location.path).toBe('/colour');

    err = await loadError({ 'site-syncookies.json': siteRule({ references: ['not a url'] }) });
    expect(err.location.path).toBe('/references/0');
  });

  it('explains a broken condition tree at the right node', async () => {
    let err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { all: [{ fact: 'ipForward', value: 0 }] } }) });
    expect(err.location.path).toBe('/conditions/all/0');
    expect(err.message).toMatch(/needs "operator"/);

    err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { all: [{ any: [{ fact: 'ipForward', operator: 'equal', value: 0, extra: 1 }] }] } }) });
    expect(err.location.path).toBe('/conditions/all/0/any/0/extra');

    err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { fact: 'ipForward', operator: 'equal', value: 0 } }) });
    expect(err.location.path).toBe('/conditions');
    expect(err.message).toMatch(/top-level condition must be "all", "any" or "not"/);

    err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { all: [{ all: [], any: [] }] } }) });
    expect(err.location.path).toBe('/conditions/all/0');
    expect(err.message).toMatch(/exactly one/);
  });

  it('rejects unknown facts and operators at load time, with a suggestion', async () => {
    let err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { all: [{ fact: 'ipFoward', operator: 'equal', value: 0 }] } }) });
    expect(err.location.path).toBe('/conditions/all/0/fact');
    expect(err.message).toMatch(/unknown fact "ipFoward" for subject kind "host".*did you mean "ipForward"/);

    // A fact of another subject kind is unknown here.
    err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { any: [{ not: { fact: 'mtu', operator: 'greaterThan', value: 9000 } }] } }) });
    expect(err.location.path).toBe('/conditions/any/0/not/fact');

    err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { all: [{ fact: 'ipForward', operator: 'equals', value: 0 }] } }) });
    expect(err.location.path).toBe('/conditions/all/0/operator');
    expect(err.message).toMatch(/unknown operator "equals"/);

    err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { all: [{ fact: 'ipForward', operator: 'equal', value: { fact: 'nope' } }] } }) });
    expect(err.location.path).toBe('/conditions/all/0/value/fact');
  });

  it('checks params, paths, values, evidence facts and placeholders', async () => {
    let err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { all: [{ fact: 'sysctlNumber', operator: 'equal', value: 1 }] } }) });
    expect(err.location.path).toBe('/conditions/all/0/params');
    expect(err.message).toMatch(/needs the parameter "key"/);

    err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { all: [{ fact: 'ipForward', params: { colour: 1 }, operator: 'equal', value: 1 }] } }) });
    expect(err.location.path).toBe('/conditions/all/0/params/colour');

    err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { all: [{ fact: 'uplinkCandidates', path: '$..name', operator: 'equal', value: 1 }] } }) });
    expect(err.location.path).toBe('/conditions/all/0/path');

    err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { all: [{ fact: 'hostname', operator: 'matchesRegex', value: '(a+)+$' }] } }) });
    expect(err.location.path).toBe('/conditions/all/0/value');
    expect(err.message).toMatch(/nested quantifier/);

    err = await loadError({ 'site-syncookies.json': siteRule({ conditions: { all: [{ fact: 'uplinkCandidates', operator: 'someFact:inCidr', value: '10.0.0.0/40' }] } }) });
    expect(err.location.path).toBe('/conditions/all/0/value');

    err = await loadError({ 'site-syncookies.json': siteRule({ evidence: ['ipForward'] }) });
    expect(err.location.path).toBe('/evidence/0');
    expect(err.message).toMatch(/not Evidence\[\]/);

    err = await loadError({ 'site-syncookies.json': siteRule({ message: 'value {{nope}}' }) });
    expect(err.location.path).toBe('/message');
    err = await loadError({ 'site-syncookies.json': siteRule({ message: 'value {{ipForward' }) });
    expect(err.message).toMatch(/malformed placeholder/);
  });

  it('keeps ids unique and tied to file names, and suppressedBy pointing at real rules', async () => {
    let err = await loadError({ 'ip-forward-disabled.json': siteRule({ id: 'ip-forward-disabled' }) });
    expect(err.message).toMatch(/already taken/);
    expect(err.location.path).toBe('/id');

    err = await loadError({ 'other-name.json': siteRule() });
    expect(err.message).toMatch(/does not match the file name/);

    err = await loadError({ 'site-syncookies.json': siteRule({ aliases: ['veth-orphan'] }) });
    expect(err.location.path).toBe('/aliases/0');

    err = await loadError({ 'site-syncookies.json': siteRule({ suppressedBy: ['no-such-rule'] }) });
    expect(err.location.path).toBe('/suppressedBy/0');

    err = await loadError({ 'site-syncookies.json': siteRule({ id: 'Site_Rule' }) });
    expect(err.location.path).toBe('/id');
  });

  it('refuses a --rules path that is not a directory', async () => {
    await expect(loadRuleCatalog([path.join(work, 'missing')])).rejects.toThrow(InputError);
    const file = path.join(work, 'file.json');
    writeFileSync(file, '{}');
    await expect(loadRuleCatalog([file])).rejects.toThrow(/expects a directory/);
  });
});
