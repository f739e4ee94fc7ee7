/**
 * container-dns-unreachable on a real kernel (root only). A namespace plays a host with a bridge
 * (198.51.100.1/24) and a DNS responder on 198.51.100.1:53 and 127.0.0.53:53 (UDP and TCP, like
 * systemd-resolved's stub), and four named namespaces play containers on the bridge, each with its own
 * /etc/netns/NAME/resolv.conf (what `ip netns exec NAME` mounts over /etc/resolv.conf):
 * - `loop`: nameserver 127.0.0.53, copied from the host: nothing listens there in its namespace;
 * - `noroute`: nameserver 203.0.113.53 and no default route;
 * - `fw`: nameserver 198.51.100.1, whose queries the host's INPUT drops (`-s` its address);
 * - `ok`: nameserver 198.51.100.1, answered.
 * A DNS query (UDP, 1 s timeout, to the first nameserver of the resolv.conf the namespace sees) fails in the
 * first three and is answered in `ok`. Then the built CLI collects inside the host namespace, and the audit
 * names exactly those three. After the fix (routable nameservers, a default route, the DROP removed) every
 * query is answered and the rule is silent. A process started with `unshare -m -n` and a resolv.conf
 * bind-mounted in its own mount namespace shows its view (/proc/PID/root/etc/resolv.conf) to both collectors.
 *
 * With NETAUDIT_WRITE_FIXTURES=1 the two captures are written to fixtures/rules/container-dns-unreachable/
 * {fail,pass} as raw-output directories (files/etc/resolv.conf per namespace). Only namespaces named
 * `nadns<pid>-…` and /etc/netns/<those names> that this test creates are touched.
 */
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorScript } from '../../src/collect/sh-collector.js';
import { findExecutable } from '../../src/collect/which.js';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog } from '../../src/engine/catalog.js';
import type { AuditResult } from '../../src/engine/types.js';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { SOURCES } from '../../src/snapshot/sources.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { cleanLeftovers } from './lab.js';
import { CLI, ensureBuilt } from './netaudit.js';
import { describeRun, inNetns, must, run, runSync } from './run.js';

const RULE = 'container-dns-unreachable';
const TAG = 'dns';
const PREFIX = `na${TAG}${process.pid}`;
const HOST = `${PREFIX}-host`;
/** The world beyond the host's uplink: not collected. */
const INET = `${PREFIX}-inet`;
const CONTAINERS = ['loop', 'noroute', 'fw', 'ok'] as const;
type Container = (typeof CONTAINERS)[number];
const ns = (c: Container) => `${PREFIX}-${c}`;
const BRIDGE = 'dnsbr0';
const HOST_ADDRESS = '198.51.100.1';
const ADDRESS: Record<Container, string> = { loop: '198.51.100.11', noroute: '198.51.100.12', fw: '198.51.100.13', ok: '198.51.100.14' };
const FAULTY: Record<Container, string> = {
  loop: 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lab.example\n',
  noroute: 'nameserver 203.0.113.53\n',
  fw: `nameserver ${HOST_ADDRESS}\n`,
  ok: `nameserver ${HOST_ADDRESS}\n`,
};
const FIXED = `nameserver ${HOST_ADDRESS}\nsearch lab.example\n`;
const HOST_RESOLV = '# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lab.example\n';
const WRITE_FIXTURES = process.env.NETAUDIT_WRITE_FIXTURES === '1';
const COLLECT_TIMEOUT_MS = 60_000;

