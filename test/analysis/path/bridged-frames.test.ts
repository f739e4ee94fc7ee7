/**
 * The engine's bridged-frame stage (src/analysis/path/bridged-frames.ts): whether br_netfilter hands a
 * bridge's frames to iptables (the namespace's sysctl OR the bridge's own nf_call_iptables, as the kernel
 * takes them), and what the PREROUTING, FORWARD and POSTROUTING hooks do to a frame bridged between two
 * ports, physdev included. Then the same stage inside a trace, on the captured KVM host with Docker.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interfaceNameMatches, matchRule } from '../../../src/analysis/netfilter/match.js';
import { bridgeCallsNetfilter, bridgedFrame } from '../../../src/analysis/path/bridged-frames.js';
import { PathEngine } from '../../../src/analysis/path/engine.js';
import { describeStep } from '../../../src/analysis/path/hook-question.js';
import { trace } from '../../../src/analysis/path/trace.js';
import type { Packet } from '../../../src/analysis/path/types.js';
import { buildHost } from '../../../src/model/build.js';
import { runAudit } from '../../../src/engine/audit.js';
import { loadRuleCatalog } from '../../../src/engine/catalog.js';
import { parseAddress } from '../../../src/model/net.js';
import type { Host } from '../../../src/model/types.js';
import { loadInput } from '../../../src/snapshot/load.js';
import { PROJECT_ROOT } from '../../helpers/corpus.js';
import { buildTestHost, DOCKER_27, rulesetOf } from '../hosts.js';

/** A Proxmox-like host: vmbr0 enslaves the NIC eth0 and holds the host address; a VM's tap on it. */
function kvmHost(options: { sysctl?: string[]; iptables?: string; ip6tables?: string; bridgeOption?: number; detailed?: boolean } = {}): Host {
  const bridgeData = options.bridgeOption === undefined ? { stp_state: 0 } : { stp_state: 0, nf_call_iptables: options.bridgeOption };
  const links = [
    { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, operstate: 'UNKNOWN', link_type: 'loopback' },
    { ifindex: 2, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, master: 'vmbr0', operstate: 'UP', link_type: 'ether', ...(options.detailed === false ? {} : { linkinfo: { info_slave_kind: 'bridge' } }) },
    { ifindex: 3, ifname: 'vmbr0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', link_type: 'ether', ...(options.detailed === false ? {} : { linkinfo: { info_kind: 'bridge', info_data: bridgeData } }) },
    { ifindex: 4, ifname: 'tap101i0', flags: ['BROADCAST', 'MULTICAST', 'PROMISC', 'UP', 'LOWER_UP'], mtu: 1500, master: 'vmbr0', operstate: 'UNKNOWN', link_type: 'ether', ...(options.detailed === false ? {} : { linkinfo: { info_kind: 'tun', info_slave_kind: 'bridge' } }) },
  ];
  return buildTestHost({
    sysctl: options.sysctl ?? ['net.ipv4.ip_forward = 1', 'net.bridge.bridge-nf-call-iptables = 1'],
    ...(options.iptables === undefined ? {} : { iptables: options.iptables }),
    ...(options.ip6tables === undefined ? {} : { ip6tables: options.ip6tables }),
    addrs: [
      { name: 'lo', index: 1, inet: ['127.0.0.1/8'] },
      { name: 'vmbr0', index: 3, inet: ['192.0.2.10/24'], inet6: ['2001:db8:10::10/64'] },
    ],
    routes: [
      { dst: 'default', gateway: '192.0.2.1', dev: 'vmbr0', protocol: 'static', flags: [] },
      { dst: '192.0.2.0/24', dev: 'vmbr0', protocol: 'kernel', scope: 'link', prefsrc: '192.0.2.10', flags: [] },
    ],
    extra: { 'ip-link': JSON.stringify(links) },
  });
}

const GUEST = parseAddress('192.0.2.50')!.value;
const OUTSIDE = parseAddress('198.51.100.1')!.value;
const NEW = { state: 'NEW', direction: 'ORIGINAL', dnat: false, snat: false } as const;
const frameOut = (): Packet => ({ family: 4, src: GUEST, dst: OUTSIDE, protocol: 'tcp', sport: 40000, dport: 443, mark: 0 });

function frame(host: Host) {
  const engine = new PathEngine(host);
  const view = engine.view(host.host);
  return bridgedFrame(view, host.host.interfaceByName.get('vmbr0')!, 'tap101i0', 'eth0', frameOut(), NEW);
}

function calls(host: Host) {
  return bridgeCallsNetfilter(new PathEngine(host).view(host.host), host.host.interfaceByName.get('vmbr0')!, 4);
}

