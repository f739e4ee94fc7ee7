/**
 * A published port open to the world behind a closed INPUT: the engine's input hook for a connection no
 * DNAT takes, and the real connection through the DNAT and the forward hook (src/analysis/path/exposure.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findPublishedPorts } from '../../../src/analysis/netfilter/index.js';
import { PathEngine } from '../../../src/analysis/path/engine.js';
import { closesToAnyone, portExposure } from '../../../src/analysis/path/exposure.js';
import { describeStep } from '../../../src/analysis/path/hook-question.js';
import { formatAddress } from '../../../src/model/net.js';
import type { Host } from '../../../src/model/types.js';
import { buildTestHost, DOCKER_27, DOCKER_28 } from '../hosts.js';

/** The filter table's INPUT policy DROP, as ufw's default deny incoming sets it. */
const INPUT_DROP = (iptables: string) => iptables.replace(/^\*filter\n:INPUT ACCEPT \[\d+:\d+\]$/m, '*filter\n:INPUT DROP [120:7200]');

/** Forwarding on, as on a Docker host: the path through FORWARD is decided. */
const SYSCTL = ['net.ipv4.ip_forward = 1', 'net.ipv4.conf.all.forwarding = 1', 'net.ipv4.conf.eth0.forwarding = 1', 'net.ipv4.conf.docker0.forwarding = 1'];

function exposureOf(iptables: string, name = 'tcp/8080->172.17.0.2:80') {
  const host = buildTestHost({ iptables, sysctl: SYSCTL });
  const port = findPublishedPorts(host.host).find((p) => p.name === name);
  if (!port) throw new Error(`no port ${name}`);
  return portExposure(new PathEngine(host), host.host, port);
}

describe('portExposure', () => {
  it('INPUT policy DROP (ufw deny incoming) and Docker 27 or 28 publishing 8080: exposed, closed by the policy, accepted by Docker', () => {
    for (const iptables of [DOCKER_27, DOCKER_28]) {
      const e = exposureOf(INPUT_DROP(iptables));
      expect(e).toBeDefined();
      expect(e!.uplink).toBe('eth0');
      expect(formatAddress(4, e!.hostAddress)).toBe('192.0.2.10');
      expect(formatAddress(4, e!.client)).toBe('198.51.100.1');
      expect(describeStep(e!.closedBy)).toMatch(/^the DROP policy of filter\/INPUT/);
      expect(e!.dnat.evidence.at(-1)?.text).toMatch(/--dport 8080 -j DNAT --to-destination 172\.17\.0\.2:80$/);
      expect(e!.acceptedBy && describeStep(e!.acceptedBy)).toMatch(/-j ACCEPT/);
    }
  });

  it('INPUT open (policy ACCEPT, no drop): publishing is intended, nothing to report', () => {
    expect(exposureOf(DOCKER_27)).toBeUndefined();
  });

  it('a final REJECT from anywhere (firewalld-style) closes the port too; a blocklist by source does not', () => {
    const reject = DOCKER_27.replace(':OUTPUT ACCEPT [48000:7345678]', ':OUTPUT ACCEPT [48000:7345678]\n[3:180] -A INPUT -j REJECT --reject-with icmp-host-prohibited');
    const e = exposureOf(reject);
    expect(e && describeStep(e.closedBy)).toMatch(/-A INPUT -j REJECT --reject-with icmp-host-prohibited/);
    expect(e && closesToAnyone(e.closedBy)).toBe(true);
    const blocklist = DOCKER_27.replace(':OUTPUT ACCEPT [48000:7345678]', ':OUTPUT ACCEPT [48000:7345678]\n[3:180] -A INPUT -s 198.51.100.0/24 -j DROP\n[3:180] -A INPUT -s 203.0.113.0/24 -j DROP\n[3:180] -A INPUT -s 192.0.2.0/24 -j DROP');
    expect(exposureOf(blocklist)).toBeUndefined();
  });

  it('INPUT allows the port itself (ufw allow 8080): the owner opened it, silent', () => {
    const allowed = INPUT_DROP(DOCKER_27).replace(':OUTPUT ACCEPT [48000:7345678]', ':OUTPUT ACCEPT [48000:7345678]\n[0:0] -A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT');
    expect(exposureOf(allowed)).toBeUndefined();
  });

  it('DOCKER-USER drops the uplink already: nothing exposed', () => {
    const guarded = INPUT_DROP(DOCKER_27).replace('[9100:7654321] -A DOCKER-USER -j RETURN', '[0:0] -A DOCKER-USER -i eth0 -m conntrack --ctstate NEW -j DROP\n[9100:7654321] -A DOCKER-USER -j RETURN');
    expect(exposureOf(guarded)).toBeUndefined();
  });

  it('published on 127.0.0.1 or on an address that is not the uplink\'s: silent', () => {
    const loopback = INPUT_DROP(DOCKER_27).replace('-A DOCKER ! -i docker0 -p tcp', '-A DOCKER -d 127.0.0.1/32 ! -i docker0 -p tcp');
    expect(exposureOf(loopback, 'tcp/127.0.0.1:8080->172.17.0.2:80')).toBeUndefined();
    const bridgeAddress = INPUT_DROP(DOCKER_27).replace('-A DOCKER ! -i docker0 -p tcp', '-A DOCKER -d 172.17.0.1/32 ! -i docker0 -p tcp');
    expect(exposureOf(bridgeAddress, 'tcp/172.17.0.1:8080->172.17.0.2:80')).toBeUndefined();
    const uplinkAddress = INPUT_DROP(DOCKER_27).replace('-A DOCKER ! -i docker0 -p tcp', '-A DOCKER -d 192.0.2.10/32 ! -i docker0 -p tcp');
    expect(exposureOf(uplinkAddress, 'tcp/192.0.2.10:8080->172.17.0.2:80')).toBeDefined();
  });

  it('a DNAT to another machine (a port forward to a server beyond the host) is not a port of this host: silent', () => {
    const forward = INPUT_DROP(DOCKER_27)
      .replace('-j DNAT --to-destination 172.17.0.2:80', '-j DNAT --to-destination 198.51.100.20:80')
      .replace('[9100:7654321] -A DOCKER-USER -j RETURN', '[0:0] -A DOCKER-USER -d 198.51.100.20/32 -j ACCEPT\n[9100:7654321] -A DOCKER-USER -j RETURN');
    expect(exposureOf(forward, 'tcp/8080->198.51.100.20:80')).toBeUndefined();
  });

  it('a FORWARD step the snapshot cannot decide (an ipset in DOCKER-USER) leaves it unknown: no answer', () => {
    const ipset = INPUT_DROP(DOCKER_27).replace('[9100:7654321] -A DOCKER-USER -j RETURN', '[0:0] -A DOCKER-USER -m set --match-set blocked src -j DROP\n[9100:7654321] -A DOCKER-USER -j RETURN');
    expect(exposureOf(ipset)).toBeUndefined();
  });
});

