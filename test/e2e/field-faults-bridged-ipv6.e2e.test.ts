/**
 * bridged-uplink-filtered in its IPv6 form, on a real kernel: the host of field-faults-bridged.e2e.test.ts
 * (br0 enslaves the uplink veth to a "lan" namespace holding the LAN router, carries the host's addresses,
 * and bridges a "vm" namespace on vnet0; Docker installed, docker0 without containers), dual-stack, with
 * Docker's ip6tables rules (its IPv6 FORWARD policy DROP). bridge-nf-call-iptables stays 0 throughout, so the
 * VM's IPv4 keeps working and every finding is IPv6's own: br_netfilter hands bridged IPv6 frames to ip6tables
 * when net.bridge.bridge-nf-call-ip6tables is 1 or the bridge's own nf_call_ip6tables is on. The sysctls and
 * the bridge option are set inside the lab's namespace only; documentation addresses (2001:db8::/32,
 * 192.0.2.0/24) and a ULA for docker0. Bounded probes (ping -6, TCP over IPv6) prove each state before the
 * real collector takes the snapshot and the audit judges it:
 *  - bridge-nf-call-ip6tables=1: the VM loses the LAN over IPv6 (not over IPv4), the host does not: error;
 *  - Docker's documented fix for IPv6 (ip6tables DOCKER-USER -i br0 -o br0 -j ACCEPT): silent;
 *  - the sysctl 0 (bridge option 0): bridged IPv6 frames skip ip6tables: silent;
 *  - the sysctl 0 but br0's own nf_call_ip6tables 1: the kernel filters them again: error.
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
warnIfUnsupported('bridged-uplink-filtered IPv6 lab', support);
/** br_netfilter is in this kernel (the lab never loads modules), and ip6tables is installed. */
const BR_NETFILTER_IP6 = existsSync('/proc/sys/net/bridge/bridge-nf-call-ip6tables');
const IP6TABLES = ['ip6tables', 'ip6tables-restore', 'ip6tables-save'].every((tool) => runSync(['sh', '-c', `command -v ${tool}`]).code === 0);
if (support.ok && !BR_NETFILTER_IP6) console.warn('SKIP bridged-uplink-filtered IPv6 lab: br_netfilter is not loaded in this kernel');
if (support.ok && !IP6TABLES) console.warn('SKIP bridged-uplink-filtered IPv6 lab: ip6tables is not installed');

const RULE = 'bridged-uplink-filtered';
/** Namespaces `nab6-<pid>-<role>`: cleanLeftovers matches `na` + this tag + the pid. */
const TAG = 'b6-';
const ROLES = ['host', 'lan', 'vm'] as const;
type Role = (typeof ROLES)[number];
const LAN_ROUTER = '2001:db8:10::1';
const HOST_ADDRESS = '2001:db8:10::a';
const VM_ADDRESS = '2001:db8:10::50';
const LAN_ROUTER_V4 = '192.0.2.1';
const SERVER_PORT = 80;
const SERVER_LIFETIME_MS = 120_000;
const PROBE_TIMEOUT_MS = 5_000;

/** Docker 27's IPv4 rules for docker0 with no container: inert here (bridge-nf-call-iptables stays 0). */
const DOCKER_RULES_V4 = `*nat
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
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A DOCKER-USER -j RETURN
COMMIT
`;

/** Docker 27's ip6tables rules with "ip6tables": true and docker0 on a ULA (fixed-cidr-v6), no container. */
const DOCKER_RULES_V6 = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d ::1/128 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s fd00:d0c:17::/64 ! -o docker0 -j MASQUERADE
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

interface Probes {
  vmPing6: boolean;
  vmTcp6: string;
  hostPing6: boolean;
  vmPing4: boolean;
}

