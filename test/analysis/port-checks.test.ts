import { describe, expect, it } from 'vitest';
import {
  checkDnatTarget,
  checkPortForwarding,
  checkRouteLocalnet,
  findPublishedPorts,
  type PublishedPort,
} from '../../src/analysis/netfilter/index.js';
import { PathEngine } from '../../src/analysis/path/engine.js';
import type { Namespace } from '../../src/model/types.js';
import { buildTestHost, DOCKER_27, DOCKER_28, DOCKER_LINKS, DOCKER_ROUTES, testNamespace, type HostSpec } from './hosts.js';

function onlyPort(ns: Namespace): PublishedPort {
  const ports = findPublishedPorts(ns).filter((p) => p.dnat);
  expect(ports).toHaveLength(1);
  return ports[0] as PublishedPort;
}

function portOf(spec: HostSpec): { ns: Namespace; port: PublishedPort } {
  const ns = testNamespace(spec);
  return { ns, port: onlyPort(ns) };
}

describe('checkPortForwarding', () => {
  it('a healthy Docker publication is accepted (Docker 27 and 28 layouts)', () => {
    for (const iptables of [DOCKER_27, DOCKER_28]) {
      const { ns, port } = portOf({ iptables });
      const check = checkPortForwarding(ns, port);
      expect(check.status).toBe('accepted');
      expect(check.after).toMatchObject({ in: { name: 'eth0' }, out: { name: 'docker0' }, dport: 80, origDport: 8080 });
    }
  });

  it('a DROP in DOCKER-USER before the accept drops the port (and names the rule)', () => {
    const iptables = DOCKER_27.replace('[9100:7654321] -A DOCKER-USER -j RETURN', '[812:48720] -A DOCKER-USER -i eth0 -p tcp -m tcp --dport 80 -j DROP\n[9100:7654321] -A DOCKER-USER -j RETURN');
    const { ns, port } = portOf({ iptables });
    const check = checkPortForwarding(ns, port);
    expect(check.status).toBe('dropped');
    expect(check.decidedAt?.table).toBe('filter');
    expect(check.decidedAt?.walk?.decision.rule?.text).toBe('[812:48720] -A DOCKER-USER -i eth0 -p tcp -m tcp --dport 80 -j DROP');
    expect(check.matchingAccepts.map((r) => r.chain)).toContain('DOCKER');
  });

  it('a DROP in raw PREROUTING before DNAT drops the port', () => {
    const iptables = DOCKER_28.replace('[0:0] -A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP', '[0:0] -A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP\n[77:4620] -A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DROP');
    const { ns, port } = portOf({ iptables });
    const check = checkPortForwarding(ns, port);
    expect(check.status).toBe('dropped');
    expect(check.decidedAt?.table).toBe('raw');
  });

  it("Docker 28's own raw drop of direct container access does not hit the published port", () => {
    const { ns, port } = portOf({ iptables: DOCKER_28 });
    expect(checkPortForwarding(ns, port).status).toBe('accepted');
  });

  it('without the per-port accept the DNAT leads nowhere: no-accept (Docker 27: the policy; Docker 28: the bridge drop)', () => {
    const acceptLine = '-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT';
    for (const [iptables, by] of [
      [DOCKER_27.replace(`[37:2220] ${acceptLine}\n`, ''), 'policy'],
      [DOCKER_28.replace(`[3:180] ${acceptLine}\n`, ''), 'rule'],
    ] as const) {
      const { ns, port } = portOf({ iptables });
      const check = checkPortForwarding(ns, port);
      expect(check.status).toBe('no-accept');
      expect(check.decidedAt?.walk?.decision.by).toBe(by);
      expect(check.matchingAccepts).toEqual([]);
    }
  });

  it('after `iptables -F FORWARD` under policy DROP: no-accept even though DOCKER still holds the accept', () => {
    const iptables = DOCKER_27.replace(/^\[\d+:\d+\] -A FORWARD .*\n/gm, '');
    const { ns, port } = portOf({ iptables });
    const check = checkPortForwarding(ns, port);
    expect(check.status).toBe('no-accept');
    expect(check.decidedAt?.walk?.decision.by).toBe('policy');
    // The accept exists but cannot be reached.
    expect(check.matchingAccepts.map((r) => r.chain)).toEqual(['DOCKER']);
  });

  it('a port published on 127.0.0.1 only serves the host itself', () => {
    const iptables = DOCKER_27.replace('-A DOCKER ! -i docker0 -p tcp', '-A DOCKER -d 127.0.0.1/32 ! -i docker0 -p tcp');
    const { ns, port } = portOf({ iptables });
    expect(checkPortForwarding(ns, port).status).toBe('local-only');
  });

  it('stays "unknown" when an ipset decides', () => {
    const iptables = DOCKER_27.replace('[9100:7654321] -A DOCKER-USER -j RETURN', '[0:0] -A DOCKER-USER -i eth0 -m set ! --match-set allowed src -j DROP\n[9100:7654321] -A DOCKER-USER -j RETURN');
    const { ns, port } = portOf({ iptables });
    expect(checkPortForwarding(ns, port).status).toBe('unknown');
  });
});

