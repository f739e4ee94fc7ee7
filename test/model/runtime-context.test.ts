/**
 * The host context read from files, end to end without a collector: a raw-output directory's files/ imported,
 * the model's resolvers and runtime configuration (daemon.json and dockerd's flags merged as dockerd merges
 * them), `show`, and the rules that read them (docker-chains-missing silent where Docker manages no iptables
 * rules, address-pool-overlap leaving Docker's own bridges out).
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { buildHost } from '../../src/model/build.js';
import { renderShowText } from '../../src/show/text.js';
import { hostView } from '../../src/show/view.js';
import { importRawDir } from '../../src/snapshot/import.js';
import type { FileSource, Snapshot } from '../../src/snapshot/schema.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { makeSnapshot } from '../helpers/snapshot.js';

const FIXTURES = path.join(PROJECT_ROOT, 'fixtures/rules');

const file = (p: string, content: string): FileSource => ({ status: 'ok', files: [{ path: p, status: 'ok', content, encoding: 'utf8' }] });

function withFiles(snapshot: Snapshot, files: Record<string, FileSource>, namespace = 'host'): Snapshot {
  const ns = snapshot.namespaces.find((n) => n.name === namespace)!;
  ns.files = { ...(ns.files ?? {}), ...files };
  return snapshot;
}

describe('runtime configuration: daemon.json and dockerd\'s command line', () => {
  const runtime = (files: Record<string, FileSource>) => buildHost(withFiles(makeSnapshot({}), files)).runtime;

  it('takes each setting from daemon.json or a flag, else Docker\'s default, with its line', () => {
    const docker = runtime({
      'docker-daemon-json': file('/etc/docker/daemon.json', '{\n  "iptables": false,\n  "bip": "10.200.0.1/24"\n}\n'),
      'runtime-cmdlines': file('/proc/812/cmdline', '/usr/bin/dockerd\u0000--userland-proxy=false\u0000--default-address-pool\u0000base=10.201.0.0/16,size=24\u0000'),
    })?.docker;
    expect(docker?.running).toBe(true);
    expect(docker?.iptables).toMatchObject({ value: false, origin: 'daemon.json', evidence: { source: '/etc/docker/daemon.json', line: 2 } });
    expect(docker?.userlandProxy).toMatchObject({ value: false, origin: 'flag', evidence: { source: '/proc/812/cmdline', line: 1 } });
    expect(docker?.ipMasq).toEqual({ value: true, origin: 'default' });
    expect(docker?.firewallBackend).toEqual({ value: 'iptables', origin: 'default' });
    expect(docker?.bip).toMatchObject({ value: '10.200.0.1/24', origin: 'daemon.json' });
    expect(docker?.defaultAddressPools).toMatchObject({ value: [{ base: '10.201.0.0/16', size: 24 }], origin: 'flag' });
    expect(docker?.conflicts).toEqual([]);
  });

  it('records a setting given twice (dockerd refuses to start), under daemon.json\'s key for the flag\'s name', () => {
    const docker = runtime({
      'docker-daemon-json': file('/etc/docker/daemon.json', '{\n  "hosts": ["unix:///var/run/docker.sock"],\n  "iptables": true\n}\n'),
      'runtime-cmdlines': file('/proc/90/cmdline', 'dockerd\u0000-H\u0000fd://\u0000--iptables=false\u0000'),
    })?.docker;
    expect(docker?.conflicts.map((c) => [c.key, c.file.line])).toEqual([['hosts', 2], ['iptables', 3]]);
  });

  it('leaves daemon.json out when dockerd reads another file (--config-file)', () => {
    const docker = runtime({
      'docker-daemon-json': file('/etc/docker/daemon.json', '{ "iptables": false }'),
      'runtime-cmdlines': file('/proc/90/cmdline', 'dockerd\u0000--config-file=/srv/docker.json\u0000'),
    })?.docker;
    expect(docker?.iptables).toEqual({ value: true, origin: 'default' });
    expect(docker?.daemonJsonIgnored).toBe('dockerd reads /srv/docker.json (--config-file), not /etc/docker/daemon.json');
  });

  it('reads kube-proxy\'s mode and cluster CIDR and kubelet\'s pod CIDR; no dockerd process is said so', () => {
    const rt = runtime({
      'docker-daemon-json': { status: 'empty', files: [{ path: '/etc/docker/daemon.json', status: 'absent' }] },
      'runtime-cmdlines': {
        status: 'ok',
        files: [
          { path: '/proc/700/cmdline', status: 'ok', content: 'kube-proxy\u0000--proxy-mode=ipvs\u0000--cluster-cidr=10.244.0.0/16\u0000', encoding: 'utf8' },
          { path: '/proc/701/cmdline', status: 'ok', content: '/usr/bin/kubelet\u0000--pod-cidr=10.244.1.0/24\u0000', encoding: 'utf8' },
          // A dockerd that exited between listing and reading.
          { path: '/proc/702/cmdline', status: 'ok', content: '', encoding: 'utf8' },
        ],
      },
    });
    expect(rt?.docker).toBeUndefined();
    expect(rt?.kubeProxy).toMatchObject({ proxyMode: { value: 'ipvs' }, clusterCidr: { value: '10.244.0.0/16' } });
    expect(rt?.kubelet).toMatchObject({ podCidr: { value: '10.244.1.0/24' } });
    expect(rt?.processes?.map((p) => [p.pid, p.cmdline.program])).toEqual([[700, 'kube-proxy'], [701, 'kubelet']]);
    expect(rt?.docker).toBeUndefined();
  });

  it('is undefined for snapshots without these files, and a daemon.json the parser refuses is an unreadable source', () => {
    expect(runtime({})).toBeUndefined();
    const host = buildHost(withFiles(makeSnapshot({}), { 'docker-daemon-json': file('/etc/docker/daemon.json', '{ "iptables": false, }') }));
    expect(host.runtime).toBeUndefined();
    expect(host.host.sources.get('docker-daemon-json')?.parseError).toMatch(/invalid JSON/);
    expect(host.notes.map((n) => n.source)).toContain('docker-daemon-json');
  });
});

describe('show: resolvers and runtime configuration', () => {
  it('lists each namespace\'s resolv.conf with where it came from, and Docker\'s merged settings', () => {
    const snapshot = makeSnapshot({}, { namespaces: [{ name: 'blue', kind: 'named', sources: {} }] });
    withFiles(snapshot, {
      'resolv-conf': { status: 'ok', files: [{ path: '/etc/resolv.conf', status: 'ok', linkTarget: '../run/systemd/resolve/stub-resolv.conf', content: '# managed by man:systemd-resolved(8)\nnameserver 127.0.0.53\nsearch corp.example\n', encoding: 'utf8' }] },
      'resolved-resolv-conf': file('/run/systemd/resolve/resolv.conf', 'nameserver 192.0.2.53\n'),
      'docker-daemon-json': file('/etc/docker/daemon.json', '{\n  "firewall-backend": "nftables"\n}\n'),
    });
    withFiles(snapshot, { 'resolv-conf': { status: 'ok', files: [{ path: '/etc/resolv.conf', readFrom: '/etc/netns/blue/resolv.conf', status: 'ok', content: 'nameserver 203.0.113.53\n', encoding: 'utf8' }] } }, 'blue');
    const view = hostView(buildHost(snapshot));
    expect(view.namespaces[0]!.resolvers).toEqual({
      file: { path: '/etc/resolv.conf', linkTarget: '../run/systemd/resolve/stub-resolv.conf', generatedBy: 'systemd-resolved', generatedByLine: 1, nameservers: [{ address: '127.0.0.53', line: 2 }], search: { domains: ['corp.example'], line: 3 }, options: [] },
      upstream: { path: '/run/systemd/resolve/resolv.conf', nameservers: [{ address: '192.0.2.53', line: 1 }], options: [] },
    });
    expect(view.runtime?.docker?.settings['firewall-backend']).toEqual({ value: 'nftables', origin: 'daemon.json', source: '/etc/docker/daemon.json', line: 2 });
    expect(view.sources).toContainEqual({ namespace: 'host', source: 'docker-daemon-json', status: 'ok' });
    const text = renderShowText(view);
    expect(text).toContain('    resolv.conf /etc/resolv.conf (-> ../run/systemd/resolve/stub-resolv.conf; written by systemd-resolved)');
    expect(text).toContain('      nameserver 127.0.0.53  (line 2)');
    expect(text).toContain("    systemd-resolved's upstream /run/systemd/resolve/resolv.conf");
    expect(text).toContain('    resolv.conf /etc/resolv.conf (read from /etc/netns/blue/resolv.conf)');
    expect(text).toContain('    firewall-backend = nftables  (/etc/docker/daemon.json:2)');
    expect(text).toContain('    iptables = true  (default)');
  });
});

describe('raw-output directories: files/ at the real paths', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netaudit-files-'));
    await mkdir(path.join(dir, 'files/etc/docker'), { recursive: true });
    await mkdir(path.join(dir, 'files/proc/812'), { recursive: true });
    await mkdir(path.join(dir, 'netns/blue/files/etc/docker'), { recursive: true });
    await writeFile(path.join(dir, 'files/etc/resolv.conf'), 'nameserver 192.0.2.53\n');
    await writeFile(path.join(dir, 'files/etc/docker/daemon.json'), '{ "iptables": false }\n');
    await writeFile(path.join(dir, 'files/proc/812/cmdline'), 'dockerd -H fd:// --bip=10.200.0.1/24\n');
    await writeFile(path.join(dir, 'files/etc/hosts'), '127.0.0.1 localhost\n');
    await writeFile(path.join(dir, 'netns/blue/files/etc/resolv.conf'), 'nameserver 127.0.0.53\n');
    await writeFile(path.join(dir, 'netns/blue/files/etc/docker/daemon.json'), '{}\n');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('imports each file source, a pasted command line too, and notes what no file source reads', async () => {
    const snapshot = await importRawDir(dir);
    const host = snapshot.namespaces[0]!;
    expect(host.files?.['resolv-conf']).toEqual(file('/etc/resolv.conf', 'nameserver 192.0.2.53\n'));
    expect(host.files?.['runtime-cmdlines']?.files.map((f) => f.path)).toEqual(['/proc/812/cmdline']);
    // A pasted folder does not prove a file absent.
    expect(host.files?.['resolved-resolv-conf']).toMatchObject({ status: 'not-collected', reason: `no files/run/systemd/resolve/resolv.conf in ${dir}` });
    const blue = snapshot.namespaces.find((n) => n.name === 'blue')!;
    expect(Object.keys(blue.files ?? {})).toEqual(['resolv-conf']);
    expect(snapshot.meta.notes).toContain(`${path.join(dir, 'files/etc/hosts')}: not a file any file source reads, ignored (see the README's raw-directory table)`);
    expect(snapshot.meta.notes).toContain(`${path.join(dir, 'netns/blue/files/etc/docker/daemon.json')}: read for the host only, ignored`);
    const model = buildHost(snapshot);
    expect(model.runtime?.docker).toMatchObject({ iptables: { value: false, origin: 'daemon.json' }, bip: { value: '10.200.0.1/24', origin: 'flag' } });
    expect(model.namespaceByName.get('blue')?.resolvers?.nameservers.map((s) => s.evidence.source)).toEqual(['netns:blue/etc/resolv.conf']);
  });

  it('leaves namespaces without files/ as they were (no file sources at all)', async () => {
    const snapshot = await importRawDir(path.join(FIXTURES, 'docker-chains-missing/fail'));
    expect(snapshot.namespaces[0]!.files).toBeUndefined();
  });
});

describe('rules over the runtime configuration', () => {
  let catalog: RuleCatalog;
  beforeAll(async () => {
    catalog = await loadRuleCatalog();
  });
  const auditDir = async (dir: string) => runAudit(buildHost(await importRawDir(dir)), catalog, { input: dir });

  it.each(['pass-iptables-false', 'pass-nftables-backend'])('docker-chains-missing is silent on %s (the fail fixture with Docker\'s iptables rules off)', async (side) => {
    const result = await auditDir(path.join(FIXTURES, 'docker-chains-missing', side));
    expect(result.findings.filter((f) => f.ruleId === 'docker-chains-missing')).toEqual([]);
    expect(result.passed.some((p) => p.ruleId === 'docker-chains-missing')).toBe(true);
    // What remains is the real fault of such a host: FORWARD drops and nothing accepts docker0's traffic.
    expect(result.findings.map((f) => f.ruleId)).toEqual(['forward-drop-without-accept']);
  });

  it('docker-chains-missing still fires where daemon.json keeps iptables on', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netaudit-dcm-'));
    try {
      await cp(path.join(FIXTURES, 'docker-chains-missing/fail'), dir, { recursive: true });
      await mkdir(path.join(dir, 'files/etc/docker'), { recursive: true });
      await writeFile(path.join(dir, 'files/etc/docker/daemon.json'), '{ "iptables": true, "firewall-backend": "iptables" }\n');
      const result = await auditDir(dir);
      expect(result.findings.map((f) => f.ruleId)).toEqual(['docker-chains-missing']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('address-pool-overlap leaves Docker\'s own bridges\' routes out, and is skipped without any Docker configuration', async () => {
    const snapshot = await importRawDir(path.join(FIXTURES, 'address-pool-overlap/fail'));
    // The pool holding docker0's own route is no collision.
    withFiles(snapshot, { 'docker-daemon-json': file('/etc/docker/daemon.json', '{ "bip": "198.51.100.1/24" }') });
    const routes = JSON.parse(snapshot.namespaces[0]!.sources['ip-route']!.stdout) as { dst: string; dev?: string }[];
    expect(routes.some((r) => r.dst === '198.51.100.0/24')).toBe(true);
    for (const r of routes) if (r.dev === 'dnsbr0') r.dev = 'docker0';
    snapshot.namespaces[0]!.sources['ip-route']!.stdout = JSON.stringify(routes);
    const result = await runAudit(buildHost(snapshot), catalog, { input: 'x', only: ['address-pool-overlap'] });
    expect(result.findings).toEqual([]);
    const bare = await runAudit(buildHost(makeSnapshot({ 'ip-route': '[]' })), catalog, { input: 'x', only: ['address-pool-overlap'] });
    expect(bare.skipped.map((s) => s.reason)).toEqual([expect.stringContaining('none of docker-daemon-json, runtime-cmdlines usable')]);
  });
});
