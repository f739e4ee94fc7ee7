/**
 * `node dist/bench/generate.js --services 10000 [--seed N] [--proxy-mode iptables|nftables] -o node.json`:
 * write one synthetic Kubernetes node snapshot, to profile or audit by hand what the benchmark measures.
 */
import { parseArgs } from 'node:util';
import { specForServices, type ProxyMode } from './gen/cluster.js';
import { generateNode, writeSnapshot } from './gen/node.js';

function main(): number {
  const { values } = parseArgs({
    options: {
      services: { type: 'string', default: '10000' },
      seed: { type: 'string' },
      'proxy-mode': { type: 'string', default: 'iptables' },
      output: { type: 'string', short: 'o' },
    },
  });
  const services = Number(values.services);
  const proxyMode = values['proxy-mode'];
  if (!Number.isInteger(services) || services < 3 || !values.output || (proxyMode !== 'iptables' && proxyMode !== 'nftables')) {
    process.stderr.write('usage: node dist/bench/generate.js --services N [--seed N] [--proxy-mode iptables|nftables] -o FILE (N >= 3)\n');
    return 2;
  }
  const spec = specForServices(services, values.seed === undefined ? undefined : Number(values.seed), proxyMode satisfies ProxyMode);
  const node = generateNode(spec);
  const bytes = writeSnapshot(values.output, node.snapshot);
  process.stderr.write(`${values.output}: ${(bytes / 1e6).toFixed(1)} MB, ${JSON.stringify(node.expected)}\n`);
  return 0;
}

process.exitCode = main();
