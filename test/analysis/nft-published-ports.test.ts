/**
 * Published ports of native nftables tables, from rulesets captured on a real kernel (test/parse/fixtures/nft/lab):
 * Docker 29's nftables backend, netavark, firewalld's forward port and kube-proxy's node port each publish
 * 8080 to the lab's container 172.18.0.2:80; kube-proxy's ClusterIP (a service VIP) is no published port.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findPublishedPorts, type PublishedPort } from '../../src/analysis/netfilter/index.js';
import { buildTestHost } from './hosts.js';

const LAB = path.join(path.dirname(fileURLToPath(import.meta.url)), '../parse/fixtures/nft/lab');

function portsOf(layout: string): PublishedPort[] {
  const nft = readFileSync(path.join(LAB, `${layout}.json`), 'utf8');
  return findPublishedPorts(buildTestHost({ iptables: '', extra: { 'nft-ruleset': nft } }).host);
}

describe('published ports of native nftables tables', () => {
  it("Docker 29's docker-bridges: the DNAT behind `fib daddr type local`, excluding the bridge, from both hooks", () => {
    const [port, ...rest] = portsOf('docker-nftables');
    expect(rest).toEqual([]);
    expect(port).toMatchObject({ name: 'tcp/8080->172.18.0.2:80', protocol: 'tcp', hostPorts: { from: 8080, to: 8080 }, targetPort: 80, excludedIn: ['docker0'], hooks: ['PREROUTING', 'OUTPUT'] });
    expect(port!.ruleset).toBeUndefined();
    expect(port!.dnat).toMatchObject({ chain: 'nat-prerouting-and-output', table: 'nftables ip docker-bridges', counters: { packets: 0, bytes: 0 } });
    expect(port!.dnat!.evidence.source).toBe('nft-ruleset');
    expect(port!.dnat!.evidence.text).toMatch(/dnat to 172\.18\.0\.2:80/);
    expect(port!.via.map((r) => r.chain)).toEqual(['nat-PREROUTING']);
  });

  it("netavark's port forward and firewalld's forward port (in the uplink's zone)", () => {
    expect(portsOf('netavark').map((p) => p.name)).toEqual(['tcp/8080->172.18.0.2:80']);
    const [firewalld] = portsOf('firewalld');
    expect(firewalld).toMatchObject({ name: 'tcp/8080->172.18.0.2:80', inInterface: 'eth0', hooks: ['PREROUTING'] });
  });

  it("kube-proxy: the node port through its maps and numgen, not the ClusterIP behind a service VIP", () => {
    const ports = portsOf('kube-proxy');
    expect(ports.map((p) => p.name)).toEqual(['tcp/8080->172.18.0.2:80']);
    expect(ports[0]!.via.length).toBeGreaterThan(2);
  });

  it('rulesets without a DNAT publish nothing', () => {
    expect(portsOf('debian-nftables-conf')).toEqual([]);
  });
});
