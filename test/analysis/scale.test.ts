/**
 * Cost stays linear: a large Kubernetes node (about 150k iptables-save lines from kube-proxy, every
 * service endpoint a DNAT) goes through every netfilter analysis. Generous bounds: the machine is shared;
 * a quadratic join would take minutes here, not a second. Measured in CPU time.
 *
 * Rules are parsed on first read of their criteria: the analyses must not read those of rules they do not
 * need (the endpoints behind cluster IPs), which is counted here rule by rule.
 */
import { describe, expect, it } from 'vitest';
import {
  bridgeSubnets,
  checkDnatTarget,
  checkDnatTargetAddress,
  checkDockerChains,
  checkPortForwarding,
  checkRouteLocalnet,
  findDnatTargets,
  findPublishedPorts,
} from '../../src/analysis/netfilter/index.js';
import { bridgeFlow, outboundAt, replyAtForward } from '../../src/analysis/path/bridge-paths.js';
import { PathEngine } from '../../src/analysis/path/engine.js';
import { loadRuleCatalog } from '../../src/engine/catalog.js';
import { runAudit } from '../../src/engine/audit.js';
import { buildTestHost } from './hosts.js';
import type { Host, NfRule } from '../../src/model/types.js';
import { ENDPOINTS, NODE_PORTS, SERVICES, kubeProxyDump } from './kube-dump.js';

/** CPU time since `start`: wall time on a shared machine says more about the neighbours than about us. */
function cpuMs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

describe('a 150k-line Kubernetes node', () => {
  const text = kubeProxyDump();
  const host = buildTestHost({ iptables: text, sysctl: ['net.ipv4.ip_forward = 1'] });
  const ns = host.host;

  it('has the size it claims', () => {
    expect(text.split('\n').length).toBeGreaterThan(140_000);
    expect(ns.netfilter.ipv4?.ruleCount).toBeGreaterThan(100_000);
  });

  it('every analysis over every published port and bridge runs in linear time', () => {
    const started = process.cpuUsage();
    const ports = findPublishedPorts(ns);
    let accepted = 0;
    for (const port of ports) {
      if (checkPortForwarding(ns, port).status === 'accepted') accepted++;
      checkDnatTarget(ns, port, true);
      checkRouteLocalnet(ns, port);
    }
    const targets = findDnatTargets(ns);
    let reachable = 0;
    for (const target of targets) if (checkDnatTargetAddress(ns, target, true).status === 'reachable') reachable++;
    const engine = new PathEngine(host);
    for (const bridge of ns.bridges) {
      for (const subnet of bridgeSubnets(bridge)) {
        const flow = bridgeFlow(engine, ns, subnet);
        if (flow) {
          outboundAt(engine, ns, flow, 'forward');
          outboundAt(engine, ns, flow, 'postrouting');
          replyAtForward(engine, ns, flow);
        }
        checkDockerChains(ns, ns.netfilter.ipv4!, bridge.name, subnet);
      }
    }
    const elapsed = cpuMs(started);
    // The endpoints of node ports and Docker's port; those behind cluster IPs only are DNAT targets.
    expect(ports.length).toBe(NODE_PORTS * ENDPOINTS + 1);
    expect(targets.length).toBe(SERVICES * ENDPOINTS + 1);
    expect(reachable).toBe(targets.length);
    // Docker's published port is accepted; kube-proxy's endpoints depend on marks (unknown).
    expect(accepted).toBe(1);
    console.log(`netfilter analyses over ${ports.length} published ports and ${targets.length} DNAT targets: ${elapsed.toFixed(0)} ms of CPU`);
    expect(elapsed).toBeLessThan(3000);
  });

  it('the netfilter rules run over it through the engine', async () => {
    const catalog = await loadRuleCatalog();
    const started = process.cpuUsage();
    const result = await runAudit(host, catalog, {
      input: 'scale',
      only: ['port-publish-incomplete', 'published-port-dropped', 'dnat-target-unreachable', 'route-localnet-disabled', 'masquerade-missing', 'forward-drop-without-accept', 'docker-chains-missing'],
    });
    const elapsed = cpuMs(started);
    console.log(`audit of the netfilter rules: ${elapsed.toFixed(0)} ms of CPU, ${result.summary.subjectsEvaluated} subjects`);
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(elapsed).toBeLessThan(6000);
  });

  it('reads the criteria of the service dispatch and the node ports, not those of every endpoint', async () => {
    const fresh = buildTestHost({ iptables: text, sysctl: ['net.ipv4.ip_forward = 1'] });
    const parsed = countCriteriaReads(fresh);
    const catalog = await loadRuleCatalog();
    await runAudit(fresh, catalog, { input: 'scale', only: ['port-publish-incomplete', 'published-port-dropped', 'dnat-target-unreachable', 'route-localnet-disabled'] });
    // KUBE-SERVICES (a jump per service), then per node port its jump, KUBE-EXT and KUBE-SVC chains and endpoints.
    console.log(`criteria read of ${parsed.size} nat rules`);
    const nodePortRules = NODE_PORTS * (3 + 2 * ENDPOINTS + ENDPOINTS);
    expect(parsed.size).toBeGreaterThan(SERVICES);
    expect(parsed.size).toBeLessThan(SERVICES + nodePortRules + 100);
  });
});

/** The criteria of a rule: reading any of them parses the rule's line. */
const CRITERIA = ['matches', 'protocol', 'source', 'destination', 'inInterface', 'outInterface', 'fragment', 'comment'] as const;

/** The nat rules whose criteria are read from now on. */
function countCriteriaReads(host: Host): Set<NfRule> {
  const read = new Set<NfRule>();
  for (const chain of host.host.netfilter.ipv4?.tables.get('nat')?.chains.values() ?? []) {
    for (const rule of chain.rules) {
      for (const field of CRITERIA) {
        const value: unknown = rule[field];
        Object.defineProperty(rule, field, {
          get: () => {
            read.add(rule);
            return value;
          },
          enumerable: true,
          configurable: true,
        });
      }
    }
  }
  return read;
}
