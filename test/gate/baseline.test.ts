/**
 * Baselines (src/gate/baseline.ts): today's findings as fingerprints, each once, readable back by
 * `audit --baseline`; the published schema the file is checked against is generated from zod.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { findingFingerprint } from '../../src/engine/fingerprint.js';
import type { AuditResult } from '../../src/engine/types.js';
import { baselineOf, formatBaseline, readBaseline } from '../../src/gate/baseline.js';
import { GATE_SCHEMAS, gateJsonSchema } from '../../src/gate/files.js';
import { namespaceIdentities } from '../../src/gate/identity.js';
import { buildHost } from '../../src/model/build.js';
import type { Host } from '../../src/model/types.js';
import { loadInput } from '../../src/snapshot/load.js';
import { tempDir } from '../cli/gate-inputs.js';
import { DOCKER_HOST, PROJECT_ROOT, TEST_RULES } from '../cli/run.js';

const dir = tempDir('baseline');
let catalog: RuleCatalog;
let host: Host;
beforeAll(async () => {
  catalog = await loadRuleCatalog([TEST_RULES]);
  host = buildHost((await loadInput(DOCKER_HOST)).snapshot);
});

const audit = (input: string): Promise<AuditResult> => runAudit(host, catalog, { input, only: ['test-error-syncookies', 'test-warning-mtu'] });

describe('baselineOf', () => {
  it('holds each finding once by rule, namespace and subject, with its message for people reading the file', async () => {
    const identities = namespaceIdentities(host);
    // Two collections of the same host: the same findings, written once.
    const baseline = baselineOf([
      { result: await audit('monday'), identities },
      { result: await audit('tuesday'), identities },
    ]);
    expect(baseline).toEqual({
      schema: 'netaudit/baseline@1',
      findings: [
        {
          fingerprint: findingFingerprint('test-error-syncookies', { kind: 'host', name: 'host', namespace: 'host' }),
          ruleId: 'test-error-syncookies',
          namespace: 'host',
          subject: { kind: 'host', name: 'host' },
          message: 'net.ipv4.tcp_syncookies is 0',
        },
        {
          fingerprint: findingFingerprint('test-warning-mtu', { kind: 'interface', name: 'eth0', namespace: 'host' }),
          ruleId: 'test-warning-mtu',
          namespace: 'host',
          subject: { kind: 'interface', name: 'eth0' },
          message: 'eth0 has MTU 9001',
        },
      ],
    });
  });

  it('keeps the findings an older baseline or a waiver suppresses today: they are still accepted', async () => {
    const result = await audit('today');
    const [suppressed, ...rest] = result.findings;
    result.findings = rest;
    result.suppressed = [{ ...suppressed!, suppression: { kind: 'waiver', justification: 'lab box', file: 'w.json' } }];
    expect(baselineOf([{ result, identities: namespaceIdentities(host) }]).findings.map((f) => f.ruleId).sort()).toEqual(['test-error-syncookies', 'test-warning-mtu']);
  });
});

describe('formatBaseline and readBaseline', () => {
  it('read back the fingerprints written', async () => {
    const baseline = baselineOf([{ result: await audit('x'), identities: namespaceIdentities(host) }]);
    const file = path.join(dir, 'baseline.json');
    writeFileSync(file, formatBaseline(baseline));
    expect(readFileSync(file, 'utf8').endsWith('}\n')).toBe(true);
    expect(await readBaseline(file)).toEqual({ file, fingerprints: new Set(baseline.findings.map((f) => f.fingerprint)) });
  });
});

describe('the published gate schemas', () => {
  it('are the ones generated from zod (npm run gen writes them)', () => {
    for (const entry of GATE_SCHEMAS) {
      const committed = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schemas', entry.file), 'utf8')) as unknown;
      expect(committed, entry.file).toEqual(gateJsonSchema(entry));
    }
  });
});