describe.skipIf(!support.ok || !BR_NETFILTER_IP6 || !IP6TABLES)('bridged-uplink-filtered (IPv6) in a live netns lab', () => {
  const ns = Object.fromEntries(ROLES.map((r) => [r, `na${TAG}${process.pid}-${r}`])) as Record<Role, string>;
  let dir = '';
  let lanServer: Server | undefined;

  const ip = (role: Role, ...args: string[]) => must(runSync(['ip', '-n', ns[role], ...args]));
  const exec = (role: Role, argv: string[], input?: string) => must(runSync(inNetns(ns[role], argv), input === undefined ? {} : { input }));

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netaudit-e2e-bridged6-'));
    ensureBuilt();
    cleanLeftovers(TAG);
    for (const role of ROLES) {
      must(runSync(['ip', 'netns', 'add', ns[role]]));
      ip(role, 'link', 'set', 'lo', 'up');
    }
    ip('host', 'link', 'add', 'br0', 'type', 'bridge');
    ip('host', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.lan);
    ip('host', 'link', 'add', 'vnet0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.vm);
    for (const port of ['eth0', 'vnet0']) ip('host', 'link', 'set', port, 'master', 'br0', 'up');
    ip('host', 'link', 'set', 'br0', 'up');
    // nodad: the addresses are usable at once, not tentative for the probes' first second.
    ip('host', 'addr', 'add', `${HOST_ADDRESS}/64`, 'dev', 'br0', 'nodad');
    ip('host', 'addr', 'add', '192.0.2.10/24', 'dev', 'br0');
    ip('host', '-6', 'route', 'add', 'default', 'via', LAN_ROUTER, 'dev', 'br0');
    ip('host', 'route', 'add', 'default', 'via', LAN_ROUTER_V4, 'dev', 'br0');
    ip('host', 'link', 'add', 'docker0', 'type', 'bridge');
    ip('host', 'addr', 'add', '172.17.0.1/16', 'dev', 'docker0');
    ip('host', 'addr', 'add', 'fd00:d0c:17::1/64', 'dev', 'docker0', 'nodad');
    ip('host', 'link', 'set', 'docker0', 'up');
    exec('host', ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.bridge.bridge-nf-call-iptables=0', 'net.bridge.bridge-nf-call-ip6tables=0']);
    ip('lan', 'addr', 'add', `${LAN_ROUTER}/64`, 'dev', 'eth0', 'nodad');
    ip('lan', 'addr', 'add', `${LAN_ROUTER_V4}/24`, 'dev', 'eth0');
    ip('lan', 'link', 'set', 'eth0', 'up');
    ip('vm', 'addr', 'add', `${VM_ADDRESS}/64`, 'dev', 'eth0', 'nodad');
    ip('vm', 'addr', 'add', '192.0.2.50/24', 'dev', 'eth0');
    ip('vm', 'link', 'set', 'eth0', 'up');
    ip('vm', '-6', 'route', 'add', 'default', 'via', LAN_ROUTER);
    ip('vm', 'route', 'add', 'default', 'via', LAN_ROUTER_V4);
    lanServer = await startServer(ns.lan, 'lan', SERVER_PORT, SERVER_LIFETIME_MS);
  }, 60_000);

  afterAll(() => {
    if (lanServer) stopServer(lanServer);
    for (const role of ROLES) runSync(['ip', 'netns', 'del', ns[role]]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function ping(role: Role, family: 4 | 6, address: string): Promise<boolean> {
    const r = await run(inNetns(ns[role], ['busybox', 'ping', `-${family}`, '-c', '1', '-W', '1', address]), { timeoutMs: PROBE_TIMEOUT_MS });
    return r.code === 0;
  }

  /** What the LAN server answers a TCP connection over IPv6 (its name and the peer it saw), '' when none. */
  async function tcpReply(role: Role, address: string, port: number): Promise<string> {
    const script = `const s=require('node:net').connect({host:process.argv[1],port:+process.argv[2],family:6,timeout:1000});let d='';s.on('data',(b)=>d+=b);s.on('end',()=>{process.stdout.write(d);process.exit(0)});s.on('timeout',()=>process.exit(3));s.on('error',()=>process.exit(2));`;
    const r = await run(inNetns(ns[role], [process.execPath, '-e', script, address, String(port)]), { timeoutMs: PROBE_TIMEOUT_MS });
    return r.code === 0 ? r.stdout.trim() : '';
  }

  async function probes(): Promise<Probes> {
    const [vmPing6, vmTcp6, hostPing6, vmPing4] = await Promise.all([ping('vm', 6, LAN_ROUTER), tcpReply('vm', LAN_ROUTER, SERVER_PORT), ping('host', 6, LAN_ROUTER), ping('vm', 4, LAN_ROUTER_V4)]);
    return { vmPing6, vmTcp6, hostPing6, vmPing4 };
  }

  const REACHED: Probes = { vmPing6: true, vmTcp6: `lan ${VM_ADDRESS}`, hostPing6: true, vmPing4: true };
  const CUT_OFF: Probes = { vmPing6: false, vmTcp6: '', hostPing6: true, vmPing4: true };

  async function collect(name: string): Promise<string> {
    const file = path.join(dir, `${name}.json`);
    must(await run(inNetns(ns.host, [process.execPath, CLI, 'collect', '--netns', ns.vm, '-o', file]), { timeoutMs: 30_000 }));
    return file;
  }

  function findings(snapshot: string): Finding[] {
    return auditJson<AuditResult>(snapshot, 'error').report.findings.filter((f) => f.ruleId === RULE);
  }

  function traceVerdict(snapshot: string): string {
    const r = netaudit(['trace', snapshot, '--from', `netns:${ns.vm}`, '--to', LAN_ROUTER, '--dport', String(SERVER_PORT), '--format', 'json']);
    return (JSON.parse(r.stdout) as { verdict: string }).verdict;
  }

  /** The one finding, on br0, about an IPv6 frame, quoting each expected line from the source named. */
  function expectFinding(snapshot: string, evidence: [source: string, line: RegExp][]): Finding {
    const found = findings(snapshot);
    expect(found.map((f) => `${f.subject.kind} ${f.subject.namespace}/${f.subject.name}`)).toEqual(['bridge host/br0']);
    const finding = found[0]!;
    expect(finding.message).toMatch(/through eth0, and the DROP policy of .*FORWARD/);
    expect(finding.message).toContain(`from ${VM_ADDRESS}`);
    expect(finding.message).toContain(`namespace ${ns.vm}`);
    const text = new SnapshotText(snapshot);
    const quoted = finding.evidence.map((e) => ({ source: e.source, text: text.line(e.source, e.line)?.trim() ?? '' }));
    for (const [source, line] of evidence) expect(quoted, `evidence quoting ${line} from ${source}`).toContainEqual({ source, text: expect.stringMatching(line) });
    // Nothing of IPv4's filtering is quoted: its frames skip iptables here.
    expect(quoted.map((q) => q.source)).not.toContain('iptables-save');
    return finding;
  }

  it("Docker's ip6tables FORWARD DROP with bridge-nf-call-ip6tables=1: the VM loses the LAN over IPv6 only; the audit reports br0", async () => {
    expect(await probes(), 'without Docker\'s rules the VM and the host reach the LAN').toEqual(REACHED);
    exec('host', ['iptables-restore'], DOCKER_RULES_V4);
    exec('host', ['ip6tables-restore'], DOCKER_RULES_V6);
    expect(await probes(), 'bridge-nf-call-ip6tables still 0: the rules do not see bridged frames').toEqual(REACHED);
    exec('host', ['sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-ip6tables=1']);
    expect(await probes()).toEqual(CUT_OFF);
    const snapshot = await collect('filtered');
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
    exec('host', ['ip6tables', '-I', ...BRIDGE_ACCEPT]);
    expect(await probes()).toEqual(REACHED);
    const snapshot = await collect('accepted');
    expect(findings(snapshot)).toEqual([]);
    expect(traceVerdict(snapshot)).toBe('delivered');
    exec('host', ['ip6tables', '-D', ...BRIDGE_ACCEPT]);
    expect((await probes()).vmPing6, 'without the ACCEPT the drop is back').toBe(false);
  });

  it('bridge-nf-call-ip6tables=0 and the bridge option 0: IPv6 frames skip ip6tables, the VM reaches the LAN, no finding', async () => {
    exec('host', ['sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-ip6tables=0']);
    ip('host', 'link', 'set', 'br0', 'type', 'bridge', 'nf_call_ip6tables', '0');
    expect(await probes()).toEqual(REACHED);
    const snapshot = await collect('skipped');
    expect(findings(snapshot)).toEqual([]);
    expect(traceVerdict(snapshot)).toBe('delivered');
  });

  it("the sysctl 0 but br0's own nf_call_ip6tables 1: the kernel filters its IPv6 frames again, and the audit says why", async () => {
    ip('host', 'link', 'set', 'br0', 'type', 'bridge', 'nf_call_ip6tables', '1');
    expect(await probes()).toEqual(CUT_OFF);
    const snapshot = await collect('bridge-option');
    const finding = expectFinding(snapshot, [
      ['sysctl', /^net\.bridge\.bridge-nf-call-ip6tables = 0$/],
      ['ip-link', /"ifname": "br0"/],
      ['ip6tables-save', /^:FORWARD DROP \[\d+:\d+\]$/],
    ]);
    expect(finding.message).toMatch(/br0's own nf_call_ip6tables is 1/);
    expect(traceVerdict(snapshot)).toBe('dropped');
  });
});
