/**
 * The engine's answers for a bridge subnet's everyday traffic: a container's connection out through the
 * forward hook, its source NAT at postrouting, the replies coming back, and its connections to the host's
 * services at the input hook. Every ruleset registered at the hook answers, iptables and native nftables.
 */
import { describe, expect, it } from 'vitest';
import { bridgeFlow, hostServiceAtInput, outboundAt, replyAtForward, type BridgeFlow } from '../../../src/analysis/path/bridge-paths.js';
import { PathEngine } from '../../../src/analysis/path/engine.js';
import { describeStep, stepEvidence } from '../../../src/analysis/path/hook-question.js';
import { iptablesDecisionOf } from '../../../src/analysis/path/netfilter-stage.js';
import { packetClass } from '../../../src/analysis/path/packet.js';
import { bridgeSubnets, ruleNamesBridge, sourceNatNearMisses, type BridgeSubnet } from '../../../src/analysis/netfilter/index.js';
import { parseAddress } from '../../../src/model/net.js';
import type { Namespace } from '../../../src/model/types.js';
import { buildTestHost, DOCKER_27, DOCKER_28, type HostSpec } from '../hosts.js';

interface Docker0 {
  engine: PathEngine;
  ns: Namespace;
  subnet: BridgeSubnet;
  flow: BridgeFlow;
}

function docker0(spec: HostSpec): Docker0 {
  const host = buildTestHost(spec);
  const ns = host.host;
  const bridge = ns.bridgeByName.get('docker0');
  const subnet = bridge ? bridgeSubnets(bridge)[0] : undefined;
  if (!subnet) throw new Error('docker0 has no subnet');
  const engine = new PathEngine(host);
  const flow = bridgeFlow(engine, ns, subnet);
  if (!flow) throw new Error('docker0 is not routed out');
  return { engine, ns, subnet, flow };
}

const forward = (d: Docker0) => outboundAt(d.engine, d.ns, d.flow, 'forward');
const replies = (d: Docker0) => replyAtForward(d.engine, d.ns, d.flow);
const postrouting = (d: Docker0) => outboundAt(d.engine, d.ns, d.flow, 'postrouting');

describe('bridgeFlow', () => {
  it('a container address of the subnet, an outside address by the default route, and its device', () => {
    const d = docker0({ iptables: DOCKER_27 });
    expect(d.flow.client).toBe(parseAddress('172.17.0.2')?.value);
    expect(d.flow.outside).toBe(parseAddress('198.51.100.1')?.value);
    expect(d.flow.uplink).toBe('eth0');
  });

  it('no default route: the subnet is not routed out', () => {
    const host = buildTestHost({ iptables: DOCKER_27, routes: [{ dst: '172.17.0.0/16', dev: 'docker0', protocol: 'kernel', scope: 'link', prefsrc: '172.17.0.1', flags: [] }] });
    const subnet = bridgeSubnets(host.host.bridgeByName.get('docker0')!)[0]!;
    expect(bridgeFlow(new PathEngine(host), host.host, subnet)).toBeUndefined();
  });
});

