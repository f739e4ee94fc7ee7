/**
 * overlay-port-blocked over every iptables dump of the corpus, each put on a Kubernetes-like node: eth0
 * (192.0.2.10/24, the default route), flannel.1 (VXLAN VNI 1, UDP 8472, local 192.0.2.10, dev eth0) and a
 * BGP speaker (bird on 0.0.0.0:179). Real rulesets from Docker, Kubernetes, firewalld, ferm and hand-written
 * servers: the rule fires exactly where the engine's prerouting and input hooks certainly drop a peer's
 * packet, the step it names is a DROP or REJECT (a rule's target, or a chain's policy), and a dump that
 * names neither port in its filter table and whose INPUT policy is ACCEPT gets no finding.
 */
import { describe, expect, it } from 'vitest';
import { PathEngine } from '../../../src/analysis/path/engine.js';
import { describeStep } from '../../../src/analysis/path/hook-question.js';
import { bgpEndpoints, overlayInput, tunnelEndpoint } from '../../../src/analysis/path/overlay-input.js';
import { runAudit } from '../../../src/engine/audit.js';
import { loadRuleCatalog } from '../../../src/engine/catalog.js';
import { corpusFiles, readCorpus } from '../../helpers/corpus.js';
import { buildTestHost } from '../hosts.js';

const RULE = 'overlay-port-blocked';

const LINKS = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, operstate: 'UNKNOWN', link_type: 'loopback' },
  { ifindex: 2, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', link_type: 'ether' },
  {
    ifindex: 3,
    ifname: 'flannel.1',
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    mtu: 1450,
    operstate: 'UNKNOWN',
    link_type: 'ether',
    linkinfo: { info_kind: 'vxlan', info_data: { id: 1, local: '192.0.2.10', link: 'eth0', port_range: { low: 0, high: 0 }, port: 8472, learning: false, ttl: 0, ageing: 300 } },
  },
]);
const ADDRS = [
  { name: 'lo', index: 1, inet: ['127.0.0.1/8'] },
  { name: 'eth0', index: 2, inet: ['192.0.2.10/24'] },
  { name: 'flannel.1', index: 3, inet: ['10.244.1.0/32'] },
];
const ROUTES = [
  { dst: 'default', gateway: '192.0.2.1', dev: 'eth0', protocol: 'dhcp', metric: 100, flags: [] },
  { dst: '192.0.2.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '192.0.2.10', flags: [] },
  { dst: '10.244.2.0/24', gateway: '10.244.2.0', dev: 'flannel.1', flags: ['onlink'] },
];
const SS = 'LISTEN 0      8            0.0.0.0:179        0.0.0.0:*    users:(("bird",pid=812,fd=7))\n';

function nodeFor(text: string) {
  return buildTestHost({ addrs: ADDRS, routes: ROUTES, iptables: text, ss: SS, sysctl: ['net.ipv4.ip_forward = 1'], extra: { 'ip-link': LINKS } });
}

/** The dump names neither overlay port and leaves INPUT open: nothing of it can drop the peers. */
function plainlyOpen(text: string): boolean {
  const filter = /^\*filter$([\s\S]*?)^COMMIT$/m.exec(text)?.[1] ?? '';
  return !/^:INPUT (DROP|REJECT)/m.test(filter) && !/\b(8472|179)\b/.test(text) && !/-j (DROP|REJECT)/.test(filter);
}

describe('the corpus on a flannel + BGP node', () => {
  const files = corpusFiles('iptables');

  it('holds dumps to audit', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.for(files)('%s: a finding exactly where the engine certainly drops a peer, naming a DROP or REJECT', async ([name]) => {
    const text = readCorpus('iptables', name);
    const host = nodeFor(text);
    const result = await runAudit(host, await loadRuleCatalog(), { input: name, only: [RULE] });
    expect(result.skipped).toEqual([]);
    const engine = new PathEngine(host);
    const view = engine.view(host.host);
    const endpoints = [tunnelEndpoint(view, host.host.interfaceByName.get('flannel.1')!)!, ...bgpEndpoints(view, host.host.listeners)];
    expect(endpoints.map((e) => `${e.subject} ${e.protocol}/${e.port}`)).toEqual(['flannel.1 udp/8472', 'eth0 tcp/179']);
    const dropped = endpoints.map((e) => ({ e, answer: overlayInput(engine, host.host, e) })).filter((x) => x.answer.drop !== undefined);
    expect(result.findings.map((f) => f.subject.name).sort()).toEqual(dropped.map((x) => x.e.subject).sort());
    for (const { answer } of dropped) expect(describeStep(answer.drop!)).toMatch(/\b(DROP|REJECT|drop|reject)\b/);
    if (plainlyOpen(text)) expect(result.findings).toEqual([]);
  });
});
