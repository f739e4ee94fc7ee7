/**
 * A container's namespace must not inherit the collector's bridges (root only, real kernel). One
 * namespace plays a Docker host (a bridge with a port); a process started from it with `unshare -n`
 * plays a container; every collector (the built CLI, and the sh collector under dash and busybox sh)
 * runs `--netns all` from inside the "host" namespace. `brctl show` reads /sys, which `nsenter --net`
 * does not switch, so taken there it would list the "host's" bridge in the container. Only namespaces
 * named `nac-…` that this test creates (and the process namespace it starts) are touched.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorScript } from '../../src/collect/sh-collector.js';
import { findExecutable } from '../../src/collect/which.js';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog } from '../../src/engine/catalog.js';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { BINARY } from '../cli/run.js';
import { must, PATH_ENV, run } from './lab-commands.js';

const LAB_NS = `nac-${process.pid}`;
const BRIDGE = 'nacbr0';
const PORT = 'nacd0';
const COLLECT_TIMEOUT_MS = 240_000;
/** nft is optional here: with it, the container namespace gets a table of its own. */
const HAS_NFT = findExecutable('nft', PATH_ENV) !== undefined;



function labSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'container bridge lab needs root (creates network namespaces)';
  for (const tool of ['ip', 'brctl', 'bridge', 'unshare', 'nsenter', 'dash', 'busybox']) {
    if (!findExecutable(tool, PATH_ENV)) return `container bridge lab needs ${tool} (Debian packages iproute2, bridge-utils, util-linux, dash, busybox)`;
  }
  if (!existsSync(BINARY)) return `container bridge lab runs the built CLI: ${BINARY} is missing (npm run build)`;
  const probe = `${LAB_NS}p`;
  const added = run(['ip', 'netns', 'add', probe], 5000);
  if (!added.ok) return `ip netns does not work here: ${added.err.trim()}`;
  run(['ip', 'netns', 'del', probe], 5000);
  return undefined;
}

const skipReason = labSkipReason();
if (skipReason) console.warn(`SKIP: ${skipReason}`);

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const netnsInode = async (pid: number | 'self'): Promise<string> => readlink(`/proc/${String(pid)}/ns/net`);

