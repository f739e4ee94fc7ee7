import { describe, expect, it } from 'vitest';
import { parseCidr, type Cidr } from '../../src/model/net.js';
import { matchRule, type PacketClass } from '../../src/analysis/netfilter/index.js';
import type { NfRule } from '../../src/model/types.js';
import { rulesetOf } from './hosts.js';

/** Parse one rule line the way iptables-save prints it (in a filter FORWARD chain). */
function rule(line: string, family: 'ipv4' | 'ipv6' = 'ipv4'): NfRule {
  const chain = line.split(/\s+/)[1] ?? 'FORWARD';
  const builtins = new Set(['INPUT', 'FORWARD', 'OUTPUT']);
  const decl = builtins.has(chain) ? '' : `:${chain} - [0:0]\n`;
  const rs = rulesetOf(`*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n${decl}${line}\nCOMMIT\n`, family);
  const r = rs.tables.get('filter')?.chains.get(chain)?.rules[0];
  if (!r) throw new Error(`no rule parsed from ${line}`);
  return r;
}

function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new Error(text);
  return c;
}

const toContainer: PacketClass = {
  family: 4,
  in: { name: 'eth0' },
  out: { name: 'docker0' },
  src: { internet: true },
  dst: { cidr: cidr('172.17.0.2/32') },
  protocol: 'tcp',
  dport: 80,
  state: 'NEW',
  dnat: true,
  dstLocal: false,
};

describe('built-in criteria', () => {
  it("matches Docker's per-port accept for the translated connection, and not for another port or address", () => {
    const accept = rule('-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT');
    expect(matchRule(accept, toContainer)).toBe('yes');
    expect(matchRule(accept, { ...toContainer, dport: 81 })).toBe('no');
    expect(matchRule(accept, { ...toContainer, dst: { cidr: cidr('172.17.0.3/32') } })).toBe('no');
    expect(matchRule(accept, { ...toContainer, protocol: 'udp' })).toBe('no');
    expect(matchRule(accept, { ...toContainer, in: { name: 'docker0' } })).toBe('no');
  });

  it('answers maybe when the class leaves a tested field open', () => {
    const accept = rule('-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT');
    const { dport: _dport, ...noPort } = toContainer;
    expect(matchRule(accept, noPort)).toBe('maybe');
    // The whole subnet: only one of its addresses is accepted.
    expect(matchRule(accept, { ...toContainer, dst: { cidr: cidr('172.17.0.0/16') } })).toBe('maybe');
  });

  it('reads netmask notation and bare addresses (iptables v1.3.5) like CIDRs', () => {
    expect(matchRule(rule('-A FORWARD -s 10.0.0.0/255.0.0.0 -j ACCEPT'), { family: 4, src: { cidr: cidr('10.1.2.3/32') } })).toBe('yes');
    expect(matchRule(rule('-A FORWARD -s 127.0.0.1 -j ACCEPT'), { family: 4, src: { cidr: cidr('127.0.0.1/32') } })).toBe('yes');
    expect(matchRule(rule('-A FORWARD -s 127.0.0.1 -j ACCEPT'), { family: 4, src: { cidr: cidr('127.0.0.2/32') } })).toBe('no');
  });

  it('negates with ! in both positions of the built-ins', () => {
    const r = rule('-A FORWARD -i docker0 ! -o docker0 -j ACCEPT');
    expect(matchRule(r, { family: 4, in: { name: 'docker0' }, out: { name: 'eth0' } })).toBe('yes');
    expect(matchRule(r, { family: 4, in: { name: 'docker0' }, out: { name: 'docker0' } })).toBe('no');
    // "any interface but docker0" cannot be docker0.
    expect(matchRule(r, { family: 4, in: { name: 'docker0' }, out: { except: ['docker0'] } })).toBe('yes');
  });

  it('treats a trailing + as an interface prefix', () => {
    const r = rule('-A FORWARD -i veth+ -j ACCEPT');
    expect(matchRule(r, { family: 4, in: { name: 'veth1a2b' } })).toBe('yes');
    expect(matchRule(r, { family: 4, in: { name: 'eth0' } })).toBe('no');
    expect(matchRule(r, { family: 4, in: { except: ['docker0'] } })).toBe('maybe');
  });

  it('knows protocol numbers and "all"', () => {
    expect(matchRule(rule('-A FORWARD -p 6 -j ACCEPT'), { family: 4, protocol: 'tcp' })).toBe('yes');
    expect(matchRule(rule('-A FORWARD -p all -j ACCEPT'), { family: 4 })).toBe('yes');
    expect(matchRule(rule('-A FORWARD ! -p udp -j ACCEPT'), { family: 4, protocol: 'tcp' })).toBe('yes');
  });

  it('does not match a fragment rule for ordinary packets', () => {
    expect(matchRule(rule('-A FORWARD -f -j DROP'), { family: 4 })).toBe('no');
    expect(matchRule(rule('-A FORWARD ! -f -j DROP'), { family: 4 })).toBe('yes');
  });
});

