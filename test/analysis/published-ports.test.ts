import { describe, expect, it } from 'vitest';
import { formatCidr } from '../../src/model/net.js';
import { findPublishedPorts, parseNatAddress } from '../../src/analysis/netfilter/index.js';
import { DOCKER_27, DOCKER_28, testNamespace } from './hosts.js';

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

  it('takes the port and address of a kube-proxy endpoint from the service rule that leads to it', () => {
    const iptables = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-XDDJMSFC2RZBVTHX - [0:0]
:KUBE-SEP-BW5NCMF6XLQD5Z7C - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SEP-BW5NCMF6XLQD5Z7C -s 10.224.0.40/32 -m comment --comment "x/s-x-c:service-port-udp-81" -j KUBE-MARK-MASQ
-A KUBE-SEP-BW5NCMF6XLQD5Z7C -p udp -m comment --comment "x/s-x-c:service-port-udp-81" -m udp -j DNAT --to-destination 10.224.0.40:81
-A KUBE-SERVICES -d 10.0.164.41/32 -p udp -m comment --comment "x/s-x-c:service-port-udp-81 cluster IP" -m udp --dport 81 -j KUBE-SVC-XDDJMSFC2RZBVTHX
-A KUBE-SVC-XDDJMSFC2RZBVTHX -m comment --comment "x/s-x-c:service-port-udp-81 -> 10.224.0.40:81" -j KUBE-SEP-BW5NCMF6XLQD5Z7C
COMMIT
`;
    const [p, ...rest] = findPublishedPorts(testNamespace({ iptables }));
    expect(rest).toEqual([]);
    expect(p?.name).toBe('udp/10.0.164.41:81->10.224.0.40:81');
    expect(p?.via.map((r) => r.chain)).toEqual(['PREROUTING', 'KUBE-SERVICES', 'KUBE-SVC-XDDJMSFC2RZBVTHX']);
    expect(p?.protocol).toBe('udp');
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
