/**
 * Issue 17, bridged-uplink-filtered, on a real kernel: a KVM-like host whose br0 enslaves the uplink veth
 * (to a "lan" namespace holding the LAN router 192.0.2.1) and carries the host address, a "vm" namespace on
 * br0's port vnet0, and Docker installed (its FORWARD policy DROP, docker0 without containers). br_netfilter
 * is per network namespace: its sysctl and the bridge's own nf_call_iptables are set inside the lab only.
 * Bounded probes prove each state before the real collector takes the snapshot and the audit judges it:
 *  - bridge-nf-call-iptables=1: the VM cannot reach the LAN while the host on the same bridge can: error;
 *  - Docker's documented fix (DOCKER-USER -i br0 -o br0 -j ACCEPT): the VM reaches the LAN: silent;
 *  - the sysctl 0 and the bridge option 0: frames skip iptables, the VM reaches the LAN: silent;
 *  - the sysctl 0 but br0's own nf_call_iptables 1: the kernel filters br0's frames again: error, per bridge.
 * `netaudit trace` from the VM must agree with the kernel each time.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult, Finding } from '../../src/engine/types.js';
import { cleanLeftovers } from './lab.js';
import { auditJson, CLI, ensureBuilt, netaudit, SnapshotText } from './netaudit.js';
import { inNetns, must, run, runSync } from './run.js';
import { startServer, stopServer, type Server } from './servers.js';
import { labSupport, warnIfUnsupported } from './support.js';

const support = labSupport();
warnIfUnsupported('bridged-uplink-filtered lab', support);
/** br_netfilter is in this kernel (the lab never loads modules). */
const BR_NETFILTER = existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables');
if (support.ok && !BR_NETFILTER) console.warn('SKIP bridged-uplink-filtered lab: br_netfilter is not loaded in this kernel');

const RULE = 'bridged-uplink-filtered';
const TAG = 'y';
const ROLES = ['host', 'lan', 'vm'] as const;
type Role = (typeof ROLES)[number];
const LAN_ROUTER = '192.0.2.1';
const HOST_ADDRESS = '192.0.2.10';
const VM_ADDRESS = '192.0.2.50';
const SERVER_PORT = 80;
const SERVER_LIFETIME_MS = 120_000;
const PROBE_TIMEOUT_MS = 5_000;

