import { describe, expect, it } from 'vitest';
import {
  bridgeSubnets,
  checkBackendSplit,
  checkBridgeForwarding,
  checkDockerChains,
  checkInputFromBridge,
  masqueradeCoverage,
  type BridgeSubnet,
} from '../../src/analysis/netfilter/index.js';
import type { Namespace } from '../../src/model/types.js';
import { DOCKER_27, DOCKER_28, testNamespace, type HostSpec } from './hosts.js';

function docker0(spec: HostSpec): { ns: Namespace; subnet: BridgeSubnet } {
  const ns = testNamespace(spec);
  const bridge = ns.bridgeByName.get('docker0');
  if (!bridge) throw new Error('no docker0');
  const [subnet] = bridgeSubnets(bridge);
  if (!subnet) throw new Error('docker0 has no subnet');
  return { ns, subnet };
}

describe('checkBridgeForwarding', () => {
  it('healthy Docker: outbound accepted, replies accepted by the conntrack rule', () => {
    for (const iptables of [DOCKER_27, DOCKER_28]) {
      const { ns, subnet } = docker0({ iptables });
      const c = checkBridgeForwarding(ns, subnet);
      expect(c?.outbound.decision.verdict).toBe('ACCEPT');
      expect(c?.outboundBlocked).toBe(false);
      expect(c?.replies.decision.verdict).toBe('ACCEPT');
      expect(c?.replies.decision.rule?.text).toMatch(/RELATED,ESTABLISHED -j ACCEPT$/);
      expect(c?.repliesBlocked).toBe(false);
    }
  });

  it('`iptables -F FORWARD` under policy DROP blocks the bridge', () => {
    const { ns, subnet } = docker0({ iptables: DOCKER_27.replace(/^\[\d+:\d+\] -A FORWARD .*\n/gm, '') });
    const c = checkBridgeForwarding(ns, subnet);
    expect(c?.outboundBlocked).toBe(true);
    expect(c?.outbound.decision.by).toBe('policy');
  });

  it('a catch-all REJECT (firewalld/RHEL style) before Docker\'s accepts blocks it too', () => {
    const iptables = DOCKER_27.replace('[9100:7654321] -A FORWARD -j DOCKER-USER', '[66:3960] -A FORWARD -j REJECT --reject-with icmp-host-prohibited\n[9100:7654321] -A FORWARD -j DOCKER-USER');
    const { ns, subnet } = docker0({ iptables });
    expect(checkBridgeForwarding(ns, subnet)?.outboundBlocked).toBe(true);
  });

  it('an --internal network is isolated on purpose, not blocked', () => {
    const iptables = DOCKER_27.replace('[9100:7654321] -A DOCKER-ISOLATION-STAGE-1 -j RETURN', '[5:300] -A DOCKER-ISOLATION-STAGE-1 ! -d 172.17.0.0/16 -i docker0 -j DROP\n[9100:7654321] -A DOCKER-ISOLATION-STAGE-1 -j RETURN');
    const { ns, subnet } = docker0({ iptables });
    const c = checkBridgeForwarding(ns, subnet);
    expect(c?.outboundIsolated).toBe(true);
    expect(c?.outboundBlocked).toBe(false);
    expect(c?.repliesBlocked).toBe(false);
  });

  it('a DROP on the uplink in DOCKER-USER before any ESTABLISHED accept breaks replies', () => {
    const iptables = DOCKER_27.replace('[9100:7654321] -A DOCKER-USER -j RETURN', '[48213:2892780] -A DOCKER-USER -i eth0 ! -s 198.51.100.0/24 -j DROP\n[9100:7654321] -A DOCKER-USER -j RETURN');
    const { ns, subnet } = docker0({ iptables });
    const c = checkBridgeForwarding(ns, subnet);
    expect(c?.outboundBlocked).toBe(false);
    expect(c?.repliesBlocked).toBe(true);
    expect(c?.replies.decision.rule?.text).toContain('-A DOCKER-USER -i eth0 ! -s 198.51.100.0/24 -j DROP');
  });

  it('the same DROP after an ESTABLISHED accept in DOCKER-USER is fine', () => {
    const iptables = DOCKER_27.replace(
      '[9100:7654321] -A DOCKER-USER -j RETURN',
      '[5200:6543210] -A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n[13:780] -A DOCKER-USER -i eth0 ! -s 198.51.100.0/24 -j DROP\n[9100:7654321] -A DOCKER-USER -j RETURN',
    );
    const { ns, subnet } = docker0({ iptables });
    const c = checkBridgeForwarding(ns, subnet);
    expect(c?.repliesBlocked).toBe(false);
    expect(c?.replies.decision.verdict).toBe('ACCEPT');
  });
});

