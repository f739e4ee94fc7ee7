/**
 * Both collectors (Node and POSIX sh under dash and busybox sh) against fake commands: byte-exact
 * outputs whatever they contain, the failure states, timeouts, the output cap, and agreement
 * between the collectors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { link, mkdir, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASON_NO_NFTABLES } from '../../src/collect/iptables-gate.js';
import { NO_OTHER_NAMESPACE_NOTE } from '../../src/collect/namespaces.js';
import { collectSnapshot } from '../../src/collect/node-collector.js';
import { findExecutable } from '../../src/collect/which.js';
import { UsageError } from '../../src/errors.js';
import { buildHost } from '../../src/model/build.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { SOURCES } from '../../src/snapshot/sources.js';
import {
  addNamedNamespace,
  addProcesses,
  type CollectorKind,
  FAKE_TOOLS,
  comparable,
  fake,
  type FakeHost,
  isRunning,
  HOST_NETNS_INODE,
  makeFakeHost,
  nodeOptions,
  readPid,
  removeFakeHost,
  removeTool,
  runCollector,
  runShCollector,
  snapshotFile,
  stderrBytes,
  stdoutBytes,
} from './fake-host.js';

const hasDash = findExecutable('dash', process.env) !== undefined;
const hasBusybox = findExecutable('busybox', process.env) !== undefined;
if (!hasDash) console.warn('SKIP: dash is not installed (apt-get install dash): sh collector under dash not tested');
if (!hasBusybox) console.warn('SKIP: busybox is not installed (apt-get install busybox): sh collector under busybox sh not tested');

const KINDS: CollectorKind[] = ['node', ...(hasDash ? (['dash'] as const) : []), ...(hasBusybox ? (['busybox'] as const) : [])];

/** Valid UTF-8 with everything JSON must escape: quotes, backslashes, control characters, NUL, DEL, CRLF, astral plane, no final newline. */
const TRICKY_TEXT = Buffer.from(
  'net.ipv4.ip_forward = 1\r\nkernel.x = "quoted" \\ back\\\\slash\t\u0001\u0000\u001b[1m\u007f caf\u00e9 \u2713 \u{1F600} \u2028\u2029\u00ff end',
  'utf8',
);
const ALL_BYTES = Buffer.from([...Array.from({ length: 256 }, (_, i) => i), 0x0a]);
const CUT_SEQUENCE = Buffer.from([0x61, 0x62, 0x63, 0x0a, 0xe2, 0x82]);
const OVERLONG_AND_SURROGATE = Buffer.from([0x78, 0xc0, 0x80, 0x79, 0xed, 0xa0, 0x80, 0x7a, 0x0a]);
const ASCII_WITH_ESCAPES = Buffer.from('*filter\n-A INPUT -m comment --comment "a \\"q\\" \\\\ b"\t-j ACCEPT\r\nCOMMIT\n');
const LINK_JSON = Buffer.from('[{"ifindex":2,"ifname":"eth0","ifalias":"say \\"hi\\""}]\n');
const MANY_LINES = Buffer.from(Array.from({ length: 3000 }, (_, i) => `{"dst":"2001:db8::${i.toString(16)}/128","comment":"r\u00e9seau ${i}"}`).join('\n') + '\n', 'utf8');
/** `ip -j -p rule show` with `ip rule add from 172.18.0.0/16 lookup 100 priority 100`, as iproute2 prints it. */
const RULES_V4 = Buffer.from(
  '[ {\n        "priority": 0,\n        "src": "all",\n        "table": "local"\n    },{\n        "priority": 100,\n        "src": "172.18.0.0",\n' +
    '        "srclen": 16,\n        "table": "100"\n    },{\n        "priority": 32766,\n        "src": "all",\n        "table": "main"\n    } ]\n',
);
/** `nft -j list ruleset` (one line, as nft prints it) with `table inet t { chain f { type filter hook forward priority 0; policy drop; } }`. */
const nftRuleset = (table: string) =>
  '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, ' +
  `{"table": {"family": "inet", "name": "${table}", "handle": 1}}, ` +
  `{"chain": {"family": "inet", "table": "${table}", "name": "f", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}}]}\n`;
const NFT_RULESET = Buffer.from(nftRuleset('t'));
const RULES_V6_DISABLED = 'RTNETLINK answers: Address family not supported by protocol\nDump terminated\n';
const SS_LINE = Buffer.from('LISTEN 0      4096         0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=812,fd=3))\n');
const STDERR_NOT_UTF8 = Buffer.from([0x77, 0x61, 0x72, 0x6e, 0x20, 0xff, 0xfe, 0x0a]);
const LATIN1_CONF = Buffer.from('# r\xe9seau\nnet.ipv4.ip_forward = 1\n', 'latin1');

