/**
 * Real sosreports (sos 4.0, captured by capture.sh in the namespace lab, trimmed) audit like the native
 * snapshot `netaudit collect` took of the same host at the same time: the same host-level error rule ids,
 * from the directory and from the archive in each compression.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, PROJECT_ROOT } from '../cli/run.js';
import { compress, entriesOf, EXTENSION, type Format, tarOf } from './archives.js';

const FIXTURES = path.join(PROJECT_ROOT, 'fixtures/sosreport');
const work = mkdtempSync(path.join(tmpdir(), 'netaudit-sos-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function hostErrors(input: string): Promise<string[]> {
  const run = await cli(['audit', input, '-f', 'json', '--fail-on', 'none', '--no-config']);
  expect(run.code, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout) as { findings: { ruleId: string; severity: string; subject: { namespace: string } }[] };
  return [...new Set(report.findings.filter((f) => f.severity === 'error' && f.subject.namespace === 'host').map((f) => f.ruleId))].sort();
}

async function archiveOf(scenario: string, format: Format): Promise<string> {
  const file = path.join(work, `sosreport-nasos-lab-${scenario}${EXTENSION[format]}`);
  writeFileSync(file, compress(await tarOf(entriesOf(path.join(FIXTURES, scenario), `sosreport-nasos-lab-${scenario}`)), format));
  return file;
}

describe.each([
  { scenario: 'healthy', expected: [] as string[] },
  { scenario: 'forward-drop', expected: ['docker-chains-missing'] },
])('sosreport of the $scenario lab host', ({ scenario, expected }) => {
  it('names the same host errors as the native snapshot, from the directory', async () => {
    const native = await hostErrors(path.join(FIXTURES, `${scenario}.native.json.gz`));
    expect(native).toEqual(expected);
    expect(await hostErrors(path.join(FIXTURES, scenario))).toEqual(native);
  });

  it.each(['xz', 'gzip', 'bzip2'] as const)('and from the .tar of it compressed with %s', async (format) => {
    const native = await hostErrors(path.join(FIXTURES, `${scenario}.native.json.gz`));
    expect(await hostErrors(await archiveOf(scenario, format))).toEqual(native);
  });
});

describe('a sosreport in show and import', () => {
  it('show lists the host and the container namespace sos collected, with sos as the collector', async () => {
    const run = await cli(['show', path.join(FIXTURES, 'forward-drop'), '-f', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const view = JSON.parse(run.stdout) as { namespaces: { name: string; interfaces: { name: string }[] }[] };
    expect(view.namespaces.map((n) => n.name)).toEqual(['host', 'nasos-c1']);
    expect(view.namespaces[0]!.interfaces.map((i) => i.name).sort()).toEqual(['docker0', 'eth0', 'lo', 'veth1a2b3c4']);
    expect(run.stdout).toContain('sos report');
  });

  it('import writes a snapshot whose iptables view is the list form, read again like the sosreport', async () => {
    const out = path.join(work, 'imported.json');
    const run = await cli(['import', path.join(FIXTURES, 'forward-drop'), '-o', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(await hostErrors(out)).toEqual(['docker-chains-missing']);
  });
});
