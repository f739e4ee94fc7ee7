/**
 * What the snapshot says was asked for (meta.netnsRequested) decides the wording when only the host's
 * namespace is in it: after --netns all, rules about other namespaces have nothing to check (not a skip,
 * so SARIF and JUnit list nothing unchecked), and no message advises the --netns all that was followed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { buildHost } from '../../src/model/build.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { makeSnapshot } from '../helpers/snapshot.js';

const LINKS = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], mtu: 65536, operstate: 'UNKNOWN', link_type: 'loopback' },
  { ifindex: 7, link_index: 2, ifname: 'veth1', flags: ['BROADCAST', 'UP'], mtu: 1500, operstate: 'UP', link_type: 'ether', link_netnsid: 0, linkinfo: { info_kind: 'veth' } },
]);

function hostOnly(netnsRequested: Snapshot['meta']['netnsRequested']): Snapshot {
  const snapshot = makeSnapshot({ 'ip-link': LINKS, 'ip-addr': '[]', sysctl: 'net.ipv4.ip_forward = 0\n' });
  if (netnsRequested !== undefined) snapshot.meta.netnsRequested = netnsRequested;
  return snapshot;
}

let catalog: RuleCatalog;
beforeAll(async () => {
  catalog = await loadRuleCatalog();
});

const adviceSkips = async (snapshot: Snapshot) =>
  (await runAudit(buildHost(snapshot), catalog, { input: 'x' })).skipped.filter((s) => s.reason.includes('--netns all')).map((s) => s.ruleId);

describe('a snapshot holding only the host namespace', () => {
  it('collected with --netns all: the rules about other namespaces are not skipped, nothing advises --netns all', async () => {
    const snapshot = hostOnly('all');
    expect(await adviceSkips(snapshot)).toEqual([]);
    const peer = buildHost(snapshot).host.veths[0]!.peer;
    expect(peer.resolved).toBe(false);
    expect(peer.resolved ? '' : peer.reason).toBe(
      'peer ifindex 2 is in namespace id 0; --netns all found no other namespace (one with no process in it and no name under /run/netns cannot be entered)',
    );
  });

  it.each([
    ['an older snapshot (nothing recorded)', undefined],
    ['collected without --netns', []],
    ['collected with --netns naming namespaces (the collector\'s own, dropped)', ['lab']],
  ] as const)('%s: the rules are skipped with the advice to collect with --netns all', async (_label, requested) => {
    const snapshot = hostOnly(requested === undefined ? undefined : [...requested]);
    const skipped = await adviceSkips(snapshot);
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped).toEqual(expect.arrayContaining(['netns-default-route-missing']));
    const peer = buildHost(snapshot).host.veths[0]!.peer;
    expect(peer.resolved ? '' : peer.reason).toBe('peer ifindex 2 is in namespace id 0; no other namespace was collected (collect with --netns all)');
  });
});