describe('checkPortForwarding across rulesets', () => {
  const nftForward = (rules: object[], policy: 'accept' | 'drop'): string =>
    JSON.stringify({
      nftables: [
        { table: { family: 'inet', name: 'filter', handle: 1 } },
        { chain: { family: 'inet', table: 'filter', name: 'forward', handle: 1, type: 'filter', hook: 'forward', prio: 0, policy } },
        ...rules.map((expr, i) => ({ rule: { family: 'inet', table: 'filter', chain: 'forward', handle: 2 + i, expr } })),
      ],
    });
  const withNft = (nft: string) => {
    const host = buildTestHost({ iptables: DOCKER_27, extra: { 'nft-ruleset': nft } });
    return { ns: host.host, port: onlyPort(host.host), engine: new PathEngine(host) };
  };

  it("a native nftables forward chain of policy drop drops the port Docker's iptables accepts", () => {
    const { ns, port, engine } = withNft(nftForward([], 'drop'));
    const check = checkPortForwarding(ns, port, engine);
    expect(check.status).toBe('dropped');
    expect(check.decidedAt?.table).toBe('nftables inet filter');
    expect(check.decidedAt?.step?.rule).toBe('policy drop');
    // Without the engine the nftables chain cannot be evaluated: unknown, never a guess.
    expect(checkPortForwarding(ns, port).status).toBe('unknown');
  });

  it('an nftables accept for the bridge lets it through', () => {
    const accept = [{ match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'docker0' } }, { accept: null }];
    const { ns, port, engine } = withNft(nftForward([accept], 'drop'));
    expect(checkPortForwarding(ns, port, engine).status).toBe('accepted');
  });
});

