/**
 * Healthy real-world Docker and Kubernetes dumps from the corpus, through the real parser and model,
 * with the topology each dump implies (its bridges and their subnets, an uplink). None of the netfilter
 * rules may report an error on them, and the analyses must find what is really there.
 */
import { describe, expect, it } from 'vitest';
import { findDnatTargets, findPublishedPorts, checkPortForwarding } from '../../src/analysis/netfilter/index.js';
import { loadRuleCatalog } from '../../src/engine/catalog.js';
import { runAudit } from '../../src/engine/audit.js';
import { missingCorpus, readCorpus, skipWithoutCorpus } from '../helpers/corpus.js';
import { buildTestHost, type AddrSpec, type LinkSpec } from './hosts.js';

const NETFILTER_RULES = [
  'masquerade-missing',
  'port-publish-incomplete',
  'dnat-target-unreachable',
  'published-port-dropped',
  'forward-drop-without-accept',
  'forward-established-missing',
  'docker-chains-missing',
  'input-drop-bridge',
  'iptables-backend-split',
  'route-localnet-disabled',
  'published-port-exposed',
  'bridged-uplink-filtered',
];

interface CorpusHost {
  file: string;
  family?: 4 | 6;
  uplink?: string;
  /** Bridges the dump's rules name, with the bridge's own address, each with one container port. */
  bridges: [name: string, address: string][];
  /** Published ports the analysis must find, and those it must see accepted. */
  published: number;
  accepted: string[];
  /** Distinct DNAT target addresses, behind service VIPs included. */
  targets: number;
}

const HOSTS: CorpusHost[] = [
  { file: 'moby_moby__iptabler_golden_hairpin-false_icc-true_masq-true_gwm-nat__iptables', bridges: [['br-dummy', '192.168.0.1/24']], published: 1, accepted: ['tcp/8080->192.168.0.2:80'], targets: 1 },
  { file: 'moby_moby__iptabler_golden_hairpin-true_icc-true_masq-true_gwm-nat__ip6tables', family: 6, bridges: [['br-dummy', 'fd49:efd7:54aa::100/64']], published: 1, accepted: ['tcp/8080->[fd49:efd7:54aa::1]:80'], targets: 1 },
  { file: 'diekmann_net-network__configs_serverfault_758088', bridges: [['docker0', '172.17.0.1/16']], published: 1, accepted: ['tcp/8080->172.17.0.4:3000'], targets: 1 },
  { file: 'cottrelletomi_paas__iptables.txt', uplink: 'ens160', bridges: [['docker0', '172.17.0.1/16']], published: 3, accepted: ['tcp/3001->192.168.1.2:3001'], targets: 3 },
  { file: 'projectcalico_calico__felix_fv_iptables-dump.txt', bridges: [['docker0', '172.17.0.1/16']], published: 0, accepted: [], targets: 1 },
  { file: 'Azure_azure-container-networking__npm_pkg_dataplane_testdata_iptablesave-v2', bridges: [], published: 0, accepted: [], targets: 15 },
  { file: 'Azure_azure-container-networking__npm_pkg_dataplane_testdata_iptablesave-v1', bridges: [], published: 0, accepted: [], targets: 16 },
];

function hostFor(h: CorpusHost) {
  const uplink = h.uplink ?? 'eth0';
  const links: LinkSpec[] = [{ name: 'lo', index: 1 }, { name: uplink, index: 2 }];
  const addrs: AddrSpec[] = [
    { name: 'lo', index: 1, inet: ['127.0.0.1/8'] },
    { name: uplink, index: 2, inet: ['10.224.0.4/16'], inet6: ['2001:db8:1::10/64'] },
  ];
  const routes: Record<string, unknown>[] = [
    { dst: 'default', gateway: '10.224.0.1', dev: uplink, protocol: 'dhcp', metric: 100, flags: [] },
    { dst: '10.224.0.0/16', dev: uplink, protocol: 'kernel', scope: 'link', prefsrc: '10.224.0.4', flags: [] },
  ];
  const routes6: Record<string, unknown>[] = [{ dst: 'default', gateway: 'fe80::1', dev: uplink, protocol: 'ra', metric: 1024, flags: [] }];
  h.bridges.forEach(([name, address], i) => {
    const index = 10 + i * 2;
    links.push({ name, index, kind: 'bridge' }, { name: `veth${index}c0ffee`, index: index + 1, kind: 'veth', master: name, netnsId: i });
    const v6 = address.includes(':');
    addrs.push({ name, index, ...(v6 ? { inet6: [address] } : { inet: [address] }) });
    (v6 ? routes6 : routes).push({ dst: address, dev: name, protocol: 'kernel', scope: 'link', flags: [] });
  });
  const text = readCorpus('iptables', h.file);
  return buildTestHost({
    links,
    addrs,
    routes,
    ...(h.family === 6 ? { ip6tables: text, iptables: '' } : { iptables: text }),
    extra: { 'ip6-route': JSON.stringify(routes6) },
    sysctl: ['net.ipv4.ip_forward = 1', 'net.ipv4.conf.all.forwarding = 1', 'net.ipv4.conf.all.route_localnet = 0'],
  });
}

