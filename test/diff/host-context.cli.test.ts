/**
 * `netaudit diff` over two raw-output directories of one Docker host before and after a configuration apply
 * (fixtures/diff/host-context): daemon.json gained userland-proxy and an address pool that overlaps the
 * uplink's network, resolv.conf another nameserver, search domain and options, dockerd a flag, and
 * systemd-resolved's upstream file was collected only after. Every format says it, with the lines of both
 * sides; the Salt state's `changes` list it, so that `onchanges` fires on it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { DiffDocument } from '../../src/diff/schema.js';
import { cli, PROJECT_ROOT } from '../cli/run.js';

const BEFORE = path.join(PROJECT_ROOT, 'fixtures/diff/host-context/before');
const AFTER = path.join(PROJECT_ROOT, 'fixtures/diff/host-context/after');
const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schemas/diff.schema.json'), 'utf8')) as object);

type DocChange = DiffDocument['changes'][number];
const line = (c: DocChange): string => `${c.kind} ${c.name}: ${c.before} → ${c.after}`;

const EXPECTED = [
  'source resolved-resolv-conf: not-collected → ok',
  'resolver.nameservers /etc/resolv.conf: 192.0.2.53 198.51.100.53 → 203.0.113.53 198.51.100.53',
  'resolver.search /etc/resolv.conf: corp.example → corp.example lab.example',
  'resolver.options /etc/resolv.conf: null → ndots:2 edns0',
  'docker.setting userland-proxy: true (default) → false (daemon.json)',
  'docker.setting default-address-pools: null → 192.0.2.0/24 size 28 (daemon.json)',
  'runtime.flag dockerd --log-level: null → --log-level=warn',
];

async function json(before: string, after: string, ...flags: string[]) {
  const run = await cli(['diff', before, after, '--format', 'json', ...flags]);
  return { run, doc: JSON.parse(run.stdout) as DiffDocument };
}

describe('netaudit diff: the host context of a Docker host before and after an apply', () => {
  it('json: valid against the schema; each change with the lines of both sides; the overlap it introduced', async () => {
    const { run, doc } = await json(BEFORE, AFTER);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.changes.map(line)).toEqual(EXPECTED);
    expect(doc.summary).toMatchObject({ changes: EXPECTED.length, hostContext: EXPECTED.length, failed: false });
    expect(doc.changes.find((c) => c.kind === 'resolver.search')?.evidence).toEqual([
      { side: 'before', source: '/etc/resolv.conf', line: 2, text: 'search corp.example' },
      { side: 'after', source: '/etc/resolv.conf', line: 2, text: 'search corp.example lab.example' },
    ]);
    expect(doc.changes.find((c) => c.name === 'default-address-pools')?.evidence).toEqual([{ side: 'after', source: '/etc/docker/daemon.json', line: 5, text: '"default-address-pools": [' }]);
    expect(doc.changes.find((c) => c.kind === 'runtime.flag')?.evidence).toEqual([
      { side: 'after', source: '/proc/812/cmdline', line: 1, text: '/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock --log-level=warn' },
    ]);
    expect(doc.findings.introduced.map((f) => `${f.ruleId} [${f.severity}]`)).toEqual(['address-pool-overlap [warning]']);
    expect(run.code).toBe(0);
    expect((await cli(['diff', BEFORE, AFTER, '--fail-on', 'warning'])).code).toBe(1);
  });

  it('the reverse undoes each change and resolves the finding', async () => {
    const { run, doc } = await json(AFTER, BEFORE);
    expect(doc.changes.find((c) => c.kind === 'resolver.nameservers')).toMatchObject({ before: '203.0.113.53 198.51.100.53', after: '192.0.2.53 198.51.100.53' });
    expect(doc.changes.find((c) => c.kind === 'source')).toMatchObject({ name: 'resolved-resolv-conf', before: 'ok', after: 'not-collected' });
    expect(doc.findings.resolved.map((f) => f.ruleId)).toEqual(['address-pool-overlap']);
    expect(run.code).toBe(0);
  });

  it('a host against itself: no change in the context either', async () => {
    const { doc } = await json(AFTER, AFTER);
    expect(doc.changes).toEqual([]);
    expect(doc.summary.hostContext).toBe(0);
  });

  it('text: the host context in a section of its own, each change with its before and after lines', async () => {
    const run = await cli(['diff', BEFORE, AFTER]);
    expect(run.stdout).toContain('Changes (0)\n  none\n\nHost context (7)\n  ~ source resolved-resolv-conf: not-collected → ok\n');
    expect(run.stdout).toContain(
      '  ~ resolver.search /etc/resolv.conf: corp.example → corp.example lab.example\n      before /etc/resolv.conf:2  search corp.example\n      after  /etc/resolv.conf:2  search corp.example lab.example\n',
    );
    expect(run.stdout).toContain('  ~ docker.setting userland-proxy: true (default) → false (daemon.json)\n      after  /etc/docker/daemon.json:4  "userland-proxy": false,\n');
    expect(run.stdout).toMatch(/\npassed \(fail on error\): 7 changes; introduced 0 errors, 1 warning, 0 info; resolved 0; unchanged 0\n$/);
  });

  it('junit and sarif carry the context changes too', async () => {
    const junit = (await cli(['diff', BEFORE, AFTER, '--format', 'junit'])).stdout;
    expect(junit).toContain('+ docker.setting default-address-pools: 192.0.2.0/24 size 28 (daemon.json)');
    expect(junit).toContain('after /etc/resolv.conf:3  nameserver 203.0.113.53');
    const sarif = JSON.parse((await cli(['diff', BEFORE, AFTER, '--format', 'sarif'])).stdout);
    expect((sarif.runs[0].properties.diff.changes as DocChange[]).map(line)).toEqual(EXPECTED);
  });

  const python = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!python)("the Salt state's changes list them (so onchanges fires on a context change)", async () => {
    const { run } = await json(BEFORE, AFTER);
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(path.join(PROJECT_ROOT, 'integrations/salt/tests'))})`,
      'from loader import load',
      "print(json.dumps(load('states', {})._changes_of(json.load(sys.stdin))))",
    ].join('\n');
    const salt = spawnSync('python3', ['-c', script], { input: run.stdout, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    expect(salt.status, salt.stderr).toBe(0);
    const changes = JSON.parse(salt.stdout) as { changes: string[]; introduced: string[] };
    expect(changes.changes).toContain('~ resolver.nameservers /etc/resolv.conf: 192.0.2.53 198.51.100.53 -> 203.0.113.53 198.51.100.53');
    expect(changes.changes).toContain('+ runtime.flag dockerd --log-level: --log-level=warn');
    expect(changes.introduced).toHaveLength(1);
  });
});

describe('netaudit diff: NetworkManager\'s configuration, before and after a [device] section that takes a container veth', () => {
  const NM = path.join(PROJECT_ROOT, 'fixtures/rules/interface-managed-by-network-manager');
  it('json: nm.configured, valid against the schema, with the deciding lines of both sides; the text report says it too', async () => {
    const { doc } = await json(path.join(NM, 'pass'), path.join(NM, 'fail'), '--fail-on', 'none');
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const veth = doc.changes.find((c) => c.kind === 'nm.configured' && c.name === 'veth3c5a6e1');
    expect(veth).toMatchObject({
      before: "unmanaged by udev's NM_UNMANAGED=1 (/usr/lib/udev/rules.d/85-nm-unmanaged.rules line 9)",
      after: "managed by [device-debug] managed=1 (/etc/NetworkManager/conf.d/90-debug.conf line 4), over udev's NM_UNMANAGED=1 (/usr/lib/udev/rules.d/85-nm-unmanaged.rules line 9)",
    });
    expect(veth?.evidence.map((e) => `${e.side} ${e.source}:${e.line}`)).toEqual([
      'before /usr/lib/udev/rules.d/85-nm-unmanaged.rules:9',
      'after /etc/NetworkManager/conf.d/90-debug.conf:3',
      'after /etc/NetworkManager/conf.d/90-debug.conf:4',
      'after /usr/lib/udev/rules.d/85-nm-unmanaged.rules:9',
    ]);
    expect(doc.changes.filter((c) => c.kind === 'nm.configured').map((c) => c.name)).toEqual(['docker0', 'veth3c5a6e1']);
    const text = (await cli(['diff', path.join(NM, 'pass'), path.join(NM, 'fail'), '--fail-on', 'none'])).stdout;
    expect(text).toContain(
      "  ~ nm.configured docker0: unmanaged by [keyfile] unmanaged-devices spec interface-name:docker0 (/etc/NetworkManager/conf.d/90-containers.conf line 3) → default: nothing configured (NetworkManager manages it)\n" +
        '      before /etc/NetworkManager/conf.d/90-containers.conf:3  unmanaged-devices=interface-name:docker0;interface-name:br-*\n',
    );
  });
});
