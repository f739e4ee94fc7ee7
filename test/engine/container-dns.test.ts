/**
 * container-dns-unreachable's loopback case on built snapshots: Docker's embedded DNS (127.0.0.11, redirected
 * by DNAT in the container's nat OUTPUT to a dockerd socket in the container) is reachable and not reported;
 * systemd-resolved's 127.0.0.53 copied into a container is; a container whose sockets were not collected is
 * unknown, not reported. The real-kernel proof is test/e2e/container-dns.e2e.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { buildHost } from '../../src/model/build.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { dockerHost } from '../helpers/docker-host.js';
import { type RawSources } from '../helpers/snapshot.js';

const RULE = 'container-dns-unreachable';

const addrs = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, operstate: 'UNKNOWN', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host', label: 'lo' }] },
  { ifindex: 2, link_index: 7, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', link_netnsid: 0, addr_info: [{ family: 'inet', local: '172.17.0.2', prefixlen: 16, scope: 'global', label: 'eth0' }] },
]);
const routes = JSON.stringify([
  { dst: 'default', gateway: '172.17.0.1', dev: 'eth0', flags: [] },
  { dst: '172.17.0.0/16', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '172.17.0.2', flags: [] },
  { type: 'local', dst: '127.0.0.0/8', table: 'local', dev: 'lo', protocol: 'kernel', scope: 'host', prefsrc: '127.0.0.1', flags: [] },
  { type: 'local', dst: '172.17.0.2', table: 'local', dev: 'eth0', protocol: 'kernel', scope: 'host', prefsrc: '172.17.0.2', flags: [] },
]);
/** What dockerd writes into a container on a user-defined network for its embedded DNS. */
const EMBEDDED_DNS_NAT = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER_OUTPUT - [0:0]
:DOCKER_POSTROUTING - [0:0]
[3:180] -A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT
[3:180] -A POSTROUTING -d 127.0.0.11/32 -j DOCKER_POSTROUTING
[0:0] -A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127.0.0.11:41235
[3:180] -A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:52114
[0:0] -A DOCKER_POSTROUTING -s 127.0.0.11/32 -p tcp -m tcp --sport 41235 -j SNAT --to-source :53
[3:180] -A DOCKER_POSTROUTING -s 127.0.0.11/32 -p udp -m udp --sport 52114 -j SNAT --to-source :53
COMMIT
`;
const DOCKERD_LISTENER = 'LISTEN 0      4096       127.0.0.11:41235      0.0.0.0:*    users:(("dockerd",pid=900,fd=30))\n';

function container(resolv: string, sources: RawSources): Snapshot {
  const snapshot = dockerHost();
  const ns = snapshot.namespaces.find((n) => n.name === 'pid:4242')!;
  for (const [id, stdout] of Object.entries(sources)) ns.sources[id] = { status: stdout === '' ? 'empty' : 'ok', command: id, exitCode: 0, stdout: stdout as string, stdoutEncoding: 'utf8', stderr: '', stderrEncoding: 'utf8', durationMs: 0, truncated: false };
  ns.files = { 'resolv-conf': { status: 'ok', files: [{ path: '/etc/resolv.conf', readFrom: '/proc/4242/root/etc/resolv.conf', status: 'ok', content: resolv, encoding: 'utf8' }] } };
  return snapshot;
}

describe('container-dns-unreachable: loopback nameservers', () => {
  let catalog: RuleCatalog;
  beforeAll(async () => {
    catalog = await loadRuleCatalog();
  });
  const audit = async (snapshot: Snapshot) => runAudit(buildHost(snapshot), catalog, { input: 'x', only: [RULE] });

  it('Docker\'s embedded DNS at 127.0.0.11 is reachable: its DNAT leads to dockerd\'s socket in the container', async () => {
    const result = await audit(container('nameserver 127.0.0.11\noptions ndots:0\n', { 'ip-addr': addrs, 'ip-route': routes, 'iptables-save': EMBEDDED_DNS_NAT, 'ss-tlnp': DOCKERD_LISTENER }));
    expect(result.findings).toEqual([]);
    expect(result.passed.filter((p) => p.ruleId === RULE).map((p) => p.subject.name)).toEqual(['pid:4242']);
  });

  it('systemd-resolved\'s stub 127.0.0.53 copied into the container is reported, with its line', async () => {
    const result = await audit(container('nameserver 127.0.0.53\n', { 'ip-addr': addrs, 'ip-route': routes, 'iptables-save': EMBEDDED_DNS_NAT, 'ss-tlnp': DOCKERD_LISTENER }));
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.message).toContain("nameserver 127.0.0.53 (netns:pid:4242/etc/resolv.conf:1): a loopback address reaches only this namespace's own sockets");
    expect(result.findings[0]!.evidence[0]).toMatchObject({ source: 'netns:pid:4242/etc/resolv.conf', line: 1, text: 'nameserver 127.0.0.53' });
  });

  it('without the container\'s sockets (ss not collected) a loopback nameserver is unknown: not reported', async () => {
    const result = await audit(container('nameserver 127.0.0.53\n', { 'ip-addr': addrs, 'ip-route': routes, 'iptables-save': EMBEDDED_DNS_NAT }));
    expect(result.findings).toEqual([]);
  });

  it('is skipped, visibly, where the namespace\'s resolv.conf was not collected', async () => {
    const snapshot = container('nameserver 127.0.0.53\n', { 'ip-addr': addrs, 'ip-route': routes });
    delete snapshot.namespaces.find((n) => n.name === 'pid:4242')!.files;
    const result = await audit(snapshot);
    expect(result.skipped).toEqual([{ ruleId: RULE, reason: 'namespace pid:4242: netns:pid:4242/resolv-conf not collected' }]);
  });
});
