import { describe, expect, it } from 'vitest';
import { specForServices } from '../../src/bench/gen/cluster.js';
import { statisticProbability } from '../../src/bench/gen/iptables.js';
import { generateNode } from '../../src/bench/gen/node.js';
import { buildHost } from '../../src/model/build.js';
import { splitLines } from '../../src/parse/common.js';
import { parseIptablesSave } from '../../src/parse/iptables-save.js';
import type { IptRule } from '../../src/parse/types.js';
import { loadBytes } from '../../src/snapshot/load.js';

const small = generateNode(specForServices(1000, 7));
const { snapshot, expected } = small;
const stdout = (id: string): string => snapshot.namespaces[0]!.sources[id]!.stdout;

describe('synthetic Kubernetes node', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const again = generateNode(specForServices(1000, 7));
    expect(JSON.stringify(again.snapshot)).toBe(JSON.stringify(snapshot));
    const other = generateNode(specForServices(1000, 8));
    expect(stdout('iptables-save')).not.toBe(other.snapshot.namespaces[0]!.sources['iptables-save']!.stdout);
  });

  it('loads through the snapshot loader with no notes', () => {
    const loaded = loadBytes(Buffer.from(JSON.stringify(snapshot)), 'k8s-node.json');
    expect(loaded.notes).toEqual([]);
    expect(Object.keys(loaded.snapshot.namespaces[0]!.sources).sort()).toEqual(Object.keys(snapshot.namespaces[0]!.sources).sort());
  });

  it('builds a host model with no parse notes and every source readable', () => {
    const host = buildHost(snapshot);
    expect(host.notes).toEqual([]);
    for (const id of Object.keys(snapshot.namespaces[0]!.sources)) {
      const info = host.host.sources.get(id);
      expect(info?.status, id).toBe('ok');
      expect(info?.parseError, id).toBeUndefined();
    }
  });

  it('has the expected interfaces, veths, bridges, routes, neighbours, TCP and UDP listeners and sysctls in the model', () => {
    const ns = buildHost(snapshot).host;
    expect(ns.interfaces).toHaveLength(expected.interfaces);
    expect(ns.veths).toHaveLength(expected.veths);
    expect(ns.veths.every((v) => v.interface.master === 'cni0' && !v.peer.resolved && v.peer.netnsId !== undefined)).toBe(true);
    expect(ns.bridgeByName.get('cni0')?.ports).toHaveLength(expected.veths);
    expect(ns.bridgeByName.get('docker0')?.ports).toHaveLength(0);
    expect(ns.bridges).toHaveLength(expected.bridges);
    expect(ns.routes).toHaveLength(expected.routes4 + expected.routes6);
    expect(ns.routes.filter((r) => r.family === 4 && r.dev === 'flannel.1' && r.table === 'main')).toHaveLength(small.spec.nodes - 1);
    expect(ns.neighbours).toHaveLength(expected.neighbours);
    expect(ns.listeners).toHaveLength(expected.listeners);
    expect(ns.udpListeners).toHaveLength(expected.udpListeners);
    expect(ns.sysctl.entries.size).toBe(expected.sysctlLines);
    expect(splitLines(stdout('sysctl'))).toHaveLength(expected.sysctlLines);
  });

  it('has per-interface sysctls for every interface, flannel.1 written with a slash', () => {
    const ns = buildHost(snapshot).host;
    for (const iface of ns.interfaces) {
      expect(iface.forwarding.value, iface.name).toBe(1);
      expect(iface.rpFilter.value, iface.name).toBeDefined();
    }
    expect(ns.sysctl.entries.has('net.ipv4.conf.flannel/1.forwarding')).toBe(true);
    expect(ns.sysctl.entries.has('net.ipv4.conf.flannel.1.forwarding')).toBe(false);
  });

  it('writes a kube-proxy iptables-save -c with the expected counts', () => {
    const text = stdout('iptables-save');
    const { value: save, notes } = parseIptablesSave({ source: 'iptables-save', text });
    expect(notes).toEqual([]);
    expect(splitLines(text)).toHaveLength(expected.iptables.lines);
    const rules: IptRule[] = save.tables.flatMap((t) => t.rules);
    expect(rules).toHaveLength(expected.iptables.rules);
    expect(save.tables.reduce((n, t) => n + t.chains.length, 0)).toBe(expected.iptables.chains);
    for (const t of save.tables) expect(t.rules, t.name).toHaveLength(expected.iptables.rulesByTable[t.name]!);
    expect(rules.every((r) => r.counters !== undefined)).toBe(true);

    const nat = save.tables.find((t) => t.name === 'nat')!;
    const chainsNamed = (prefix: string): number => nat.chains.filter((c) => c.name.startsWith(prefix)).length;
    expect(chainsNamed('KUBE-SVC-')).toBe(expected.svcChains);
    expect(chainsNamed('KUBE-SEP-')).toBe(expected.endpoints);
    expect(chainsNamed('KUBE-EXT-')).toBe(expected.nodePorts);
    expect(nat.rules.filter((r) => r.target?.name === 'DNAT' && r.chain.startsWith('KUBE-SEP-'))).toHaveLength(expected.endpoints);
    expect(nat.rules.filter((r) => r.matches.some((m) => m.module === 'statistic'))).toHaveLength(expected.statisticRules);
    expect(nat.rules.filter((r) => r.chain === 'KUBE-NODEPORTS')).toHaveLength(expected.nodePorts);
    expect(nat.rules.some((r) => r.chain === 'KUBE-POSTROUTING' && r.target?.name === 'MASQUERADE')).toBe(true);
    expect(nat.rules.filter((r) => r.chain === 'KUBE-SERVICES' && r.comment?.endsWith(' cluster IP'))).toHaveLength(expected.svcChains);
  });

  it('gives each endpoint of a service its kube-proxy probability, as iptables prints it', () => {
    // 1/3 stored as a fraction of 2^31 prints as 0.33333333349 in real kube-proxy dumps.
    expect(statisticProbability(1 / 3)).toBe('0.33333333349');
    expect(statisticProbability(1 / 2)).toBe('0.50000000000');
    const withThree = small.cluster.services.find((s) => s.endpoints.length === 3)!;
    const svcRules = stdout('iptables-save')
      .split('\n')
      .filter((l) => l.includes(`-A ${withThree.svcChain} `) && l.includes('-j KUBE-SEP-'));
    expect(svcRules).toHaveLength(3);
    expect(svcRules[0]).toContain('--probability 0.33333333349');
    expect(svcRules[1]).toContain('--probability 0.50000000000');
    expect(svcRules[2]).not.toContain('statistic');
  });

  it('sizes the presets as the benchmark describes: 10k services ≈ 150k iptables lines and 250 veths', () => {
    const spec = specForServices(10_000);
    expect(spec.pods).toBe(250);
    const node = generateNode(spec);
    expect(node.expected.iptables.lines).toBeGreaterThan(140_000);
    expect(node.expected.iptables.lines).toBeLessThan(160_000);
    expect(node.expected.veths).toBe(250);
    expect(node.expected.sysctlLines).toBeGreaterThan(20_000);
  });
});
