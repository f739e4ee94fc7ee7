/**
 * The benchmark's node with kube-proxy in nftables mode: `nft -j list ruleset` in kube-proxy's layout, the
 * iptables dumps without kube-proxy's chains, and the counts the parsers and the model must find in them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCluster, specForServices } from '../../src/bench/gen/cluster.js';
import { endpointChainName, externalChainName, renderNftRuleset, serviceChainName } from '../../src/bench/gen/nft.js';
import { generateNode } from '../../src/bench/gen/node.js';
import { trace } from '../../src/analysis/path/trace.js';
import { buildHost } from '../../src/model/build.js';
import { parseIptablesSave } from '../../src/parse/iptables-save.js';
import { parseNftJson } from '../../src/parse/nft-json.js';
import type { NftChain, NftRule, NftTable } from '../../src/parse/nft-types.js';
import { loadBytes } from '../../src/snapshot/load.js';

const spec = specForServices(1000, 7, 'nftables');
const node = generateNode(spec);
const { snapshot, expected, cluster } = node;
const nftCounts = expected.nft!;
const stdout = (id: string): string => snapshot.namespaces[0]!.sources[id]!.stdout;
const parsed = parseNftJson({ source: 'nft-ruleset', text: stdout('nft-ruleset') });
const table = (family: string): NftTable => parsed.value.tables.find((t) => t.family === family && t.name === 'kube-proxy')!;
const ip = table('ip');
const chain = (name: string): NftChain => ip.chains.find((c) => c.name === name)!;
const withEndpoints = cluster.services.filter((s) => s.endpoints.length > 0);

describe('synthetic Kubernetes node, kube-proxy in nftables mode', () => {
  it('is deterministic for a seed, differs between seeds, and leaves the iptables node as it was', () => {
    expect(JSON.stringify(generateNode(specForServices(1000, 7, 'nftables')).snapshot)).toBe(JSON.stringify(snapshot));
    expect(stdout('nft-ruleset')).not.toBe(generateNode(specForServices(1000, 8, 'nftables')).snapshot.namespaces[0]!.sources['nft-ruleset']!.stdout);
    const iptablesNode = generateNode(specForServices(1000, 7));
    expect(specForServices(1000, 7)).not.toHaveProperty('proxyMode');
    expect(iptablesNode.snapshot.namespaces[0]!.sources['nft-ruleset']).toBeUndefined();
    expect(iptablesNode.expected.nft).toBeUndefined();
    // The same cluster: services, endpoints and node ports do not depend on the proxy mode.
    expect(buildCluster(spec)).toEqual({ ...iptablesNode.cluster, spec });
  });

  it('prints nft -j as nft 1.0.6 does: one line, jansson separators, the metainfo first', () => {
    const text = stdout('nft-ruleset');
    expect(text.indexOf('\n')).toBe(text.length - 1);
    expect(text.startsWith('{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "ip", "name": "kube-proxy", "handle": 1}}, ')).toBe(true);
    expect(Buffer.byteLength(text)).toBe(nftCounts.bytes);
    expect(snapshot.namespaces[0]!.sources['nft-ruleset']!.command).toBe('nft -j list ruleset');
  });

  it('loads, and every source parses with no note', () => {
    const loaded = loadBytes(Buffer.from(JSON.stringify(snapshot)), 'k8s-node-nft.json');
    expect(loaded.notes).toEqual([]);
    const host = buildHost(snapshot);
    for (const id of Object.keys(snapshot.namespaces[0]!.sources)) {
      const info = host.host.sources.get(id);
      expect(info?.status, id).toBe('ok');
      expect(info?.parseError, id).toBeUndefined();
    }
    expect(host.notes).toEqual([]);
    expect(parsed.notes).toEqual([]);
  });

  it('has the tables, chains, rules and set and map elements the generator wrote', () => {
    expect(parsed.value.tables.map((t) => `${t.family} ${t.name}`)).toEqual(['ip kube-proxy', 'ip6 kube-proxy']);
    expect(parsed.value.tables).toHaveLength(nftCounts.tables);
    const chains = parsed.value.tables.flatMap((t) => t.chains);
    expect(chains).toHaveLength(nftCounts.chains);
    expect(chains.filter((c) => c.base)).toHaveLength(nftCounts.baseChains);
    for (const t of parsed.value.tables) {
      expect(t.chains.reduce((n, c) => n + c.rules.length, 0), t.family).toBe(nftCounts.rulesByTable[`${t.family} kube-proxy`]);
    }
    expect(chains.reduce((n, c) => n + c.rules.length, 0)).toBe(nftCounts.rules);
    expect(Object.fromEntries(ip.sets.map((s) => [s.name, s.elements.length]))).toEqual(nftCounts.elements);

    const named = (prefix: string): number => ip.chains.filter((c) => c.name.startsWith(prefix)).length;
    expect(named('service-') - 1).toBe(expected.svcChains); // service-endpoints-check is kube-proxy's too
    expect(named('endpoint-')).toBe(expected.endpoints);
    expect(named('external-')).toBe(expected.nodePorts);
    expect(nftCounts.serviceChains).toBe(expected.svcChains);
    expect(nftCounts.endpointChains).toBe(expected.endpoints);

    const rules = ip.chains.flatMap((c) => c.rules);
    const numgen = rules.filter((r) => r.statements.some((s) => s.kind === 'vmap' && s.key.kind === 'numgen'));
    expect(numgen).toHaveLength(nftCounts.numgenRules);
    const dnat = rules.filter((r) => r.statements.some((s) => s.kind === 'nat' && s.nat === 'dnat'));
    expect(dnat).toHaveLength(nftCounts.dnatRules);
    expect(dnat).toHaveLength(expected.endpoints);
  });

  it("uses kube-proxy's layout: base chains on their hooks, jump chains, maps and sets", () => {
    const bases = Object.fromEntries(ip.chains.filter((c) => c.base).map((c) => [c.name, `${c.base!.type} ${c.base!.hook} ${c.base!.priority}`]));
    expect(bases).toEqual({
      'filter-prerouting': 'filter prerouting -110',
      'filter-input': 'filter input -110',
      'filter-forward': 'filter forward -110',
      'filter-output': 'filter output -110',
      'filter-output-post-dnat': 'filter output -90',
      'nat-prerouting': 'nat prerouting -100',
      'nat-output': 'nat output -100',
      'nat-postrouting': 'nat postrouting 100',
    });
    const texts = (name: string): string[] => chain(name).rules.map((r) => r.text);
    expect(texts('filter-forward')).toEqual(['ct state new jump service-endpoints-check', 'ct state new jump cluster-ips-check']);
    expect(texts('nat-prerouting')).toEqual(['jump services']);
    expect(texts('services')).toEqual(['ip daddr . meta l4proto . th dport vmap @service-ips', 'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports']);
    expect(texts('masquerading')).toEqual(['meta mark & 16384 == 0 return', 'meta mark set meta mark ^ 16384', 'masquerade fully-random']);
    expect(texts('cluster-ips-check')).toEqual(['ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"', 'ip daddr 10.96.0.0/12 drop comment "Drop traffic to unallocated ClusterIPs"']);
    expect(texts('reject-chain')).toEqual(['reject']);
    expect(ip.sets.map((s) => `${s.kind} ${s.name}: ${s.type}${s.dataType ? ` : ${s.dataType}` : ''}`)).toEqual([
      'set cluster-ips: ipv4_addr',
      'set nodeport-ips: ipv4_addr',
      'map no-endpoint-services: ipv4_addr . inet_proto . inet_service : verdict',
      'map no-endpoint-nodeports: inet_proto . inet_service : verdict',
      'map firewall-ips: ipv4_addr . inet_proto . inet_service : verdict',
      'map service-ips: ipv4_addr . inet_proto . inet_service : verdict',
      'map service-nodeports: inet_proto . inet_service : verdict',
    ]);
    // Without IPv6 node addresses every local address takes node ports: no nodeport-ips set in ip6.
    const ip6 = table('ip6');
    expect(ip6.sets.map((s) => s.name)).toEqual(['cluster-ips', 'no-endpoint-services', 'no-endpoint-nodeports', 'firewall-ips', 'service-ips', 'service-nodeports']);
    expect(ip6.sets.every((s) => s.elements.length === 0)).toBe(true);
    expect(ip6.chains.find((c) => c.name === 'services')!.rules[1]!.text).toBe('fib daddr type local ip6 daddr != "::1" meta l4proto . th dport vmap @service-nodeports');
  });

  it('gives each service, endpoint and node port the chains and elements kube-proxy gives them', () => {
    // kube-proxy's own hash of "default/kubernetes/tcp/https", as its test dumps show it.
    const kubernetes = cluster.services[0]!;
    expect(serviceChainName(kubernetes)).toBe('service-2QRHZV4L-default/kubernetes/tcp/https');
    const svc = withEndpoints.find((s) => s.endpoints.length === 3 && s.nodePort !== undefined)!;
    const [masq, numgen, ...more] = chain(serviceChainName(svc)).rules;
    expect(masq!.text).toBe(`ip daddr ${svc.clusterIp} ${svc.protocol} dport ${svc.port} ip saddr != ${cluster.clusterCidr} jump mark-for-masquerade`);
    expect(numgen!.text.startsWith('numgen random mod 3 vmap { 0 : goto endpoint-')).toBe(true);
    expect(numgen!.statements).toEqual([
      {
        kind: 'vmap',
        key: { kind: 'numgen', mode: 'random', mod: 3, offset: 0 },
        map: { kind: 'map', pairs: svc.endpoints.map((ep, i) => ({ key: { kind: 'number', value: i }, value: { kind: 'verdict', verdict: { kind: 'goto', target: endpointChainName(svc, ep) } } })) },
      },
    ]);
    expect(more).toEqual([]);
    for (const ep of svc.endpoints) {
      expect(chain(endpointChainName(svc, ep)).rules.map((r) => r.text)).toEqual([`ip saddr ${ep.ip} jump mark-for-masquerade`, `meta l4proto ${svc.protocol} dnat to ${ep.ip}:${ep.port}`]);
    }
    expect(chain(externalChainName(svc)).rules.map((r) => r.text)).toEqual(['jump mark-for-masquerade', `goto ${serviceChainName(svc)}`]);
    const element = (set: string, key: string): string | undefined => {
      const found = ip.sets.find((s) => s.name === set)!.elements.find((e) => JSON.stringify(e.key).includes(key));
      return found?.value?.kind === 'verdict' && found.value.verdict.kind === 'goto' ? found.value.verdict.target : undefined;
    };
    expect(element('service-ips', `"${svc.clusterIp}"`)).toBe(serviceChainName(svc));
    expect(element('service-nodeports', `${svc.nodePort}`)).toBe(externalChainName(svc));
    const none = cluster.services.find((s) => s.endpoints.length === 0)!;
    expect(element('no-endpoint-services', `"${none.clusterIp}"`)).toBe('reject-chain');
    expect(ip.chains.some((c) => c.name === serviceChainName(none))).toBe(false);
  });

  it('gives handles in the order the kernel hands them: one counter per table, anonymous sets included', () => {
    for (const t of parsed.value.tables) {
      const handles = [...t.chains.map((c) => c.handle!), ...t.sets.map((s) => s.handle!), ...t.chains.flatMap((c) => c.rules.map((r: NftRule) => r.handle!))];
      expect(new Set(handles).size, t.family).toBe(handles.length);
    }
    const svc = withEndpoints[0]!;
    const [masq, numgen] = chain(serviceChainName(svc)).rules;
    // The rule's anonymous set takes the handle before it.
    expect(numgen!.handle! - masq!.handle!).toBeGreaterThanOrEqual(2);
  });

  it('leaves kube-proxy out of iptables: the kubelet, Docker and flannel chains stay', () => {
    const { value: save, notes } = parseIptablesSave({ source: 'iptables-save', text: stdout('iptables-save') });
    expect(notes).toEqual([]);
    const names = save.tables.flatMap((t) => t.chains.map((c) => `${t.name}/${c.name}`));
    expect(names.filter((n) => /KUBE-(SVC|SEP|EXT|SERVICES|NODEPORTS|MARK-MASQ|POSTROUTING|PROXY|FORWARD|EXTERNAL)/.test(n))).toEqual([]);
    for (const kept of ['filter/KUBE-FIREWALL', 'filter/KUBE-KUBELET-CANARY', 'mangle/KUBE-IPTABLES-HINT', 'filter/DOCKER-USER', 'filter/FLANNEL-FWD', 'nat/FLANNEL-POSTRTG', 'nat/DOCKER']) {
      expect(names, kept).toContain(kept);
    }
    const rules = save.tables.flatMap((t) => t.rules);
    expect(rules).toHaveLength(expected.iptables.rules);
    expect(rules.some((r) => r.target?.name?.startsWith('KUBE-') && r.target.name !== 'KUBE-FIREWALL')).toBe(false);
    const ip6 = parseIptablesSave({ source: 'ip6tables-save', text: stdout('ip6tables-save') }).value;
    expect(ip6.tables.flatMap((t) => t.chains.map((c) => c.name)).filter((n) => n === 'KUBE-POSTROUTING' || n === 'KUBE-MARK-MASQ')).toEqual([]);
  });

  it('has the same services and endpoints in the model as kube-proxy in iptables mode would serve', () => {
    const host = buildHost(snapshot).host;
    const nft = host.nftables!;
    const view = nft.tables.find((t) => t.family === 'ip')!;
    expect(view.managedByIptablesNft).toBe(false);
    expect(view.ruleCount).toBe(nftCounts.rulesByTable['ip kube-proxy']);
    expect(view.chainByName.size).toBe(ip.chains.length);
    const endpoints = withEndpoints.reduce((n, s) => n + s.endpoints.length, 0);
    expect(endpoints).toBe(expected.endpoints);
    expect(withEndpoints).toHaveLength(expected.svcChains);
  });

  it("puts kube-proxy's nat chains on the packet path: a node port from outside reaches an endpoint's DNAT", () => {
    const svc = cluster.services.find((s) => s.nodePort === 30000)!;
    const result = trace(buildHost(snapshot), { from: '198.51.100.99', to: 'netns:host', protocol: 'tcp', dport: 30000, oneWay: true });
    const step = result.request.steps.find((s) => s.table === 'nftables ip kube-proxy' && s.chain === 'nat-prerouting')!;
    const endpointChains = svc.endpoints.map((ep) => endpointChainName(svc, ep));
    // The deciding rule by its place: the endpoint chain numgen chose, its second rule (the DNAT).
    expect(endpointChains.map((c) => `${c}:2`)).toContain(step.rule);
    expect(step.evidence.map((e) => e.text)).toEqual(
      expect.arrayContaining(['jump services', 'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports', `goto ${serviceChainName(svc)}`]),
    );
    expect(step.evidence.every((e) => e.source === 'nft-ruleset' && e.line === 1)).toBe(true);
  });

  it('renders the ruleset of one cluster the same way every time', () => {
    const again = renderNftRuleset(buildCluster(spec));
    expect(again.text).toBe(stdout('nft-ruleset'));
    expect(again.counts).toEqual(nftCounts);
  });

  it('matches the layout of the kube-proxy fixture the nft parser tests use', () => {
    const fixture = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'parse', 'fixtures', 'nft', 'kube-proxy.json'), 'utf8');
    const kinds = (text: string): string[] => [...new Set((JSON.parse(text) as { nftables: Record<string, unknown>[] }).nftables.map((e) => Object.keys(e)[0]!))];
    // The same order of element kinds: metainfo, table, sets and maps, chains, rules.
    expect(kinds(stdout('nft-ruleset'))).toEqual(kinds(fixture));
    expect(stdout('nft-ruleset')).toContain('"expr": [{"vmap": {"key": {"numgen": {"mode": "random", "mod": 1, "offset": 0}}, "data": {"set": [[0, {"goto": {"target": "endpoint-');
  });
});
