import { describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import { dockerHost, hostAddrs, sysctl } from '../helpers/docker-host.js';
import { makeSnapshot } from '../helpers/snapshot.js';

describe('buildHost on a Docker host', () => {
  const host = buildHost(dockerHost());
  const ns = host.host;

  it('builds interfaces with kinds, states and addresses', () => {
    expect(ns.interfaces.map((i) => [i.name, i.kind])).toEqual([
      ['lo', 'loopback'],
      ['eth0', 'physical'],
      ['docker0', 'bridge'],
      ['veth1a2b3c4', 'veth'],
      ['vethdead', 'veth'],
      ['vpair0', 'veth'],
      ['vpair1', 'veth'],
      ['eth0.100', 'vlan'],
    ]);
    const docker0 = ns.interfaceByName.get('docker0')!;
    expect(docker0.addresses.map((a) => a.network)).toEqual(['172.17.0.0/16']);
    expect(docker0.evidence).toMatchObject({ source: 'ip-link', line: 1 });
    expect(ns.interfaceByName.get('vethdead')).toMatchObject({ adminUp: true, carrier: false });
  });

  it('reads per-interface sysctls, including VLAN names printed with /', () => {
    const eth0 = ns.interfaceByName.get('eth0')!;
    expect(eth0.forwarding.value).toBe(0);
    expect(eth0.forwarding.evidence).toEqual({ source: 'sysctl', line: 5, text: 'net.ipv4.conf.eth0.forwarding = 0' });
    expect(ns.interfaceByName.get('eth0.100')!.forwarding.value).toBe(1);
    // rp_filter is max(all, iface): all=2 wins over docker0=0, and over eth0=1.
    expect(ns.interfaceByName.get('docker0')!.rpFilter).toMatchObject({ value: 2, key: 'net.ipv4.conf.all.rp_filter' });
    expect(eth0.rpFilter.value).toBe(2);
  });

  it('joins bridge ports from ip link, brctl and their evidence', () => {
    expect(ns.bridges).toHaveLength(1);
    const bridge = ns.bridges[0]!;
    expect(bridge.name).toBe('docker0');
    expect(bridge.subnets).toEqual(['172.17.0.0/16']);
    expect(bridge.stp).toBe(false);
    expect(bridge.ports.map((p) => p.name)).toEqual(['veth1a2b3c4']);
    expect(bridge.ports[0]!.evidence.map((e) => e.source)).toEqual(['ip-link', 'brctl-show']);
  });

  it('resolves veth peers across namespaces and explains the ones it cannot', () => {
    const byName = new Map(ns.veths.map((v) => [v.interface.name, v.peer]));
    expect(byName.get('veth1a2b3c4')).toMatchObject({ resolved: true, namespace: 'pid:4242', name: 'eth0' });
    const dead = byName.get('vethdead')!;
    expect(dead.resolved).toBe(false);
    if (!dead.resolved) expect(dead.reason).toContain('namespace id 5');
    expect(byName.get('vpair0')).toMatchObject({ resolved: true, namespace: 'host', name: 'vpair1' });
    const container = host.namespaceByName.get('pid:4242')!;
    expect(container.veths[0]!.peer).toMatchObject({ resolved: true, namespace: 'host', name: 'veth1a2b3c4' });
  });

  it('normalises routes and keeps their tables', () => {
    const def = ns.routes.find((r) => r.isDefault)!;
    expect(def).toMatchObject({ dst: '0.0.0.0/0', gateway: '192.0.2.1', dev: 'eth0', table: 'main' });
    expect(ns.routes.find((r) => r.table === 'local')!.dst).toBe('192.0.2.10/32');
  });

  it('indexes netfilter chains and resolves jumps with back-references', () => {
    const nat = ns.netfilter.ipv4!.tables.get('nat')!;
    const docker = nat.chains.get('DOCKER')!;
    expect(docker.referencedBy.map((r) => r.line)).toEqual([8]);
    expect(docker.rules[0]!.target).toMatchObject({ name: 'DNAT' });
    expect(docker.rules[0]!.counters).toEqual({ packets: 2, bytes: 120 });
    expect(nat.chains.get('PREROUTING')!.rules[0]!.jumpChain).toBe(docker);
    const forward = ns.netfilter.ipv4!.tables.get('filter')!.chains.get('FORWARD')!;
    expect(forward.policy).toBe('DROP');
    expect(forward.counters).toEqual({ packets: 5, bytes: 300 });
    expect(ns.netfilter.ipv4!.ruleCount).toBe(5);
  });

  it('keeps not collected, failed and empty apart', () => {
    expect(ns.sources.get('ip6tables-save')).toMatchObject({ status: 'failed', reason: 'command not found' });
    expect(ns.sources.get('ss-tlnp')).toMatchObject({ status: 'empty' });
    expect(ns.sources.get('ip-neigh')).toMatchObject({ status: 'not-collected' });
    expect(ns.listeners).toEqual([]);
  });

  it('applies persisted sysctl files in systemd-sysctl order, sysctl.conf last', () => {
    expect(host.persistedSysctl.entries.map((e) => e.file)).toEqual(['/etc/sysctl.d/99-docker.conf', '/etc/sysctl.conf']);
    expect(host.persistedSysctl.effective.get('net.ipv4.ip_forward')).toMatchObject({ value: '0', file: '/etc/sysctl.conf', line: 1 });
  });
});

describe('buildHost with unreadable sources', () => {
  it('marks a source the parser refuses and still builds the rest', () => {
    const host = buildHost(
      makeSnapshot({
        'ip-link': '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n',
        'ip-addr': hostAddrs,
        sysctl,
      }),
    );
    const info = host.host.sources.get('ip-link')!;
    expect(info.parseError).toMatch(/ip-link/);
    // Interfaces still come from ip addr.
    expect(host.host.interfaces.map((i) => i.name)).toEqual(['lo', 'eth0', 'docker0']);
    expect(host.notes.some((n) => n.source === 'ip-link' && /unreadable/.test(n.message))).toBe(true);
  });
});

describe('buildHost with both route sources', () => {
  const both = JSON.stringify([
    { dst: 'default', gateway: '192.0.2.1', dev: 'eth0', flags: [] },
    { dst: 'fe80::/64', dev: 'eth0', protocol: 'kernel', metric: 256, flags: [] },
  ]);
  const v6 = JSON.stringify([{ dst: 'fe80::/64', dev: 'eth0', protocol: 'kernel', metric: 256, flags: [] }]);

  it('takes IPv6 routes from ip6-route only, so none is listed twice', () => {
    const routes = buildHost(makeSnapshot({ 'ip-route': both, 'ip6-route': v6 })).host.routes;
    expect(routes.map((r) => `${r.family} ${r.dst} ${r.evidence.source}`)).toEqual(['4 0.0.0.0/0 ip-route', '6 fe80::/64 ip6-route']);
  });

  it('keeps IPv6 routes of ip-route when ip6-route was not collected', () => {
    const routes = buildHost(makeSnapshot({ 'ip-route': both })).host.routes;
    expect(routes.map((r) => `${r.family} ${r.dst}`)).toEqual(['4 0.0.0.0/0', '6 fe80::/64']);
  });
});

describe('persisted sysctl files with bytes that are not UTF-8', () => {
  it('reads the settings and notes the damaged line, as for command outputs', () => {
    const content = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\nnet.ipv4.ip_forward = 1\n')]).toString('base64');
    const snapshot = makeSnapshot({ sysctl });
    snapshot.sysctlFiles = { status: 'ok', files: [{ path: '/etc/sysctl.d/10-latin1.conf', content, encoding: 'base64' }] };
    const host = buildHost(snapshot);
    expect(host.persistedSysctl.effective.get('net.ipv4.ip_forward')).toMatchObject({ value: '1', line: 2 });
    expect(host.notes).toContainEqual({ source: '/etc/sysctl.d/10-latin1.conf', line: 1, message: 'bytes that are not valid UTF-8 replaced by U+FFFD' });
  });
});
