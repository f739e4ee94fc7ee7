/**
 * A nested host (kind node, Docker-in-Docker, LXC container running containers) reaches the world through
 * a veth whose peer is in the parent's namespace: losing its default route must be reported like a NIC's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { buildHost } from '../../src/model/build.js';
import { makeSnapshot } from '../helpers/snapshot.js';

const links = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, operstate: 'UNKNOWN', link_type: 'loopback' },
  { ifindex: 2, link_index: 14, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', link_type: 'ether', link_netnsid: 0, linkinfo: { info_kind: 'veth' } },
]);
const addrs = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' }] },
  { ifindex: 2, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], addr_info: [{ family: 'inet', local: '203.0.113.2', prefixlen: 24, scope: 'global' }] },
]);
const connectedOnly = JSON.stringify([{ dst: '203.0.113.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '203.0.113.2', flags: [] }]);
const withDefault = JSON.stringify([{ dst: 'default', gateway: '203.0.113.1', dev: 'eth0', flags: [] }, JSON.parse(connectedOnly)[0]]);

let catalog: RuleCatalog;
beforeAll(async () => {
  catalog = await loadRuleCatalog();
});

async function audit(routes: string) {
  const host = buildHost(makeSnapshot({ 'ip-link': links, 'ip-addr': addrs, 'ip-route': routes, sysctl: 'net.ipv4.ip_forward = 0\n' }));
  return runAudit(host, catalog, { input: 'nested', only: ['default-route-missing'] });
}

describe('default-route-missing on a nested host', () => {
  it('counts the veth uplink whose peer is in the parent namespace', async () => {
    const result = await audit(connectedOnly);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.message).toContain('eth0');
    expect(result.findings[0]!.evidence).toEqual([expect.objectContaining({ source: 'ip-addr', line: 1 })]);
  });

  it('is quiet when the default route is there', async () => {
    expect((await audit(withDefault)).findings).toEqual([]);
  });
});