describe.skipIf(skipReason !== undefined)('container bridge lab: a process namespace entered with nsenter', () => {
  let work: string;
  let container: ChildProcess | undefined;
  let containerPid: number;
  let script: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'netaudit-nac-'));
    must(['ip', 'netns', 'add', LAB_NS]);
    const inLab = (...argv: string[]) => must(['ip', 'netns', 'exec', LAB_NS, ...argv]);
    inLab('ip', 'link', 'add', BRIDGE, 'type', 'bridge');
    // A veth pair, not a dummy: not every kernel has the dummy module.
    inLab('ip', 'link', 'add', PORT, 'type', 'veth', 'peer', 'name', `${PORT}p`);
    inLab('ip', 'link', 'set', PORT, 'master', BRIDGE);
    inLab('ip', 'link', 'set', PORT, 'up');
    inLab('ip', 'link', 'set', BRIDGE, 'up');
    inLab('ip', 'addr', 'add', '198.51.100.1/24', 'dev', BRIDGE);

    // The "container": started from the lab namespace into a namespace of its own (ip netns exec and
    // unshare exec, so this pid is the sleep's).
    container = spawn('ip', ['netns', 'exec', LAB_NS, 'unshare', '-n', 'sleep', '600'], { env: PATH_ENV, stdio: 'ignore' });
    containerPid = container.pid!;
    const labInode = (await stat(`/run/netns/${LAB_NS}`)).ino;
    const ownInode = await netnsInode('self');
    // Until unshare has made the sleep's namespace: the sleep runs (so unshare is done), in a net inode
    // that is neither the lab's nor this process's (where the pid starts, before ip netns exec enters the lab).
    const inOwnNamespace = async (): Promise<boolean> => {
      const inode = await netnsInode(containerPid).catch(() => '');
      const comm = await readFile(`/proc/${containerPid}/comm`, 'utf8').catch(() => '');
      return comm.trim() === 'sleep' && /^net:\[\d+\]$/.test(inode) && inode !== `net:[${labInode}]` && inode !== ownInode;
    };
    await until(inOwnNamespace, 10_000, `pid ${containerPid} in a namespace of its own`);
    // A policy routing rule in the container only: nsenter --net switches netlink, so ip rule must show it there.
    if (!(await inOwnNamespace())) throw new Error(`pid ${containerPid} left its namespace: no rule added`);
    must(['nsenter', `--net=/proc/${containerPid}/ns/net`, 'ip', 'rule', 'add', 'from', '172.18.0.0/16', 'lookup', '100', 'priority', '100']);
    // And an nftables table of its own, where nft is installed: nft list ruleset must show it there only.
    if (HAS_NFT) must(['nsenter', `--net=/proc/${containerPid}/ns/net`, 'nft', 'add', 'table', 'inet', 'nan_container']);

    script = path.join(work, 'collect.sh');
    await writeFile(script, collectorScript());
  });

  afterAll(async () => {
    if (container?.pid !== undefined) container.kill('SIGKILL');
    // Deleting the namespace removes the bridge and its port with it.
    run(['ip', 'netns', 'del', LAB_NS], 10_000);
    if (work) await rm(work, { recursive: true, force: true });
  });

  const collectors: [string, (out: string) => string[]][] = [
    ['node (built CLI)', (out) => [process.execPath, BINARY, 'collect', '-o', out, '--netns', 'all', '--timeout', '20']],
    ['sh under dash', (out) => ['dash', script, '-o', out, '--netns', 'all', '--timeout', '20']],
    ['sh under busybox sh', (out) => ['busybox', 'sh', script, '-o', out, '--netns', 'all', '--timeout', '20']],
  ];

  describe.each(collectors)('%s', (label, argv) => {
    let snapshot: Snapshot;
    beforeAll(async () => {
      const out = path.join(work, `${label.replace(/\W+/g, '-')}.json`);
      must(['ip', 'netns', 'exec', LAB_NS, ...argv(out)], COLLECT_TIMEOUT_MS);
      snapshot = (await loadInput(out)).snapshot;
    }, COLLECT_TIMEOUT_MS + 10_000);

    const containerNs = () => {
      const ns = snapshot.namespaces.find((n) => n.kind === 'container' && n.pids?.includes(containerPid));
      expect(ns, `a container namespace holding pid ${containerPid}`).toBeDefined();
      return ns!;
    };

    it('takes the bridge from the collector\'s own namespace', () => {
      const host = snapshot.namespaces[0]!;
      expect(host.sources['brctl-show']?.stdout).toMatch(new RegExp(`^${BRIDGE}\\s.*\\s${PORT}$`, 'm'));
      expect(buildHost(snapshot).host.bridges.map((b) => [b.name, b.ports.map((p) => p.name)])).toContainEqual([BRIDGE, [PORT]]);
    });

    it('does not list the collector\'s namespace again under its name', () => {
      expect(snapshot.namespaces.map((n) => n.name)).not.toContain(LAB_NS);
      expect(snapshot.meta.notes).toContain(`network namespace "${LAB_NS}" is the collector's own: collected once, as host`);
      expect(snapshot.meta.netnsRequested).toBe('all');
    });

    it('gives the container namespace no bridge of the collector\'s namespace', async () => {
      const ns = containerNs();
      expect(ns.sources['brctl-show']).toMatchObject({ status: 'not-collected', reason: expect.stringMatching(/^not run: brctl reads \/sys/) });
      expect(ns.sources['brctl-show']?.stdout ?? '').not.toContain(BRIDGE);
      const links = JSON.parse(ns.sources['ip-link']!.stdout) as { ifname: string }[];
      expect(links.map((l) => l.ifname)).toEqual(['lo']);
      const model = buildHost(snapshot);
      expect(model.namespaceByName.get(ns.name)?.bridges).toEqual([]);
      const result = await runAudit(model, await loadRuleCatalog(), { input: label, only: ['bridge-down'] });
      expect(result.findings.filter((f) => f.subject.namespace === ns.name)).toEqual([]);
    });

    it('runs the ip -j sources pretty-printed: one JSON member per line', () => {
      const source = containerNs().sources['ip-link']!;
      expect(source.command).toMatch(/ ip -j -p -d link show$/);
      expect(source.stdout).toMatch(/^\s+"ifname": "lo",$/m);
    });

    it.skipIf(!HAS_NFT)('takes the nftables ruleset inside the container namespace', () => {
      const ns = containerNs();
      expect(ns.sources['nft-ruleset']).toMatchObject({ status: 'ok', command: expect.stringMatching(/^nsenter --net=\S+ nft -j list ruleset$/) });
      const tables = (ruleset: string) =>
        (JSON.parse(ruleset) as { nftables: { table?: { name: string } }[] }).nftables.flatMap((o) => (o.table ? [o.table.name] : []));
      expect(tables(ns.sources['nft-ruleset']!.stdout)).toEqual(['nan_container']);
      expect(snapshot.namespaces[0]!.sources['nft-ruleset']).toMatchObject({ status: 'ok', command: 'nft -j list ruleset' });
      expect(tables(snapshot.namespaces[0]!.sources['nft-ruleset']!.stdout)).not.toContain('nan_container');
    });

    it('takes the policy routing rules inside the container namespace, both families', () => {
      const ns = containerNs();
      expect(ns.sources['ip-rule']).toMatchObject({ status: 'ok', command: expect.stringMatching(/^nsenter --net=\S+ ip -j -p rule show$/) });
      expect(ns.sources['ip6-rule']).toMatchObject({ command: expect.stringMatching(/^nsenter --net=\S+ ip -j -p -6 rule show$/) });
      if (existsSync('/proc/net/if_inet6')) expect(ns.sources['ip6-rule']?.status).toBe('ok');
      expect(snapshot.namespaces[0]!.sources['ip-rule']?.stdout).not.toContain('172.18.0.0');
      const model = buildHost(snapshot);
      expect(model.namespaceByName.get(ns.name)?.policyRules?.[4]?.map((r) => [r.priority, r.table])).toEqual([
        [0, 'local'],
        [100, '100'],
        [32766, 'main'],
        [32767, 'default'],
      ]);
      expect(model.host.policyRules?.[4]?.map((r) => r.priority)).toEqual([0, 32766, 32767]);
    });
  });
});

if (skipReason) {
  describe('container bridge lab', () => {
    it.skip(`skipped: ${skipReason}`, () => {});
  });
}
