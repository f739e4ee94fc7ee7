import { describe, expect, it } from 'vitest';
import { checkDnatTargetAddress, describeDnatSources, findDnatTargets, isDockerTarget, type DnatTarget } from '../../src/analysis/netfilter/index.js';
import type { Namespace } from '../../src/model/types.js';
import { DOCKER_27, DOCKER_ROUTES, testNamespace } from './hosts.js';
import { KUBE_CLUSTER_IP, KUBE_NODE_PORT } from './kube-dump.js';

function summary(targets: DnatTarget[]): [string, number, string | undefined][] {
  return targets.map((t) => [t.name, t.dnats.length, t.bridge?.bridge.name]);
}

/** A nat table whose PREROUTING holds `rules`. */
function prerouting(...rules: string[]): string {
  return ['*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', ...rules.map((r) => `-A PREROUTING ${r}`), 'COMMIT', ''].join('\n');
}

function onlyTarget(ns: Namespace): DnatTarget {
  const targets = findDnatTargets(ns);
  expect(targets).toHaveLength(1);
  return targets[0] as DnatTarget;
}

describe('findDnatTargets', () => {
  it('finds the endpoints behind a cluster IP, which are no published port, and says what leads there', () => {
    const target = onlyTarget(testNamespace({ iptables: KUBE_CLUSTER_IP }));
    expect(summary([target])).toEqual([['10.224.0.40', 1, undefined]]);
    expect(target.family).toBe(4);
    expect(describeDnatSources(target)).toEqual(['udp/10.0.164.41:81->:81']);
  });

  it('counts a DNAT reached both through its cluster IP and its node port once', () => {
    const target = onlyTarget(testNamespace({ iptables: KUBE_NODE_PORT }));
    expect(summary([target])).toEqual([['10.224.0.40', 1, undefined]]);
  });

  it('gathers every DNAT to one address into one target, and keeps the bridge that holds it', () => {
    const iptables = DOCKER_27.replace(
      '[37:2220] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
      '[37:2220] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\n[0:0] -A DOCKER ! -i docker0 -p udp -m udp --dport 5353 -j DNAT --to-destination 172.17.0.2\n[0:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8443 -j DNAT --to-destination 172.17.0.3:443',
    );
    const targets = findDnatTargets(testNamespace({ iptables }));
    expect(summary(targets)).toEqual([
      ['172.17.0.2', 2, 'docker0'],
      ['172.17.0.3', 1, 'docker0'],
    ]);
    expect(describeDnatSources(targets[0] as DnatTarget)).toEqual(['tcp/8080->:80', 'udp/5353']);
  });

  it('names IPv6 targets without brackets or port', () => {
    const ip6tables = prerouting('-p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd49:efd7:54aa::2]:80');
    const ns = testNamespace({ ip6tables, addrs: [{ name: 'lo', index: 1 }, { name: 'eth0', index: 2 }, { name: 'docker0', index: 3, inet6: ['fd49:efd7:54aa::1/64'] }] });
    const target = onlyTarget(ns);
    expect(target.name).toBe('fd49:efd7:54aa::2');
    expect(target.family).toBe(6);
    expect(target.bridge?.subnet).toBe('fd49:efd7:54aa::/64');
  });

  it('ignores DNAT rules in chains that nothing reaches', () => {
    const iptables = KUBE_CLUSTER_IP.replace(/^-A (PREROUTING|OUTPUT) .*\n/gm, '');
    expect(findDnatTargets(testNamespace({ iptables }))).toEqual([]);
  });
});

describe('isDockerTarget', () => {
  it("is Docker's in nat DOCKER, or a published port excluding a Docker bridge on the way", () => {
    expect(isDockerTarget(onlyTarget(testNamespace({ iptables: DOCKER_27 })))).toBe(true);
    expect(isDockerTarget(onlyTarget(testNamespace({ iptables: prerouting('! -i br-0123456789ab -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.18.0.2:80') })))).toBe(true);
    const throughJump = prerouting('! -i docker0 -j FORWARDS').replace(':POSTROUTING ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]\n:FORWARDS - [0:0]\n-A FORWARDS -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.18.0.2:80');
    expect(isDockerTarget(onlyTarget(testNamespace({ iptables: throughJump })))).toBe(true);
    expect(isDockerTarget(onlyTarget(testNamespace({ iptables: KUBE_CLUSTER_IP })))).toBe(false);
    expect(isDockerTarget(onlyTarget(testNamespace({ iptables: prerouting('-i eth0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.18.0.2:80') })))).toBe(false);
  });
});

describe('checkDnatTargetAddress', () => {
  it('a FAILED neighbour in a bridge subnet is unreachable, named by the address', () => {
    const ns = testNamespace({ iptables: DOCKER_27, neighbours: [{ dst: '172.17.0.2', dev: 'docker0', state: ['FAILED'] }] });
    const r = checkDnatTargetAddress(ns, onlyTarget(ns), true);
    expect(r.status).toBe('unreachable');
    expect(r.reason).toBe("172.17.0.2 is in docker0's subnet 172.17.0.0/16, but its neighbour entry is FAILED: nothing answers ARP for it");
    expect(r.evidence[0]?.source).toBe('ip-neigh');
  });

  it('a Docker target in no bridge subnet is gone; another DNAT to it is routed on', () => {
    const docker = testNamespace({ iptables: DOCKER_27.replaceAll('172.17.0.2', '172.18.0.2') });
    expect(checkDnatTargetAddress(docker, onlyTarget(docker), true)).toMatchObject({ status: 'unreachable', reason: expect.stringMatching(/^172\.18\.0\.2 is in no bridge subnet/) });
    const forward = testNamespace({ iptables: prerouting('-i eth0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.18.0.2:80') });
    expect(checkDnatTargetAddress(forward, onlyTarget(forward), true).status).toBe('reachable');
  });

  it('a cluster IP endpoint behind a blackhole route is unreachable; without ip route it is unknown', () => {
    const routes = [...DOCKER_ROUTES, { type: 'blackhole', dst: '10.224.0.0/24', protocol: 'static', flags: [] }];
    const ns = testNamespace({ iptables: KUBE_CLUSTER_IP, routes });
    const target = onlyTarget(ns);
    expect(checkDnatTargetAddress(ns, target, true)).toMatchObject({ status: 'unreachable', reason: '10.224.0.40 is routed to a blackhole route (10.224.0.0/24)' });
    expect(checkDnatTargetAddress(ns, target, false).status).toBe('unknown');
  });
});
