/**
 * published-port-exposed, bridged-uplink-filtered and published-port-hairpin-broken over every iptables dump of
 * the corpus, each put on the
 * Docker-like host these dumps come from (eth0 uplink with the default route, docker0 with one container
 * veth, forwarding and br_netfilter on): real rulesets from Docker, Kubernetes, firewalld, ferm, OpenWrt and
 * hand-written servers. No rule fires, except where the dump shows the very fault: Server Fault
 * question 758088 is a host whose INPUT policy DROP allows SSH, 2376 and 80 only, while Docker publishes
 * 8080 to a container, which the world reaches through FORWARD.
 */
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/engine/audit.js';
import { loadRuleCatalog } from '../../../src/engine/catalog.js';
import { corpusFiles, readCorpus } from '../../helpers/corpus.js';
import { buildTestHost, DOCKER_ADDRS, DOCKER_LINKS, DOCKER_ROUTES } from '../hosts.js';

const RULES = ['published-port-exposed', 'bridged-uplink-filtered', 'published-port-hairpin-broken'];
const SYSCTL = ['net.ipv4.ip_forward = 1', 'net.ipv6.conf.all.forwarding = 1', 'net.ipv4.conf.all.forwarding = 1', 'net.ipv4.conf.eth0.forwarding = 1', 'net.ipv4.conf.docker0.forwarding = 1', 'net.bridge.bridge-nf-call-iptables = 1'];

const DOCKER_ADDRS_V6 = DOCKER_ADDRS.map((a) => (a.name === 'eth0' ? { ...a, inet6: ['2001:db8:1::10/64'] } : a.name === 'docker0' ? { ...a, inet6: ['fd00:dead::1/64'] } : a));
const ROUTES6 = [
  { dst: 'default', gateway: 'fe80::1', dev: 'eth0', protocol: 'ra', metric: 1024, flags: [] },
  { dst: '2001:db8:1::/64', dev: 'eth0', protocol: 'kernel', metric: 256, flags: [] },
  { dst: 'fd00:dead::/64', dev: 'docker0', protocol: 'kernel', metric: 256, flags: [] },
];

/** The dumps that show the fault, with the findings they must give. */
const FAULTY: Record<string, string[]> = {
  'diekmann_net-network__configs_serverfault_758088': ['published-port-exposed tcp/8080->172.17.0.4:3000'],
};

describe('the corpus on a Docker-like host', () => {
  const files = corpusFiles('iptables');

  it('holds the dumps, the faulty one among them', () => {
    expect(files.map(([name]) => name)).toEqual(expect.arrayContaining(Object.keys(FAULTY)));
  });

  it.for(files)('%s', async ([name]) => {
    const text = readCorpus('iptables', name);
    // ip6tables dumps go where ip6tables-save's output goes (the IPv6 questions need an IPv6 default route).
    const rules = /ip6tables|\.v6$/.test(name) ? { iptables: '', ip6tables: text, extra: { 'ip6-route': JSON.stringify(ROUTES6) } } : { iptables: text };
    const host = buildTestHost({ links: DOCKER_LINKS, addrs: DOCKER_ADDRS_V6, routes: DOCKER_ROUTES, sysctl: SYSCTL, ...rules });
    const result = await runAudit(host, await loadRuleCatalog(), { input: name, only: RULES });
    expect(result.skipped).toEqual([]);
    expect(result.findings.map((f) => `${f.ruleId} ${f.subject.name}`).sort()).toEqual(FAULTY[name] ?? []);
  });
});
