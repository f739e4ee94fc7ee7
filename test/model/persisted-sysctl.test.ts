/**
 * Persisted sysctl files as systemd-sysctl reads them: masking by file name across the sysctl.d
 * directories, file-name order, /etc/sysctl.conf last; and stand-in roots holding the distributions' own
 * default files (fixtures/sysctl-roots), read by the collector, on which `sysctl-drift` stays silent
 * when the running values are what those files set.
 */
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSysctlFiles } from '../../src/collect/sysctl-files.js';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { buildHost } from '../../src/model/build.js';
import { effectiveSysctlFiles } from '../../src/model/persisted.js';
import type { PersistedFile } from '../../src/snapshot/schema.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { makeSnapshot } from '../helpers/snapshot.js';

const file = (p: string, content = ''): PersistedFile => ({ path: p, content, encoding: 'utf8' });

describe('effectiveSysctlFiles', () => {
  it('keeps, per file name, the file of the earliest directory, and orders by name with /etc/sysctl.conf last', () => {
    const files = [
      file('/etc/sysctl.conf'),
      file('/usr/lib/sysctl.d/50-default.conf'),
      file('/lib/sysctl.d/50-default.conf'),
      file('/etc/sysctl.d/50-default.conf'),
      file('/usr/local/lib/sysctl.d/60-local.conf'),
      file('/usr/lib/sysctl.d/60-local.conf'),
      file('/run/sysctl.d/10-run.conf'),
      file('/usr/lib/sysctl.d/10-run.conf'),
      file('/usr/lib/sysctl.d/05-vendor.conf'),
      file('/etc/sysctl.d/99-zz.conf'),
    ];
    expect(effectiveSysctlFiles(files).map((f) => f.path)).toEqual([
      '/usr/lib/sysctl.d/05-vendor.conf',
      '/run/sysctl.d/10-run.conf',
      '/etc/sysctl.d/50-default.conf',
      '/usr/local/lib/sysctl.d/60-local.conf',
      '/etc/sysctl.d/99-zz.conf',
      '/etc/sysctl.conf',
    ]);
  });

  it('lets an empty file (a symlink to /dev/null) mask the vendor file', () => {
    const masked = [file('/usr/lib/sysctl.d/50-coredump.conf', 'fs.suid_dumpable=2\n'), file('/etc/sysctl.d/50-coredump.conf', '')];
    const host = buildHost(makeSnapshot({ sysctl: 'fs.suid_dumpable = 0\n' }, { sysctlFiles: masked }));
    expect(host.persistedSysctl.entries).toEqual([]);
  });
});

/** sysctl -a of a stock Ubuntu 24.04 host after boot: what its files set, kernel defaults elsewhere. */
const UBUNTU_RUNNING = `fs.protected_fifos = 1
fs.protected_hardlinks = 1
fs.protected_regular = 2
fs.protected_symlinks = 1
kernel.dmesg_restrict = 1
kernel.kptr_restrict = 1
kernel.pid_max = 4194304
kernel.printk = 4\t4\t1\t7
kernel.sysrq = 176
kernel.yama.ptrace_scope = 1
net.ipv4.conf.all.rp_filter = 2
net.ipv4.conf.default.rp_filter = 2
net.ipv4.conf.eth0.rp_filter = 2
net.ipv4.conf.lo.rp_filter = 0
net.ipv4.ip_forward = 0
net.ipv6.conf.all.use_tempaddr = 2
net.ipv6.conf.default.use_tempaddr = 2
net.ipv6.conf.eth0.use_tempaddr = 2
net.ipv6.conf.lo.use_tempaddr = -1
vm.mmap_min_addr = 65536
`;

/** sysctl -a of a stock Fedora 40 host (upstream systemd defaults: globs with `-key` exclusions). */
const FEDORA_RUNNING = `fs.protected_fifos = 1
fs.protected_hardlinks = 1
fs.protected_regular = 1
fs.protected_symlinks = 1
fs.suid_dumpable = 2
kernel.core_pattern = |/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h %d %F
kernel.core_pipe_limit = 16
kernel.core_uses_pid = 1
kernel.pid_max = 4194304
kernel.sysrq = 16
kernel.yama.ptrace_scope = 0
net.core.default_qdisc = fq_codel
net.ipv4.conf.all.accept_source_route = 0
net.ipv4.conf.all.promote_secondaries = 0
net.ipv4.conf.all.rp_filter = 0
net.ipv4.conf.default.accept_source_route = 0
net.ipv4.conf.default.promote_secondaries = 1
net.ipv4.conf.default.rp_filter = 2
net.ipv4.conf.eth0.accept_source_route = 0
net.ipv4.conf.eth0.promote_secondaries = 1
net.ipv4.conf.eth0.rp_filter = 2
net.ipv4.conf.lo.accept_source_route = 0
net.ipv4.conf.lo.promote_secondaries = 1
net.ipv4.conf.lo.rp_filter = 2
net.ipv4.ip_forward = 0
net.ipv4.ping_group_range = 0\t2147483647
`;