/** The nft-layout lab's rulesets, captured from the kernel (test/parse/fixtures/nft/lab): c1 172.18.0.2 on a bridge, 8080 published. */
const NFT_LAB = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../parse/fixtures/nft/lab');

/** A hardened `inet filter` of one's own (Debian's nftables.conf with `policy drop` on input), added to a captured nft -j ruleset. */
function withInputDrop(json: string): string {
  const doc = JSON.parse(json) as { nftables: object[] };
  doc.nftables.push(
    { table: { family: 'inet', name: 'hardening', handle: 900 } },
    { chain: { family: 'inet', table: 'hardening', name: 'input', handle: 1, type: 'filter', hook: 'input', prio: 0, policy: 'drop' } },
  );
  return JSON.stringify(doc);
}

function nftLabHost(layout: string, edit: (json: string) => string = (j) => j): Host {
  const nft = edit(readFileSync(path.join(NFT_LAB, `${layout}.json`), 'utf8'));
  return buildTestHost({
    iptables: '',
    extra: { 'nft-ruleset': nft },
    links: [{ name: 'lo', index: 1 }, { name: 'eth0', index: 2 }, { name: 'br0', index: 3, kind: 'bridge' }, { name: 'veth1a2b3c4', index: 4, kind: 'veth', master: 'br0', netnsId: 0 }],
    addrs: [{ name: 'lo', index: 1, inet: ['127.0.0.1/8'] }, { name: 'eth0', index: 2, inet: ['203.0.113.2/24'] }, { name: 'br0', index: 3, inet: ['172.18.0.1/16'] }],
    routes: [
      { dst: 'default', gateway: '203.0.113.1', dev: 'eth0', flags: [] },
      { dst: '203.0.113.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '203.0.113.2', flags: [] },
      { dst: '172.18.0.0/16', dev: 'br0', protocol: 'kernel', scope: 'link', prefsrc: '172.18.0.1', flags: [] },
    ],
    sysctl: ['net.ipv4.ip_forward = 1', 'net.ipv4.conf.all.forwarding = 1', 'net.ipv4.conf.eth0.forwarding = 1', 'net.ipv4.conf.br0.forwarding = 1'],
  });
}

function nftExposure(host: Host) {
  const [port, ...rest] = findPublishedPorts(host.host);
  expect(rest).toEqual([]);
  expect(port?.name).toBe('tcp/8080->172.18.0.2:80');
  return portExposure(new PathEngine(host), host.host, port!);
}

describe('portExposure across rulesets: native nftables, iptables-legacy beside iptables-nft', () => {
  it("Docker 29's nftables backend and netavark publish 8080 while an inet table of one's own drops input: exposed, closed by that policy", () => {
    for (const layout of ['docker-nftables', 'netavark']) {
      expect(nftExposure(nftLabHost(layout)), `${layout} with input open`).toBeUndefined();
      const e = nftExposure(nftLabHost(layout, withInputDrop));
      expect(e && describeStep(e.closedBy), layout).toBe('the drop policy of nftables inet hardening/input');
    }
  });

  it("firewalld's own forward port, while firewalld's zone rejects the port at input: meant to be open, silent", () => {
    const host = nftLabHost('firewalld');
    expect(nftExposure(host)).toBeUndefined();
    // The same forward port, but the input drop is another table's: the owner's own hardening says closed.
    expect(nftExposure(nftLabHost('firewalld', withInputDrop))).toBeDefined();
  });

  it('ufw in iptables-legacy (INPUT policy DROP) beside Docker 28 in iptables-nft: both rulesets run, the port is exposed', () => {
    const legacy = '# Generated by iptables-save v1.8.9 (legacy)\n*filter\n:INPUT DROP [12:720]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n';
    const host = buildTestHost({ iptables: DOCKER_28, sysctl: SYSCTL, extra: { 'iptables-legacy-save': legacy } });
    const port = findPublishedPorts(host.host).find((p) => p.name === 'tcp/8080->172.17.0.2:80')!;
    const e = portExposure(new PathEngine(host), host.host, port);
    expect(e?.closedBy.table).toBe('iptables-legacy filter');
    expect(describeStep(e!.closedBy)).toMatch(/^the DROP policy of filter\/INPUT/);
  });
});