/** Docker 27's filter and nat rules for docker0 with no container and nothing published. */
const DOCKER_RULES = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
-A DOCKER-USER -j RETURN
COMMIT
`;

const BRIDGE_ACCEPT = ['DOCKER-USER', '-i', 'br0', '-o', 'br0', '-j', 'ACCEPT'];

describe.skipIf(!support.ok || !BR_NETFILTER)('bridged-uplink-filtered in a live netns lab', () => {
  const ns = Object.fromEntries(ROLES.map((r) => [r, `na${TAG}${process.pid}-${r}`])) as Record<Role, string>;
  let dir = '';
  let lanServer: Server | undefined;

  const ip = (role: Role, ...args: string[]) => must(runSync(['ip', '-n', ns[role], ...args]));
  const exec = (role: Role, argv: string[], input?: string) => must(runSync(inNetns(ns[role], argv), input === undefined ? {} : { input }));

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netaudit-e2e-bridged-'));
    ensureBuilt();
    cleanLeftovers(TAG);
    for (const role of ROLES) {
      must(runSync(['ip', 'netns', 'add', ns[role]]));
      ip(role, 'link', 'set', 'lo', 'up');
    }
    // The host: br0 enslaves the uplink eth0 and the VM's vnet0, and holds the host address and default route.
    ip('host', 'link', 'add', 'br0', 'type', 'bridge');
    ip('host', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.lan);
    ip('host', 'link', 'add', 'vnet0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.vm);
    for (const port of ['eth0', 'vnet0']) ip('host', 'link', 'set', port, 'master', 'br0', 'up');
    ip('host', 'link', 'set', 'br0', 'up');
    ip('host', 'addr', 'add', `${HOST_ADDRESS}/24`, 'dev', 'br0');
    ip('host', 'route', 'add', 'default', 'via', LAN_ROUTER, 'dev', 'br0');
    // Docker installed, no container: docker0 up without ports.
    ip('host', 'link', 'add', 'docker0', 'type', 'bridge');
    ip('host', 'addr', 'add', '172.17.0.1/16', 'dev', 'docker0');
    ip('host', 'link', 'set', 'docker0', 'up');
    exec('host', ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.bridge.bridge-nf-call-iptables=0']);
    ip('lan', 'addr', 'add', `${LAN_ROUTER}/24`, 'dev', 'eth0');
    ip('lan', 'link', 'set', 'eth0', 'up');
    ip('vm', 'addr', 'add', `${VM_ADDRESS}/24`, 'dev', 'eth0');
    ip('vm', 'link', 'set', 'eth0', 'up');
    ip('vm', 'route', 'add', 'default', 'via', LAN_ROUTER);
    lanServer = await startServer(ns.lan, 'lan', SERVER_PORT, SERVER_LIFETIME_MS);
  }, 60_000);

  afterAll(() => {
    if (lanServer) stopServer(lanServer);
    for (const role of ROLES) runSync(['ip', 'netns', 'del', ns[role]]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function ping(role: Role, address: string): Promise<boolean> {
    const r = await run(inNetns(ns[role], ['busybox', 'ping', '-c', '1', '-W', '1', address]), { timeoutMs: PROBE_TIMEOUT_MS });
    return r.code === 0;
  }

  async function tcpReply(role: Role, address: string, port: number): Promise<string> {
    const script = `const s=require('node:net').connect({host:process.argv[1],port:+process.argv[2],timeout:1000});let d='';s.on('data',(b)=>d+=b);s.on('end',()=>{process.stdout.write(d);process.exit(0)});s.on('timeout',()=>process.exit(3));s.on('error',()=>process.exit(2));`;
    const r = await run(inNetns(ns[role], [process.execPath, '-e', script, address, String(port)]), { timeoutMs: PROBE_TIMEOUT_MS });
    return r.code === 0 ? r.stdout.trim() : '';
  }

  /** The VM's ping and TCP connection to the LAN router, and the host's own ping over the same bridge. */
  async function probes(): Promise<{ vmPing: boolean; vmTcp: string; hostPing: boolean }> {
    const [vmPing, vmTcp, hostPing] = await Promise.all([ping('vm', LAN_ROUTER), tcpReply('vm', LAN_ROUTER, SERVER_PORT), ping('host', LAN_ROUTER)]);
    return { vmPing, vmTcp, hostPing };
  }

  async function collect(name: string): Promise<string> {
    const file = path.join(dir, `${name}.json`);
    must(await run(inNetns(ns.host, [process.execPath, CLI, 'collect', '--netns', ns.vm, '-o', file]), { timeoutMs: 30_000 }));
    return file;
  }

  function findings(snapshot: string): Finding[] {
    return auditJson<AuditResult>(snapshot, 'error').report.findings.filter((f) => f.ruleId === RULE);
  }

  /** `netaudit trace` of the VM's TCP connection to the LAN router, request and reply. */
  function traceVerdict(snapshot: string): string {
    const r = netaudit(['trace', snapshot, '--from', `netns:${ns.vm}`, '--to', LAN_ROUTER, '--dport', String(SERVER_PORT), '--format', 'json']);
    return (JSON.parse(r.stdout) as { verdict: string }).verdict;
  }

  function expectFinding(snapshot: string, evidence: RegExp[]): void {
    const found = findings(snapshot);
    expect(found.map((f) => `${f.subject.kind} ${f.subject.namespace}/${f.subject.name}`)).toEqual(['bridge host/br0']);
    expect(found[0]!.message).toMatch(/through eth0, and the DROP policy of filter\/FORWARD/);
    const text = new SnapshotText(snapshot);
    const quoted = found[0]!.evidence.map((e) => text.line(e.source, e.line)?.trim() ?? '');
    for (const line of evidence) expect(quoted, `evidence quoting ${line}`).toContainEqual(expect.stringMatching(line));
  }

  it('Docker\'s FORWARD DROP with bridge-nf-call-iptables=1: the VM loses the LAN, the host does not; the audit reports br0', async () => {
    const before = await probes();
    expect(before, 'without Docker\'s rules the VM and the host reach the LAN').toEqual({ vmPing: true, vmTcp: `lan ${VM_ADDRESS}`, hostPing: true });
    exec('host', ['iptables-restore'], DOCKER_RULES);
    exec('host', ['sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=1']);
    expect(await probes()).toEqual({ vmPing: false, vmTcp: '', hostPing: true });
    const snapshot = await collect('filtered');
    expectFinding(snapshot, [/^net\.bridge\.bridge-nf-call-iptables = 1$/, /^:FORWARD DROP \[\d+:\d+\]$/, /"ifname": "eth0"/]);
    expect(traceVerdict(snapshot)).toBe('dropped');
  });

  it('Docker\'s documented fix, DOCKER-USER -i br0 -o br0 -j ACCEPT: the VM reaches the LAN, no finding', async () => {
    exec('host', ['iptables', '-I', ...BRIDGE_ACCEPT]);
    expect(await probes()).toEqual({ vmPing: true, vmTcp: `lan ${VM_ADDRESS}`, hostPing: true });
    const snapshot = await collect('accepted');
    expect(findings(snapshot)).toEqual([]);
    expect(traceVerdict(snapshot)).toBe('delivered');
    exec('host', ['iptables', '-D', ...BRIDGE_ACCEPT]);
  });

  it('the sysctl and the bridge option both 0: frames skip iptables, the VM reaches the LAN, no finding', async () => {
    exec('host', ['sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=0']);
    ip('host', 'link', 'set', 'br0', 'type', 'bridge', 'nf_call_iptables', '0');
    expect((await probes()).vmTcp).toBe(`lan ${VM_ADDRESS}`);
    const snapshot = await collect('skipped');
    expect(findings(snapshot)).toEqual([]);
    expect(traceVerdict(snapshot)).toBe('delivered');
  });

  it("the sysctl 0 but br0's own nf_call_iptables 1: the kernel filters br0's frames again, and the audit says why", async () => {
    ip('host', 'link', 'set', 'br0', 'type', 'bridge', 'nf_call_iptables', '1');
    expect(await probes()).toEqual({ vmPing: false, vmTcp: '', hostPing: true });
    const snapshot = await collect('bridge-option');
    expectFinding(snapshot, [/^net\.bridge\.bridge-nf-call-iptables = 0$/, /"ifname": "br0"/, /^:FORWARD DROP \[\d+:\d+\]$/]);
    expect(findings(snapshot)[0]!.message).toMatch(/br0's own nf_call_iptables is 1/);
    expect(traceVerdict(snapshot)).toBe('dropped');
  });
});