describe('healthy Docker and Kubernetes hosts from the corpus', () => {
  it.for(HOSTS.map((h) => [h.file, h] as const))('%s: published ports found and followed', ([file, h], ctx) => {
    skipWithoutCorpus(ctx, 'iptables', file);
    const ns = hostFor(h).host;
    const ports = findPublishedPorts(ns).filter((p) => p.dnat);
    expect(ports).toHaveLength(h.published);
    expect(findDnatTargets(ns)).toHaveLength(h.targets);
    const accepted = ports.filter((p) => checkPortForwarding(ns, p).status === 'accepted').map((p) => p.name);
    for (const name of h.accepted) expect(accepted).toContain(name);
  });

  it.for(HOSTS.map((h) => [h.file, h] as const))('%s: no netfilter rule reports an error, and none is skipped', async ([file, h], ctx) => {
    skipWithoutCorpus(ctx, 'iptables', file);
    const catalog = await loadRuleCatalog();
    const result = await runAudit(hostFor(h), catalog, { input: h.file, only: NETFILTER_RULES });
    expect(result.skipped.filter((s) => s.ruleId !== 'route-localnet-disabled' || h.family !== 6)).toEqual([]);
    expect(result.findings.filter((f) => f.severity === 'error').map((f) => `${f.ruleId} ${f.subject.name}: ${f.message}`)).toEqual([]);
    expect(result.summary.subjectsEvaluated).toBeGreaterThan(0);
  });
});

// A Rancher (cattle) host: FORWARD jumps to a LOG-and-DROP chain before its own accept for 8080.
const RANCHER = 'diekmann_net-network__found_online_pastebin_bbWXHaTn';
const rancherMissing = missingCorpus('iptables', RANCHER);

describe.skipIf(rancherMissing)(`a broken host from the corpus${rancherMissing && ` (skipped: ${rancherMissing})`}`, () => {
  const rancher = (): ReturnType<typeof hostFor> =>
    hostFor({ file: RANCHER, bridges: [['docker0', '172.17.0.1/16']], published: 6, accepted: [], targets: 3 });

  it('sees the forwarded ports dropped before the dead accept, and the ones no rule accepts', () => {
    const ns = rancher().host;
    const status = new Map(findPublishedPorts(ns).map((p) => [p.name, checkPortForwarding(ns, p)]));
    expect(status.get('tcp/13001->10.42.165.214:8080')?.status).toBe('dropped');
    expect(status.get('tcp/13001->10.42.165.214:8080')?.decidedAt?.walk?.decision.rule?.text).toBe('-A LOGGING_FORWARD -j DROP');
    expect(status.get('tcp/50001->10.42.165.214:50001')?.status).toBe('no-accept');
    // Docker's own DNAT to the bridge address is the host itself: it never crosses FORWARD.
    expect(status.get('udp/4500->172.17.0.1:4500')?.status).toBe('local-only');
  });

  it('reports them through the rules', async () => {
    const result = await runAudit(rancher(), await loadRuleCatalog(), { input: 'rancher', only: NETFILTER_RULES });
    expect(result.findings.map((f) => `${f.ruleId} ${f.subject.name}`).sort()).toEqual([
      'port-publish-incomplete tcp/50001->10.42.165.214:50001',
      'port-publish-incomplete udp/4500->10.42.125.17:4500',
      'port-publish-incomplete udp/500->10.42.125.17:500',
      'published-port-dropped tcp/13001->10.42.165.214:8080',
    ]);
  });
});
