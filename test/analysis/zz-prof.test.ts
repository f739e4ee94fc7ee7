import { it } from 'vitest';
import * as nf from '../../src/analysis/netfilter/index.js';
import { buildTestHost } from './hosts.js';
import { kubeProxyDump } from './kube-dump.js';
it('prof', () => {
  const text = kubeProxyDump();
  const ns = buildTestHost({ iptables: text }).host;
  let t = performance.now();
  const ports = nf.findPublishedPorts(ns);
  console.log('find', performance.now() - t); t = performance.now();
  for (const p of ports) nf.packetClasses(ns, p);
  console.log('classes', performance.now() - t); t = performance.now();
  for (const p of ports) nf.checkPortForwarding(ns, p);
  console.log('forward', performance.now() - t); t = performance.now();
  for (const p of ports) nf.checkDnatTarget(ns, p, true);
  console.log('target', performance.now() - t); t = performance.now();
  for (const p of ports) nf.checkRouteLocalnet(ns, p);
  console.log('localnet', performance.now() - t); t = performance.now();
});