describe('the forward hook', () => {
  it('healthy Docker: the connection out and its replies are accepted, the replies by the conntrack rule', () => {
    for (const iptables of [DOCKER_27, DOCKER_28]) {
      const d = docker0({ iptables });
      expect(forward(d).drop).toBeUndefined();
      expect(forward(d).certain).toBe(true);
      const back = replies(d);
      expect(back.drop).toBeUndefined();
      const filter = back.steps.find((s) => s.chain === 'FORWARD' && s.table?.endsWith(' filter'));
      expect(iptablesDecisionOf(filter!)?.rule?.text).toMatch(/RELATED,ESTABLISHED -j ACCEPT$/);
    }
  });

  it('`iptables -F FORWARD` under policy DROP: dropped by the policy, and the words and line say so', () => {
    const d = docker0({ iptables: DOCKER_27.replace(/^\[\d+:\d+\] -A FORWARD .*\n/gm, '') });
    const drop = forward(d).drop!;
    expect(iptablesDecisionOf(drop)?.by).toBe('policy');
    expect(describeStep(drop)).toMatch(/^the DROP policy of filter\/FORWARD/);
    expect(stepEvidence(drop).at(-1)).toMatchObject({ text: expect.stringMatching(/^:FORWARD DROP/), primary: true });
  });

  it("a catch-all REJECT (firewalld/RHEL style) before Docker's accepts drops it too", () => {
    const iptables = DOCKER_27.replace('[9100:7654321] -A FORWARD -j DOCKER-USER', '[66:3960] -A FORWARD -j REJECT --reject-with icmp-host-prohibited\n[9100:7654321] -A FORWARD -j DOCKER-USER');
    expect(forward(docker0({ iptables })).drop?.rule).toBe('FORWARD:1');
  });

  it('an --internal network is dropped by a rule naming the bridge: isolation on purpose', () => {
    const iptables = DOCKER_27.replace('[9100:7654321] -A DOCKER-ISOLATION-STAGE-1 -j RETURN', '[5:300] -A DOCKER-ISOLATION-STAGE-1 ! -d 172.17.0.0/16 -i docker0 -j DROP\n[9100:7654321] -A DOCKER-ISOLATION-STAGE-1 -j RETURN');
    const d = docker0({ iptables });
    const rule = iptablesDecisionOf(forward(d).drop!)?.rule;
    expect(rule && ruleNamesBridge(rule, d.subnet)).toBe(true);
  });

  it('a DROP on the uplink in DOCKER-USER before any ESTABLISHED accept drops the replies only', () => {
    const iptables = DOCKER_27.replace('[9100:7654321] -A DOCKER-USER -j RETURN', '[48213:2892780] -A DOCKER-USER -i eth0 ! -s 198.51.100.0/24 -j DROP\n[9100:7654321] -A DOCKER-USER -j RETURN');
    // The outside address stands for the internet at large: not one in the network the rule spares.
    const d = docker0({ iptables });
    expect(d.flow.outside).toBe(parseAddress('203.0.113.1')?.value);
    expect(forward(d).drop).toBeUndefined();
    expect(iptablesDecisionOf(replies(d).drop!)?.rule?.text).toContain('-A DOCKER-USER -i eth0 ! -s 198.51.100.0/24 -j DROP');
  });

  it('the same DROP after an ESTABLISHED accept in DOCKER-USER is fine', () => {
    const iptables = DOCKER_27.replace(
      '[9100:7654321] -A DOCKER-USER -j RETURN',
      '[5200:6543210] -A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n[13:780] -A DOCKER-USER -i eth0 ! -s 10.0.0.0/8 -j DROP\n[9100:7654321] -A DOCKER-USER -j RETURN',
    );
    expect(replies(docker0({ iptables })).drop).toBeUndefined();
  });

  it("a native nftables forward chain of policy drop kills what Docker's iptables accepted: every ruleset at the hook answers", () => {
    const nft = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
        { table: { family: 'inet', name: 'filter', handle: 1 } },
        { chain: { family: 'inet', table: 'filter', name: 'forward', handle: 1, type: 'filter', hook: 'forward', prio: 0, policy: 'drop' } },
      ],
    });
    const d = docker0({ iptables: DOCKER_27, extra: { 'nft-ruleset': nft } });
    const drop = forward(d).drop!;
    expect(drop.table).toBe('nftables inet filter');
    expect(describeStep(drop)).toBe('the drop policy of nftables inet filter/forward');
    expect(stepEvidence(drop).at(-1)).toMatchObject({ source: 'nft-ruleset', primary: true });
    // Docker's own filter FORWARD accepted it first.
    expect(forward(d).steps.find((s) => s.table?.endsWith(' filter') && s.chain === 'FORWARD')?.verdict).toBe('accept');
  });
});

