import { describe, expect, it } from 'vitest';
import { formatCidr } from '../../src/model/net.js';
import { findPublishedPorts, parseNatAddress } from '../../src/analysis/netfilter/index.js';
import { DOCKER_27, DOCKER_28, testNamespace, type HostSpec } from './hosts.js';
import { KUBE_CLUSTER_IP, KUBE_NODE_PORT } from './kube-dump.js';

describe('parseNatAddress', () => {
  it.each([
    ['172.17.0.2:80', '172.17.0.2/32', { from: 80, to: 80 }, false],
    ['172.17.0.2', '172.17.0.2/32', undefined, false],
    ['172.17.0.2:8000-8010', '172.17.0.2/32', { from: 8000, to: 8010 }, false],
    ['10.0.0.1-10.0.0.3:80', '10.0.0.1/32', { from: 80, to: 80 }, true],
    ['[fd49:efd7:54aa::1]:80', 'fd49:efd7:54aa::1/128', { from: 80, to: 80 }, false],
    ['fd49:efd7:54aa::1', 'fd49:efd7:54aa::1/128', undefined, false],
    ['192.0.2.5:1000-2000/80', '192.0.2.5/32', { from: 1000, to: 2000 }, false],
  ])('%s', (text, address, ports, range) => {
    const parsed = parseNatAddress(text);
    expect(parsed && formatCidr(parsed.address)).toBe(address);
    expect(parsed?.ports).toEqual(ports);
    expect(parsed?.range).toBe(range);
  });

  it('refuses what is not an address', () => {
    expect(parseNatAddress('')).toBeUndefined();
    expect(parseNatAddress(':8080')).toBeUndefined();
    expect(parseNatAddress('[fd00::1')).toBeUndefined();
    expect(parseNatAddress('172.17.0.2:http')).toBeUndefined();
  });
});

describe('findPublishedPorts', () => {
  it("pairs Docker's DNAT with its per-port accept and the bridge that holds the container", () => {
    for (const iptables of [DOCKER_27, DOCKER_28]) {
      const ports = findPublishedPorts(testNamespace({ iptables }));
      expect(ports).toHaveLength(1);
      const [p] = ports;
      expect(p?.name).toBe('tcp/8080->172.17.0.2:80');
      expect(p?.hooks).toEqual(['PREROUTING', 'OUTPUT']);
      expect(p?.excludedIn).toEqual(['docker0']);
      expect(p?.targetPort).toBe(80);
      expect(p?.hostPorts).toEqual({ from: 8080, to: 8080 });
      expect(p?.via.map((r) => r.chain)).toEqual(['PREROUTING']);
      expect(p?.accepts.map((r) => r.chain)).toEqual(['DOCKER']);
      expect(p?.bridge?.bridge.name).toBe('docker0');
      expect(p?.bridge?.subnet).toBe('172.17.0.0/16');
    }
  });

  it('leaves out the endpoints of a kube-proxy cluster IP: a service VIP, not a port of this host', () => {
    expect(findPublishedPorts(testNamespace({ iptables: KUBE_CLUSTER_IP }))).toEqual([]);
  });

  it('takes the port of a kube-proxy node port from the rules that lead to it, not from the cluster IP jump', () => {
    const [p, ...rest] = findPublishedPorts(testNamespace({ iptables: KUBE_NODE_PORT }));
    expect(rest).toEqual([]);
    expect(p?.name).toBe('udp/30081->10.224.0.40:81');
    expect(p?.via.map((r) => r.chain)).toEqual(['PREROUTING', 'KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-EXT-XDDJMSFC2RZBVTHX', 'KUBE-SVC-XDDJMSFC2RZBVTHX']);
    expect(p?.protocol).toBe('udp');
    expect(p?.hooks).toEqual(['PREROUTING', 'OUTPUT']);
  });

  it('keeps DNATs to this host\'s own addresses and loopback, and leaves out those to an address it does not hold', () => {
    const forward = (criteria: string): string => `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING ${criteria} -p tcp -m tcp --dport 8443 -j DNAT --to-destination 172.17.0.2:443
COMMIT
`;
    const names = (criteria: string, spec: Partial<HostSpec> = {}): string[] => findPublishedPorts(testNamespace({ iptables: forward(criteria), ...spec })).map((p) => p.name);
    expect(names('-d 192.0.2.10/32')).toEqual(['tcp/192.0.2.10:8443->172.17.0.2:443']);
    expect(names('-d 127.0.0.1/32')).toEqual(['tcp/127.0.0.1:8443->172.17.0.2:443']);
    expect(names('-d 192.0.2.0/24')).toEqual(['tcp/192.0.2.0/24:8443->172.17.0.2:443']);
    expect(names('! -d 198.51.100.7/32')).toEqual(['tcp/8443->172.17.0.2:443']);
    expect(names('-d 198.51.100.7/32')).toEqual([]);
    // Without ip addr no address can be told apart from the host's: the DNAT stays a published port.
    const unknownAddresses = { extra: { 'ip-addr': { status: 'not-collected', reason: 'test' } } } as const;
    expect(names('-d 198.51.100.7/32', unknownAddresses)).toEqual(['tcp/198.51.100.7:8443->172.17.0.2:443']);
  });

  it('does not report the accept of a DNAT behind an address this host does not hold as left over', () => {
    const iptables = DOCKER_27.replace('-A DOCKER ! -i docker0 -p tcp', '-A DOCKER -d 198.51.100.7/32 ! -i docker0 -p tcp');
    expect(findPublishedPorts(testNamespace({ iptables }))).toEqual([]);
  });

  it('reads IPv6 targets in brackets from ip6tables', () => {
    const ip6tables = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A DOCKER ! -s fe80::/10 -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd49:efd7:54aa::2]:80
COMMIT
`;
    const ns = testNamespace({ ip6tables, addrs: [{ name: 'lo', index: 1 }, { name: 'eth0', index: 2 }, { name: 'docker0', index: 3, inet6: ['fd49:efd7:54aa::1/64'] }] });
    const [p] = findPublishedPorts(ns);
    expect(p?.family).toBe(6);
    expect(p?.name).toBe('tcp/8080->[fd49:efd7:54aa::2]:80');
    expect(p?.bridge?.subnet).toBe('fd49:efd7:54aa::/64');
  });

  it('reports a per-port accept that no DNAT points at, and names duplicated DNATs apart', () => {
    const iptables = DOCKER_27.replace(
      '[37:2220] -A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT',
      '[37:2220] -A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT\n[0:0] -A DOCKER -d 172.17.0.3/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 5432 -j ACCEPT',
    ).replace(
      '[37:2220] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
      '[37:2220] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\n[0:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
    );
    const names = findPublishedPorts(testNamespace({ iptables })).map((p) => [p.name, p.dnat ? 'dnat' : 'accept-only']);
    expect(names).toEqual([
      ['tcp/8080->172.17.0.2:80', 'dnat'],
      ['tcp/8080->172.17.0.2:80#2', 'dnat'],
      ['tcp/none->172.17.0.3:5432', 'accept-only'],
    ]);
  });

  it('ignores DNAT rules in chains that nothing reaches', () => {
    const iptables = DOCKER_27.replace('[410:24600] -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n', '').replace(
      '[2:120] -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER\n',
      '',
    );
    expect(findPublishedPorts(testNamespace({ iptables })).filter((p) => p.dnat)).toEqual([]);
  });
});
