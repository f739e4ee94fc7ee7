import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/model/net.js';
import { evaluateNftChain, type NftChainResult, type NftPacket } from '../../src/analysis/path/nft-eval.js';
import { parseNftJson } from '../../src/parse/nft-json.js';
import { parseNftText } from '../../src/parse/nft-text.js';
import type { NftTable } from '../../src/parse/nft-types.js';

const FIXTURES = path.resolve(import.meta.dirname, '../parse/fixtures/nft');

function addr(text: string): bigint {
  const a = parseAddress(text);
  if (!a) throw new Error(text);
  return a.value;
}

function tableOf(text: string, source = 'inline.nft'): NftTable {
  const parsed = parseNftText({ source, text });
  const table = parsed.value.tables[0];
  if (!table) throw new Error(`no table in ${source}`);
  return table;
}

function fixture(file: string): NftTable {
  return tableOf(readFileSync(path.join(FIXTURES, file), 'utf8'), file);
}

function jsonFixture(file: string, tableName: string): NftTable {
  const parsed = parseNftJson({ source: file, text: readFileSync(path.join(FIXTURES, file), 'utf8') });
  const table = parsed.value.tables.find((t) => t.name === tableName);
  if (!table) throw new Error(`no table ${tableName} in ${file}`);
  return table;
}

type PacketInput = Partial<Omit<NftPacket, 'src' | 'dst'>> & { src: string; dst: string };

function run(table: NftTable, chainName: string, packet: PacketInput): NftChainResult {
  const chain = table.chains.find((c) => c.name === chainName);
  if (!chain) throw new Error(`no chain ${chainName}`);
  const family = packet.src.includes(':') ? 6 : 4;
  const full: NftPacket = {
    family,
    protocol: 'tcp',
    sport: 40000,
    dport: 80,
    mark: 0,
    ct: { state: 'new', direction: 'original', status: [] },
    ...packet,
    src: addr(packet.src),
    dst: addr(packet.dst),
  };
  return evaluateNftChain(table, chain, full);
}

/** The deciding rule and the path as "line: text" evidence. */
function evidence(r: NftChainResult): { rule?: string; path: string[] } {
  return { rule: r.rule && `${r.rule.line}: ${r.rule.text}`, path: r.path.map((x) => `${x.line}: ${x.text}`) };
}

