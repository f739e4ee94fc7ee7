/**
 * bridged-uplink-filtered in its IPv6 form, on a real kernel: the host of field-faults-bridged.e2e.test.ts
 * (bridged-lab.ts: br0 enslaves the uplink veth to a "lan" namespace holding the LAN router, carries the host's
 * addresses, and bridges a "vm" namespace on vnet0; Docker installed, docker0 without containers), dual-stack,
 * with Docker's ip6tables rules (its IPv6 FORWARD policy DROP). bridge-nf-call-iptables stays 0 throughout, so
 * the VM's IPv4 keeps working and every finding is IPv6's own: br_netfilter hands bridged IPv6 frames to
 * ip6tables when net.bridge.bridge-nf-call-ip6tables is 1 or the bridge's own nf_call_ip6tables is on. The
 * sysctls and the bridge option are set inside the lab's namespace only; documentation addresses
 * (2001:db8::/32, 192.0.2.0/24) and a ULA for docker0. Bounded probes (ping -6, TCP over IPv6) prove each
 * state before the real collector takes the snapshot and the audit judges it:
 *  - bridge-nf-call-ip6tables=1: the VM loses the LAN over IPv6 (not over IPv4), the host does not: error;
 *  - Docker's documented fix for IPv6 (ip6tables DOCKER-USER -i br0 -o br0 -j ACCEPT): silent;
 *  - the sysctl 0 (bridge option 0): bridged IPv6 frames skip ip6tables: silent;
 *  - the sysctl 0 but br0's own nf_call_ip6tables 1: the kernel filters them again: error.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/engine/types.js';
import { BridgedLab, bridgedFindings, findingSubjects, IPV4_PLAN, quotedEvidence, type FamilyPlan, type Probes } from './bridged-lab.js';
import { runSync } from './run.js';
import { labSupport, warnIfUnsupported } from './support.js';

const support = labSupport();
warnIfUnsupported('bridged-uplink-filtered IPv6 lab', support);
/** br_netfilter is in this kernel (the lab never loads modules), and ip6tables is installed. */
const BR_NETFILTER_IP6 = existsSync('/proc/sys/net/bridge/bridge-nf-call-ip6tables');
const IP6TABLES = ['ip6tables', 'ip6tables-restore', 'ip6tables-save'].every((tool) => runSync(['sh', '-c', `command -v ${tool}`]).code === 0);
if (support.ok && !BR_NETFILTER_IP6) console.warn('SKIP bridged-uplink-filtered IPv6 lab: br_netfilter is not loaded in this kernel');
if (support.ok && !IP6TABLES) console.warn('SKIP bridged-uplink-filtered IPv6 lab: ip6tables is not installed');

/** Namespaces `nab6-<pid>-<role>`: cleanLeftovers matches `na` + this tag + the pid. */
const TAG = 'b6-';
const IPV6_PLAN: FamilyPlan = { family: 6, prefixLength: 64, lanRouter: '2001:db8:10::1', host: '2001:db8:10::a', vm: '2001:db8:10::50' };

/** The probes of IPv6 and the VM's ping to the LAN router over IPv4. */
type DualProbes = Probes & { vmPing4: boolean };
const REACHED: DualProbes = { vmPing: true, vmTcp: `lan ${IPV6_PLAN.vm}`, hostPing: true, vmPing4: true };
const CUT_OFF: DualProbes = { vmPing: false, vmTcp: '', hostPing: true, vmPing4: true };