/** A DNS responder: A 192.0.2.80 for any question, over UDP and TCP, on the addresses given. */
const SERVER = `
import dgram from 'node:dgram';
import net from 'node:net';
const answer = (q) => {
  const r = Buffer.from(q);
  r[2] = 0x81; r[3] = 0x80; r.writeUInt16BE(1, 6);
  return Buffer.concat([r, Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 80])]);
};
for (const address of process.argv.slice(2)) {
  const udp = dgram.createSocket('udp4');
  udp.on('message', (m, from) => udp.send(answer(m), from.port, from.address));
  udp.bind(53, address);
  net.createServer((s) => s.once('data', (d) => { const a = answer(d.subarray(2)); const len = Buffer.alloc(2); len.writeUInt16BE(a.length); s.end(Buffer.concat([len, a])); })).listen(53, address);
}
setInterval(() => {}, 1 << 30);
`;

/** One DNS question over UDP to the first nameserver of /etc/resolv.conf (as this namespace sees it), 1 s timeout. */
const PROBE = `
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
const server = /^nameserver\\s+(\\S+)/m.exec(readFileSync('/etc/resolv.conf', 'utf8'))?.[1];
const q = Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 0x70, 0x72, 0x6f, 0x62, 0x65, 7, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0, 0, 1, 0, 1]);
const s = dgram.createSocket(server.includes(':') ? 'udp6' : 'udp4');
const done = (ok, why) => { console.log(JSON.stringify({ server, ok, why })); process.exit(0); };
s.on('message', (m) => done(m.readUInt16BE(0) === 0x1234 && m.readUInt16BE(6) === 1, 'answer'));
s.on('error', (e) => done(false, e.code ?? e.message));
setTimeout(() => done(false, 'timeout'), 1000);
s.send(q, 53, server, (e) => e && done(false, e.code ?? e.message));
`;

function labSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'the DNS lab needs root (network namespaces, /etc/netns)';
  for (const tool of ['ip', 'iptables', 'unshare', 'nsenter', 'dash', 'ss']) if (!findExecutable(tool, process.env)) return `the DNS lab needs ${tool}`;
  const probe = runSync(['ip', 'netns', 'add', `${PREFIX}-probe`]);
  if (probe.code !== 0) return `ip netns does not work here: ${probe.stderr.trim()}`;
  runSync(['ip', 'netns', 'del', `${PREFIX}-probe`]);
  return undefined;
}

const skipReason = labSkipReason();
if (skipReason) console.warn(`SKIP: ${skipReason}`);

const inHost = (...argv: string[]) => must(runSync(inNetns(HOST, argv)));
const etcNetns = (name: string) => path.join('/etc/netns', name);

async function writeResolv(name: string, text: string): Promise<void> {
  await mkdir(etcNetns(name), { recursive: true });
  await writeFile(path.join(etcNetns(name), 'resolv.conf'), text);
}

async function probe(c: Container, work: string): Promise<{ server: string; ok: boolean; why: string }> {
  const r = await run(inNetns(ns(c), [process.execPath, path.join(work, 'probe.mjs')]), { timeoutMs: 5000 });
  if (r.code !== 0) throw new Error(`probe failed: ${describeRun(r)}`);
  return JSON.parse(r.stdout) as { server: string; ok: boolean; why: string };
}

async function collect(work: string, label: string): Promise<Snapshot> {
  ensureBuilt();
  const out = path.join(work, `${label}.json`);
  must(await run(inNetns(HOST, [process.execPath, CLI, 'collect', '--netns', ...CONTAINERS.map(ns), '-o', out]), { timeoutMs: COLLECT_TIMEOUT_MS }));
  return (await loadInput(out)).snapshot;
}

async function audit(snapshot: Snapshot): Promise<AuditResult> {
  return runAudit(buildHost(snapshot), await loadRuleCatalog(), { input: 'lab' });
}

const RAW_FILE_BY_ID = new Map<string, string>(SOURCES.filter((s) => s.rawFile !== undefined).map((s) => [s.id, s.rawFile!]));