describe('masqueradeCoverage', () => {
  it("Docker's -s subnet ! -o bridge MASQUERADE covers the subnet", () => {
    const { ns, subnet } = docker0({ iptables: DOCKER_27 });
    expect(masqueradeCoverage(ns, subnet)?.covered).toBe('yes');
  });

  it('a masquerade for another subnet (bridge re-addressed) is a near miss, not coverage', () => {
    const iptables = DOCKER_27.replace('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', '-A POSTROUTING -s 172.18.0.0/16 ! -o docker0 -j MASQUERADE');
    const { ns, subnet } = docker0({ iptables });
    const m = masqueradeCoverage(ns, subnet);
    expect(m?.covered).toBe('no');
    expect(m?.nearMisses.map((r) => r.text)).toEqual(['[88:5280] -A POSTROUTING -s 172.18.0.0/16 ! -o docker0 -j MASQUERADE']);
  });

  it('a masquerade restricted to another output interface does not cover the uplink', () => {
    const iptables = DOCKER_27.replace('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', '-A POSTROUTING -s 172.17.0.0/16 -o wlan0 -j MASQUERADE');
    const { ns, subnet } = docker0({ iptables });
    expect(masqueradeCoverage(ns, subnet)?.covered).toBe('no');
  });

  it('no nat table at all: not covered; an interface-wide MASQUERADE on the uplink: covered', () => {
    const noNat = DOCKER_27.slice(DOCKER_27.indexOf('*filter'));
    expect(masqueradeCoverage(...args(docker0({ iptables: noNat })))?.covered).toBe('no');
    const uplink = DOCKER_27.replace('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', '-A POSTROUTING -o eth0 -j MASQUERADE');
    expect(masqueradeCoverage(...args(docker0({ iptables: uplink })))?.covered).toBe('yes');
  });

  it('kube-proxy style mark-dependent masquerade stays unknown', () => {
    const iptables = DOCKER_27.replace(
      '[88:5280] -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
      '[88:5280] -A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE',
    );
    expect(masqueradeCoverage(...args(docker0({ iptables })))?.covered).toBe('maybe');
  });
});

function args(x: { ns: Namespace; subnet: BridgeSubnet }): [Namespace, BridgeSubnet] {
  return [x.ns, x.subnet];
}

describe('checkInputFromBridge', () => {
  const ufw = (accepts: string): string =>
    DOCKER_27.replace(':INPUT ACCEPT [52000:8123456]', ':INPUT DROP [3021:181260]').replace(
      '[9100:7654321] -A FORWARD -j DOCKER-USER',
      `[40000:6000000] -A INPUT -i lo -j ACCEPT\n[9000:900000] -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n[120:7200] -A INPUT -i eth0 -p tcp -m tcp --dport 22 -j ACCEPT\n${accepts}[9100:7654321] -A FORWARD -j DOCKER-USER`,
    );
  const listeners = [
    'LISTEN 0      4096         0.0.0.0:53         0.0.0.0:*    users:(("dnsmasq",pid=812,fd=6))',
    'LISTEN 0      128          0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=700,fd=3))',
    'LISTEN 0      4096       127.0.0.1:631        0.0.0.0:*    users:(("cupsd",pid=650,fd=7))',
    '',
  ].join('\n');

  it('INPUT policy DROP with accepts only on eth0: DNS and ssh from containers are dropped, loopback-only services not probed', () => {
    const { ns, subnet } = docker0({ iptables: ufw(''), ss: listeners });
    const c = checkInputFromBridge(ns, subnet, ns.listeners);
    expect(c?.probes.map((p) => `${p.protocol}/${p.port}`)).toEqual(['tcp/53', 'udp/53', 'tcp/22']);
    expect(c?.dropped.map((p) => `${p.protocol}/${p.port}`)).toEqual(['tcp/53', 'udp/53', 'tcp/22']);
    expect(c?.dropped[0]?.walk.decision.chain?.evidence.text).toBe(':INPUT DROP [3021:181260]');
  });

  it('an accept for the bridge lets them through', () => {
    const { ns, subnet } = docker0({ iptables: ufw('[300:18000] -A INPUT -i docker0 -j ACCEPT\n'), ss: listeners });
    expect(checkInputFromBridge(ns, subnet, ns.listeners)?.dropped).toEqual([]);
  });

  it('without ss, only a blanket drop of everything from the bridge counts', () => {
    const { ns, subnet } = docker0({ iptables: ufw('') });
    const c = checkInputFromBridge(ns, subnet, undefined);
    expect(c?.probes).toHaveLength(1);
    // The eth0-only ssh accept cannot match traffic from docker0: everything is dropped.
    expect(c?.dropped).toHaveLength(1);
    const open = docker0({ iptables: ufw('[1:60] -A INPUT -p udp -m udp --dport 53 -j ACCEPT\n') });
    expect(checkInputFromBridge(open.ns, open.subnet, undefined)?.dropped).toEqual([]);
  });
});