describe('"the internet" as an address set', () => {
  it('is inside 0.0.0.0/0, outside private and specific public blocks', () => {
    const internet: PacketClass = { family: 4, src: { internet: true } };
    expect(matchRule(rule('-A FORWARD -s 0.0.0.0/0 -j DROP'), internet)).toBe('yes');
    expect(matchRule(rule('-A FORWARD -s 10.0.0.0/8 -j DROP'), internet)).toBe('no');
    expect(matchRule(rule('-A FORWARD -s 198.51.100.0/24 -j DROP'), internet)).toBe('no');
    // Docker's documented DOCKER-USER filter: everyone but an allowed subnet.
    expect(matchRule(rule('-A DOCKER-USER -i eth0 ! -s 198.51.100.0/24 -j DROP'), { ...internet, in: { name: 'eth0' } })).toBe('yes');
    // A huge public block may or may not hold a given internet host.
    expect(matchRule(rule('-A FORWARD -s 64.0.0.0/2 -j DROP'), internet)).toBe('maybe');
  });

  it('for IPv6 is the global unicast space', () => {
    const internet: PacketClass = { family: 6, src: { internet: true } };
    expect(matchRule(rule('-A FORWARD -s 2000::/3 -j DROP', 'ipv6'), internet)).toBe('yes');
    expect(matchRule(rule('-A FORWARD -s fd00::/8 -j DROP', 'ipv6'), internet)).toBe('no');
    expect(matchRule(rule('-A FORWARD ! -s fe80::/10 -j DROP', 'ipv6'), internet)).toBe('yes');
  });
});