/** The snapshot as a raw-output directory: sources by their raw names, each namespace's resolv.conf under files/. */
async function writeRawFixture(snapshot: Snapshot, side: 'fail' | 'pass'): Promise<void> {
  const dir = path.join(PROJECT_ROOT, 'fixtures/rules', RULE, side);
  await rm(dir, { recursive: true, force: true });
  for (const namespace of snapshot.namespaces) {
    const nsDir = namespace.kind === 'host' ? dir : path.join(dir, 'netns', namespace.name.slice(PREFIX.length + 1));
    await mkdir(nsDir, { recursive: true });
    for (const [id, source] of Object.entries(namespace.sources)) {
      const file = RAW_FILE_BY_ID.get(id);
      if (file === undefined || (source.status !== 'ok' && source.status !== 'empty')) continue;
      await writeFile(path.join(nsDir, file), source.stdoutEncoding === 'base64' ? Buffer.from(source.stdout, 'base64') : source.stdout);
    }
    const resolv = namespace.files?.['resolv-conf']?.files[0];
    if (resolv?.status === 'ok' && resolv.content !== undefined) {
      await mkdir(path.join(nsDir, 'files/etc'), { recursive: true });
      await writeFile(path.join(nsDir, 'files/etc/resolv.conf'), resolv.content);
    }
  }
}

