/**
 * The analyses behind ipv6-ra-ignored, overlay-port-blocked and macvlan-host-isolated, on the fixtures the
 * namespace labs captured (test/e2e/field-*.e2e.test.ts), and on those hosts changed in the one place each
 * decision turns on.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { raDependency } from '../../src/analysis/ipv6-ra.js';
import { hostIsolation } from '../../src/analysis/macvlan.js';
import { PathEngine } from '../../src/analysis/path/engine.js';
import { bgpEndpoints, overlayInput, tunnelEndpoint } from '../../src/analysis/path/overlay-input.js';
import { describeStep } from '../../src/analysis/path/hook-question.js';
import { formatAddress } from '../../src/model/net.js';
import { buildHost } from '../../src/model/build.js';
import type { Host, Interface } from '../../src/model/types.js';
import { loadInput } from '../../src/snapshot/load.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

async function fixtureHost(rule: string, side: 'fail' | 'pass'): Promise<Host> {
  return buildHost((await loadInput(path.join(PROJECT_ROOT, 'fixtures/rules', rule, side))).snapshot);
}

/** The namespace's routes through an interface, as the fact module indexes them. */
const via = (host: Host, name: string) => host.host.routes.filter((r) => r.dev === name || r.nexthops.some((h) => h.dev === name));

const iface = (host: Host, ns: string, name: string): Interface => {
  const found = host.namespaceByName.get(ns)?.interfaceByName.get(name);
  if (!found) throw new Error(`${ns}/${name} not in the fixture`);
  return found;
};

describe('Router Advertisements (ipv6-ra-ignored)', () => {
  it('forwarding 1, accept_ra 1: the SLAAC address shows the dependency, the RA default route is already gone', async () => {
    const host = await fixtureHost('ipv6-ra-ignored', 'fail');
    const ra = raDependency(host.host, iface(host, 'host', 'eth0'), via(host, 'eth0'));
    expect([ra.forwarding.key, ra.forwarding.value, ra.acceptRa.value]).toEqual(['net.ipv6.conf.eth0.forwarding', 1, 1]);
    expect(ra.raRoutes).toEqual([]);
    expect(ra.slaacAddresses.map((a) => [a.address.startsWith('2001:db8:1:0:'), a.mngtmpaddr, typeof a.validLifetime])).toEqual([[true, true, 'number']]);
    expect(ra.ignored).toBe(true);
    expect(ra.consequence).toMatch(/already dropped/);
  });

  it('accept_ra 2: the proto ra default route is back and nothing is ignored', async () => {
    const host = await fixtureHost('ipv6-ra-ignored', 'pass');
    const ra = raDependency(host.host, iface(host, 'host', 'eth0'), via(host, 'eth0'));
    expect(ra.forwarding.value).toBe(1);
    expect(ra.acceptRa.value).toBe(2);
    expect(ra.raRoutes.map((r) => [r.isDefault, r.protocol, typeof r.expires])).toEqual([[true, 'ra', 'number']]);
    expect(ra.ignored).toBe(false);
  });

  it('the same host with forwarding 0 on the interface (conf.all left at 1) accepts RAs: the interface\'s own switch decides', async () => {
    const host = await fixtureHost('ipv6-ra-ignored', 'fail');
    const eth0 = iface(host, 'host', 'eth0');
    const ra = raDependency(host.host, { ...eth0, forwarding6: { ...eth0.forwarding6, value: 0 } }, via(host, 'eth0'));
    expect(ra.ignored).toBe(false);
    expect(ra.description).not.toBe('');
  });

  it('a static address (no dynamic flag) is no dependency on RAs', async () => {
    const host = await fixtureHost('ipv6-ra-ignored', 'fail');
    const eth0 = iface(host, 'host', 'eth0');
    const statics = eth0.addresses.map(({ dynamic: _d, mngtmpaddr: _m, validLifetime: _v, ...rest }) => rest);
    const ra = raDependency(host.host, { ...eth0, addresses: statics }, via(host, 'eth0'));
    expect(ra.slaacAddresses).toEqual([]);
    expect(ra.ignored).toBe(false);
  });
});