describe.skipIf(!support.ok || !BR_NETFILTER_IP6 || !IP6TABLES)('bridged-uplink-filtered (IPv6) in a live netns lab', () => {
  const lab = new BridgedLab(TAG, [IPV6_PLAN, IPV4_PLAN]);
  const traceVerdict = (snapshot: string) => lab.traceVerdict(snapshot, IPV6_PLAN);

  beforeAll(() => lab.create(), 60_000);
  afterAll(() => lab.destroy());

  async function probes(): Promise<DualProbes> {
    const [ipv6, vmPing4] = await Promise.all([lab.probes(IPV6_PLAN), lab.ping('vm', IPV4_PLAN.lanRouter)]);
    return { ...ipv6, vmPing4 };
  }

  /** The one finding, on br0, about an IPv6 frame, quoting each expected line from the source named. */
  function expectFinding(snapshot: string, evidence: [source: string, line: RegExp][]): Finding {
    const found = bridgedFindings(snapshot);
    expect(findingSubjects(found)).toEqual(['bridge host/br0']);
    const finding = found[0]!;
    expect(finding.message).toMatch(/through eth0, and the DROP policy of .*FORWARD/);
    expect(finding.message).toContain(`from ${IPV6_PLAN.vm}`);
    expect(finding.message).toContain(`namespace ${lab.ns.vm}`);
    const quoted = quotedEvidence(snapshot, finding);
    for (const [source, line] of evidence) expect(quoted, `evidence quoting ${line} from ${source}`).toContainEqual({ source, text: expect.stringMatching(line) });
    // Nothing of IPv4's filtering is quoted: its frames skip iptables here.
    expect(quoted.map((q) => q.source)).not.toContain('iptables-save');
    return finding;
  }

  it("Docker's ip6tables FORWARD DROP with bridge-nf-call-ip6tables=1: the VM loses the LAN over IPv6 only; the audit reports br0", async () => {
    expect(await probes(), 'without Docker\'s rules the VM and the host reach the LAN').toEqual(REACHED);
    lab.restoreDockerRules(4);
    lab.restoreDockerRules(6);
    expect(await probes(), 'bridge-nf-call-ip6tables still 0: the rules do not see bridged frames').toEqual(REACHED);
    lab.exec('host', ['sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-ip6tables=1']);
    expect(await probes()).toEqual(CUT_OFF);
    const snapshot = await lab.collect('filtered');
    const finding = expectFinding(snapshot, [
      ['sysctl', /^net\.bridge\.bridge-nf-call-ip6tables = 1$/],
      ['ip6tables-save', /^:FORWARD DROP \[\d+:\d+\]$/],
      ['ip-link', /"ifname": "eth0"/],
      ['ip-link', /"ifname": "br0"/],
    ]);
    expect(finding.message).toContain('bridge-nf-call-ip6tables');
    expect(traceVerdict(snapshot)).toBe('dropped');
  });

  it("Docker's documented fix in ip6tables, DOCKER-USER -i br0 -o br0 -j ACCEPT: the VM reaches the LAN, no finding", async () => {
    lab.bridgeAccept(6, '-I');
    expect(await probes()).toEqual(REACHED);
    const snapshot = await lab.collect('accepted');
    expect(bridgedFindings(snapshot)).toEqual([]);
    expect(traceVerdict(snapshot)).toBe('delivered');
    lab.bridgeAccept(6, '-D');
    expect((await probes()).vmPing, 'without the ACCEPT the drop is back').toBe(false);
  });

  it('bridge-nf-call-ip6tables=0 and the bridge option 0: IPv6 frames skip ip6tables, the VM reaches the LAN, no finding', async () => {
    lab.exec('host', ['sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-ip6tables=0']);
    lab.ip('host', 'link', 'set', 'br0', 'type', 'bridge', 'nf_call_ip6tables', '0');
    expect(await probes()).toEqual(REACHED);
    const snapshot = await lab.collect('skipped');
    expect(bridgedFindings(snapshot)).toEqual([]);
    expect(traceVerdict(snapshot)).toBe('delivered');
  });

  it("the sysctl 0 but br0's own nf_call_ip6tables 1: the kernel filters its IPv6 frames again, and the audit says why", async () => {
    lab.ip('host', 'link', 'set', 'br0', 'type', 'bridge', 'nf_call_ip6tables', '1');
    expect(await probes()).toEqual(CUT_OFF);
    const snapshot = await lab.collect('bridge-option');
    const finding = expectFinding(snapshot, [
      ['sysctl', /^net\.bridge\.bridge-nf-call-ip6tables = 0$/],
      ['ip-link', /"ifname": "br0"/],
      ['ip6tables-save', /^:FORWARD DROP \[\d+:\d+\]$/],
    ]);
    expect(finding.message).toMatch(/br0's own nf_call_ip6tables is 1/);
    expect(traceVerdict(snapshot)).toBe('dropped');
  });
});