describe.skipIf(skipReason !== undefined)('container-dns-unreachable lab', () => {
  let work: string;
  let server: ReturnType<typeof runSync> | undefined;
  let serverProcess: import('node:child_process').ChildProcess | undefined;
  const results: Record<'before' | 'after', Record<Container, { ok: boolean; why: string }>> = { before: {} as never, after: {} as never };
  let faulty: Snapshot;
  let fixed: Snapshot;

  beforeAll(async () => {
    cleanLeftovers(TAG);
    work = await mkdtemp(path.join(tmpdir(), 'netaudit-dns-'));
    await writeFile(path.join(work, 'server.mjs'), SERVER);
    await writeFile(path.join(work, 'probe.mjs'), PROBE);
    must(runSync(['ip', 'netns', 'add', HOST]));
    await writeResolv(HOST, HOST_RESOLV);
    inHost('ip', 'link', 'set', 'lo', 'up');
    inHost('ip', 'link', 'add', BRIDGE, 'type', 'bridge');
    inHost('ip', 'addr', 'add', `${HOST_ADDRESS}/24`, 'dev', BRIDGE);
    inHost('ip', 'link', 'set', BRIDGE, 'up');
    // An uplink to the "internet", forwarding on and the bridge masqueraded, as a Docker host has them.
    must(runSync(['ip', 'netns', 'add', INET]));
    inHost('ip', 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', INET);
    inHost('ip', 'addr', 'add', '203.0.113.2/24', 'dev', 'up0');
    inHost('ip', 'link', 'set', 'up0', 'up');
    must(runSync(['ip', '-n', INET, 'addr', 'add', '203.0.113.1/24', 'dev', 'eth0']));
    must(runSync(['ip', '-n', INET, 'link', 'set', 'eth0', 'up']));
    must(runSync(['ip', '-n', INET, 'link', 'set', 'lo', 'up']));
    inHost('ip', 'route', 'add', 'default', 'via', '203.0.113.1');
    inHost('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    inHost('iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '198.51.100.0/24', '!', '-o', BRIDGE, '-j', 'MASQUERADE');
    for (const [i, c] of CONTAINERS.entries()) {
      must(runSync(['ip', 'netns', 'add', ns(c)]));
      await writeResolv(ns(c), FAULTY[c]);
      const port = `dnsv${i}`;
      inHost('ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns(c));
      inHost('ip', 'link', 'set', port, 'master', BRIDGE);
      inHost('ip', 'link', 'set', port, 'up');
      must(runSync(['ip', '-n', ns(c), 'link', 'set', 'lo', 'up']));
      must(runSync(['ip', '-n', ns(c), 'addr', 'add', `${ADDRESS[c]}/24`, 'dev', 'eth0']));
      must(runSync(['ip', '-n', ns(c), 'link', 'set', 'eth0', 'up']));
      if (c !== 'noroute') must(runSync(['ip', '-n', ns(c), 'route', 'add', 'default', 'via', HOST_ADDRESS]));
    }
    // The host's firewall: DNS from the fw container dropped.
    for (const proto of ['udp', 'tcp']) inHost('iptables', '-A', 'INPUT', '-s', ADDRESS.fw, '-p', proto, '--dport', '53', '-j', 'DROP');
    const { spawn } = await import('node:child_process');
    serverProcess = spawn('ip', ['netns', 'exec', HOST, process.execPath, path.join(work, 'server.mjs'), HOST_ADDRESS, '127.0.0.53'], { stdio: 'ignore' });
    // Until the responder listens (TCP 53 on both addresses).
    for (let i = 0; i < 50; i++) {
      const ss = runSync(inNetns(HOST, ['ss', '-Htln']));
      if (ss.stdout.includes(`${HOST_ADDRESS}:53`) && ss.stdout.includes('127.0.0.53:53')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    server = runSync(inNetns(HOST, ['ss', '-Htlnp']));

    for (const c of CONTAINERS) results.before[c] = await probe(c, work);
    faulty = await collect(work, 'faulty');

    // The fix: routable nameservers, a default route, the DROP gone.
    for (const c of CONTAINERS) await writeResolv(ns(c), FIXED);
    must(runSync(['ip', '-n', ns('noroute'), 'route', 'add', 'default', 'via', HOST_ADDRESS]));
    for (const proto of ['udp', 'tcp']) inHost('iptables', '-D', 'INPUT', '-s', ADDRESS.fw, '-p', proto, '--dport', '53', '-j', 'DROP');
    for (const c of CONTAINERS) results.after[c] = await probe(c, work);
    fixed = await collect(work, 'fixed');
    if (WRITE_FIXTURES) {
      await writeRawFixture(faulty, 'fail');
      await writeRawFixture(fixed, 'pass');
    }
  }, 240_000);

  afterAll(async () => {
    serverProcess?.kill('SIGKILL');
    for (const name of [HOST, INET, ...CONTAINERS.map(ns)]) {
      runSync(['ip', 'netns', 'del', name]);
      await rm(etcNetns(name), { recursive: true, force: true });
    }
    // /etc/netns itself only if this test left it empty (others may use it).
    await rmdir('/etc/netns').catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the kernel shows the faults: the queries of loop, noroute and fw fail, ok\'s is answered', () => {
    expect(server?.stdout).toContain('127.0.0.53:53');
    expect(results.before.loop).toMatchObject({ server: '127.0.0.53', ok: false });
    expect(results.before.noroute).toMatchObject({ server: '203.0.113.53', ok: false, why: 'ENETUNREACH' });
    expect(results.before.fw).toMatchObject({ server: HOST_ADDRESS, ok: false, why: 'timeout' });
    expect(results.before.ok).toMatchObject({ server: HOST_ADDRESS, ok: true });
    for (const c of CONTAINERS) expect(results.after[c], c).toMatchObject({ server: HOST_ADDRESS, ok: true });
  });

  it('collects each namespace\'s resolv.conf as ip netns exec shows it', () => {
    for (const c of CONTAINERS) {
      const file = faulty.namespaces.find((n) => n.name === ns(c))?.files?.['resolv-conf']?.files[0];
      expect(file, c).toMatchObject({ path: '/etc/resolv.conf', readFrom: `/etc/netns/${ns(c)}/resolv.conf`, status: 'ok', content: FAULTY[c] });
    }
    expect(faulty.namespaces[0]!.files?.['resolv-conf']?.files[0]).toMatchObject({ status: 'ok', content: HOST_RESOLV });
  });

  it('the audit names exactly the three namespaces whose queries fail, with the resolv.conf line and the dropping step', async () => {
    const result = await audit(faulty);
    const findings = result.findings.filter((f) => f.ruleId === RULE);
    expect(findings.map((f) => f.subject.name).sort()).toEqual([ns('fw'), ns('loop'), ns('noroute')].sort());
    const of = (c: Container) => findings.find((f) => f.subject.name === ns(c))!;
    expect(of('loop').message).toMatch(/nameserver 127\.0\.0\.53 .*loopback address reaches only this namespace's own sockets/);
    expect(of('loop').evidence[0]).toMatchObject({ source: `netns:${ns('loop')}/etc/resolv.conf`, line: 1, text: 'nameserver 127.0.0.53' });
    expect(of('noroute').message).toMatch(/nameserver 203\.0\.113\.53 .*routing/);
    expect(of('fw').message).toMatch(/nameserver 198\.51\.100\.1 .*filter INPUT/);
    expect(of('fw').evidence.map((e) => e.text)).toContainEqual(expect.stringContaining(`-A INPUT -s ${ADDRESS.fw}/32 -p udp -m udp --dport 53 -j DROP`));
  });

  it('after the fix every query is answered and the rule is silent', async () => {
    const result = await audit(fixed);
    expect(result.findings.filter((f) => f.ruleId === RULE)).toEqual([]);
    expect(result.skipped.filter((s) => s.ruleId === RULE)).toEqual([]);
  });
});

describe.skipIf(skipReason !== undefined)('a container\'s own resolv.conf, through its mount namespace', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'netaudit-dnsc-'));
    await writeFile(path.join(work, 'resolv.conf'), 'nameserver 127.0.0.11\noptions ndots:0\n');
    await writeFile(path.join(work, 'collect.sh'), collectorScript());
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  // In a PID and mount namespace of its own (a fresh /proc, an empty /run/netns), so that --netns all finds
  // only the container started there, not every namespace of the machine.
  const collectors: [string, (out: string) => string][] = [
    ['node (built CLI)', (out) => `${process.execPath} ${CLI} collect --netns all -o ${out}`],
    ['sh under dash', (out) => `dash ${path.join(work, 'collect.sh')} --netns all -o ${out}`],
  ];
  it.each(collectors)('%s records /proc/PID/root/etc/resolv.conf, the bind mount the container sees', async (label, command) => {
    ensureBuilt();
    const out = path.join(work, `${label.replace(/\W+/g, '-')}.json`);
    const script = [
      'mount -t tmpfs none /run/netns 2>/dev/null || mkdir -p /run/netns',
      `unshare -m -n sh -c 'mount --bind ${path.join(work, 'resolv.conf')} /etc/resolv.conf && exec sleep 60' &`,
      'c=$!',
      'i=0; while [ $i -lt 50 ] && [ "$(readlink /proc/$c/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.1; i=$((i+1)); done',
      'sleep 0.3',
      `${command(out)}; rc=$?`,
      'kill $c',
      'exit $rc',
    ].join('\n');
    const r = await run(['unshare', '-m', '-p', '-f', '--mount-proc', 'sh', '-c', script], { timeoutMs: COLLECT_TIMEOUT_MS });
    if (r.code !== 0) throw new Error(`collection failed: ${describeRun(r)}`);
    const snapshot = (await loadInput(out)).snapshot;
    const container = snapshot.namespaces.find((n) => n.kind === 'container' && n.processes?.includes('sleep'));
    expect(container, JSON.stringify(snapshot.namespaces.map((n) => [n.name, n.processes]))).toBeDefined();
    const pid = container!.pids![0]!;
    expect(container!.files?.['resolv-conf']).toEqual({
      status: 'ok',
      files: [{ path: '/etc/resolv.conf', readFrom: `/proc/${pid}/root/etc/resolv.conf`, status: 'ok', content: await readFile(path.join(work, 'resolv.conf'), 'utf8'), encoding: 'utf8' }],
    });
    const host = buildHost(snapshot);
    expect(host.namespaceByName.get(container!.name)?.resolvers?.nameservers.map((s) => s.address)).toEqual(['127.0.0.11']);
  });
});