async function fakeTrickyHost(): Promise<FakeHost> {
  const host = await makeFakeHost();
  await fake(host, 'iptables -V', { out: 'iptables v1.8.9 (nf_tables)\n' });
  await fake(host, 'sysctl -a', { out: TRICKY_TEXT });
  await fake(host, 'iptables-save -c', { out: ALL_BYTES });
  await fake(host, 'iptables-legacy-save -c', { out: CUT_SEQUENCE });
  await fake(host, 'ip6tables-nft-save -c', { out: OVERLONG_AND_SURROGATE });
  await fake(host, 'ip6tables-save -c', { out: ASCII_WITH_ESCAPES });
  await fake(host, 'ip -j -p -d link show', { out: LINK_JSON });
  await fake(host, 'ip -j -p addr show', { out: '[]\n', err: STDERR_NOT_UTF8 });
  await fake(host, 'ip -j -p route show table all', { out: '' });
  await fake(host, 'ip -j -p -6 route show table all', { out: MANY_LINES });
  await fake(host, 'ip -j -p neigh show', { out: '\n' });
  await fake(host, 'ip -j -p rule show', { out: RULES_V4 });
  // A kernel booted with ipv6.disable=1.
  await fake(host, 'ip -j -p -6 rule show', { err: RULES_V6_DISABLED, rc: 2 });
  await fake(host, 'bridge -j -p link show', { err: 'RTNETLINK answers: Operation not supported\n', rc: 2 });
  await fake(host, 'ss -Htlnp', { out: SS_LINE });
  await fake(host, 'nft -j list ruleset', { out: NFT_RULESET });
  await removeTool(host, 'brctl');
  await mkdir(path.join(host.etc, 'sysctl.d'));
  await writeFile(path.join(host.etc, 'sysctl.conf'), 'net.ipv4.ip_forward=0\n');
  await writeFile(path.join(host.etc, 'sysctl.d', '99-docker.conf'), 'net.ipv4.ip_forward = 1\n');
  await writeFile(path.join(host.etc, 'sysctl.d', '10-latin1.conf'), LATIN1_CONF);
  await writeFile(path.join(host.etc, 'sysctl.d', 'README'), 'not read\n');
  return host;
}