describe('evaluateNftChain: Docker (docker-bridges.nft)', () => {
  const docker = fixture('docker-bridges.nft');

  it("accepts a container's outbound packet through the iifname vmap", () => {
    const r = run(docker, 'filter-FORWARD', { src: '172.17.0.2', dst: '8.8.8.8', dport: 443, iif: 'docker0', oif: 'eth0' });
    expect(r).toMatchObject({ verdict: 'accept', by: 'rule', certain: true, alternatives: [] });
    expect(evidence(r)).toEqual({
      rule: '56: counter packets 0 bytes 0 accept comment "OUTGOING"',
      path: ['20: iifname vmap @filter-forward-out-jumps', '56: counter packets 0 bytes 0 accept comment "OUTGOING"'],
    });
    expect(r.mark).toBeUndefined();
    expect('mark' in r).toBe(false);
  });

  it("accepts a published port's DNATed packet and drops an unpublished one", () => {
    const pkt = { src: '203.0.113.7', dst: '172.17.0.2', dport: 80, iif: 'eth0', oif: 'docker0', ct: { state: 'new' as const, direction: 'original' as const, status: ['dnat'] } };
    const ok = run(docker, 'filter-FORWARD', pkt);
    expect(ok).toMatchObject({ verdict: 'accept', by: 'rule', certain: true });
    expect(evidence(ok).path).toEqual(['19: oifname vmap @filter-forward-in-jumps', '50: ip daddr 172.17.0.2 tcp dport 80 counter packets 0 bytes 0 accept']);
    const closed = run(docker, 'filter-FORWARD', { ...pkt, dport: 81 });
    expect(closed).toMatchObject({ verdict: 'drop', certain: true });
    expect(closed.rule?.comment ?? closed.rule?.text).toContain('UNPUBLISHED PORT DROP');
  });

  it('DNATs the published port to the container, address and port', () => {
    const r = run(docker, 'nat-PREROUTING', { src: '203.0.113.7', dst: '192.168.1.10', dport: 8080, iif: 'eth0', dstLocal: true });
    expect(r).toMatchObject({ verdict: 'nat', by: 'rule', certain: true, nat: { kind: 'dnat', address: addr('172.17.0.2'), port: 80 } });
    expect(evidence(r).path).toEqual([
      '35: fib daddr type local counter packets 0 bytes 0 jump nat-prerouting-and-output',
      '39: iifname != "docker0" tcp dport 8080 counter packets 0 bytes 0 dnat to 172.17.0.2:80 comment "DNAT"',
    ]);
  });

  it('answers maybe when the snapshot cannot tell whether the address is local', () => {
    const r = run(docker, 'nat-PREROUTING', { src: '203.0.113.7', dst: '192.168.1.10', dport: 8080, iif: 'eth0' });
    expect(r).toMatchObject({ verdict: 'accept', by: 'policy', certain: false });
    expect(r.alternatives).toEqual([expect.objectContaining({ verdict: 'nat', nat: { kind: 'dnat', address: addr('172.17.0.2'), port: 80 } })]);
  });

  it('masquerades outbound container traffic, not traffic between containers', () => {
    const out = run(docker, 'nat-POSTROUTING', { src: '172.17.0.2', dst: '8.8.8.8', iif: 'docker0', oif: 'eth0' });
    expect(out).toMatchObject({ verdict: 'nat', certain: true, nat: { kind: 'masquerade' } });
    expect(evidence(out).rule).toBe('60: oifname != "docker0" ip saddr 172.17.0.0/16 counter packets 0 bytes 0 masquerade comment "MASQUERADE"');
    const icc = run(docker, 'nat-POSTROUTING', { src: '172.17.0.2', dst: '172.17.0.3', iif: 'docker0', oif: 'docker0' });
    expect(icc).toMatchObject({ verdict: 'accept', by: 'policy', certain: true, path: [] });
  });
});