describe('match modules', () => {
  it('conntrack and state: states, DNAT status, original destination port', () => {
    const established = rule('-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
    expect(matchRule(established, { family: 4, out: { name: 'docker0' }, state: 'ESTABLISHED' })).toBe('yes');
    expect(matchRule(established, { family: 4, out: { name: 'docker0' }, state: 'NEW' })).toBe('no');
    expect(matchRule(established, { family: 4, out: { name: 'docker0' } })).toBe('maybe');
    expect(matchRule(rule('-A FORWARD -m state ! --state NEW -j DROP'), { family: 4, state: 'NEW' })).toBe('no');
    expect(matchRule(rule('-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT'), { ...toContainer })).toBe('yes');
    const origPort = rule('-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 8080 --ctdir ORIGINAL -j ACCEPT');
    expect(matchRule(origPort, { ...toContainer, origDport: 8080, direction: 'ORIGINAL' })).toBe('yes');
    expect(matchRule(origPort, { ...toContainer, origDport: 9090, direction: 'ORIGINAL' })).toBe('no');
  });

  it('addrtype: LOCAL for the host\'s own addresses, UNICAST otherwise', () => {
    const r = rule('-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER'.replace('PREROUTING', 'FORWARD').replace('-j DOCKER', '-j ACCEPT'));
    expect(matchRule(r, { family: 4, dstLocal: true })).toBe('yes');
    expect(matchRule(r, { family: 4, dstLocal: false })).toBe('no');
    expect(matchRule(r, { family: 4 })).toBe('maybe');
    expect(matchRule(rule('-A FORWARD -m addrtype ! --dst-type LOCAL -j ACCEPT'), { family: 4, dstLocal: false })).toBe('yes');
  });

  it('multiport lists with ranges', () => {
    const r = rule('-A FORWARD -p tcp -m multiport --dports 80,443,8000:8010 -j ACCEPT');
    expect(matchRule(r, { family: 4, protocol: 'tcp', dport: 8005 })).toBe('yes');
    expect(matchRule(r, { family: 4, protocol: 'tcp', dport: 22 })).toBe('no');
    const either = rule('-A FORWARD -p tcp -m multiport --ports 22 -j ACCEPT');
    expect(matchRule(either, { family: 4, protocol: 'tcp', sport: 22, dport: 40000 })).toBe('yes');
  });

  it('tcp/udp port ranges and negated ports', () => {
    expect(matchRule(rule('-A FORWARD -p tcp -m tcp --dport 1024:65535 -j ACCEPT'), { family: 4, protocol: 'tcp', dport: 8080 })).toBe('yes');
    expect(matchRule(rule('-A FORWARD -p udp -m udp ! --dport 53 -j DROP'), { family: 4, protocol: 'udp', dport: 53 })).toBe('no');
    expect(matchRule(rule('-A FORWARD -p tcp --dport 80 -j ACCEPT'), { family: 4, protocol: 'tcp', dport: 80 })).toBe('yes');
  });

  it('iprange against a class, and its negation', () => {
    const r = rule('-A FORWARD -d 10.0.0.1/32 -m iprange ! --src-range 10.0.0.0-10.255.255.255 -j ACCEPT');
    expect(matchRule(r, { family: 4, src: { internet: true }, dst: { cidr: cidr('10.0.0.1/32') } })).toBe('yes');
    expect(matchRule(r, { family: 4, src: { cidr: cidr('10.9.0.0/16') }, dst: { cidr: cidr('10.0.0.1/32') } })).toBe('no');
  });

  it('answers maybe for state the snapshot cannot show: ipsets, marks, rate limits, unknown modules', () => {
    expect(matchRule(rule('-A FORWARD -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT'), { family: 4 })).toBe('maybe');
    expect(matchRule(rule('-A FORWARD -m mark --mark 0x4000/0x4000 -j ACCEPT'), { family: 4 })).toBe('maybe');
    expect(matchRule(rule('-A FORWARD -m limit --limit 5/min -j ACCEPT'), { family: 4 })).toBe('maybe');
    expect(matchRule(rule('-A FORWARD -m frobnicate --knob 3 -j ACCEPT'), { family: 4 })).toBe('maybe');
    // ... but a criterion that certainly fails still wins.
    expect(matchRule(rule('-A FORWARD -i eth1 -m set --match-set X src -j ACCEPT'), { family: 4, in: { name: 'eth0' } })).toBe('no');
  });

  it('comments never change the answer; physdev-is-bridged never matches routed traffic', () => {
    expect(matchRule(rule('-A FORWARD -m comment --comment "kube-system/kube-dns:dns has no endpoints" -j ACCEPT'), { family: 4 })).toBe('yes');
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT'), { family: 4, bridged: false })).toBe('no');
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-in tap0 -j ACCEPT'), { family: 4, bridged: false })).toBe('no');
    expect(matchRule(rule('-A FORWARD -m physdev ! --physdev-in tap0 -j ACCEPT'), { family: 4, bridged: false })).toBe('yes');
  });

  it('physdev on a bridged frame: its ports by name and prefix, is-in/is-out/is-bridged by where it stands (xt_physdev.c)', () => {
    const forward = { family: 4 as const, bridged: true, in: { name: 'br0' }, out: { name: 'br0' }, physIn: 'tap101i0', physOut: 'eth0' };
    const prerouting = { family: 4 as const, bridged: true, in: { name: 'br0' }, physIn: 'tap101i0' };
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-in tap+ -j ACCEPT'), forward)).toBe('yes');
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-in eth0 -j ACCEPT'), forward)).toBe('no');
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-in tap101i0 --physdev-out eth0 -j ACCEPT'), forward)).toBe('yes');
    expect(matchRule(rule('-A FORWARD -m physdev ! --physdev-out eth0 -j ACCEPT'), forward)).toBe('no');
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT'), forward)).toBe('yes');
    expect(matchRule(rule('-A PREROUTING -m physdev --physdev-is-bridged -j ACCEPT'), prerouting)).toBe('no');
    expect(matchRule(rule('-A PREROUTING -m physdev --physdev-is-in -j ACCEPT'), prerouting)).toBe('yes');
    expect(matchRule(rule('-A PREROUTING -m physdev --physdev-is-out -j ACCEPT'), prerouting)).toBe('no');
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-in tap0 -j ACCEPT'), { family: 4 })).toBe('maybe');
  });

  it('does not confuse option names with object properties', () => {
    expect(matchRule(rule('-A FORWARD -m tcp --constructor 1 -j ACCEPT'), { family: 4 })).toBe('maybe');
    expect(matchRule(rule('-A FORWARD -m constructor --x 1 -j ACCEPT'), { family: 4 })).toBe('maybe');
  });
});
