/**
 * overlay-port-blocked on a real kernel: two namespaces joined by a veth (the underlay, 192.0.2.0/24), a
 * VXLAN device on each (VNI 42, remote/local/dev, no dstport: the kernel's default port), overlay addresses
 * in 198.51.100.0/24. A ping across the overlay works; a DROP of the VXLAN port in the audited side's INPUT
 * (iptables, then native nftables) breaks it and the rule names vx0, the port and the dropping line; an INPUT
 * policy DROP that accepts the port from the underlay keeps it working and the rule silent. Snapshots come
 * from the real collector. Only namespaces this file creates (`naf<pid>-ov…`) are touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit, FieldLab, findingsOf, writeRawFixture } from './field-lab.js';
import { runSync } from './run.js';
import { labSupport, warnIfUnsupported } from './support.js';

const RULE = 'overlay-port-blocked';
const support = labSupport();
const hasNft = support.ok && runSync(['sh', '-c', 'command -v nft']).code === 0;
warnIfUnsupported('overlay-port-blocked lab', support);

const A_UNDERLAY = '192.0.2.1';
const B_UNDERLAY = '192.0.2.2';
const A_OVERLAY = '198.51.100.1';
const B_OVERLAY = '198.51.100.2';
/** The kernel's VXLAN port when a device is made without dstport (Linux's historical 8472, flannel's). */
const DEFAULT_PORT = 8472;

describe.skipIf(!support.ok)('overlay-port-blocked lab: a VXLAN overlay between two namespaces', () => {
  const lab = new FieldLab('ov', ['a', 'b'] as const);

  beforeAll(() => {
    lab.create();
    // The audited side forwards, as an overlay node does (pods behind the VXLAN device).
    lab.sysctl('a', 'net.ipv4.ip_forward=1');
    lab.ip('a', 'link', 'add', 'ul0', 'type', 'veth', 'peer', 'name', 'ul0', 'netns', lab.ns.b);
    for (const [role, own, peer, overlay] of [['a', A_UNDERLAY, B_UNDERLAY, A_OVERLAY], ['b', B_UNDERLAY, A_UNDERLAY, B_OVERLAY]] as const) {
      lab.ip(role, 'addr', 'add', `${own}/24`, 'dev', 'ul0');
      lab.ip(role, 'link', 'set', 'ul0', 'up');
      // No dstport: iproute2 warns on stderr and the kernel picks its default.
      lab.ip(role, 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'remote', peer, 'local', own, 'dev', 'ul0');
      lab.ip(role, 'addr', 'add', `${overlay}/24`, 'dev', 'vx0');
      lab.ip(role, 'link', 'set', 'vx0', 'up');
    }
  });

  afterAll(() => {
    lab.destroy();
  });

  it('healthy: the overlay carries a ping, ip -d link shows the default port, the rule is silent', async () => {
    const probe = await lab.ping('b', A_OVERLAY);
    expect(probe.ok, probe.detail).toBe(true);
    const snapshot = await lab.collect('a', [], 'healthy');
    const links = JSON.parse(snapshot.namespaces[0]!.sources['ip-link']!.stdout) as { ifname: string; linkinfo?: { info_data?: { port?: number } } }[];
    expect(links.find((l) => l.ifname === 'vx0')?.linkinfo?.info_data?.port).toBe(DEFAULT_PORT);
    const result = await audit(snapshot, [RULE]);
    expect(findingsOf(result, RULE)).toEqual([]);
    expect(result.passed.some((p) => p.ruleId === RULE && p.subject.name === 'vx0')).toBe(true);
  });

  it('iptables drops the VXLAN port in INPUT: the overlay is cut and the rule names vx0, the port and the line', async () => {
    lab.exec('a', ['iptables', '-A', 'INPUT', '-p', 'udp', '--dport', String(DEFAULT_PORT), '-j', 'DROP']);
    try {
      const probe = await lab.ping('b', A_OVERLAY);
      expect(probe.ok, probe.detail).toBe(false);
      const snapshot = await lab.collect('a', [], 'iptables-drop');
      writeRawFixture(snapshot, `fixtures/rules/${RULE}/fail`, new Map());
      const findings = findingsOf(await audit(snapshot, [RULE]), RULE);
      expect(findings.map((f) => [f.subject.namespace, f.subject.name])).toEqual([['host', 'vx0']]);
      expect(findings[0]!.message).toContain(`VXLAN VNI 42 receives its peers on UDP ${DEFAULT_PORT} through ul0`);
      expect(findings[0]!.message).toContain(`udp ${B_UNDERLAY}:40000 > ${A_UNDERLAY}:${DEFAULT_PORT}`);
      const primary = findings[0]!.evidence.find((e) => e.primary);
      expect(primary?.source).toBe('iptables-save');
      expect(primary?.text).toMatch(new RegExp(`-A INPUT -p udp -m udp --dport ${DEFAULT_PORT} -j DROP$`));
    } finally {
      lab.exec('a', ['iptables', '-F', 'INPUT']);
    }
  });

  it.skipIf(!hasNft)('native nftables drops it: the same finding, naming the nft rule', async () => {
    lab.exec('a', ['nft', 'add', 'table', 'inet', 'naf_overlay']);
    lab.exec('a', ['nft', 'add', 'chain', 'inet', 'naf_overlay', 'input', '{ type filter hook input priority 0; policy accept; }']);
    lab.exec('a', ['nft', 'add', 'rule', 'inet', 'naf_overlay', 'input', 'udp', 'dport', String(DEFAULT_PORT), 'drop']);
    try {
      const probe = await lab.ping('b', A_OVERLAY);
      expect(probe.ok, probe.detail).toBe(false);
      const findings = findingsOf(await audit(await lab.collect('a', [], 'nft-drop'), [RULE]), RULE);
      expect(findings.map((f) => f.subject.name)).toEqual(['vx0']);
      expect(findings[0]!.message).toMatch(/naf_overlay/);
      expect(findings[0]!.evidence.find((e) => e.primary)?.source).toBe('nft-ruleset');
    } finally {
      lab.exec('a', ['nft', 'delete', 'table', 'inet', 'naf_overlay']);
    }
  });

  it('INPUT policy DROP that accepts the port from the underlay: the overlay works and the rule is silent', async () => {
    for (const rule of [
      ['-A', 'INPUT', '-i', 'lo', '-j', 'ACCEPT'],
      ['-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
      ['-A', 'INPUT', '-i', 'ul0', '-s', '192.0.2.0/24', '-p', 'udp', '--dport', String(DEFAULT_PORT), '-j', 'ACCEPT'],
      ['-A', 'INPUT', '-i', 'vx0', '-j', 'ACCEPT'],
      ['-P', 'INPUT', 'DROP'],
    ]) {
      lab.exec('a', ['iptables', ...rule]);
    }
    const probe = await lab.ping('b', A_OVERLAY);
    expect(probe.ok, probe.detail).toBe(true);
    const snapshot = await lab.collect('a', [], 'policy-drop-open');
    writeRawFixture(snapshot, `fixtures/rules/${RULE}/pass`, new Map());
    const result = await audit(snapshot, [RULE]);
    expect(findingsOf(result, RULE)).toEqual([]);
    expect(result.passed.some((p) => p.ruleId === RULE && p.subject.name === 'vx0')).toBe(true);
  });
});
