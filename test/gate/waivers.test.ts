/**
 * Waivers (src/gate/waivers.ts, src/gate/read.ts): the subject glob, the expiry day, and every mistake in a
 * waiver file as one message naming the file and the JSON path.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { InputError } from '../../src/errors.js';
import { readConfig } from '../../src/gate/config.js';
import { globToRegExp, loadWaivers, readWaiverFile, utcToday } from '../../src/gate/waivers.js';
import { tempDir } from '../cli/gate-inputs.js';
import { PROJECT_ROOT, TEST_RULES } from '../cli/run.js';

const dir = tempDir('waivers');
let catalog: RuleCatalog;
beforeAll(async () => {
  catalog = await loadRuleCatalog([TEST_RULES]);
});

describe('globToRegExp', () => {
  it('* is any run of characters, also /; ? is one character; the whole name must match', () => {
    expect(globToRegExp('veth*').test('veth1a2b')).toBe(true);
    expect(globToRegExp('nat/DOCKER#*').test('nat/DOCKER#3')).toBe(true);
    expect(globToRegExp('*').test('filter/FORWARD')).toBe(true);
    expect(globToRegExp('eth?').test('eth0')).toBe(true);
    expect(globToRegExp('eth?').test('eth10')).toBe(false);
    expect(globToRegExp('eth0').test('veth0')).toBe(false);
    expect(globToRegExp('eth0').test('eth0.100')).toBe(false);
  });

  it('takes every other character literally', () => {
    expect(globToRegExp('net.ipv4.ip_forward').test('net-ipv4-ip_forward')).toBe(false);
    expect(globToRegExp('10.0.0.0/8 (x)').test('10.0.0.0/8 (x)')).toBe(true);
    expect(globToRegExp('[ab]+').test('a')).toBe(false);
  });
});

describe('loadWaivers', () => {
  const where = { file: 'w.json', path: '/waivers' };

  it('holds through its expiry day (UTC) and expires the day after', () => {
    const waiver = { rule: 'test-warning-mtu', subject: '*', reason: 'jumbo frames', expires: '2026-06-15' };
    expect(loadWaivers([waiver], where, catalog, '2026-06-15')[0]?.expired).toBe(false);
    expect(loadWaivers([waiver], where, catalog, '2026-06-16')[0]?.expired).toBe(true);
    expect(loadWaivers([{ ...waiver, expires: undefined }], where, catalog, '2999-01-01')[0]?.expired).toBe(false);
    expect(utcToday(new Date('2026-06-15T23:59:59Z'))).toBe('2026-06-15');
  });

  it('keeps where each waiver was written and what it says, for messages', () => {
    const [, second] = loadWaivers(
      [
        { rule: 'test-warning-mtu', subject: 'eth0', reason: 'a' },
        { rule: 'test-error-syncookies', subject: 'host', namespace: 'blue', reason: '  lab box  ' },
      ],
      where,
      catalog,
      '2026-01-01',
    );
    expect(second).toMatchObject({ ruleId: 'test-error-syncookies', reason: 'lab box', file: 'w.json', path: '/waivers/1', describe: 'rule test-error-syncookies on host in namespace blue' });
  });

  it('refuses an unknown rule id and a day that does not exist, naming the path', () => {
    const describe = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (err instanceof InputError) return err.describe();
        throw err;
      }
      throw new Error('expected an InputError');
    };
    expect(describe(() => loadWaivers([{ rule: 'no-such-rule', subject: '*', reason: 'x' }], where, catalog, '2026-01-01'))).toBe(
      'w.json: /waivers/0/rule: unknown rule id "no-such-rule" (`netaudit rules` lists the rule ids)',
    );
    expect(describe(() => loadWaivers([{ rule: 'test-warning-mtu', subject: '*', reason: 'x', expires: '2026-02-30' }], where, catalog, '2026-01-01'))).toBe(
      'w.json: /waivers/0/expires: "2026-02-30" is not a date',
    );
  });
});

describe('readWaiverFile', () => {
  async function problem(name: string, text: string): Promise<string> {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    const err = await readWaiverFile(file, catalog, '2026-01-01').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).describe().replace(file, 'FILE');
  }

  it('reads a valid file', async () => {
    const file = path.join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ $schema: '../schemas/waivers.schema.json', waivers: [{ rule: 'test-warning-mtu', subject: 'eth*', reason: 'jumbo frames', expires: '2030-01-01' }] }));
    const [waiver] = await readWaiverFile(file, catalog, '2026-01-01');
    expect(waiver).toMatchObject({ ruleId: 'test-warning-mtu', reason: 'jumbo frames', expires: '2030-01-01', expired: false, file, path: '/waivers/0' });
  });

  it('requires a reason, and one that is not blank', async () => {
    expect(await problem('no-reason.json', '{"waivers": [{"rule": "test-warning-mtu", "subject": "eth*"}]}')).toBe('FILE: /waivers/0/reason: invalid waiver file: "reason" is required');
    expect(await problem('blank.json', '{"waivers": [{"rule": "test-warning-mtu", "subject": "eth*", "reason": " \\t"}]}')).toBe(
      'FILE: /waivers/0/reason: invalid waiver file: must give a reason (it is blank)',
    );
  });

  it('names an unknown property, a bad date and every further problem counted', async () => {
    expect(await problem('typo.json', '{"waivers": [{"rule": "test-warning-mtu", "subject": "*", "reason": "x", "expiry": "2030-01-01"}]}')).toBe(
      'FILE: /waivers/0/expiry: invalid waiver file: unknown property "expiry"',
    );
    expect(await problem('date.json', '{"waivers": [{"rule": "test-warning-mtu", "subject": "*", "reason": "x", "expires": "31.12.2030"}]}')).toBe(
      'FILE: /waivers/0/expires: invalid waiver file: must be a date as YYYY-MM-DD',
    );
    expect(await problem('two.json', '{"waivers": [{"subject": "*"}]}')).toMatch(/^FILE: \/waivers\/0\/(rule|reason): invalid waiver file: "(rule|reason)" is required \(and 1 more problem\)$/);
  });

  it('gives the line of broken JSON, and says when the file cannot be read', async () => {
    expect(await problem('broken.json', '{\n  "waivers": [\n    {"rule": "test-warning-mtu",,}\n  ]\n}\n')).toMatch(/^FILE: line 3: the waiver file is not valid JSON: /);
    const err = await readWaiverFile(path.join(dir, 'missing.json'), catalog, '2026-01-01').catch((e: unknown) => e);
    expect((err as InputError).describe()).toBe(`${path.join(dir, 'missing.json')}: cannot read the waiver file: no such file or directory`);
  });
});

describe('the README\'s examples', () => {
  it('are a valid waiver file and a valid .netaudit file', async () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const waiverExample = blocks.find((b) => b.includes('"waivers": [\n'));
    expect(waiverExample).toBeDefined();
    const file = path.join(dir, 'readme-waivers.json');
    writeFileSync(file, waiverExample!);
    const builtIn = await loadRuleCatalog();
    expect((await readWaiverFile(file, builtIn, '2026-01-01')).map((w) => [w.ruleId, w.expired])).toEqual([
      ['rp-filter-strict', false],
      ['netns-default-route-missing', false],
    ]);
    const configExample = blocks.find((b) => b.includes('"baseline"'));
    const config = path.join(dir, 'readme-config', '.netaudit');
    mkdirSync(path.dirname(config));
    writeFileSync(config, configExample!);
    expect((await readConfig(config, builtIn, '2026-01-01')).baseline).toBe(path.join(dir, 'readme-config', 'gate', 'netaudit-baseline.json'));
  });
});
