/**
 * ipv6-ra-ignored on a real kernel: a "router" namespace sends real Router Advertisements (an ICMPv6 raw
 * socket, link-local source, hop limit 255, a prefix information option with the autonomous flag and a
 * router lifetime) to a "host" namespace over a veth. With forwarding 0 and accept_ra 1 the host gets a
 * `proto ra` default route and a SLAAC address and reaches the router's 2001:db8:ffff::1; with
 * net.ipv6.conf.all.forwarding=1 the kernel drops that route at once and ignores the next RA (the host
 * cannot reach it any more); with accept_ra=2 on the uplink the next RA brings the route back.
 * The rule is silent on the first and last states and names eth0 on the second, from the real collector's
 * snapshot. Only namespaces this file creates (`naf<pid>-ra…`) are touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { audit, FieldLab, findingsOf, until, writeRawFixture } from './field-lab.js';
import { inNetns, runSync } from './run.js';
import { labSupport, warnIfUnsupported } from './support.js';

const RULE = 'ipv6-ra-ignored';
const support = labSupport();
const hasPython = runSync(['sh', '-c', 'command -v python3']).code === 0;
const hasIpv6 = runSync(['sh', '-c', 'test -e /proc/net/if_inet6']).code === 0;
const skip = !support.ok || !hasPython || !hasIpv6;
warnIfUnsupported('ipv6-ra-ignored lab', support.ok && !hasPython ? { ok: false, reason: 'python3 is needed to send Router Advertisements' } : support.ok && !hasIpv6 ? { ok: false, reason: 'the kernel has no IPv6' } : support);

/** Sends one Router Advertisement out of IFNAME: router lifetime LIFETIME s, prefix PREFIX/64 (on-link, autonomous). */
const SEND_RA = `
import socket, struct, sys
ifname, lifetime, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
index = socket.if_nametoindex(ifname)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
mac = bytes.fromhex(open('/sys/class/net/%s/address' % ifname).read().strip().replace(':', ''))
header = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, lifetime, 0, 0)
source_lladdr = struct.pack('!BB', 1, 1) + mac
prefix_info = struct.pack('!BBBBIII', 3, 4, 64, 0xC0, 3600, 1800, 0) + socket.inet_pton(socket.AF_INET6, prefix)
s.sendto(header + source_lladdr + prefix_info, ('ff02::1', 0, 0, index))
`;

const PREFIX = '2001:db8:1::';
const ROUTER_ADDRESS = '2001:db8:1::1';
const BEYOND = '2001:db8:ffff::1';