describe('bridgeCallsNetfilter: the sysctl or the bridge option, per bridge', () => {
  it('bridge-nf-call-iptables = 1: yes, whatever the bridge option says, and the sysctl line proves it', () => {
    for (const bridgeOption of [0, 1, undefined]) {
      const call = calls(kvmHost(bridgeOption === undefined ? {} : { bridgeOption }));
      expect(call.calls).toBe('yes');
      expect(call.evidence.map((e) => e.text)).toEqual(['net.bridge.bridge-nf-call-iptables = 1']);
    }
  });

  it('the sysctl 0 but the bridge\'s own nf_call_iptables 1: yes, quoting both (the kernel takes either)', () => {
    const call = calls(kvmHost({ sysctl: ['net.bridge.bridge-nf-call-iptables = 0'], bridgeOption: 1 }));
    expect(call.calls).toBe('yes');
    expect(call.note).toMatch(/vmbr0's own nf_call_iptables is 1/);
    expect(call.evidence.map((e) => e.source)).toEqual(['sysctl', 'ip-link']);
  });

  it('both 0: no; the bridge option not printed (ip link without -d): the kernel default assumed, said so', () => {
    expect(calls(kvmHost({ sysctl: ['net.bridge.bridge-nf-call-iptables = 0'], bridgeOption: 0 })).calls).toBe('no');
    const assumed = calls(kvmHost({ sysctl: ['net.bridge.bridge-nf-call-iptables = 0'], detailed: false }));
    expect(assumed.calls).toBe('no');
    expect(assumed.note).toMatch(/default 0 assumed/);
  });

  it('br_netfilter not loaded (no net.bridge keys): no; sysctl -a not collected: maybe', () => {
    expect(calls(kvmHost({ sysctl: ['net.ipv4.ip_forward = 1'] })).calls).toBe('no');
    const unknown = buildTestHost({ extra: { sysctl: { status: 'not-collected', reason: 'test' } }, links: [{ name: 'lo', index: 1 }, { name: 'br0', index: 2, kind: 'bridge' }], addrs: [] });
    expect(bridgeCallsNetfilter(new PathEngine(unknown).view(unknown.host), unknown.host.interfaceByName.get('br0')!, 4).calls).toBe('maybe');
  });
});

describe('physdev matches, for any port names (xt_physdev.c)', () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
  const rule = (options: string) => rulesetOf(`*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -m physdev ${options} -j ACCEPT\nCOMMIT\n`).tables.get('filter')!.chains.get('FORWARD')!.rules[0]!;

  it('a bridged frame matches --physdev-in/--physdev-out exactly as iptables names match (prefix+), negation flips it; a routed packet never matches them', () => {
    fc.assert(
      fc.property(name, name, name, fc.boolean(), (physIn, physOut, pattern, prefix) => {
        const spec = prefix ? `${pattern.slice(0, 2)}+` : pattern;
        const frame = { family: 4 as const, bridged: true, physIn, physOut };
        for (const [option, port] of [['--physdev-in', physIn], ['--physdev-out', physOut]] as const) {
          const expected = interfaceNameMatches(spec, port) ? 'yes' : 'no';
          expect(matchRule(rule(`${option} ${spec}`), frame)).toBe(expected);
          expect(matchRule(rule(`! ${option} ${spec}`), frame)).toBe(expected === 'yes' ? 'no' : 'yes');
          expect(matchRule(rule(`${option} ${spec}`), { family: 4, bridged: false })).toBe('no');
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('bridgedFrame: the hooks a bridged frame crosses', () => {
  const dockerFilter = DOCKER_27;

  it("Docker's FORWARD policy DROP drops a guest's frame bridged from its tap to the NIC", () => {
    const f = frame(kvmHost({ iptables: dockerFilter }));
    expect(f.drop).toBeDefined();
    expect(describeStep(f.drop!)).toMatch(/^the DROP policy of filter\/FORWARD/);
    expect(f.steps[0]).toMatchObject({ stage: 'bridge', verdict: 'continue', note: expect.stringMatching(/^bridged from tap101i0 to eth0; net\.bridge\.bridge-nf-call-iptables = 1/) });
    // Docker 27 has no raw or mangle table, and the nat chains do not run for bridged frames.
    expect(f.steps.map((s) => s.stage)).toEqual(['bridge', 'forward']);
  });

  it('Docker\'s documented DOCKER-USER accept for the bridge, or an accept by physdev, lets it through', () => {
    const dockerUser = dockerFilter.replace('[9100:7654321] -A DOCKER-USER -j RETURN', '[0:0] -A DOCKER-USER -i vmbr0 -o vmbr0 -j ACCEPT\n[9100:7654321] -A DOCKER-USER -j RETURN');
    expect(frame(kvmHost({ iptables: dockerUser })).drop).toBeUndefined();
    const physdev = dockerFilter.replace('[9100:7654321] -A FORWARD -j DOCKER-USER', '[0:0] -A FORWARD -m physdev --physdev-is-bridged -j ACCEPT\n[9100:7654321] -A FORWARD -j DOCKER-USER');
    const passed = frame(kvmHost({ iptables: physdev }));
    expect(passed.drop).toBeUndefined();
    expect(passed.certain).toBe(true);
    // Accepting only frames from another port does not help this guest.
    const otherPort = dockerFilter.replace('[9100:7654321] -A FORWARD -j DOCKER-USER', '[0:0] -A FORWARD -m physdev --physdev-in tap102i0 -j ACCEPT\n[9100:7654321] -A FORWARD -j DOCKER-USER');
    expect(frame(kvmHost({ iptables: otherPort })).drop).toBeDefined();
  });

  it('frames skip iptables when neither the sysctl nor the bridge option is on: one bridge step, nothing dropped', () => {
    const f = frame(kvmHost({ iptables: dockerFilter, sysctl: ['net.bridge.bridge-nf-call-iptables = 0'], bridgeOption: 0 }));
    expect(f.drop).toBeUndefined();
    expect(f.steps.map((s) => s.stage)).toEqual(['bridge']);
    expect(frame(kvmHost({ iptables: dockerFilter, sysctl: ['net.bridge.bridge-nf-call-iptables = 0'], bridgeOption: 1 })).drop).toBeDefined();
  });
});

describe('bridged-uplink-filtered on a Proxmox-like host (vmbr0 enslaves the NIC, a VM tap)', () => {
  const FILTER = (forward: 'ACCEPT' | 'DROP') => `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ${forward} [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n`;
  const SYSCTL = ['net.ipv4.ip_forward = 1', 'net.bridge.bridge-nf-call-iptables = 1', 'net.bridge.bridge-nf-call-ip6tables = 1'];
  const audit = async (host: Host) => (await runAudit(host, await loadRuleCatalog(), { input: 'kvm', only: ['bridged-uplink-filtered'] })).findings;

  it('IPv4 FORWARD DROP: a guest of the bridge subnet (no namespace collected behind the tap) is cut off, named by its free address', async () => {
    const [finding, ...rest] = await audit(kvmHost({ sysctl: SYSCTL, iptables: FILTER('DROP'), ip6tables: FILTER('ACCEPT') }));
    expect(rest).toEqual([]);
    expect(finding?.subject).toEqual({ kind: 'bridge', name: 'vmbr0', namespace: 'host' });
    expect(finding?.message).toMatch(/^vmbr0 bridges guests onto the LAN through eth0, and the DROP policy of filter\/FORWARD/);
    expect(finding?.message).toMatch(/TCP from 192\.0\.2\.2 to 198\.51\.100\.1:443, bridged by vmbr0 from tap101i0 to eth0, from a guest/);
  });

  it("only ip6tables' FORWARD DROP (Docker's ip6tables, moby#48365): the guests' IPv6 is cut off and reported", async () => {
    const [finding] = await audit(kvmHost({ sysctl: SYSCTL, iptables: FILTER('ACCEPT'), ip6tables: FILTER('DROP') }));
    expect(finding?.message).toMatch(/TCP from 2001:db8:10::2 to \[2001:db8:ffff::1\]:443/);
    expect(finding?.message).toMatch(/net\.bridge\.bridge-nf-call-ip6tables = 1/);
    expect(finding?.evidence.map((e) => e.source)).toContain('ip6tables-save');
  });

  it('FORWARD open in both families, or no NIC on the bridge (a routed bridge like docker0): silent', async () => {
    expect(await audit(kvmHost({ sysctl: SYSCTL, iptables: FILTER('ACCEPT'), ip6tables: FILTER('ACCEPT') }))).toEqual([]);
    expect(await audit(buildTestHost({ sysctl: SYSCTL, iptables: FILTER('DROP') }))).toEqual([]);
  });
});

describe('trace through the captured KVM host with Docker (fixtures/rules/bridged-uplink-filtered)', () => {
  async function load(side: 'fail' | 'pass'): Promise<Host> {
    return buildHost((await loadInput(path.join(PROJECT_ROOT, 'fixtures/rules/bridged-uplink-filtered', side))).snapshot);
  }

  it('the VM\'s connection to the LAN gateway dies at the FORWARD policy, bridged from vnet0 to eth0', async () => {
    const result = trace(await load('fail'), { from: 'netns:vm', to: '192.0.2.1', protocol: 'tcp', dport: 80, oneWay: true });
    expect(result.verdict).toBe('dropped');
    const steps = result.request.steps;
    expect(steps.find((s) => s.stage === 'bridge')?.note).toMatch(/^bridged from vnet0 to eth0; net\.bridge\.bridge-nf-call-iptables = 1/);
    expect(steps.at(-1)).toMatchObject({ namespace: 'host', stage: 'forward', verdict: 'drop', rule: 'policy DROP' });
  });

  it('with DOCKER-USER accepting -i br0 -o br0, the frame leaves by eth0 towards the gateway (beyond the snapshot)', async () => {
    const result = trace(await load('pass'), { from: 'netns:vm', to: '192.0.2.1', protocol: 'tcp', dport: 80, oneWay: true });
    expect(result.verdict).not.toBe('dropped');
    expect(result.request.steps.some((s) => s.stage === 'forward' && s.verdict === 'accept' && s.rule?.startsWith('DOCKER-USER'))).toBe(true);
  });
});