describe('evaluateNftChain: firewalld (inet firewalld)', () => {
  const fw = fixture('firewalld.nft');
  const input = { src: '203.0.113.7', dst: '192.168.1.10', iif: 'eth0' };

  it('accepts what the public zone allows, through the zone dispatch chains', () => {
    const r = run(fw, 'filter_INPUT', { ...input, dport: 22 });
    expect(r).toMatchObject({ verdict: 'accept', by: 'rule', certain: true });
    expect(evidence(r).path.map((p) => p.replace(/^\d+: /, ''))).toEqual([
      'jump filter_INPUT_POLICIES',
      'iifname "eth0" jump filter_IN_public',
      'jump filter_IN_public_allow',
      'tcp dport 22 accept',
    ]);
    const ping = run(fw, 'filter_INPUT', { ...input, protocol: 'icmp', sport: undefined, dport: undefined, icmpType: 8 });
    expect(ping).toMatchObject({ verdict: 'accept', certain: true });
    expect(ping.rule?.text).toBe('meta l4proto { icmp, ipv6-icmp } accept');
  });

  it('rejects what the zone does not allow (reject reads as drop, the rule says how)', () => {
    const r = run(fw, 'filter_INPUT', { ...input, dport: 23 });
    expect(r).toMatchObject({ verdict: 'drop', by: 'rule', certain: true });
    expect(r.rule?.text).toBe('iifname "eth0" reject with icmpx admin-prohibited');
    expect(r.rule?.line).toBe(fw.chains.find((c) => c.name === 'filter_INPUT_POLICIES')!.rules[1]!.line);
  });

  it('accepts established traffic first, and drops invalid', () => {
    const est = run(fw, 'filter_INPUT', { ...input, dport: 23, ct: { state: 'established', direction: 'reply', status: [] } });
    expect(est.rule?.text).toBe('ct state { established, related } accept');
    const invalid = run(fw, 'filter_INPUT', { ...input, dport: 22, ct: { state: 'invalid', direction: 'original', status: [] } });
    expect(invalid).toMatchObject({ verdict: 'drop', certain: true });
    expect(invalid.rule?.text).toBe('ct state invalid drop');
  });

  it('forwards only within the zone, and rejects IPv6 to 6to4 addresses', () => {
    const within = run(fw, 'filter_FORWARD', { src: '10.0.0.2', dst: '10.0.1.2', iif: 'eth0', oif: 'eth0' });
    expect(within).toMatchObject({ verdict: 'accept', certain: true });
    expect(within.rule?.text).toBe('oifname "eth0" accept');
    const across = run(fw, 'filter_FORWARD', { src: '10.0.0.2', dst: '10.0.1.2', iif: 'eth0', oif: 'eth1' });
    expect(across).toMatchObject({ verdict: 'drop', certain: true });
    expect(across.rule?.text).toBe('reject with icmpx admin-prohibited');
    const sixToFour = run(fw, 'filter_FORWARD', { src: '2001:db8::1', dst: '2002:a00::1', iif: 'eth0', oif: 'eth0' });
    expect(sixToFour.rule?.text).toMatch(/^ip6 daddr \{ ::\/96, .* reject with icmpv6 addr-unreachable$/);
  });

  it('an unknown input interface leaves the verdict uncertain', () => {
    const r = run(fw, 'filter_INPUT', { src: '203.0.113.7', dst: '192.168.1.10', dport: 23 });
    expect(r).toMatchObject({ verdict: 'drop', certain: false });
    expect(r.rule?.text).toBe('reject with icmpx admin-prohibited');
    expect(r.alternatives.map((a) => a.rule?.text)).toContain('iifname "lo" accept');
  });

  it('DNATs IPv4 only in its nat chain', () => {
    const v4 = run(fw, 'nat_PREROUTING', { src: '203.0.113.7', dst: '192.168.1.10', dport: 8080, iif: 'eth0' });
    expect(v4).toMatchObject({ verdict: 'nat', certain: true, nat: { kind: 'dnat', address: addr('10.0.0.5'), port: 80 } });
    const v6 = run(fw, 'nat_PREROUTING', { src: '2001:db8::1', dst: '2001:db8::2', dport: 8080, iif: 'eth0' });
    expect(v6).toMatchObject({ verdict: 'accept', by: 'policy', certain: true });
  });
});

describe('evaluateNftChain: kube-proxy (ip kube-proxy)', () => {
  const kp = fixture('kube-proxy.nft');

  it('a packet to a service cluster IP:port reaches its endpoint DNAT through the vmap chains', () => {
    const r = run(kp, 'nat-prerouting', { src: '10.244.1.5', dst: '10.96.0.1', dport: 443, iif: 'cni0' });
    // `numgen random mod 1` can only yield 0: the endpoint is certain.
    expect(r).toMatchObject({ verdict: 'nat', by: 'rule', certain: true, nat: { kind: 'dnat', address: addr('192.168.1.10'), port: 6443 } });
    expect(evidence(r).path.map((p) => p.replace(/^\d+: /, ''))).toEqual([
      'jump services',
      'ip daddr . meta l4proto . th dport vmap @service-ips',
      'numgen random mod 1 vmap { 0 : goto endpoint-5OJB2KTY-default/kubernetes/tcp/https__192.168.1.10/6443 }',
      'meta l4proto tcp dnat to 192.168.1.10:6443',
    ]);
    expect('mark' in r).toBe(false);
  });

  it('marks traffic from outside the pod network for masquerade, and masquerades it in postrouting', () => {
    const r = run(kp, 'nat-prerouting', { src: '192.168.1.20', dst: '10.96.0.1', dport: 443, iif: 'eth0' });
    expect(r).toMatchObject({ verdict: 'nat', certain: true, mark: 0x4000 });
    const post = run(kp, 'nat-postrouting', { src: '192.168.1.20', dst: '192.168.1.10', dport: 6443, mark: 0x4000 });
    expect(post).toMatchObject({ verdict: 'nat', certain: true, nat: { kind: 'masquerade' }, mark: 0 });
    const unmarked = run(kp, 'nat-postrouting', { src: '10.244.1.5', dst: '192.168.1.10', dport: 6443, mark: 0 });
    expect(unmarked).toMatchObject({ verdict: 'accept', by: 'policy', certain: true });
    const unknownMark = run(kp, 'nat-postrouting', { src: '10.244.1.5', dst: '192.168.1.10', dport: 6443, mark: undefined });
    expect(unknownMark).toMatchObject({ certain: false });
  });

  it('a service port with no vmap entry is not DNATed; filter rejects invalid ClusterIP ports', () => {
    const nat = run(kp, 'nat-prerouting', { src: '10.244.1.5', dst: '10.96.0.1', dport: 80 });
    expect(nat).toMatchObject({ verdict: 'accept', by: 'policy', certain: true });
    const filter = run(kp, 'filter-forward', { src: '10.244.1.5', dst: '10.96.0.1', dport: 80 });
    expect(filter).toMatchObject({ verdict: 'drop', certain: true });
    expect(filter.rule?.text).toBe('ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"');
    const unallocated = run(kp, 'filter-forward', { src: '10.244.1.5', dst: '10.100.0.1', dport: 80 });
    expect(unallocated.rule?.text).toContain('Drop traffic to unallocated ClusterIPs');
  });

  it('numgen over several endpoints: the last endpoint on the main track, the others as alternatives', () => {
    const t = tableOf(`table ip kp {
  chain nat-prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr 10.96.0.20 tcp dport 80 jump svc
  }
  chain svc {
    numgen random mod 2 vmap { 0 : goto ep1, 1 : goto ep2 }
  }
  chain ep1 {
    meta l4proto tcp dnat to 10.244.1.10:8080
  }
  chain ep2 {
    meta l4proto tcp dnat to 10.244.2.10:8080
  }
}
`);
    const r = run(t, 'nat-prerouting', { src: '10.244.1.5', dst: '10.96.0.20', dport: 80 });
    expect(r).toMatchObject({ verdict: 'nat', certain: false, nat: { kind: 'dnat', address: addr('10.244.2.10'), port: 8080 } });
    expect(r.alternatives).toEqual([expect.objectContaining({ verdict: 'nat', nat: { kind: 'dnat', address: addr('10.244.1.10'), port: 8080 } })]);
    expect(r.limits).toEqual([expect.stringContaining('numgen chooses among 2 entries')]);
  });
});

describe('evaluateNftChain: netavark (inet netavark)', () => {
  const nv = fixture('netavark.nft');

  it('forwards container traffic and drops invalid', () => {
    const out = run(nv, 'FORWARD', { src: '10.88.0.2', dst: '1.1.1.1', iif: 'podman0', oif: 'eth0' });
    expect(out).toMatchObject({ verdict: 'accept', certain: true });
    expect(out.rule?.text).toBe('ip saddr 10.88.0.0/16 accept');
    const invalid = run(nv, 'FORWARD', { src: '10.88.0.2', dst: '1.1.1.1', ct: { state: 'invalid', direction: 'original', status: [] } });
    expect(invalid.rule?.text).toBe('ct state invalid drop');
  });

  it('DNATs the host port, marking localhost traffic; postrouting masquerades the marked packet and clears the bit', () => {
    const pre = run(nv, 'PREROUTING', { src: '203.0.113.7', dst: '192.168.1.10', dport: 8080, dstLocal: true });
    expect(pre).toMatchObject({ verdict: 'nat', certain: true, nat: { kind: 'dnat', address: addr('10.88.0.2'), port: 80 } });
    expect('mark' in pre).toBe(false);
    const local = run(nv, 'OUTPUT', { src: '127.0.0.1', dst: '127.0.0.1', dport: 8080, dstLocal: true });
    expect(local).toMatchObject({ verdict: 'nat', mark: 0x2000, nat: { address: addr('10.88.0.2') } });
    const post = run(nv, 'POSTROUTING', { src: '127.0.0.1', dst: '10.88.0.2', dport: 80, mark: 0x2000 });
    expect(post).toMatchObject({ verdict: 'nat', certain: true, nat: { kind: 'masquerade' }, mark: 0 });
    expect(post.rule?.line).toBe(nv.chains.find((c) => c.name === 'POSTROUTING')!.rules[0]!.line);
  });

  it('accepts DNS from the podman subnet (interval set), not from elsewhere', () => {
    const dns = run(nv, 'INPUT', { src: '10.88.0.5', dst: '10.88.0.1', protocol: 'udp', dport: 53 });
    expect(dns).toMatchObject({ verdict: 'accept', by: 'rule', certain: true });
    const other = run(nv, 'INPUT', { src: '10.89.0.5', dst: '10.88.0.1', protocol: 'udp', dport: 53 });
    expect(other).toMatchObject({ verdict: 'accept', by: 'policy' });
  });
});

describe('evaluateNftChain: control flow and matching', () => {
  const flow = tableOf(`table inet t {
  chain base {
    type filter hook input priority filter; policy drop;
    tcp dport 90 continue
    jump a
    tcp dport 22 goto b
    tcp dport vmap { 23 : drop, 24 : jump c }
    tcp dport 25 accept
  }
  chain a {
    tcp dport 80 return
    tcp dport 81 drop
  }
  chain b {
    udp dport 1 accept
  }
  chain c {
    return
  }
}
`);

  it('jump, return, goto, continue', () => {
    const returned = run(flow, 'base', { src: '10.0.0.1', dst: '10.0.0.2', dport: 80 });
    expect(returned).toMatchObject({ verdict: 'drop', by: 'policy', certain: true, path: [] });
    const dropped = run(flow, 'base', { src: '10.0.0.1', dst: '10.0.0.2', dport: 81 });
    expect(evidence(dropped).path).toEqual(['5: jump a', '12: tcp dport 81 drop']);
    // goto b: b's end returns from the base chain, so the policy decides, not `tcp dport 25 accept`.
    const viaGoto = run(flow, 'base', { src: '10.0.0.1', dst: '10.0.0.2', dport: 22 });
    expect(viaGoto).toMatchObject({ verdict: 'drop', by: 'policy', certain: true });
  });

  it('vmap: a hit decides, a jump entry returns, a miss goes on', () => {
    expect(run(flow, 'base', { src: '10.0.0.1', dst: '10.0.0.2', dport: 23 }).rule?.line).toBe(7);
    const jumped = run(flow, 'base', { src: '10.0.0.1', dst: '10.0.0.2', dport: 24 });
    expect(jumped).toMatchObject({ verdict: 'drop', by: 'policy' });
    const miss = run(flow, 'base', { src: '10.0.0.1', dst: '10.0.0.2', dport: 25 });
    expect(miss).toMatchObject({ verdict: 'accept', by: 'rule', certain: true });
    expect(evidence(miss).rule).toBe('8: tcp dport 25 accept');
    const udp = run(flow, 'base', { src: '10.0.0.1', dst: '10.0.0.2', protocol: 'udp', dport: 23 });
    expect(udp).toMatchObject({ verdict: 'drop', by: 'policy', certain: true });
  });

  it('an unknown expression, xt-free limit and unknown meta keys answer maybe', () => {
    const t = tableOf(`table inet t {
  chain base {
    type filter hook input priority filter; policy drop;
    meta skuid 1000 accept
    tcp dport 22 limit rate 10/second accept
  }
}
`);
    const r = run(t, 'base', { src: '10.0.0.1', dst: '10.0.0.2', dport: 22 });
    expect(r).toMatchObject({ verdict: 'drop', by: 'policy', certain: false });
    expect(r.alternatives.map((a) => `${a.verdict} ${a.rule?.line}`)).toEqual(['accept 4', 'accept 5']);
  });

  it('mark set then matched; a mark set under a maybe makes the mark unknown', () => {
    const t = tableOf(`table ip t {
  chain base {
    type filter hook forward priority filter; policy drop;
    tcp dport 80 meta mark set 0x10
    meta mark and 0xf0 == 0x10 iifname "veth*" accept
    meta mark 0x10 accept
  }
}
`);
    const veth = run(t, 'base', { src: '10.0.0.1', dst: '10.0.0.2', dport: 80, iif: 'veth1234' });
    expect(veth).toMatchObject({ verdict: 'accept', certain: true, mark: 0x10 });
    expect(veth.rule?.line).toBe(5);
    const eth = run(t, 'base', { src: '10.0.0.1', dst: '10.0.0.2', dport: 80, iif: 'eth0' });
    expect(eth).toMatchObject({ verdict: 'accept', certain: true, mark: 0x10 });
    expect(eth.rule?.line).toBe(6);
    const notSet = run(t, 'base', { src: '10.0.0.1', dst: '10.0.0.2', dport: 81, iif: 'eth0' });
    expect(notSet).toMatchObject({ verdict: 'drop', by: 'policy', certain: true });
    const unknownPort = run(t, 'base', { src: '10.0.0.1', dst: '10.0.0.2', dport: undefined, iif: 'eth0' });
    expect(unknownPort).toMatchObject({ verdict: 'drop', certain: false, mark: undefined });
    expect('mark' in unknownPort).toBe(true);
  });

  it('named sets with concatenations and intervals, ct status, icmp types, named services', () => {
    const t = tableOf(`table ip t {
  set allowed {
    type ipv4_addr . inet_service
    flags interval
    elements = { 10.1.0.0/16 . 22, 10.2.0.1 . 8000-8100 }
  }
  chain base {
    type filter hook input priority filter; policy drop;
    ip saddr . tcp dport @allowed accept
    ct status dnat accept
    icmp type echo-request accept
    tcp dport { http, https } accept
    ip saddr 192.0.2.0-192.0.2.9 tcp dport >= 1024 accept
  }
}
`);
    const base = { dst: '10.0.0.2' };
    expect(run(t, 'base', { ...base, src: '10.1.2.3', dport: 22 }).rule?.line).toBe(9);
    expect(run(t, 'base', { ...base, src: '10.2.0.1', dport: 8050 }).rule?.line).toBe(9);
    expect(run(t, 'base', { ...base, src: '10.2.0.1', dport: 8200 })).toMatchObject({ verdict: 'drop', by: 'policy', certain: true });
    expect(run(t, 'base', { ...base, src: '10.9.0.1', dport: 22, ct: { state: 'new', direction: 'original', status: ['dnat'] } }).rule?.line).toBe(10);
    expect(run(t, 'base', { ...base, src: '10.9.0.1', protocol: 'icmp', dport: undefined, icmpType: 8 }).rule?.line).toBe(11);
    expect(run(t, 'base', { ...base, src: '10.9.0.1', protocol: 'icmp', dport: undefined, icmpType: 0 })).toMatchObject({ verdict: 'drop', by: 'policy' });
    expect(run(t, 'base', { ...base, src: '10.9.0.1', dport: 443 }).rule?.line).toBe(12);
    expect(run(t, 'base', { ...base, src: '192.0.2.5', dport: 2000 }).rule?.line).toBe(13);
    expect(run(t, 'base', { ...base, src: '192.0.2.5', dport: 1000 })).toMatchObject({ verdict: 'drop', certain: true });
  });

  it('resolves a DNAT map keyed by a concatenation', () => {
    const t = tableOf(`table ip t {
  map fwd {
    type ipv4_addr . inet_service : ipv4_addr . inet_service
    elements = { 192.0.2.1 . 80 : 10.0.0.2 . 8080 }
  }
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    dnat to ip daddr . tcp dport map @fwd
  }
}
`);
    const hit = run(t, 'pre', { src: '203.0.113.7', dst: '192.0.2.1', dport: 80 });
    expect(hit).toMatchObject({ verdict: 'nat', certain: true, nat: { kind: 'dnat', address: addr('10.0.0.2'), port: 8080 } });
    const miss = run(t, 'pre', { src: '203.0.113.7', dst: '192.0.2.1', dport: 81 });
    expect(miss).toMatchObject({ verdict: 'accept', by: 'policy', certain: true });
  });

  it('cuts jump loops and reports them', () => {
    const t = tableOf(`table ip t {
  chain base {
    type filter hook input priority filter; policy accept;
    jump a
  }
  chain a {
    jump b
  }
  chain b {
    jump a
  }
}
`);
    const r = run(t, 'base', { src: '10.0.0.1', dst: '10.0.0.2' });
    expect(r.certain).toBe(false);
    expect(r.limits).toEqual([expect.stringContaining('jump loop through a')]);
  });

  it('stays linear when every chain maybe-jumps twice into the next', () => {
    const n = 40;
    const chains = Array.from({ length: n }, (_, i) => `  chain c${i} {\n    meta skuid ${i} jump c${i + 1}\n    meta skgid ${i} jump c${i + 1}\n  }`).join('\n');
    const t = tableOf(`table ip t {
  chain base {
    type filter hook input priority filter; policy accept;
    jump c0
  }
${chains}
  chain c${n} {
    drop
  }
}
`);
    const started = performance.now();
    const r = run(t, 'base', { src: '10.0.0.1', dst: '10.0.0.2' });
    expect(performance.now() - started).toBeLessThan(500);
    expect(r).toMatchObject({ verdict: 'accept', by: 'policy', certain: false });
    expect(r.alternatives.map((a) => a.verdict)).toEqual(['drop']);
  });
});

describe('evaluateNftChain: iptables-nft compat and the JSON model', () => {
  it('an xt match answers maybe; the rules after it still decide', () => {
    const parsed = parseNftText({ source: 'iptables-nft', text: readFileSync(path.join(FIXTURES, 'iptables-nft.nft-a.txt'), 'utf8') });
    const filter = parsed.value.tables.find((t) => t.name === 'filter')!;
    const ssh = run(filter, 'INPUT', { src: '203.0.113.7', dst: '192.168.1.10', dport: 22 });
    expect(ssh).toMatchObject({ verdict: 'accept', by: 'rule', certain: true });
    expect(ssh.rule?.handle).toBe(6);
    const web = run(filter, 'INPUT', { src: '203.0.113.7', dst: '192.168.1.10', dport: 443 });
    expect(web).toMatchObject({ verdict: 'drop', certain: true });
    expect(web.rule?.text).toContain('reject with tcp reset');
    const t = tableOf(`table ip t {
  chain base {
    type filter hook input priority filter; policy accept;
    tcp dport 23 xt match recent drop
    xt target MARK
    meta mark 0x1 drop
  }
}
`);
    const r = run(t, 'base', { src: '10.0.0.1', dst: '10.0.0.2', dport: 23, mark: 1 });
    expect(r).toMatchObject({ verdict: 'accept', by: 'policy', certain: false, mark: undefined });
    expect(r.alternatives.map((a) => `${a.verdict} ${a.rule?.line}`)).toEqual(['drop 4', 'drop 6']);
  });

  it('the JSON model of each fixture gives the verdicts the text model gives', () => {
    const cases: [string, string, string, PacketInput][] = [
      ['docker-bridges', 'docker-bridges', 'filter-FORWARD', { src: '172.17.0.2', dst: '8.8.8.8', iif: 'docker0', oif: 'eth0' }],
      ['docker-bridges', 'docker-bridges', 'filter-FORWARD', { src: '203.0.113.7', dst: '172.17.0.2', dport: 81, iif: 'eth0', oif: 'docker0' }],
      ['docker-bridges', 'docker-bridges', 'nat-PREROUTING', { src: '203.0.113.7', dst: '192.168.1.10', dport: 8080, iif: 'eth0', dstLocal: true }],
      ['firewalld', 'firewalld', 'filter_INPUT', { src: '203.0.113.7', dst: '192.168.1.10', dport: 22, iif: 'eth0' }],
      ['firewalld', 'firewalld', 'filter_INPUT', { src: '203.0.113.7', dst: '192.168.1.10', dport: 23, iif: 'eth0' }],
      ['firewalld', 'firewalld', 'filter_FORWARD', { src: '2001:db8::1', dst: '2002:a00::1', iif: 'eth0', oif: 'eth0' }],
      ['kube-proxy', 'kube-proxy', 'nat-prerouting', { src: '192.168.1.20', dst: '10.96.0.1', dport: 443 }],
      ['kube-proxy', 'kube-proxy', 'filter-forward', { src: '10.244.1.5', dst: '10.96.0.1', dport: 80 }],
      ['netavark', 'netavark', 'OUTPUT', { src: '127.0.0.1', dst: '127.0.0.1', dport: 8080, dstLocal: true }],
      ['netavark', 'netavark', 'POSTROUTING', { src: '127.0.0.1', dst: '10.88.0.2', mark: 0x2000 }],
    ];
    for (const [file, tableName, chain, packet] of cases) {
      const fromText = run(fixture(`${file}.nft`), chain, packet);
      const fromJson = run(jsonFixture(`${file}.json`, tableName), chain, packet);
      const summary = (r: NftChainResult) => ({ verdict: r.verdict, by: r.by, certain: r.certain, nat: r.nat, mark: r.mark, path: r.path.length });
      expect(summary(fromJson), `${file} ${chain}`).toEqual(summary(fromText));
    }
  });
});

describe('evaluateNftChain: a fully known packet gets a certain verdict', () => {
  const tables = ['docker-bridges.nft', 'firewalld.nft', 'kube-proxy.nft', 'netavark.nft'].map(fixture);
  const v4 = fc.constantFrom('172.17.0.2', '10.88.0.2', '10.96.0.1', '10.96.0.10', '10.244.1.5', '192.168.1.10', '127.0.0.1', '8.8.8.8');
  const iface = fc.constantFrom('eth0', 'docker0', 'lo', 'podman0', 'cni0');
  const packet = fc.record({
    src: v4,
    dst: v4,
    protocol: fc.constantFrom('tcp' as const, 'udp' as const),
    dport: fc.constantFrom(22, 53, 80, 443, 8080, 9090),
    mark: fc.constantFrom(0, 0x2000, 0x4000),
    iif: iface,
    oif: iface,
    dstLocal: fc.boolean(),
    srcLocal: fc.boolean(),
    ct: fc.record({
      state: fc.constantFrom('new' as const, 'established' as const, 'related' as const, 'invalid' as const),
      direction: fc.constantFrom('original' as const, 'reply' as const),
      status: fc.subarray(['dnat', 'snat']),
      mark: fc.constant(0),
    }),
  });

  it('in every base chain of the fixtures', () => {
    fc.assert(
      fc.property(packet, (p) => {
        for (const table of tables) {
          for (const chain of table.chains.filter((c) => c.base)) {
            const r = run(table, chain.name, p);
            expect(r.certain, `${table.name} ${chain.name}: ${JSON.stringify(r.alternatives.map((a) => a.rule?.text))}`).toBe(true);
            expect(r.limits).toEqual([]);
            if (r.by === 'rule') expect(r.path.at(-1)).toBe(r.rule);
            if (r.verdict === 'nat') expect(r.nat).toBeDefined();
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
