/**
 * The .netaudit config file (src/gate/find-config.ts, config.ts) and how a gate's files combine
 * (src/gate/load.ts): found from the working directory upward, its baseline relative to itself, `--baseline`
 * replacing that baseline and the waivers of every file applying.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { InputError } from '../../src/errors.js';
import { formatBaseline } from '../../src/gate/baseline.js';
import { readConfig } from '../../src/gate/config.js';
import { CONFIG_FILE_NAME, findConfig } from '../../src/gate/find-config.js';
import { readGate } from '../../src/gate/load.js';
import { tempDir, writeJson } from '../cli/gate-inputs.js';
import { TEST_RULES } from '../cli/run.js';

const dir = tempDir('config');
let catalog: RuleCatalog;
beforeAll(async () => {
  catalog = await loadRuleCatalog([TEST_RULES]);
});

const FINGERPRINT = 'a'.repeat(64);
function baselineFile(file: string, fingerprint = FINGERPRINT): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    formatBaseline({
      schema: 'netaudit/baseline@1',
      findings: [{ fingerprint, ruleId: 'test-warning-mtu', namespace: 'host', subject: { kind: 'interface', name: 'eth0' }, message: 'eth0 has MTU 9001' }],
    }),
  );
  return file;
}

describe('findConfig', () => {
  const repo = path.join(dir, 'repo');
  const nested = path.join(repo, 'hosts', 'web', 'today');
  mkdirSync(nested, { recursive: true });
  writeJson(path.join(repo, CONFIG_FILE_NAME), { waivers: [] });

  it('finds the file from a nested working directory upward', async () => {
    expect(CONFIG_FILE_NAME).toBe('.netaudit');
    expect(await findConfig(nested)).toBe(path.join(repo, '.netaudit'));
    expect(await findConfig(repo)).toBe(path.join(repo, '.netaudit'));
  });

  it('takes the nearest, and passes over a folder of that name', async () => {
    writeJson(path.join(repo, 'hosts', CONFIG_FILE_NAME), { waivers: [] });
    mkdirSync(path.join(nested, CONFIG_FILE_NAME));
    expect(await findConfig(nested)).toBe(path.join(repo, 'hosts', '.netaudit'));
  });

  it('finds nothing where no folder up to the root holds one', async () => {
    const lone = path.join(dir, 'lone', 'a');
    mkdirSync(lone, { recursive: true });
    // The test runs in a temporary folder: only a stray /tmp/.netaudit or /.netaudit would be found.
    expect(await findConfig(lone)).toBeUndefined();
  });
});

describe('readConfig', () => {
  it('resolves its baseline against its own folder and loads its waivers', async () => {
    const file = writeJson(path.join(dir, 'cfg', CONFIG_FILE_NAME), {
      baseline: 'gate/baseline.json',
      waivers: [{ rule: 'test-error-syncookies', subject: 'host', reason: 'lab box', expires: '2020-01-01' }],
    });
    const config = await readConfig(file, catalog, '2026-01-01');
    expect(config.baseline).toBe(path.join(dir, 'cfg', 'gate', 'baseline.json'));
    expect(config.waivers).toMatchObject([{ ruleId: 'test-error-syncookies', file, path: '/waivers/0', expired: true }]);
  });

  it('refuses what the config schema does not know', async () => {
    const file = writeJson(path.join(dir, 'bad-cfg', CONFIG_FILE_NAME), { baseline: 'b.json', strict: true });
    const err = await readConfig(file, catalog, '2026-01-01').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).describe()).toBe(`${file}: /strict: invalid config file: unknown property "strict"`);
  });
});

describe('readGate', () => {
  const root = path.join(dir, 'gate');
  const configBaseline = baselineFile(path.join(root, 'config-baseline.json'), 'c'.repeat(64));
  const flagBaseline = baselineFile(path.join(root, 'flag-baseline.json'), 'f'.repeat(64));
  const config = writeJson(path.join(root, CONFIG_FILE_NAME), {
    baseline: 'config-baseline.json',
    waivers: [{ rule: 'test-error-syncookies', subject: 'host', reason: 'from the config file' }],
  });
  const waiverFile = writeJson(path.join(root, 'more-waivers.json'), { waivers: [{ rule: 'test-warning-mtu', subject: 'eth*', reason: 'from --waivers' }] });

  it('uses the config file\'s baseline and waivers, and adds those of --waivers', async () => {
    const gate = await readGate({ config, waivers: [waiverFile] }, catalog, '2026-01-01');
    expect(gate.baseline).toEqual({ file: configBaseline, fingerprints: new Set(['c'.repeat(64)]) });
    expect(gate.waivers.map((w) => w.reason)).toEqual(['from the config file', 'from --waivers']);
  });

  it('lets --baseline replace the config file\'s baseline', async () => {
    const gate = await readGate({ config, baseline: flagBaseline, waivers: [] }, catalog, '2026-01-01');
    expect(gate.baseline).toEqual({ file: flagBaseline, fingerprints: new Set(['f'.repeat(64)]) });
    expect(gate.waivers).toHaveLength(1);
  });

  it('refuses a baseline that is not one, naming the file and the path', async () => {
    const bad = writeJson(path.join(root, 'not-a-baseline.json'), { schema: 'netaudit/report@1', findings: [] });
    const err = await readGate({ baseline: bad, waivers: [] }, catalog).catch((e: unknown) => e);
    expect((err as InputError).describe()).toBe(`${bad}: /schema: invalid baseline: must be "netaudit/baseline@1"`);
    const short = writeJson(path.join(root, 'short-fingerprint.json'), {
      schema: 'netaudit/baseline@1',
      findings: [{ fingerprint: 'abc', ruleId: 'x', namespace: 'host', subject: { kind: 'host', name: 'host' }, message: '' }],
    });
    expect(((await readGate({ baseline: short, waivers: [] }, catalog).catch((e: unknown) => e)) as InputError).describe()).toMatch(
      new RegExp(`^${short.replace(/[.]/g, '\\.')}: /findings/0/fingerprint: invalid baseline: `),
    );
  });
});