describe('overlay endpoints (overlay-port-blocked)', () => {
  it('the VXLAN device: the kernel default port, the remote as the peer, ul0 as the underlay', async () => {
    const host = await fixtureHost('overlay-port-blocked', 'fail');
    const engine = new PathEngine(host);
    const endpoint = tunnelEndpoint(engine.view(host.host), iface(host, 'host', 'vx0'));
    expect(endpoint && { ...endpoint, peer: formatAddress(4, endpoint.peer), local: formatAddress(4, endpoint.local), evidence: endpoint.evidence.length }).toEqual({
      subject: 'vx0',
      what: 'VXLAN VNI 42',
      protocol: 'udp',
      port: 8472,
      family: 4,
      peer: '192.0.2.2',
      peerDescribed: 'the remote 192.0.2.2',
      local: '192.0.2.1',
      underlay: 'ul0',
      evidence: 1,
    });
  });

  it('the DROP of the port in INPUT is the dropping step; the open INPUT drops nothing', async () => {
    for (const side of ['fail', 'pass'] as const) {
      const host = await fixtureHost('overlay-port-blocked', side);
      const engine = new PathEngine(host);
      const endpoint = tunnelEndpoint(engine.view(host.host), iface(host, 'host', 'vx0'))!;
      const answer = overlayInput(engine, host.host, endpoint);
      if (side === 'fail') expect(answer.drop && describeStep(answer.drop)).toMatch(/filter\/INPUT .*--dport 8472 -j DROP/);
      else expect(answer.drop).toBeUndefined();
    }
  });

  it('without a remote or a lower device, the peer is an address of the underlay subnet that the host does not hold', async () => {
    const host = await fixtureHost('overlay-port-blocked', 'fail');
    const vx0 = iface(host, 'host', 'vx0');
    const { remote: _r, link: _l, ...data } = vx0.infoData!;
    const endpoint = tunnelEndpoint(new PathEngine(host).view(host.host), { ...vx0, infoData: { ...data, group: '239.1.1.1' } });
    expect(endpoint?.underlay).toBe('ul0');
    expect(endpoint && formatAddress(4, endpoint.peer)).toBe('192.0.2.2');
    expect(endpoint?.peerDescribed).toBe("192.0.2.2 in ul0's subnet 192.0.2.0/24");
  });

  it('no port printed (or not a tunnel) is no endpoint: nothing to ask', async () => {
    const host = await fixtureHost('overlay-port-blocked', 'fail');
    const view = new PathEngine(host).view(host.host);
    const vx0 = iface(host, 'host', 'vx0');
    const { port: _p, ...data } = vx0.infoData!;
    expect(tunnelEndpoint(view, { ...vx0, infoData: data })).toBeUndefined();
    expect(tunnelEndpoint(view, iface(host, 'host', 'ul0'))).toBeUndefined();
  });

  it('a BGP speaker on *:179 is asked about on the uplink, from its subnet', async () => {
    const host = await fixtureHost('overlay-port-blocked', 'fail');
    const engine = new PathEngine(host);
    // The lab host has no default route: the speaker's underlay is named by the socket's %ul0 scope.
    const listener = { state: 'LISTEN', recvQ: 0, sendQ: 0, localAddress: '0.0.0.0', localPort: 179, localInterface: 'ul0', peer: '0.0.0.0:*', processes: [{ name: 'bird', pid: 42 }], line: 1, text: 'LISTEN 0 8 0.0.0.0%ul0:179 0.0.0.0:* users:(("bird",pid=42,fd=7))' };
    const [endpoint, ...rest] = bgpEndpoints(engine.view(host.host), [listener]);
    expect(rest).toEqual([]);
    expect(endpoint && [endpoint.subject, endpoint.protocol, endpoint.port, endpoint.what, formatAddress(4, endpoint.local)]).toEqual(['ul0', 'tcp', 179, 'BGP speaker bird', '192.0.2.1']);
    expect(overlayInput(engine, host.host, endpoint!).drop).toBeUndefined();
  });
});

describe('macvlan children (macvlan-host-isolated)', () => {
  it('the container\'s macvlan sits on the host\'s eth0, which the host routes the container\'s address by', async () => {
    const host = await fixtureHost('macvlan-host-isolated', 'fail');
    const web = host.namespaceByName.get('web')!;
    const x = hostIsolation(new PathEngine(host), host.host, web, iface(host, 'web', 'eth0'));
    expect(x && [x.parent.name, x.parentBy, x.mode, x.address.address, x.route.dst, x.shims.length]).toEqual(['eth0', "the host's ifindex 2", 'bridge', '192.0.2.20', '192.0.2.0/24', 0]);
  });

  it('with the shim\'s route the host reaches the container: no isolation', async () => {
    const host = await fixtureHost('macvlan-host-isolated', 'pass');
    const web = host.namespaceByName.get('web')!;
    expect(hostIsolation(new PathEngine(host), host.host, web, iface(host, 'web', 'eth0'))).toBeUndefined();
  });

  it('a veth of the container naming the same link-netnsid with its peer elsewhere: the parent is not the host\'s', async () => {
    const host = await fixtureHost('macvlan-host-isolated', 'fail');
    const web = host.namespaceByName.get('web')!;
    const child = iface(host, 'web', 'eth0');
    const elsewhere = { ...web, veths: [{ interface: { ...child, kind: 'veth' as const, name: 'eth1' }, peer: { resolved: true as const, namespace: 'db', name: 'veth9', interface: child } }] };
    expect(hostIsolation(new PathEngine(host), host.host, elsewhere, child)).toBeUndefined();
  });

  it('the host interface at that index cannot be the parent when its MTU is below the child\'s, or when it is a macvlan itself', async () => {
    const host = await fixtureHost('macvlan-host-isolated', 'fail');
    const web = host.namespaceByName.get('web')!;
    const child = iface(host, 'web', 'eth0');
    expect(hostIsolation(new PathEngine(host), host.host, web, { ...child, mtu: 9000 })).toBeUndefined();
    const parent = host.host.interfaceByIndex.get(child.link!.index!)!;
    host.host.interfaceByIndex.set(parent.index, { ...parent, kind: 'macvlan' });
    expect(hostIsolation(new PathEngine(host), host.host, web, child)).toBeUndefined();
  });
});
