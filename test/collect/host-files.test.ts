/**
 * File sources (src/snapshot/host-files.ts) in both collectors against a fake host: the host's resolv.conf
 * through its symlink, systemd-resolved's file, daemon.json, the runtimes' command lines (NUL bytes kept,
 * other processes left out), a named namespace's /etc/netns overlay, a container's mount namespace with an
 * absolute symlink resolved inside it, and the statuses absent / unreadable / too-large / empty / failed.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/collect/which.js';
import { FILE_SOURCES, SAFE_PATTERN } from '../../src/snapshot/host-files.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { addNamedNamespace, addProcesses, type CollectorKind, fake, type FakeHost, makeFakeHost, removeFakeHost, runCollector } from './fake-host.js';

const hasDash = findExecutable('dash', process.env) !== undefined;
const hasBusybox = findExecutable('busybox', process.env) !== undefined;
const KINDS: CollectorKind[] = ['node', ...(hasDash ? (['dash'] as const) : []), ...(hasBusybox ? (['busybox'] as const) : [])];

const STUB = '# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch corp.example\n';
const UPSTREAM = 'nameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch corp.example\n';
const DAEMON_JSON = '{\n  "iptables": false,\n  "bip": "198.51.100.1/24"\n}\n';
const DOCKERD_CMDLINE = Buffer.from('/usr/bin/dockerd\0-H\0fd://\0--containerd=/run/containerd/containerd.sock\0');
const BLUE = 'nameserver 203.0.113.53\n';
const CONTAINER = 'nameserver 127.0.0.11\noptions ndots:0\n';

async function write(file: string, content: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

async function healthyHost(): Promise<FakeHost> {
  const host = await makeFakeHost();
  const root = host.root;
  await write(path.join(root, 'run/systemd/resolve/stub-resolv.conf'), STUB);
  await write(path.join(root, 'run/systemd/resolve/resolv.conf'), UPSTREAM);
  await symlink('../run/systemd/resolve/stub-resolv.conf', path.join(root, 'etc/resolv.conf'));
  await write(path.join(root, 'etc/docker/daemon.json'), DAEMON_JSON);
  await write(path.join(root, 'etc/netns/blue/resolv.conf'), BLUE);
  // Processes: dockerd and a shell (not a runtime: left out); the container's pid 4242 has a mount namespace.
  await addProcesses(host, [
    { pid: 812, netnsInode: 4026531840, comm: 'dockerd' },
    { pid: 900, netnsInode: 4026531840, comm: 'bash' },
    { pid: 4242, netnsInode: 4026532999, comm: 'nginx' },
  ]);
  await writeFile(path.join(host.proc, '812', 'cmdline'), DOCKERD_CMDLINE);
  await writeFile(path.join(host.proc, '900', 'cmdline'), 'bash\0');
  await writeFile(path.join(host.proc, '4242', 'cmdline'), 'nginx\0');
  // Inside the container, /etc/resolv.conf -> /run/resolv.conf: the container's /run, not the host's.
  const croot = path.join(host.proc, '4242', 'root');
  await write(path.join(croot, 'run/resolv.conf'), CONTAINER);
  await mkdir(path.join(croot, 'etc'), { recursive: true });
  await symlink('/run/resolv.conf', path.join(croot, 'etc/resolv.conf'));
  await addNamedNamespace(host, 'blue');
  await addNamedNamespace(host, 'red');
  await fake(host, 'ip -j netns list', { out: '[{"name":"blue","id":1},{"name":"red","id":2}]\n' });
  await fake(host, 'ip netns list', { out: 'blue (id: 1)\nred (id: 2)\n' });
  return host;
}

describe('the file source catalogue', () => {
  it('has unique ids and paths the sh collector may glob unquoted', () => {
    const ids = FILE_SOURCES.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const spec of FILE_SOURCES) for (const p of spec.paths) expect(p, spec.id).toMatch(SAFE_PATTERN);
    // A process filter only makes sense on /proc/<pid> paths.
    for (const spec of FILE_SOURCES) if ('processes' in spec) for (const p of spec.paths) expect(p).toMatch(/^\/proc\/\*\//);
  });
});

describe('file sources in both collectors', () => {
  let host: FakeHost;
  const snapshots = new Map<CollectorKind, Snapshot>();
  beforeAll(async () => {
    host = await healthyHost();
    for (const kind of KINDS) snapshots.set(kind, (await runCollector(kind, host, { netns: ['all'] })).snapshot);
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  describe.each(KINDS)('%s collector', (kind) => {
    const ns = (name: string) => snapshots.get(kind)!.namespaces.find((n) => n.name === name)!;

    it('reads the host\'s resolv.conf through its symlink and records the link', () => {
      expect(ns('host').files?.['resolv-conf']).toEqual({
        status: 'ok',
        files: [{ path: '/etc/resolv.conf', status: 'ok', linkTarget: '../run/systemd/resolve/stub-resolv.conf', content: STUB, encoding: 'utf8' }],
      });
      expect(ns('host').files?.['resolved-resolv-conf']).toEqual({
        status: 'ok',
        files: [{ path: '/run/systemd/resolve/resolv.conf', status: 'ok', content: UPSTREAM, encoding: 'utf8' }],
      });
      expect(ns('host').files?.['docker-daemon-json']?.files[0]).toMatchObject({ status: 'ok', content: DAEMON_JSON });
    });

    it('keeps the runtimes\' command lines byte-exact and leaves other processes out', () => {
      const cmdlines = ns('host').files?.['runtime-cmdlines'];
      expect(cmdlines?.status).toBe('ok');
      expect(cmdlines?.files.map((f) => f.path)).toEqual(['/proc/812/cmdline']);
      expect(cmdlines?.files[0]?.content).toBe(DOCKERD_CMDLINE.toString('utf8'));
    });

    it('gives each namespace its own view of resolv.conf: the /etc/netns overlay, the host\'s, the container\'s', () => {
      expect(ns('blue').files).toEqual({
        'resolv-conf': { status: 'ok', files: [{ path: '/etc/resolv.conf', readFrom: '/etc/netns/blue/resolv.conf', status: 'ok', content: BLUE, encoding: 'utf8' }] },
      });
      // No /etc/netns/red: ip netns exec red shows the host's file.
      expect(ns('red').files?.['resolv-conf']?.files[0]).toMatchObject({ path: '/etc/resolv.conf', linkTarget: '../run/systemd/resolve/stub-resolv.conf', content: STUB });
      expect(ns('red').files?.['resolv-conf']?.files[0]).not.toHaveProperty('readFrom');
      expect(ns('pid:4242').files).toEqual({
        'resolv-conf': {
          status: 'ok',
          files: [{ path: '/etc/resolv.conf', readFrom: '/proc/4242/root/etc/resolv.conf', status: 'ok', linkTarget: '/run/resolv.conf', content: CONTAINER, encoding: 'utf8' }],
        },
      });
    });
  });

  it.skipIf(KINDS.length < 2)('the collectors agree on every file source of every namespace', () => {
    const reference = snapshots.get('node')!;
    for (const kind of KINDS.slice(1)) {
      const other = snapshots.get(kind)!;
      expect(other.namespaces.map((n) => [n.name, n.files])).toEqual(reference.namespaces.map((n) => [n.name, n.files]));
    }
  });
});

describe('file source statuses', () => {
  let host: FakeHost;
  const snapshots = new Map<CollectorKind, Snapshot>();
  beforeAll(async () => {
    host = await makeFakeHost();
    // A dangling resolv.conf link, daemon.json a directory, systemd-resolved's file over its 64 KiB limit, no runtime.
    await mkdir(path.join(host.root, 'etc'), { recursive: true });
    await symlink('/run/nowhere/resolv.conf', path.join(host.root, 'etc/resolv.conf'));
    await mkdir(path.join(host.root, 'etc/docker/daemon.json'), { recursive: true });
    await write(path.join(host.root, 'run/systemd/resolve/resolv.conf'), `# ${'x'.repeat(64 * 1024)}\n`);
    await addProcesses(host, [{ pid: 77, netnsInode: 4026531840, comm: 'containerd-shim' }]);
    await writeFile(path.join(host.proc, '77', 'cmdline'), 'containerd-shim\0');
    for (const kind of KINDS) snapshots.set(kind, (await runCollector(kind, host)).snapshot);
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  it.each(KINDS)('%s collector: absent, unreadable, too large, nothing there', (kind) => {
    const files = snapshots.get(kind)!.namespaces[0]!.files!;
    expect(files['resolv-conf']).toEqual({
      status: 'empty',
      files: [{ path: '/etc/resolv.conf', status: 'absent', reason: 'broken symbolic link', linkTarget: '/run/nowhere/resolv.conf' }],
    });
    expect(files['docker-daemon-json']).toEqual({
      status: 'failed',
      reason: '/etc/docker/daemon.json: not a regular file',
      files: [{ path: '/etc/docker/daemon.json', status: 'unreadable', reason: 'not a regular file' }],
    });
    expect(files['resolved-resolv-conf']).toEqual({
      status: 'failed',
      reason: '/run/systemd/resolve/resolv.conf: larger than 65536 bytes, not read',
      files: [{ path: '/run/systemd/resolve/resolv.conf', status: 'too-large', reason: 'larger than 65536 bytes, not read' }],
    });
    expect(files['runtime-cmdlines']).toEqual({
      status: 'empty',
      files: [{ path: '/proc/*/cmdline', status: 'absent', reason: 'no process named dockerd, containerd, kubelet, kube-proxy' }],
    });
  });
});
