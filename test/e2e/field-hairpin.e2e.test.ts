/**
 * Issue 17, published-port-hairpin-broken, on a real kernel: the port's own container connecting to the
 * host's address and the published port, and the host connecting to 127.0.0.1 and the port.
 *  - Docker without its userland proxy (`"userland-proxy": false`): the DNAT takes both; they work with
 *    hairpin mode on c1's bridge port, the MASQUERADE of hairpin traffic and route_localnet=1 on docker0,
 *    and each fault the probes show first (hairpin off under br_netfilter, the MASQUERADE gone, route_localnet
 *    0) must be the finding, with the engine's trace agreeing with the kernel; hairpin off without
 *    br_netfilter is routed, not bridged, and works: silent.
 *  - Docker with its userland proxy (the lab's baseline rules): a docker-proxy stand-in listening on the host
 *    port serves both through INPUT; without it both are refused, and the audit says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult, Finding } from '../../src/engine/types.js';
import { dockerRules } from './docker-ruleset.js';
import { BR_NETFILTER } from './faults.js';
import { Lab } from './lab.js';
import { auditJson, labSnapshots, netaudit } from './netaudit.js';
import { tcp, type ProbeResult } from './probes.js';
import { startServer, stopServer, type Server } from './servers.js';
import { labSupport, warnIfUnsupported } from './support.js';
import { DOCKER_NETWORK, TOPOLOGY as T } from './topology.js';

const support = labSupport();
warnIfUnsupported('published-port-hairpin-broken lab', support);
if (support.ok && !BR_NETFILTER) console.warn('SKIP the hairpin-mode cases of the published-port-hairpin-broken lab: br_netfilter is not loaded in this kernel');

const RULE = 'published-port-hairpin-broken';
const SUBJECT = `tcp/${T.publishedPort}->${T.containers.c1.address}:${T.serverPort}`;
const C1_PORT = T.containers.c1.veth;
const PROXY_LIFETIME_MS = 120_000;

const hairpinFindings = (report: AuditResult): Finding[] => report.findings.filter((f) => f.ruleId === RULE);

/** Docker's nat rules without the userland proxy: the DNAT takes the bridge's and loopback's connections too. */
function withoutUserlandProxy(lab: Lab): void {
  const br = T.bridge;
  const nat = (op: '-A' | '-D', chain: string, spec: string[]) => lab.iptables(op, { table: 'nat', chain, spec });
  nat('-D', 'DOCKER', ['-i', br, '-j', 'RETURN']);
  lab.iptables('-D', dockerRules(DOCKER_NETWORK).dnat);
  nat('-A', 'DOCKER', ['-p', 'tcp', '-m', 'tcp', '--dport', String(T.publishedPort), '-j', 'DNAT', '--to-destination', `${T.containers.c1.address}:${T.serverPort}`]);
  nat('-D', 'OUTPUT', ['!', '-d', '127.0.0.0/8', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'DOCKER']);
  nat('-A', 'OUTPUT', ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'DOCKER']);
  nat('-A', 'POSTROUTING', ['-o', br, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', 'MASQUERADE']);
  lab.sysctl('host', `net.ipv4.conf.${br}.route_localnet`, 1);
  hairpin(lab, 'on');
}

function hairpin(lab: Lab, mode: 'on' | 'off'): void {
  lab.ip('host', 'link', 'set', C1_PORT, 'type', 'bridge_slave', 'hairpin', mode);
}

const HAIRPIN_MASQUERADE = ['-s', `${T.containers.c1.address}/32`, '-d', `${T.containers.c1.address}/32`, '-p', 'tcp', '-m', 'tcp', '--dport', String(T.serverPort), '-j', 'MASQUERADE'];

describe.skipIf(!support.ok)('published-port-hairpin-broken in a live netns lab', () => {
  const lab = new Lab('hp');
  const collect = labSnapshots(lab, 'hairpin');

  const fromC1 = () => tcp(lab, 'c1', T.hostUplinkAddress, T.publishedPort);
  const fromC2 = () => tcp(lab, 'c2', T.hostUplinkAddress, T.publishedPort);
  const fromHost = () => tcp(lab, 'host', '127.0.0.1', T.publishedPort);

  function trace(snapshot: string, from: string, to: string): { verdict: string; reason: string } {
    const run = netaudit(['trace', snapshot, '--from', from, '--to', to, '--dport', String(T.publishedPort), '--format', 'json']);
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout) as { verdict: string; reason: string };
  }

  function expectTrace(snapshot: string, from: string, to: string, probe: ProbeResult): void {
    const traced = trace(snapshot, from, to);
    expect(`${traced.verdict}: ${traced.reason}`, `trace from ${from} to ${to} (the kernel: ${probe.detail})`).toMatch(new RegExp(`^${probe.ok ? 'delivered' : 'dropped'}: `));
  }

  function onlyFinding(snapshot: string): Finding {
    const findings = hairpinFindings(auditJson<AuditResult>(snapshot, 'none').report);
    expect(findings.map((f) => f.subject.name)).toEqual([SUBJECT]);
    return findings[0]!;
  }

  describe('without the userland proxy', () => {
    beforeAll(() => withoutUserlandProxy(lab));

    it('hairpin mode on, the hairpin MASQUERADE, route_localnet=1: the container and the host reach the port; no finding', async () => {
      const [c1, host] = await Promise.all([fromC1(), fromHost()]);
      expect(c1.reply, c1.detail).toBe(`c1 ${T.bridgeAddress}`);
      expect(host.reply, host.detail).toBe(`c1 ${T.bridgeAddress}`);
      const snapshot = await collect('healthy');
      expect(hairpinFindings(auditJson<AuditResult>(snapshot, 'none').report)).toEqual([]);
      expectTrace(snapshot, `netns:${lab.ns.c1}`, T.hostUplinkAddress, c1);
      expectTrace(snapshot, 'netns:host', '127.0.0.1', host);
    });

    it.skipIf(!BR_NETFILTER)('hairpin mode off under br_netfilter: c1 cannot reach its own port, c2 can; the finding names the port\'s hairpin mode', async () => {
      hairpin(lab, 'off');
      lab.sysctl('host', 'net.bridge.bridge-nf-call-iptables', 1);
      const [c1, c2] = await Promise.all([fromC1(), fromC2()]);
      expect(c1.ok, c1.detail).toBe(false);
      expect(c2.reply, c2.detail).toBe(`c1 ${T.containers.c2.address}`);
      const snapshot = await collect('hairpin-off');
      const finding = onlyFinding(snapshot);
      expect(finding.message).toMatch(new RegExp(`the container itself \\(namespace ${lab.ns.c1}\\) connecting to ${T.hostUplinkAddress.replace(/\./g, '\\.')}:${T.publishedPort}`));
      expect(finding.message).toMatch(new RegExp(`${C1_PORT}, the port it came in by, whose hairpin mode is off`));
      expect(finding.evidence.some((e) => e.source.includes('ip-link') && e.text.includes(C1_PORT))).toBe(true);
      expect(finding.evidence.some((e) => /^net\.bridge\.bridge-nf-call-iptables = 1$/.test(e.text))).toBe(true);
      expectTrace(snapshot, `netns:${lab.ns.c1}`, T.hostUplinkAddress, c1);
      expectTrace(snapshot, `netns:${lab.ns.c2}`, T.hostUplinkAddress, c2);
    });

    it('hairpin mode off without br_netfilter: the translated packet is routed, not bridged, and comes back; no finding', async () => {
      hairpin(lab, 'off');
      if (BR_NETFILTER) lab.sysctl('host', 'net.bridge.bridge-nf-call-iptables', 0);
      const c1 = await fromC1();
      expect(c1.reply, c1.detail).toBe(`c1 ${T.bridgeAddress}`);
      const snapshot = await collect('routed');
      expect(hairpinFindings(auditJson<AuditResult>(snapshot, 'none').report)).toEqual([]);
      expectTrace(snapshot, `netns:${lab.ns.c1}`, T.hostUplinkAddress, c1);
    });

    it('the hairpin MASQUERADE gone: c1 answers itself and resets its own connection; the finding says the DNAT was not reversed', async () => {
      lab.iptables('-D', { table: 'nat', chain: 'POSTROUTING', spec: HAIRPIN_MASQUERADE });
      try {
        const c1 = await fromC1();
        expect(c1.ok, c1.detail).toBe(false);
        const snapshot = await collect('no-masquerade');
        const finding = onlyFinding(snapshot);
        expect(finding.message).toMatch(/its reply is lost .*the destination NAT of namespace host was not reversed/);
        expectTrace(snapshot, `netns:${lab.ns.c1}`, T.hostUplinkAddress, c1);
      } finally {
        lab.iptables('-A', { table: 'nat', chain: 'POSTROUTING', spec: HAIRPIN_MASQUERADE });
      }
    });

    it('route_localnet=0 on docker0: the host cannot reach 127.0.0.1 and the port; the finding quotes the sysctl', async () => {
      hairpin(lab, 'on');
      lab.sysctl('host', `net.ipv4.conf.${T.bridge}.route_localnet`, 0);
      try {
        const [host, c1] = await Promise.all([fromHost(), fromC1()]);
        expect(host.ok, host.detail).toBe(false);
        expect(c1.ok, c1.detail).toBe(true);
        const snapshot = await collect('no-route-localnet');
        const finding = onlyFinding(snapshot);
        expect(finding.message).toMatch(new RegExp(`the host \\(namespace host\\) connecting to 127\\.0\\.0\\.1:${T.publishedPort}: the connection fails .*route_localnet`));
        expect(finding.evidence.some((e) => e.text === `net.ipv4.conf.${T.bridge}.route_localnet = 0`)).toBe(true);
        expectTrace(snapshot, 'netns:host', '127.0.0.1', host);
      } finally {
        lab.sysctl('host', `net.ipv4.conf.${T.bridge}.route_localnet`, 1);
      }
    });
  });

  describe('with the userland proxy (the lab\'s baseline rules)', () => {
    let proxy: Server | undefined;

    beforeAll(async () => {
      lab.reset();
      proxy = await startServer(lab.ns.host, 'docker-proxy', T.publishedPort, PROXY_LIFETIME_MS);
    }, 60_000);

    afterAll(() => {
      if (proxy) stopServer(proxy);
    });

    it('a docker-proxy listening on the host port serves the container and the host through INPUT; no finding', async () => {
      const [c1, host] = await Promise.all([fromC1(), fromHost()]);
      expect(c1.reply, c1.detail).toBe(`docker-proxy ${T.containers.c1.address}`);
      expect(host.reply, host.detail).toBe('docker-proxy 127.0.0.1');
      const snapshot = await collect('proxy');
      expect(hairpinFindings(auditJson<AuditResult>(snapshot, 'none').report)).toEqual([]);
      expectTrace(snapshot, `netns:${lab.ns.c1}`, T.hostUplinkAddress, c1);
      expectTrace(snapshot, 'netns:host', '127.0.0.1', host);
    });

    it('no docker-proxy: both connections are refused, and the finding says no socket listens on the port', async () => {
      if (proxy) stopServer(proxy);
      proxy = undefined;
      const [c1, host] = await Promise.all([fromC1(), fromHost()]);
      expect(c1.ok, c1.detail).toBe(false);
      expect(host.ok, host.detail).toBe(false);
      const snapshot = await collect('no-proxy');
      const finding = onlyFinding(snapshot);
      expect(finding.message).toMatch(new RegExp(`no socket listens on TCP ${T.hostUplinkAddress.replace(/\./g, '\\.')}:${T.publishedPort}`));
      expect(finding.message).toMatch(new RegExp(`no socket listens on TCP 127\\.0\\.0\\.1:${T.publishedPort}`));
      expectTrace(snapshot, `netns:${lab.ns.c1}`, T.hostUplinkAddress, c1);
      expectTrace(snapshot, 'netns:host', '127.0.0.1', host);
    });
  });
});