describe('checkDnatTarget', () => {
  const dnatTo = (address: string): string => DOCKER_27.replaceAll('172.17.0.2', address);

  it('a container on a bridge with a live port is reachable', () => {
    const { ns, port } = portOf({ iptables: DOCKER_27 });
    expect(checkDnatTarget(ns, port, true).status).toBe('reachable');
  });

  it('a Docker DNAT to an address in no bridge subnet is unreachable (network removed)', () => {
    const { ns, port } = portOf({ iptables: dnatTo('172.18.0.2') });
    const r = checkDnatTarget(ns, port, true);
    expect(r.status).toBe('unreachable');
    expect(r.reason).toMatch(/no bridge subnet/);
  });

  it('a bridge without a live port has no container behind it', () => {
    const links = DOCKER_LINKS.map((l) => (l.name === 'veth1a2b3c4' ? { ...l, carrier: false } : l));
    const { ns, port } = portOf({ iptables: DOCKER_27, links });
    const r = checkDnatTarget(ns, port, true);
    expect(r.status).toBe('unreachable');
    expect(r.reason).toMatch(/no port that is up with a carrier/);
  });

  it('a FAILED neighbour entry for the target is unreachable; a REACHABLE one is not', () => {
    const failed = portOf({ iptables: DOCKER_27, neighbours: [{ dst: '172.17.0.2', dev: 'docker0', state: ['FAILED'] }] });
    const r = checkDnatTarget(failed.ns, failed.port, true);
    expect(r.status).toBe('unreachable');
    expect(r.evidence[0]?.source).toBe('ip-neigh');
    const ok = portOf({ iptables: DOCKER_27, neighbours: [{ dst: '172.17.0.2', dev: 'docker0', lladdr: '02:42:ac:11:00:02', state: ['REACHABLE'] }] });
    expect(checkDnatTarget(ok.ns, ok.port, true).status).toBe('reachable');
  });

  it('a hand-written port forward to a blackholed or unrouted address is unreachable', () => {
    const forward = (target: string): string => `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i eth0 -p tcp -m tcp --dport 3001 -j DNAT --to-destination ${target}:3001
COMMIT
`;
    const blackhole = portOf({ iptables: forward('10.9.0.5'), routes: [...DOCKER_ROUTES, { type: 'blackhole', dst: '10.9.0.0/16', protocol: 'static', flags: [] }] });
    expect(checkDnatTarget(blackhole.ns, blackhole.port, true)).toMatchObject({ status: 'unreachable', reason: expect.stringMatching(/blackhole/) });
    const noDefault = DOCKER_ROUTES.filter((r) => r.dst !== 'default');
    const unrouted = portOf({ iptables: forward('198.51.100.7'), routes: noDefault });
    expect(checkDnatTarget(unrouted.ns, unrouted.port, true)).toMatchObject({ status: 'unreachable', reason: expect.stringMatching(/no route/) });
    // Through the default route: reachable as far as this host can tell.
    const routed = portOf({ iptables: forward('198.51.100.7') });
    expect(checkDnatTarget(routed.ns, routed.port, true).status).toBe('reachable');
    // Without ip route the answer is unknown, never "unreachable".
    expect(checkDnatTarget(unrouted.ns, unrouted.port, false).status).toBe('unknown');
  });
});

describe('checkRouteLocalnet', () => {
  const toLoopback = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
[19:1140] -A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 127.0.0.1:8080
COMMIT
`;

  it('a DNAT from PREROUTING to 127.0.0.1 needs route_localnet on the input interface', () => {
    const missing = portOf({ iptables: toLoopback, sysctl: ['net.ipv4.conf.all.route_localnet = 0', 'net.ipv4.conf.eth0.route_localnet = 0'] });
    const r = checkRouteLocalnet(missing.ns, missing.port);
    expect(r.applies).toBe(true);
    expect(r.missing.map((m) => [m.name, m.value, m.evidence?.text])).toEqual([['eth0', 0, 'net.ipv4.conf.eth0.route_localnet = 0']]);
  });

  it('conf.all = 1 (what kube-proxy sets) or the interface = 1 is enough', () => {
    for (const sysctl of [
      ['net.ipv4.conf.all.route_localnet = 1', 'net.ipv4.conf.eth0.route_localnet = 0'],
      ['net.ipv4.conf.all.route_localnet = 0', 'net.ipv4.conf.eth0.route_localnet = 1'],
    ]) {
      const ok = portOf({ iptables: toLoopback, sysctl });
      expect(checkRouteLocalnet(ok.ns, ok.port).missing).toEqual([]);
    }
  });

  it('does not apply to nat OUTPUT (the host\'s own connections) or to other targets', () => {
    const output = portOf({ iptables: toLoopback.replace('-A PREROUTING -i eth0', '-A OUTPUT -o lo') });
    expect(checkRouteLocalnet(output.ns, output.port).applies).toBe(false);
    const docker = portOf({ iptables: DOCKER_27 });
    expect(checkRouteLocalnet(docker.ns, docker.port).applies).toBe(false);
  });

  it('without -i, the uplink is the interface that matters', () => {
    const iptables = toLoopback.replace('-A PREROUTING -i eth0', '-A PREROUTING');
    const r = portOf({ iptables, sysctl: ['net.ipv4.conf.eth0.route_localnet = 0', 'net.ipv4.conf.docker0.route_localnet = 0'] });
    expect(checkRouteLocalnet(r.ns, r.port).missing.map((m) => m.name)).toEqual(['eth0']);
  });
});