const ROOTS = path.join(PROJECT_ROOT, 'fixtures', 'sysctl-roots');

let catalog: RuleCatalog;
let work: string;
beforeAll(async () => {
  catalog = await loadRuleCatalog();
  work = await mkdtemp(path.join(tmpdir(), 'netaudit-sysctl-root-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Collect the persisted files of a stand-in root as the collector does, and audit them against the running values. */
async function driftOn(root: string, running: string): Promise<{ findings: string[]; paths: string[] }> {
  const { sysctl } = await readSysctlFiles(root, 1024 * 1024);
  expect(sysctl.status).toBe('ok');
  const snapshot = makeSnapshot({ sysctl: running }, { sysctlFiles: sysctl.files });
  const result = await runAudit(buildHost(snapshot), catalog, { input: root, only: ['sysctl-drift'] });
  expect(result.skipped).toEqual([]);
  return {
    findings: result.findings.map((f) => `${f.subject.name}: ${f.evidence.map((e) => `${e.source}:${e.line ?? ''}`).join(' ')}`),
    paths: sysctl.files.map((f) => f.path),
  };
}

/** A copy of a fixture root that a test may change. */
async function copyRoot(name: string): Promise<string> {
  const copy = path.join(work, `${name}-${Math.random().toString(36).slice(2)}`);
  await cp(path.join(ROOTS, name), copy, { recursive: true, verbatimSymlinks: true });
  return copy;
}

describe('sysctl-drift on a stock distribution (stand-in roots with the distributions\' own files)', () => {
  it('Ubuntu 24.04 (procps 10-*.conf in /etc, systemd and procps files in /usr/lib): silent', async () => {
    const { findings, paths } = await driftOn(path.join(ROOTS, 'ubuntu-24.04'), UBUNTU_RUNNING);
    expect(paths).toContain('/usr/lib/sysctl.d/99-protect-links.conf');
    expect(findings).toEqual([]);
  });

  it('Fedora 40 (upstream systemd 50-default.conf with globs and exclusions, merged /usr): silent, /lib not read twice', async () => {
    const { findings, paths } = await driftOn(path.join(ROOTS, 'fedora-40'), FEDORA_RUNNING);
    expect(paths).toContain('/usr/lib/sysctl.d/50-default.conf');
    expect(paths.filter((p) => p.startsWith('/lib/'))).toEqual([]);
    expect(findings).toEqual([]);
  });

  it('reports a running value that differs, quoting the vendor file', async () => {
    const { findings } = await driftOn(path.join(ROOTS, 'fedora-40'), FEDORA_RUNNING.replace('kernel.sysrq = 16', 'kernel.sysrq = 438'));
    expect(findings).toEqual([expect.stringMatching(/^kernel\.sysrq: \/usr\/lib\/sysctl\.d\/50-default\.conf:19 sysctl:\d+$/)]);
  });

  it('an admin file of the same name in /etc replaces the vendor file whole; a /dev/null link masks one', async () => {
    const root = await copyRoot('fedora-40');
    await writeFile(path.join(root, 'etc/sysctl.d/50-default.conf'), 'kernel.sysrq = 1\n');
    await symlink('/dev/null', path.join(root, 'etc/sysctl.d/50-coredump.conf'));
    // What the kernel holds after boot: only the admin's sysrq, and no coredump settings at all.
    const running = `kernel.sysrq = 1
kernel.core_pattern = core
kernel.core_pipe_limit = 0
fs.suid_dumpable = 0
kernel.core_uses_pid = 0
net.ipv4.conf.default.rp_filter = 0
net.ipv4.conf.lo.rp_filter = 0
kernel.pid_max = 4194304
kernel.yama.ptrace_scope = 0
`;
    const { findings, paths } = await driftOn(root, running);
    expect(paths).toEqual(expect.arrayContaining(['/etc/sysctl.d/50-default.conf', '/etc/sysctl.d/50-coredump.conf', '/usr/lib/sysctl.d/50-default.conf']));
    expect(findings).toEqual([]);
  });
});