describe.skipIf(skip)('ipv6-ra-ignored lab: real Router Advertisements into a namespace', () => {
  const lab = new FieldLab('ra', ['h', 'r'] as const);
  const snapshots = new Map<'healthy' | 'fault' | 'fixed', Snapshot>();

  const sendRa = () => runSync(inNetns(lab.ns.r, ['python3', '-c', SEND_RA, 'rtr0', '1800', PREFIX]));
  const raDefault = () => JSON.parse(lab.ip('h', '-j', '-6', 'route', 'show', 'default', 'proto', 'ra').stdout || '[]') as unknown[];
  const slaac = () =>
    (JSON.parse(lab.ip('h', '-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global').stdout) as { addr_info: { local: string; dynamic?: boolean; mngtmpaddr?: boolean }[] }[]).flatMap((l) => l.addr_info);

  beforeAll(async () => {
    lab.create();
    // No duplicate address detection: the link-local and SLAAC addresses are usable at once.
    for (const role of ['h', 'r'] as const) lab.sysctl(role, 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
    // The host forwards IPv4 already, as a container host does: only IPv6 forwarding changes below.
    lab.sysctl('h', 'net.ipv4.ip_forward=1');
    lab.ip('h', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'rtr0', 'netns', lab.ns.r);
    lab.ip('r', 'addr', 'add', `${ROUTER_ADDRESS}/64`, 'dev', 'rtr0');
    lab.ip('r', 'addr', 'add', `${BEYOND}/128`, 'dev', 'lo');
    lab.ip('r', 'link', 'set', 'rtr0', 'up');
    lab.ip('h', 'link', 'set', 'eth0', 'up');
    // Both ends need their link-local address: the router sends from it, and the host's interface takes RAs
    // only once IPv6 is ready on it (carrier seen, link-local made).
    for (const [role, dev] of [['r', 'rtr0'], ['h', 'eth0']] as const) {
      expect(await until(() => lab.ip(role, '-6', 'addr', 'show', 'dev', dev, 'scope', 'link').stdout.includes('fe80::'), 5000), `a link-local address on ${dev}`).toBe(true);
    }

    // 1. A host with forwarding 0, accept_ra 1: the RA configures it.
    expect(sendRa().code).toBe(0);
    expect(await until(() => raDefault().length > 0, 3000), 'a proto ra default route after the first RA').toBe(true);
    snapshots.set('healthy', await lab.collect('h', [], 'healthy'));
  });

  afterAll(() => {
    lab.destroy();
  });

  it('forwarding 0, accept_ra 1: the RA gives a proto ra default route and a SLAAC address, the host reaches beyond the router, the rule is silent', async () => {
    expect(slaac()).toContainEqual(expect.objectContaining({ dynamic: true, mngtmpaddr: true }));
    expect((await lab.ping('h', BEYOND)).ok).toBe(true);
    const result = await audit(snapshots.get('healthy')!, [RULE]);
    expect(findingsOf(result, RULE)).toEqual([]);
    expect(result.passed.some((p) => p.ruleId === RULE && p.subject.name === 'eth0')).toBe(true);
  });

  it('all.forwarding=1: the kernel drops the RA default route, ignores the next RA, the host is cut off; the rule names eth0', async () => {
    lab.sysctl('h', 'net.ipv6.conf.all.forwarding=1');
    expect(raDefault(), 'the RA default route is purged when forwarding goes on').toEqual([]);
    expect(sendRa().code).toBe(0);
    // The RA is ignored: give it the time it took to be accepted above, and check it was not.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(raDefault(), 'the next RA brings no default route back').toEqual([]);
    const probe = await lab.ping('h', BEYOND);
    expect(probe.ok, probe.detail).toBe(false);
    expect(slaac(), 'the SLAAC address stays until its valid lifetime ends').toContainEqual(expect.objectContaining({ dynamic: true, mngtmpaddr: true }));

    const snapshot = await lab.collect('h', [], 'fault');
    snapshots.set('fault', snapshot);
    writeRawFixture(snapshot, `fixtures/rules/${RULE}/fail`, new Map());
    const findings = findingsOf(await audit(snapshot, [RULE]), RULE);
    expect(findings.map((f) => [f.subject.namespace, f.subject.name])).toEqual([['host', 'eth0']]);
    const [finding] = findings;
    expect(finding!.message).toMatch(/net\.ipv6\.conf\.eth0\.forwarding is 1 and accept_ra is 1/);
    expect(finding!.message).toMatch(/SLAAC address 2001:db8:1:0:[0-9a-f:]+\/64/);
    expect(finding!.message).toMatch(/already dropped the IPv6 default route/);
    expect(finding!.evidence.map((e) => e.text)).toEqual(expect.arrayContaining(['net.ipv6.conf.eth0.forwarding = 1', 'net.ipv6.conf.eth0.accept_ra = 1']));
  });

  it('accept_ra=2 on eth0: the next RA brings the default route back and the rule is silent', async () => {
    lab.sysctl('h', 'net.ipv6.conf.eth0.accept_ra=2');
    expect(sendRa().code).toBe(0);
    expect(await until(() => raDefault().length > 0, 3000), 'a proto ra default route again').toBe(true);
    const probe = await lab.ping('h', BEYOND);
    expect(probe.ok, probe.detail).toBe(true);

    const snapshot = await lab.collect('h', [], 'fixed');
    writeRawFixture(snapshot, `fixtures/rules/${RULE}/pass`, new Map());
    const result = await audit(snapshot, [RULE]);
    expect(findingsOf(result, RULE)).toEqual([]);
    expect(result.passed.some((p) => p.ruleId === RULE && p.subject.name === 'eth0')).toBe(true);
  });
});