describe('checkDockerChains', () => {
  const check = (iptables: string): string[] => {
    const { ns, subnet } = docker0({ iptables });
    const ruleset = ns.netfilter.ipv4;
    if (!ruleset) throw new Error('no ruleset');
    return checkDockerChains(ns, ruleset, 'docker0', subnet).problems.map((p) => p.text);
  };

  it('finds nothing wrong with Docker 27 and Docker 28 layouts', () => {
    expect(check(DOCKER_27)).toEqual([]);
    expect(check(DOCKER_28)).toEqual([]);
  });

  it('a firewall reload that dropped every Docker chain', () => {
    const reloaded = `*filter\n:INPUT ACCEPT [10:600]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [10:600]\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n`;
    expect(check(reloaded)).toEqual(['filter chain DOCKER is missing', 'nat chain DOCKER is missing (published ports are not translated)']);
  });

  it('chains kept but the jumps flushed (iptables -F FORWARD; iptables -t nat -F PREROUTING)', () => {
    const flushed = DOCKER_27.replace(/^\[\d+:\d+\] -A (FORWARD|PREROUTING) .*\n/gm, '');
    expect(check(flushed)).toEqual([
      'filter FORWARD no longer leads to DOCKER for traffic to docker0',
      'filter chain DOCKER-USER exists but FORWARD no longer jumps to it',
      'filter chain DOCKER-ISOLATION-STAGE-1 exists but FORWARD no longer jumps to it',
      'nat PREROUTING no longer jumps to DOCKER',
    ]);
  });

  it('an --internal network has no jump to DOCKER by design (Docker 27 isolation rules, Docker 28 DOCKER-INTERNAL)', () => {
    const internal27 = DOCKER_27.replace('[5200:6543210] -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n[37:2220] -A FORWARD -o docker0 -j DOCKER\n', '').replace(
      '[3863:1108891] -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2',
      '[0:0] -A DOCKER-ISOLATION-STAGE-1 ! -s 172.17.0.0/16 -o docker0 -j DROP\n[0:0] -A DOCKER-ISOLATION-STAGE-1 ! -d 172.17.0.0/16 -i docker0 -j DROP',
    );
    expect(check(internal27)).toEqual([]);
    const internal28 = DOCKER_28.replace('[61:3660] -A DOCKER-BRIDGE -o docker0 -j DOCKER\n', '').replace('[3:180] -A DOCKER-BRIDGE -o docker0 -j DOCKER\n', '').replace(
      ':DOCKER-USER - [0:0]\n',
      ':DOCKER-USER - [0:0]\n[0:0] -A DOCKER-INTERNAL ! -s 172.17.0.0/16 -o docker0 -j DROP\n[0:0] -A DOCKER-INTERNAL ! -d 172.17.0.0/16 -i docker0 -j DROP\n',
    );
    expect(check(internal28)).toEqual([]);
    // Without the isolation rules the missing jump is reported.
    expect(check(DOCKER_28.replace('[3:180] -A DOCKER-BRIDGE -o docker0 -j DOCKER\n', ''))).toEqual(['filter FORWARD no longer leads to DOCKER for traffic to docker0']);
  });

  it('Docker 28 with DOCKER-FORWARD unhooked', () => {
    expect(check(DOCKER_28.replace('[910:765432] -A FORWARD -j DOCKER-FORWARD\n', ''))).toEqual([
      'filter FORWARD no longer leads to DOCKER for traffic to docker0',
      'filter chain DOCKER-FORWARD exists but FORWARD no longer jumps to it',
    ]);
  });
});

describe('checkBackendSplit', () => {
  const legacyRules = `# Generated by iptables-save v1.8.7 (legacy) on Mon Mar  3 10:00:00 2025\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:DOCKER - [0:0]\n[0:0] -A FORWARD -o docker0 -j DOCKER\nCOMMIT\n`;
  const nftRules = `# Generated by iptables-nft-save v1.8.7 (nf_tables) on Mon Mar  3 10:00:00 2025\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-FORWARD - [0:0]\n[0:0] -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD\nCOMMIT\n`;
  const emptyLegacy = `# Generated by iptables-legacy-save v1.8.2 on Thu May 21 10:00:00 2020\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n`;
  const warned = `${nftRules}# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n`;

  it('both views holding rules is a split', () => {
    const ns = testNamespace({ iptables: nftRules, extra: { 'iptables-legacy-save': legacyRules, 'iptables-nft-save': nftRules } });
    const s = checkBackendSplit(ns, 4);
    expect(s.split).toBe(true);
    expect(s.evidence.map((e) => e.source)).toEqual(['iptables-nft-save', 'iptables-legacy-save']);
  });

  it("iptables-nft's warning counts when the legacy view was not collected, not when it shows empty tables", () => {
    const s = checkBackendSplit(testNamespace({ iptables: warned }), 4);
    expect(s.split).toBe(true);
    expect(s.evidence.map((e) => e.line)).toEqual([7, 9]);
    expect(s.evidence[1]?.text).toBe('# Warning: iptables-legacy tables present, use iptables-legacy-save to see them');
    expect(checkBackendSplit(testNamespace({ iptables: warned, extra: { 'iptables-legacy-save': emptyLegacy } }), 4).split).toBe(false);
  });

  it('one backend only is no split', () => {
    expect(checkBackendSplit(testNamespace({ iptables: nftRules }), 4).split).toBe(false);
    expect(checkBackendSplit(testNamespace({ iptables: DOCKER_27 }), 4).split).toBe(false);
  });
});