describe('source NAT at the postrouting hook', () => {
  it("Docker's -s subnet ! -o bridge MASQUERADE covers the subnet", () => {
    expect(postrouting(docker0({ iptables: DOCKER_27 })).nat?.kind).toBe('masquerade');
  });

  it('a masquerade for another subnet (bridge re-addressed) is a near miss, not coverage', () => {
    const iptables = DOCKER_27.replace('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', '-A POSTROUTING -s 172.18.0.0/16 ! -o docker0 -j MASQUERADE');
    const d = docker0({ iptables });
    const answer = postrouting(d);
    expect(answer.nat).toBeUndefined();
    expect(answer.certain).toBe(true);
    const cls = packetClass(answer.packet, { in: 'docker0', out: 'eth0', srcLocal: false, dstLocal: false, connection: { state: 'NEW', direction: 'ORIGINAL', dnat: false, snat: false } });
    expect(sourceNatNearMisses(d.ns.netfilter.ipv4!, cls, d.subnet).map((r) => r.text)).toEqual(['[88:5280] -A POSTROUTING -s 172.18.0.0/16 ! -o docker0 -j MASQUERADE']);
  });

  it('a masquerade restricted to another output interface does not cover the uplink; one on the uplink does', () => {
    const other = DOCKER_27.replace('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', '-A POSTROUTING -s 172.17.0.0/16 -o wlan0 -j MASQUERADE');
    expect(postrouting(docker0({ iptables: other })).nat).toBeUndefined();
    const uplink = DOCKER_27.replace('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', '-A POSTROUTING -o eth0 -j MASQUERADE');
    expect(postrouting(docker0({ iptables: uplink })).nat?.kind).toBe('masquerade');
  });

  it('kube-proxy style mark-dependent masquerade stays undecided', () => {
    const iptables = DOCKER_27.replace('[88:5280] -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', '[88:5280] -A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE');
    const answer = postrouting(docker0({ iptables }));
    expect(answer.nat).toBeUndefined();
    expect(answer.certain).toBe(true);
    // The mark is known (0): the rule certainly does not match. A MARK rule the engine cannot follow makes it undecided.
    const marked = iptables.replace('*nat\n', '*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A PREROUTING -m set --match-set marked src -j MARK --set-xmark 0x4000/0x4000\nCOMMIT\n*nat\n');
    expect(postrouting(docker0({ iptables: marked })).certain).toBe(false);
  });
});

describe('the input hook from the bridge', () => {
  const ufw = (accepts: string): string =>
    DOCKER_27.replace(':INPUT ACCEPT [52000:8123456]', ':INPUT DROP [3021:181260]').replace(
      '[9100:7654321] -A FORWARD -j DOCKER-USER',
      `[40000:6000000] -A INPUT -i lo -j ACCEPT\n[9000:900000] -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n[120:7200] -A INPUT -i eth0 -p tcp -m tcp --dport 22 -j ACCEPT\n${accepts}[9100:7654321] -A FORWARD -j DOCKER-USER`,
    );
  const bridgeAddress = parseAddress('172.17.0.1')!.value;

  it('INPUT policy DROP with accepts only on eth0: DNS and ssh from containers are dropped by the policy', () => {
    const d = docker0({ iptables: ufw('') });
    for (const [protocol, port] of [['udp', 53], ['tcp', 53], ['tcp', 22]] as const) {
      const drop = hostServiceAtInput(d.engine, d.ns, d.subnet, bridgeAddress, protocol, port)?.drop;
      expect(drop && iptablesDecisionOf(drop)?.chain?.evidence.text).toBe(':INPUT DROP [3021:181260]');
    }
  });

  it('an accept for the bridge lets them through', () => {
    const d = docker0({ iptables: ufw('[300:18000] -A INPUT -i docker0 -j ACCEPT\n') });
    expect(hostServiceAtInput(d.engine, d.ns, d.subnet, bridgeAddress, 'udp', 53)?.drop).toBeUndefined();
  });
});
