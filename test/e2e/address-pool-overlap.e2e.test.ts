/**
 * address-pool-overlap on a real kernel (root only): what a Docker pool that overlaps a host route does.
 * A namespace plays the host: its uplink up0 holds 203.0.113.2/24 (203.0.113.0/24 is the LAN it reaches).
 * daemon.json's `default-address-pools` base 203.0.113.0/24 (size 28) means Docker's next network gets a
 * bridge with 203.0.113.17/28, as `docker network create` would make it. The kernel then routes
 * 203.0.113.20, a LAN address, to that bridge instead of the uplink (`ip route get`), and a LAN peer at
 * 203.0.113.20 stops answering. The audit of the host (collected before the bridge exists, with the
 * daemon.json) names the pool and the LAN route; with a pool elsewhere it is silent.
 * The collector reads the lab's daemon.json from a root of its own (collectSnapshot's fileRoot), never /etc.
 * Only namespaces named `napool<pid>-…` that this test creates are touched.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/collect/which.js';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog } from '../../src/engine/catalog.js';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { cleanLeftovers } from './lab.js';
import { CLI, ensureBuilt } from './netaudit.js';
import { inNetns, must, run, runSync } from './run.js';

const TAG = 'pool';
const HOST = `na${TAG}${process.pid}-host`;
const LAN = `na${TAG}${process.pid}-lan`;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'the pool lab needs root (network namespaces)';
  if (!findExecutable('ip', process.env) || !findExecutable('busybox', process.env)) return 'the pool lab needs ip and busybox';
  return undefined;
}
const skip = skipReason();
if (skip) console.warn(`SKIP: ${skip}`);

describe.skipIf(skip !== undefined)('address-pool-overlap lab', () => {
  let work: string;
  const inHost = (...argv: string[]) => must(runSync(inNetns(HOST, argv)));
  const ping = async (address: string) => (await run(inNetns(HOST, ['busybox', 'ping', '-c', '1', '-W', '1', address]), { timeoutMs: 5000 })).code === 0;

  /** The node collector (built) inside the host namespace, reading files under a root of the lab's own that holds etc/docker/daemon.json. */
  async function collectWith(daemonJson: string, label: string): Promise<Snapshot> {
    ensureBuilt();
    const root = path.join(work, label);
    await mkdir(path.join(root, 'etc/docker'), { recursive: true });
    await writeFile(path.join(root, 'etc/docker/daemon.json'), daemonJson);
    const out = path.join(work, `${label}.json`);
    const dist = path.dirname(path.dirname(CLI));
    const script = path.join(work, `${label}.mjs`);
    await writeFile(
      script,
      `import { collectSnapshot } from '${path.join(dist, 'collect/node-collector.js')}';\nimport { saveSnapshot } from '${path.join(dist, 'snapshot/save.js')}';\nawait saveSnapshot(await collectSnapshot({ fileRoot: '${root}' }), '${out}');\n`,
    );
    must(await run(inNetns(HOST, [process.execPath, script]), { timeoutMs: 60_000 }));
    return (await loadInput(out)).snapshot;
  }

  beforeAll(async () => {
    cleanLeftovers(TAG);
    work = await mkdtemp(path.join(tmpdir(), 'netaudit-pool-'));
    await mkdir(work, { recursive: true });
    must(runSync(['ip', 'netns', 'add', HOST]));
    must(runSync(['ip', 'netns', 'add', LAN]));
    inHost('ip', 'link', 'set', 'lo', 'up');
    inHost('ip', 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', LAN);
    inHost('ip', 'addr', 'add', '203.0.113.2/24', 'dev', 'up0');
    inHost('ip', 'link', 'set', 'up0', 'up');
    must(runSync(['ip', '-n', LAN, 'addr', 'add', '203.0.113.20/24', 'dev', 'eth0']));
    must(runSync(['ip', '-n', LAN, 'link', 'set', 'eth0', 'up']));
    inHost('ip', 'route', 'add', 'default', 'via', '203.0.113.1');
  });

  afterAll(async () => {
    runSync(['ip', 'netns', 'del', HOST]);
    runSync(['ip', 'netns', 'del', LAN]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the pool collides: the audit names it, and once Docker makes a network there the LAN peer is routed into the bridge', async () => {
    const overlapping = await collectWith('{\n  "default-address-pools": [\n    { "base": "203.0.113.0/24", "size": 28 }\n  ]\n}\n', 'overlap');
    const elsewhere = await collectWith('{\n  "default-address-pools": [\n    { "base": "10.201.0.0/16", "size": 24 }\n  ]\n}\n', 'elsewhere');
    const catalog = await loadRuleCatalog();
    const findings = (await runAudit(buildHost(overlapping), catalog, { input: 'lab', only: ['address-pool-overlap'] })).findings;
    expect(findings.map((f) => f.message)).toEqual(["Docker's configured address range collides with the host's routes: default-address-pools 203.0.113.0/24 overlaps 203.0.113.0/24 dev up0"]);
    expect(findings[0]!.evidence.map((e) => e.source)).toEqual(['/etc/docker/daemon.json', 'ip-route']);
    expect((await runAudit(buildHost(elsewhere), catalog, { input: 'lab', only: ['address-pool-overlap'] })).findings).toEqual([]);

    // The kernel: before, the LAN peer answers through up0; after a bridge in the pool exists, it does not.
    expect(await ping('203.0.113.20')).toBe(true);
    expect(inHost('ip', 'route', 'get', '203.0.113.20').stdout).toContain('dev up0');
    inHost('ip', 'link', 'add', 'br-0123456789ab', 'type', 'bridge');
    inHost('ip', 'addr', 'add', '203.0.113.17/28', 'dev', 'br-0123456789ab');
    inHost('ip', 'link', 'set', 'br-0123456789ab', 'up');
    expect(inHost('ip', 'route', 'get', '203.0.113.20').stdout).toContain('dev br-0123456789ab');
    expect(await ping('203.0.113.20')).toBe(false);
  });
});
