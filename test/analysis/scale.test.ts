/**
 * Cost stays linear: a large Kubernetes node (about 150k iptables-save lines from kube-proxy, every
 * service endpoint a DNAT) goes through every netfilter analysis. Generous bounds: the machine is shared;
 * a quadratic join would take minutes here, not a second. Measured in CPU time.
 */
import { describe, expect, it } from 'vitest';
import {
  bridgeSubnets,
  checkBridgeForwarding,
  checkDnatTarget,
  checkDockerChains,
  checkPortForwarding,
  checkRouteLocalnet,
  findPublishedPorts,
  masqueradeCoverage,
} from '../../src/analysis/netfilter/index.js';
import { loadRuleCatalog } from '../../src/engine/catalog.js';
import { runAudit } from '../../src/engine/audit.js';
import { buildTestHost } from './hosts.js';
import { ENDPOINTS, SERVICES, kubeProxyDump } from './kube-dump.js';

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
    for (const bridge of ns.bridges) {
      for (const subnet of bridgeSubnets(bridge)) {
        checkBridgeForwarding(ns, subnet);
        masqueradeCoverage(ns, subnet);
        checkDockerChains(ns, ns.netfilter.ipv4!, bridge.name, subnet);
      }
    }
    const elapsed = cpuMs(started);
    expect(ports.length).toBe(SERVICES * ENDPOINTS + 1);
    // Docker's published port is accepted; kube-proxy's endpoints depend on marks (unknown).
    expect(accepted).toBe(1);
    console.log(`netfilter analyses over ${ports.length} published ports: ${elapsed.toFixed(0)} ms of CPU`);
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
});
