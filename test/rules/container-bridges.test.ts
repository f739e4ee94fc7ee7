/**
 * `brctl show` in a container namespace entered with nsenter prints the collector's own bridges (it reads
 * /sys, which nsenter does not remount). Old snapshots hold such output: the audit must not give the
 * container a bridge its ip link does not have, and so no bridge-down on it.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { buildHost } from '../../src/model/build.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { loadInput } from '../../src/snapshot/load.js';
import { FIXTURES_DIR } from './fixture-helpers.js';

const containerLinks = `[ {
        "ifindex": 1,
        "ifname": "lo",
        "flags": [ "LOOPBACK","UP","LOWER_UP" ],
        "mtu": 65536,
        "operstate": "UNKNOWN",
        "link_type": "loopback"
    },{
        "ifindex": 2,
        "link_index": 7,
        "ifname": "eth0",
        "flags": [ "BROADCAST","MULTICAST","UP","LOWER_UP" ],
        "mtu": 1500,
        "operstate": "UP",
        "link_type": "ether",
        "link_netnsid": 0,
        "linkinfo": { "info_kind": "veth" }
    } ]
`;
/** The host's bridges, as brctl printed them from inside the container. */
const hostsBrctl = 'bridge name\tbridge id\t\tSTP enabled\tinterfaces\ndocker0\t\t8000.0242ac110002\tno\t\tveth3c1d2e4\n';

let catalog: RuleCatalog;
beforeAll(async () => {
  catalog = await loadRuleCatalog();
});

/** The bridge-down pass fixture (a healthy docker0) with a container namespace collected through nsenter. */
async function hostWithContainer(): Promise<Snapshot> {
  const snapshot = structuredClone((await loadInput(path.join(FIXTURES_DIR, 'bridge-down', 'pass'))).snapshot);
  const source = (id: string, stdout: string) => ({ status: 'ok' as const, command: id, exitCode: 0, stdout, stdoutEncoding: 'utf8' as const, stderr: '', stderrEncoding: 'utf8' as const, durationMs: 0, truncated: false });
  snapshot.namespaces.push({ name: 'pid:4242', kind: 'container', sources: { 'ip-link': source('ip-link', containerLinks), 'brctl-show': source('brctl-show', hostsBrctl) } });
  return snapshot;
}

describe('a container namespace whose brctl shows the host\'s bridges', () => {
  it('gets no bridge-down, and a note says why its brctl output was set aside', async () => {
    const host = buildHost(await hostWithContainer());
    const result = await runAudit(host, catalog, { input: 'container', only: ['bridge-down'] });
    expect(result.findings).toEqual([]);
    expect(result.passed.some((p) => p.ruleId === 'bridge-down' && p.subject.namespace === 'host')).toBe(true);
    expect(result.passed.some((p) => p.subject.namespace === 'pid:4242')).toBe(false);
    expect(host.notes).toContainEqual(expect.objectContaining({ source: 'netns:pid:4242/brctl-show', line: 2, message: expect.stringContaining('bridge docker0 and its 1 port ignored') }));
  });
});