describe('collectors against fake commands', () => {
  let host: FakeHost;
  const snapshots = new Map<CollectorKind, Snapshot>();

  beforeAll(async () => {
    host = await fakeTrickyHost();
    for (const kind of KINDS) snapshots.set(kind, (await runCollector(kind, host, { timeoutSeconds: 5 })).snapshot);
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  describe.each(KINDS)('%s collector', (kind) => {
    const sources = () => snapshots.get(kind)!.namespaces[0]!.sources;

    it('records every source of the catalogue in the host namespace', () => {
      const snapshot = snapshots.get(kind)!;
      expect(snapshot.namespaces.map((n) => [n.name, n.kind])).toEqual([['host', 'host']]);
      expect(Object.keys(sources()).sort()).toEqual(SOURCES.map((s) => s.id).sort());
      expect(snapshot.meta.collector.name).toBe(kind === 'node' ? 'netaudit' : 'netaudit-sh');
      expect(snapshot.meta).toMatchObject({ hostname: expect.any(String), kernel: expect.any(String), collectedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      expect(snapshot.meta.user?.uid).toBe(process.getuid?.());
    });

    it('keeps every output byte-exact, as text where it is UTF-8 and base64 where it is not', () => {
      const expected: [string, Buffer, 'utf8' | 'base64'][] = [
        ['sysctl', TRICKY_TEXT, 'utf8'],
        ['iptables-save', ALL_BYTES, 'base64'],
        ['iptables-legacy-save', CUT_SEQUENCE, 'base64'],
        ['ip6tables-nft-save', OVERLONG_AND_SURROGATE, 'base64'],
        ['ip6tables-save', ASCII_WITH_ESCAPES, 'utf8'],
        ['ip-link', LINK_JSON, 'utf8'],
        ['ip6-route', MANY_LINES, 'utf8'],
        ['ip-rule', RULES_V4, 'utf8'],
        ['ss-tlnp', SS_LINE, 'utf8'],
        ['nft-ruleset', NFT_RULESET, 'utf8'],
      ];
      for (const [id, bytes, encoding] of expected) {
        const source = sources()[id];
        expect({ id, status: source?.status, encoding: source?.stdoutEncoding }).toEqual({ id, status: 'ok', encoding });
        expect(stdoutBytes(source).equals(bytes), `${id} bytes`).toBe(true);
      }
      expect(sources()['ip-addr']).toMatchObject({ status: 'ok', stderrEncoding: 'base64' });
      expect(stderrBytes(sources()['ip-addr']).equals(STDERR_NOT_UTF8)).toBe(true);
    });

    it('tells empty, failed and missing tools apart', () => {
      expect(sources()['ip-route']).toMatchObject({ status: 'empty', exitCode: 0, stdout: '' });
      expect(sources()['ip-neigh']).toMatchObject({ status: 'ok', exitCode: 0, stdout: '\n' });
      expect(sources()['iptables-nft-save']).toMatchObject({ status: 'empty', exitCode: 0 });
      expect(sources()['brctl-show']).toMatchObject({ status: 'failed', exitCode: null, reason: 'command not found', command: 'brctl show' });
      expect(sources()['ip-rule']).toMatchObject({ status: 'ok', exitCode: 0, command: 'ip -j -p rule show' });
      // nft has no pretty-printer: its JSON is taken as it prints it.
      expect(sources()['nft-ruleset']).toMatchObject({ status: 'ok', exitCode: 0, command: 'nft -j list ruleset' });
      expect(sources()['nft-ruleset']).not.toHaveProperty('format');
      expect(sources()['ip6-rule']).toMatchObject({
        status: 'failed',
        exitCode: 2,
        reason: 'exit code 2: RTNETLINK answers: Address family not supported by protocol',
        stderr: RULES_V6_DISABLED,
        command: 'ip -j -p -6 rule show',
      });
      expect(sources()['bridge-link']).toMatchObject({
        status: 'failed',
        exitCode: 2,
        reason: 'exit code 2: RTNETLINK answers: Operation not supported',
        stderr: 'RTNETLINK answers: Operation not supported\n',
        command: 'bridge -j -p link show',
      });
    });

    it('reads the persisted sysctl files in application order, byte-exact', () => {
      const files = snapshots.get(kind)!.sysctlFiles;
      expect(files.status).toBe('ok');
      expect(files.files.map((f) => [f.path, f.encoding])).toEqual([
        ['/etc/sysctl.d/10-latin1.conf', 'base64'],
        ['/etc/sysctl.d/99-docker.conf', 'utf8'],
        ['/etc/sysctl.conf', 'utf8'],
      ]);
      expect(Buffer.from(files.files[0]!.content, 'base64').equals(LATIN1_CONF)).toBe(true);
      expect(files.files[2]!.content).toBe('net.ipv4.ip_forward=0\n');
    });
  });

  it.skipIf(KINDS.length < 2)('the collectors agree on every source (apart from timings)', () => {
    const reference = snapshots.get('node')!;
    for (const kind of KINDS.slice(1)) {
      const other = snapshots.get(kind)!;
      for (const spec of SOURCES) {
        expect(comparable(other.namespaces[0]!.sources[spec.id]), `${kind} ${spec.id}`).toEqual(comparable(reference.namespaces[0]!.sources[spec.id]));
      }
      expect(other.sysctlFiles).toEqual(reference.sysctlFiles);
      expect(other.meta.notes).toEqual(reference.meta.notes);
    }
  });
});

describe.each(KINDS)('%s collector: hung commands and huge outputs', (kind) => {
  let host: FakeHost;
  beforeAll(async () => {
    host = await makeFakeHost();
    // ss hangs, and so does a child it started (the whole process group must go).
    await fake(host, 'ss -Htlnp', { sh: `sleep 30 &\necho $! >"$FAKE_DATA/ss.child"\necho partial\nwait\n` });
    await fake(host, 'ip -j -p route show table all', { sh: 'exec yes 0123456789abcdef\n' });
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  it('kills a command past the timeout and cuts output at the cap, and the snapshot still comes out', async () => {
    const { snapshot } = await runCollector(kind, host, { timeoutSeconds: 1, maxOutputBytes: 100_000 });
    const sources = snapshot.namespaces[0]!.sources;
    expect(sources['ss-tlnp']).toMatchObject({ status: 'failed', exitCode: null, reason: 'timed out after 1 s', stdout: 'partial\n' });
    expect(sources['ss-tlnp']!.durationMs).toBeGreaterThanOrEqual(900);
    expect(sources['ss-tlnp']!.durationMs).toBeLessThan(4000);
    const child = await readPid(path.join(host.data, 'ss.child'));
    await expect.poll(() => isRunning(child), { timeout: 2000 }).toBe(false);

    const route = sources['ip-route']!;
    expect(route).toMatchObject({
      status: 'ok',
      truncated: true,
      exitCode: null,
      reason: 'output cut at 100000 bytes, the size limit; the command was stopped',
    });
    const bytes = stdoutBytes(route);
    expect(bytes.length).toBe(100_000);
    expect(bytes.subarray(0, 34).toString()).toBe('0123456789abcdef\n0123456789abcdef\n');
    // Everything else still ran.
    expect(sources.sysctl?.status).toBe('empty');
  });
});

describe.each(KINDS)('%s collector: iptables dumps that could load kernel modules', (kind) => {
  let host: FakeHost;
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  it('runs a dump only where its backend is loaded, and says why not elsewhere', async () => {
    host = await makeFakeHost();
    await writeFile(path.join(host.proc, 'modules'), 'nf_tables 356352 0 - Live 0x0000000000000000\nx_tables 65536 1 nf_tables, Live 0x0\n');
    await writeFile(path.join(host.proc, 'net', 'ip_tables_names'), 'nat\nfilter\n');
    await writeFile(path.join(host.proc, 'net', 'ip6_tables_names'), '');
    await fake(host, 'iptables -V', { out: 'iptables v1.8.9 (legacy)\n' });
    for (const tool of ['iptables-save', 'ip6tables-save', 'iptables-legacy-save', 'iptables-nft-save', 'ip6tables-legacy-save', 'ip6tables-nft-save']) {
      await fake(host, `${tool} -c`, { out: `# Generated by ${tool}\n` });
    }
    let sources = (await runCollector(kind, host)).snapshot.namespaces[0]!.sources;
    const statusOf = (id: string) => [sources[id]?.status, sources[id]?.reason];
    expect(statusOf('iptables-save')).toEqual(['ok', undefined]);
    expect(statusOf('iptables-legacy-save')).toEqual(['ok', undefined]);
    expect(statusOf('iptables-nft-save')).toEqual(['ok', undefined]);
    expect(statusOf('ip6tables-nft-save')).toEqual(['ok', undefined]);
    expect(statusOf('ip6tables-save')).toEqual(['not-collected', expect.stringMatching(/^not run: no legacy ip6tables tables loaded/)]);
    expect(statusOf('ip6tables-legacy-save')).toEqual(['not-collected', expect.stringMatching(/ip6_tables_names is empty or missing/)]);

    // nf_tables backend, nothing loaded, and no iptables-legacy-save binary.
    await writeFile(path.join(host.proc, 'modules'), 'x_tables 65536 0 - Live 0x0\n');
    await writeFile(path.join(host.proc, 'net', 'ip_tables_names'), '');
    await fake(host, 'iptables -V', { out: 'iptables v1.8.9 (nf_tables)\n' });
    await removeTool(host, 'iptables-legacy-save');
    sources = (await runCollector(kind, host)).snapshot.namespaces[0]!.sources;
    expect(statusOf('iptables-save')).toEqual(['not-collected', expect.stringMatching(/^not run: nf_tables is not loaded/)]);
    expect(statusOf('ip6tables-save')).toEqual(['not-collected', expect.stringMatching(/^not run: nf_tables is not loaded/)]);
    expect(statusOf('iptables-nft-save')).toEqual(['not-collected', expect.stringMatching(/^not run: nf_tables is not loaded/)]);
    expect(statusOf('iptables-legacy-save')).toEqual(['not-collected', 'iptables-legacy-save is not installed']);
    expect(statusOf('ip6tables-legacy-save')).toEqual(['not-collected', expect.stringMatching(/^not run: no legacy ip6tables/)]);
    expect(statusOf('iptables-version')).toEqual(['ok', undefined]);

    // Built-in nf_tables shows in /sys/module.
    await mkdir(path.join(host.sys, 'module', 'nf_tables'), { recursive: true });
    sources = (await runCollector(kind, host)).snapshot.namespaces[0]!.sources;
    expect(statusOf('iptables-save')).toEqual(['ok', undefined]);
    expect(statusOf('ip6tables-nft-save')).toEqual(['ok', undefined]);
  });
});

describe.each(KINDS)('%s collector: nft list ruleset, which could load nf_tables', (kind) => {
  let host: FakeHost;
  let ran: string;
  beforeAll(async () => {
    host = await makeFakeHost();
    await addNamedNamespace(host, 'blue');
    await fake(host, 'ip -j netns list', { out: '[{"name":"blue","id":3}]\n' });
    await fake(host, 'ip netns list', { out: 'blue (id: 3)\n' });
    ran = path.join(host.data, 'nft.ran');
    // Every run of nft leaves a line: "not run" must mean not run.
    await writeFile(path.join(host.data, 'nft.json'), NFT_RULESET);
    await fake(host, 'nft -j list ruleset', { sh: `echo "\${FAKE_NS:-host}" >>"$FAKE_DATA/nft.ran"\ncat "$FAKE_DATA/nft.json"\n` });
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });
  const nftRuns = () => (existsSync(ran) ? readFileSync(ran, 'utf8').split('\n').filter(Boolean) : []);
  const collect = async () => (await runCollector(kind, host, { netns: ['blue'] })).snapshot.namespaces.map((ns) => [ns.name, ns.sources['nft-ruleset']]);

  it('runs nft only where nf_tables is loaded, in every namespace, and says why not elsewhere', async () => {
    await rm(ran, { force: true });
    await writeFile(path.join(host.proc, 'modules'), 'nf_tables 356352 0 - Live 0x0000000000000000\nnfnetlink 20480 1 nf_tables, Live 0x0\n');
    expect(await collect()).toEqual([
      ['host', expect.objectContaining({ status: 'ok', command: 'nft -j list ruleset', stdout: NFT_RULESET.toString() })],
      ['blue', expect.objectContaining({ status: 'ok', command: 'ip netns exec blue nft -j list ruleset', stdout: NFT_RULESET.toString() })],
    ]);
    expect(nftRuns()).toEqual(['host', 'blue']);

    // Module support, nf_tables not loaded: nft would make the kernel load it. Not run, anywhere.
    await rm(ran, { force: true });
    await writeFile(path.join(host.proc, 'modules'), 'x_tables 65536 0 - Live 0x0\n');
    expect(await collect()).toEqual([
      ['host', expect.objectContaining({ status: 'not-collected', exitCode: null, command: 'nft -j list ruleset', reason: REASON_NO_NFTABLES })],
      ['blue', expect.objectContaining({ status: 'not-collected', exitCode: null, command: 'ip netns exec blue nft -j list ruleset', reason: REASON_NO_NFTABLES })],
    ]);
    expect(REASON_NO_NFTABLES).toMatch(/nf_tables is not loaded/);
    expect(nftRuns()).toEqual([]);

    // nf_tables built in: /sys/module/nf_tables.
    await mkdir(path.join(host.sys, 'module', 'nf_tables'), { recursive: true });
    expect((await collect()).map(([name, s]) => [name, (s as { status: string }).status])).toEqual([['host', 'ok'], ['blue', 'ok']]);
    expect(nftRuns()).toEqual(['host', 'blue']);
    await rm(path.join(host.sys, 'module', 'nf_tables'), { recursive: true });
  });

  it('records a missing nft as not installed, in every namespace, whether nf_tables is loaded or not', async () => {
    await removeTool(host, 'nft');
    for (const modules of ['nf_tables 356352 0 - Live 0x0\n', 'x_tables 65536 0 - Live 0x0\n']) {
      await writeFile(path.join(host.proc, 'modules'), modules);
      expect(await collect()).toEqual([
        ['host', expect.objectContaining({ status: 'not-collected', command: 'nft -j list ruleset', reason: 'nft is not installed' })],
        ['blue', expect.objectContaining({ status: 'not-collected', command: 'ip netns exec blue nft -j list ruleset', reason: 'nft is not installed' })],
      ]);
    }
  });
});

describe.each(KINDS)('%s collector: other namespaces', (kind) => {
  let host: FakeHost;
  let blueInode: number;
  let redInode: number;
  beforeAll(async () => {
    host = await makeFakeHost();
    blueInode = await addNamedNamespace(host, 'blue');
    redInode = await addNamedNamespace(host, 'red');
    await fake(host, 'ip -j netns list', { out: '[{"name":"red"},{"name":"blue","id":3}]\n' });
    await fake(host, 'ip netns list', { out: 'red\nblue (id: 3)\n' });
    await fake(host, 'sysctl -a', { out: 'net.ipv4.ip_forward = 1\n' });
    await fake(host, 'sysctl -a', { out: 'net.ipv4.ip_forward = 0 # blue\n' }, 'blue');
    await fake(host, 'sysctl -a', { out: 'net.ipv4.ip_forward = 0 # nginx\n' }, 'pid100');
    await fake(host, 'ip -j -p -d link show', { out: '[{"ifindex":7,"ifname":"eth0","link_netnsid":0}]\n' }, 'pid100');
    await fake(host, 'ip -j -p rule show', { out: ruleList(4, '') });
    await fake(host, 'ip -j -p -6 rule show', { out: ruleList(6, '') });
    await fake(host, 'ip -j -p rule show', { out: ruleList(4, '{"priority":100,"src":"172.18.0.0","srclen":16,"table":"100"},') }, 'blue');
    await fake(host, 'ip -j -p -6 rule show', { out: ruleList(6, '{"priority":200,"src":"2001:db8::","srclen":32,"table":"200"},') }, 'blue');
    await fake(host, 'ip -j -p rule show', { out: ruleList(4, '{"priority":110,"src":"all","fwmark":"0x1","table":"200"},') }, 'pid100');
    await addProcesses(host, [
      { pid: 100, netnsInode: 900, comm: 'nginx' },
      { pid: 101, netnsInode: 900, comm: 'nginx' },
      { pid: 130, netnsInode: 900, comm: 'sidecar "x"' },
      { pid: 102, netnsInode: 4026531840, comm: 'sshd' },
      { pid: 103, netnsInode: blueInode, comm: 'sleep' },
      { pid: 205, netnsInode: 901, comm: 'redis-server' },
    ]);
    await writeFile(path.join(host.etc, 'sysctl.conf'), 'net.ipv4.ip_forward = 1\n');
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  /** `ip -j rule` / `ip -j -6 rule` of a namespace: the kernel's rules with `extra` after the local one. */
  const ruleList = (family: 4 | 6, extra: string) =>
    `[{"priority":0,"src":"all","table":"local"},${extra}{"priority":32766,"src":"all","table":"main"}` +
    `${family === 4 ? ',{"priority":32767,"src":"all","table":"default"}' : ''}]\n`;

  it('collects the named namespaces asked for, and records what was asked for', async () => {
    const { snapshot } = await runCollector(kind, host, { netns: ['blue', 'red', 'blue'] });
    expect(snapshot.namespaces.map((n) => n.name)).toEqual(['host', 'blue', 'red']);
    const [, blue] = snapshot.namespaces;
    expect(blue).toMatchObject({ name: 'blue', kind: 'named', nsid: 3, inode: blueInode });
    expect(blue!.sources.sysctl).toMatchObject({ status: 'ok', command: 'ip netns exec blue sysctl -a', stdout: 'net.ipv4.ip_forward = 0 # blue\n' });
    // ip netns exec remounts /sys for the namespace: brctl is taken there.
    expect(blue!.sources['brctl-show']).toMatchObject({ status: 'empty', command: 'ip netns exec blue brctl show' });
    // Policy routing rules, both families, taken inside each namespace.
    expect(blue!.sources['ip-rule']).toMatchObject({ status: 'ok', command: 'ip netns exec blue ip -j -p rule show', stdout: ruleList(4, '{"priority":100,"src":"172.18.0.0","srclen":16,"table":"100"},') });
    expect(blue!.sources['ip6-rule']).toMatchObject({ status: 'ok', command: 'ip netns exec blue ip -j -p -6 rule show', stdout: ruleList(6, '{"priority":200,"src":"2001:db8::","srclen":32,"table":"200"},') });
    expect(snapshot.namespaces[0]!.sources['ip-rule']).toMatchObject({ status: 'ok', command: 'ip -j -p rule show', stdout: ruleList(4, '') });
    expect(snapshot.namespaces[2]!.sources['ip6-rule']).toMatchObject({ status: 'ok', command: 'ip netns exec red ip -j -p -6 rule show' });
    // And into the model, each namespace with its own rules.
    const model = buildHost(snapshot);
    expect(model.host.policyRules?.[4]?.map((r) => r.priority)).toEqual([0, 32766, 32767]);
    expect(model.namespaceByName.get('blue')?.policyRules?.[4]?.map((r) => [r.priority, r.table, r.evidence.source])).toEqual([
      [0, 'local', 'netns:blue/ip-rule'],
      [100, '100', 'netns:blue/ip-rule'],
      [32766, 'main', 'netns:blue/ip-rule'],
      [32767, 'default', 'netns:blue/ip-rule'],
    ]);
    expect(model.namespaceByName.get('blue')?.policyRules?.[6]?.map((r) => r.priority)).toEqual([0, 200, 32766]);
    expect(snapshot.meta.netnsRequested).toEqual(['blue', 'red']);
    // Persisted sysctl files are host-only: one set for the snapshot.
    expect(snapshot.sysctlFiles.files.map((f) => f.path)).toEqual(['/etc/sysctl.conf']);
  });

  it('records that no namespace was asked for', async () => {
    const { snapshot } = await runCollector(kind, host);
    expect(snapshot.meta.netnsRequested).toEqual([]);
  });

  it('refuses a namespace name that does not exist, before collecting anything (exit 2, one message)', async () => {
    const message = '--netns: no network namespace named "green", "nosuchns" (`ip netns list` lists the named namespaces; --netns all collects every namespace)';
    if (kind === 'node') {
      await expect(collectSnapshot(nodeOptions(host, { netns: ['blue', 'green', 'nosuchns'] }))).rejects.toSatisfy(
        (err: unknown) => err instanceof UsageError && err.describe() === message,
      );
      return;
    }
    const file = snapshotFile(host, kind);
    const result = await runShCollector(kind, host, { netns: ['blue', 'green', 'nosuchns'] }, file);
    expect(result).toEqual({ code: 2, stderr: `netaudit-collect: ${message}\n` });
    expect(existsSync(file)).toBe(false);
  });

  it('with "all", adds every named namespace and each process namespace once, skipping the host and named ones', async () => {
    const { snapshot } = await runCollector(kind, host, { netns: ['all'] });
    expect(snapshot.namespaces.map((n) => [n.name, n.kind])).toEqual([
      ['host', 'host'],
      ['blue', 'named'],
      ['red', 'named'],
      ['pid:100', 'container'],
      ['pid:205', 'container'],
    ]);
    const red = snapshot.namespaces[2]!;
    expect(red.inode).toBe(redInode);
    expect(red.nsid).toBeUndefined();
    const nginx = snapshot.namespaces[3]!;
    expect(nginx).toMatchObject({ inode: 900, pids: [100, 101, 130], processes: ['nginx', 'sidecar "x"'] });
    expect(nginx.sources.sysctl).toMatchObject({
      status: 'ok',
      command: `nsenter --net=${path.join(host.proc, '100', 'ns', 'net')} sysctl -a`,
      stdout: 'net.ipv4.ip_forward = 0 # nginx\n',
    });
    expect(nginx.sources['ip-link']).toMatchObject({
      command: `nsenter --net=${path.join(host.proc, '100', 'ns', 'net')} ip -j -p -d link show`,
      stdout: '[{"ifindex":7,"ifname":"eth0","link_netnsid":0}]\n',
    });
    // ip rule asks the kernel over netlink, which nsenter --net does switch: taken in the container.
    expect(nginx.sources['ip-rule']).toMatchObject({
      status: 'ok',
      command: `nsenter --net=${path.join(host.proc, '100', 'ns', 'net')} ip -j -p rule show`,
      stdout: ruleList(4, '{"priority":110,"src":"all","fwmark":"0x1","table":"200"},'),
    });
    expect(nginx.sources['ip6-rule']).toMatchObject({ status: 'ok', command: `nsenter --net=${path.join(host.proc, '100', 'ns', 'net')} ip -j -p -6 rule show` });
    expect(buildHost(snapshot).namespaceByName.get('pid:100')?.policyRules?.[4]?.[1]).toMatchObject({ priority: 110, fwmark: 1, fwmask: 0xffffffff, table: '200' });
    for (const ns of snapshot.namespaces) {
      for (const id of ['ip-rule', 'ip6-rule']) expect(ns.sources[id]?.status, `${ns.name} ${id}`).toBe('ok');
    }
    // nsenter leaves /sys on the collector's namespace: brctl would list the collector's bridges.
    expect(nginx.sources['brctl-show']).toMatchObject({
      status: 'not-collected',
      command: `nsenter --net=${path.join(host.proc, '100', 'ns', 'net')} brctl show`,
      reason: expect.stringMatching(/^not run: brctl reads \/sys, which nsenter --net leaves on the collector's namespace/),
    });
    expect(snapshot.namespaces[4]).toMatchObject({ pids: [205], processes: ['redis-server'] });
    expect(snapshot.meta.netnsRequested).toBe('all');
    expect(snapshot.meta.notes).not.toContain(NO_OTHER_NAMESPACE_NOTE);
  });

  it('takes the nftables ruleset in every namespace: host, named, and nsenter\'d container', async () => {
    await fake(host, 'nft -j list ruleset', { out: nftRuleset('host') });
    await fake(host, 'nft -j list ruleset', { out: nftRuleset('blue') }, 'blue');
    await fake(host, 'nft -j list ruleset', { out: nftRuleset('nginx') }, 'pid100');
    await fake(host, 'nft -j list ruleset', { out: '', err: 'Error: cache initialization failed: Operation not permitted\n', rc: 1 }, 'pid205');
    const { snapshot } = await runCollector(kind, host, { netns: ['all'] });
    const nft = (name: string) => snapshot.namespaces.find((n) => n.name === name)!.sources['nft-ruleset'];
    const enter = (pid: number) => `nsenter --net=${path.join(host.proc, String(pid), 'ns', 'net')} `;
    expect(nft('host')).toMatchObject({ status: 'ok', command: 'nft -j list ruleset', stdout: nftRuleset('host') });
    expect(nft('blue')).toMatchObject({ status: 'ok', command: 'ip netns exec blue nft -j list ruleset', stdout: nftRuleset('blue') });
    // red has no ruleset of its own in the fake: the default answer.
    expect(nft('red')).toMatchObject({ status: 'ok', command: 'ip netns exec red nft -j list ruleset', stdout: nftRuleset('host') });
    // nft asks the kernel over netlink, which nsenter --net does switch: taken in the container.
    expect(nft('pid:100')).toMatchObject({ status: 'ok', command: `${enter(100)}nft -j list ruleset`, stdout: nftRuleset('nginx') });
    // Not root enough (no CAP_NET_ADMIN in that namespace): failed, with nft's own words.
    expect(nft('pid:205')).toMatchObject({
      status: 'failed',
      exitCode: 1,
      command: `${enter(205)}nft -j list ruleset`,
      reason: 'exit code 1: Error: cache initialization failed: Operation not permitted',
    });
  });

  it('records container namespaces as not collected when nsenter is missing', async () => {
    await removeTool(host, 'nsenter');
    const { snapshot } = await runCollector(kind, host, { netns: ['all'] });
    const nginx = snapshot.namespaces.find((n) => n.name === 'pid:100')!;
    for (const source of Object.values(nginx.sources)) {
      expect(source).toMatchObject({ status: 'not-collected', reason: 'nsenter not found: cannot enter the namespace of a process' });
    }
    expect(snapshot.namespaces.find((n) => n.name === 'blue')!.sources.sysctl?.status).toBe('ok');
  });
});

describe.each(KINDS)('%s collector: a host without iproute2', (kind) => {
  let host: FakeHost;
  beforeAll(async () => {
    host = await makeFakeHost({ tools: FAKE_TOOLS.filter((t) => t !== 'ip') });
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  it('records the ip sources, policy rules included, as failed: command not found', async () => {
    const { snapshot } = await runCollector(kind, host);
    const sources = snapshot.namespaces[0]!.sources;
    expect(sources['ip-rule']).toMatchObject({ status: 'failed', exitCode: null, reason: 'command not found', command: 'ip -j -p rule show', stdout: '' });
    expect(sources['ip6-rule']).toMatchObject({ status: 'failed', exitCode: null, reason: 'command not found', command: 'ip -j -p -6 rule show', stdout: '' });
    expect(sources['ip-route']).toMatchObject({ status: 'failed', reason: 'command not found' });
    expect(buildHost(snapshot).host.policyRules).toBeUndefined();
  });
});

describe.each(KINDS)('%s collector: each namespace once, by its inode', (kind) => {
  let host: FakeHost;
  let labInode: number;
  let blueInode: number;
  beforeAll(async () => {
    host = await makeFakeHost();
    labInode = await addNamedNamespace(host, 'lab');
    blueInode = await addNamedNamespace(host, 'blue');
    // A second name for blue (as `ip netns attach` or a bind mount makes): the same inode.
    await link(path.join(host.netnsDir, 'blue'), path.join(host.netnsDir, 'blue-alias'));
    // The collector runs inside "lab" (`ip netns exec lab netaudit collect`).
    await unlink(path.join(host.proc, 'self', 'ns', 'net'));
    await symlink(`net:[${labInode}]`, path.join(host.proc, 'self', 'ns', 'net'));
    await fake(host, 'ip -j netns list', { out: '[{"name":"lab","id":0},{"name":"blue","id":1},{"name":"blue-alias","id":1}]\n' });
    await fake(host, 'ip netns list', { out: 'lab (id: 0)\nblue (id: 1)\nblue-alias (id: 1)\n' });
    await addProcesses(host, [
      { pid: 300, netnsInode: labInode, comm: 'sh' },
      { pid: 301, netnsInode: blueInode, comm: 'sleep' },
      { pid: 302, netnsInode: 905, comm: 'nginx' },
    ]);
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  it('with "all", drops the collector\'s own namespace and a second name of one already listed, with a note each', async () => {
    const { snapshot } = await runCollector(kind, host, { netns: ['all'] });
    expect(snapshot.namespaces.map((n) => [n.name, n.kind, n.inode])).toEqual([
      ['host', 'host', labInode],
      ['blue', 'named', blueInode],
      ['pid:302', 'container', 905],
    ]);
    expect(snapshot.meta.notes).toEqual(expect.arrayContaining([
      'network namespace "lab" is the collector\'s own: collected once, as host',
      'network namespace "blue-alias" is the same namespace as "blue": collected once, as "blue"',
    ]));
  });

  it('does the same for namespaces asked for by name', async () => {
    const { snapshot } = await runCollector(kind, host, { netns: ['lab', 'blue-alias', 'blue'] });
    expect(snapshot.namespaces.map((n) => n.name)).toEqual(['host', 'blue-alias']);
    expect(snapshot.meta.notes).toEqual(expect.arrayContaining([
      'network namespace "lab" is the collector\'s own: collected once, as host',
      'network namespace "blue" is the same namespace as "blue-alias": collected once, as "blue-alias"',
    ]));
    expect(snapshot.meta.netnsRequested).toEqual(['lab', 'blue-alias', 'blue']);
  });
});

describe.each(KINDS)('%s collector: --netns all on a host without other namespaces', (kind) => {
  let host: FakeHost;
  beforeAll(async () => {
    host = await makeFakeHost();
    await fake(host, 'ip -j netns list', { out: '' });
    await addProcesses(host, [{ pid: 1, netnsInode: HOST_NETNS_INODE, comm: 'init' }]);
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  it('records that all were asked for and that none exists', async () => {
    const { snapshot } = await runCollector(kind, host, { netns: ['all'] });
    expect(snapshot.namespaces.map((n) => n.name)).toEqual(['host']);
    expect(snapshot.meta.netnsRequested).toBe('all');
    expect(snapshot.meta.notes).toContain(NO_OTHER_NAMESPACE_NOTE);
  });
});

describe.each(KINDS)('%s collector: persisted sysctl files as systemd-sysctl reads them', (kind) => {
  let host: FakeHost;
  const put = async (file: string, text: string) => {
    await mkdir(path.dirname(path.join(host.root, file)), { recursive: true });
    await writeFile(path.join(host.root, file), text);
  };
  beforeAll(async () => {
    host = await makeFakeHost();
    await put('etc/sysctl.conf', 'net.ipv4.ip_forward = 1\n');
    await put('etc/sysctl.d/99-docker.conf', 'net.ipv4.ip_forward = 1\n');
    await put('etc/sysctl.d/README', 'not read\n');
    await put('run/sysctl.d/60-run.conf', 'vm.swappiness = 10\n');
    await put('usr/local/lib/sysctl.d/70-local.conf', 'kernel.pid_max = 65536\n');
    await put('usr/lib/sysctl.d/50-default.conf', 'kernel.sysrq = 16\n');
    await put('usr/lib/sysctl.d/50-pid-max.conf', 'kernel.pid_max = 4194304\n');
    await put('lib/sysctl.d/30-split-usr.conf', 'fs.protected_fifos = 1\n');
    // The admin masks the distribution's 50-pid-max.conf.
    await symlink('/dev/null', path.join(host.root, 'etc/sysctl.d/50-pid-max.conf'));
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  it('reads every sysctl.d directory, /lib too where it is not /usr/lib, masks as empty files', async () => {
    const { snapshot } = await runCollector(kind, host);
    expect(snapshot.sysctlFiles.status).toBe('ok');
    expect(snapshot.sysctlFiles.files.map((f) => [f.path, f.content])).toEqual([
      ['/etc/sysctl.d/50-pid-max.conf', ''],
      ['/etc/sysctl.d/99-docker.conf', 'net.ipv4.ip_forward = 1\n'],
      ['/run/sysctl.d/60-run.conf', 'vm.swappiness = 10\n'],
      ['/usr/local/lib/sysctl.d/70-local.conf', 'kernel.pid_max = 65536\n'],
      ['/usr/lib/sysctl.d/50-default.conf', 'kernel.sysrq = 16\n'],
      ['/usr/lib/sysctl.d/50-pid-max.conf', 'kernel.pid_max = 4194304\n'],
      ['/lib/sysctl.d/30-split-usr.conf', 'fs.protected_fifos = 1\n'],
      ['/etc/sysctl.conf', 'net.ipv4.ip_forward = 1\n'],
    ]);
  });

  it('reads /usr/lib/sysctl.d once where /lib links to usr/lib (merged /usr)', async () => {
    await rm(path.join(host.root, 'lib'), { recursive: true });
    await symlink('usr/lib', path.join(host.root, 'lib'));
    const { snapshot } = await runCollector(kind, host);
    const paths = snapshot.sysctlFiles.files.map((f) => f.path);
    expect(paths.filter((p) => p.startsWith('/lib/'))).toEqual([]);
    expect(paths).toContain('/usr/lib/sysctl.d/50-default.conf');
  });
});

describe.each(KINDS)('%s collector: the snapshot file', (kind) => {
  let host: FakeHost;
  beforeAll(async () => {
    host = await makeFakeHost();
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  it('is readable by its owner only (0600): it holds addresses, rules and process names', async () => {
    const { file } = await runCollector(kind, host);
    expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');
  });
});
