/**
 * Issue 17, bridged-uplink-filtered, on a real kernel: a KVM-like host whose br0 enslaves the uplink veth
 * (to a "lan" namespace holding the LAN router 192.0.2.1) and carries the host address, a "vm" namespace on
 * br0's port vnet0, and Docker installed (its FORWARD policy DROP, docker0 without containers): bridged-lab.ts.
 * br_netfilter is per network namespace: its sysctl and the bridge's own nf_call_iptables are set inside the
 * lab only. Bounded probes prove each state before the real collector takes the snapshot and the audit judges it:
 *  - bridge-nf-call-iptables=1: the VM cannot reach the LAN while the host on the same bridge can: error;
 *  - Docker's documented fix (DOCKER-USER -i br0 -o br0 -j ACCEPT): the VM reaches the LAN: silent;
 *  - the sysctl 0 and the bridge option 0: frames skip iptables, the VM reaches the LAN: silent;
 *  - the sysctl 0 but br0's own nf_call_iptables 1: the kernel filters br0's frames again: error, per bridge.
 * `netaudit trace` from the VM must agree with the kernel each time.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgedLab, bridgedFindings, findingSubjects, IPV4_PLAN, quotedEvidence, type Probes } from './bridged-lab.js';
import { labSupport, warnIfUnsupported } from './support.js';

const support = labSupport();
warnIfUnsupported('bridged-uplink-filtered lab', support);
/** br_netfilter is in this kernel (the lab never loads modules). */
const BR_NETFILTER = existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables');
if (support.ok && !BR_NETFILTER) console.warn('SKIP bridged-uplink-filtered lab: br_netfilter is not loaded in this kernel');

/** Namespaces `nay<pid>-<role>`. */
const TAG = 'y';
const REACHED: Probes = { vmPing: true, vmTcp: `lan ${IPV4_PLAN.vm}`, hostPing: true };
const CUT_OFF: Probes = { vmPing: false, vmTcp: '', hostPing: true };

describe.skipIf(!support.ok || !BR_NETFILTER)('bridged-uplink-filtered in a live netns lab', () => {
  const lab = new BridgedLab(TAG, [IPV4_PLAN]);
  const probes = () => lab.probes(IPV4_PLAN);
  const traceVerdict = (snapshot: string) => lab.traceVerdict(snapshot, IPV4_PLAN);

  beforeAll(() => lab.create(), 60_000);
  afterAll(() => lab.destroy());

  function expectFinding(snapshot: string, evidence: RegExp[]): void {
    const found = bridgedFindings(snapshot);
    expect(findingSubjects(found)).toEqual(['bridge host/br0']);
    expect(found[0]!.message).toMatch(/through eth0, and the DROP policy of filter\/FORWARD/);
    const quoted = quotedEvidence(snapshot, found[0]!).map((q) => q.text);
    for (const line of evidence) expect(quoted, `evidence quoting ${line}`).toContainEqual(expect.stringMatching(line));
  }

  it('Docker\'s FORWARD DROP with bridge-nf-call-iptables=1: the VM loses the LAN, the host does not; the audit reports br0', async () => {
    expect(await probes(), 'without Docker\'s rules the VM and the host reach the LAN').toEqual(REACHED);
    lab.restoreDockerRules(4);
    lab.exec('host', ['sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=1']);
    expect(await probes()).toEqual(CUT_OFF);
    const snapshot = await lab.collect('filtered');
    expectFinding(snapshot, [/^net\.bridge\.bridge-nf-call-iptables = 1$/, /^:FORWARD DROP \[\d+:\d+\]$/, /"ifname": "eth0"/]);
    expect(traceVerdict(snapshot)).toBe('dropped');
  });

  it('Docker\'s documented fix, DOCKER-USER -i br0 -o br0 -j ACCEPT: the VM reaches the LAN, no finding', async () => {
    lab.bridgeAccept(4, '-I');
    expect(await probes()).toEqual(REACHED);
    const snapshot = await lab.collect('accepted');
    expect(bridgedFindings(snapshot)).toEqual([]);
    expect(traceVerdict(snapshot)).toBe('delivered');
    lab.bridgeAccept(4, '-D');
  });

  it('the sysctl and the bridge option both 0: frames skip iptables, the VM reaches the LAN, no finding', async () => {
    lab.exec('host', ['sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=0']);
    lab.ip('host', 'link', 'set', 'br0', 'type', 'bridge', 'nf_call_iptables', '0');
    expect((await probes()).vmTcp).toBe(REACHED.vmTcp);
    const snapshot = await lab.collect('skipped');
    expect(bridgedFindings(snapshot)).toEqual([]);
    expect(traceVerdict(snapshot)).toBe('delivered');
  });

  it("the sysctl 0 but br0's own nf_call_iptables 1: the kernel filters br0's frames again, and the audit says why", async () => {
    lab.ip('host', 'link', 'set', 'br0', 'type', 'bridge', 'nf_call_iptables', '1');
    expect(await probes()).toEqual(CUT_OFF);
    const snapshot = await lab.collect('bridge-option');
    expectFinding(snapshot, [/^net\.bridge\.bridge-nf-call-iptables = 0$/, /"ifname": "br0"/, /^:FORWARD DROP \[\d+:\d+\]$/]);
    expect(bridgedFindings(snapshot)[0]!.message).toMatch(/br0's own nf_call_iptables is 1/);
    expect(traceVerdict(snapshot)).toBe('dropped');
  });
});
