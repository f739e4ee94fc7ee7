/**
 * The KVM-like host of the bridged-uplink-filtered labs (field-faults-bridged*.e2e.test.ts): br0 enslaves the
 * uplink eth0 (a veth to a "lan" namespace holding the LAN router and a TCP server) and the VM's vnet0 (a veth
 * to a "vm" namespace), and carries the host's addresses and default routes; Docker installed, docker0 up
 * without containers. Each test names its address families; the sysctls are set inside the lab's namespaces,
 * named `na<tag><pid>-<role>`. Bounded probes, the real collector run in the host namespace, the audit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuditResult, Finding } from '../../src/engine/types.js';
import { cleanLeftovers } from './lab.js';
import { auditJson, CLI, ensureBuilt, netaudit, SnapshotText } from './netaudit.js';
import { inNetns, must, run, runSync, type RunResult } from './run.js';
import { startServer, stopServer, type Server } from './servers.js';

export type Family = 4 | 6;
const ROLES = ['host', 'lan', 'vm'] as const;
export type Role = (typeof ROLES)[number];

/** One family's addresses on the LAN: the router's (in "lan"), the host's (on br0) and the VM's. */
export interface FamilyPlan {
  family: Family;
  prefixLength: number;
  lanRouter: string;
  host: string;
  vm: string;
}

export const IPV4_PLAN: FamilyPlan = { family: 4, prefixLength: 24, lanRouter: '192.0.2.1', host: '192.0.2.10', vm: '192.0.2.50' };

export const RULE = 'bridged-uplink-filtered';
export const SERVER_PORT = 80;
const SERVER_LIFETIME_MS = 120_000;
const PROBE_TIMEOUT_MS = 5_000;
const COLLECT_TIMEOUT_MS = 30_000;

const FORWARDING: Record<Family, string> = { 4: 'net.ipv4.ip_forward', 6: 'net.ipv6.conf.all.forwarding' };
/** The br_netfilter switch that hands bridged frames of the family to iptables or ip6tables. */
export const BRIDGE_NF_SYSCTL: Record<Family, string> = { 4: 'net.bridge.bridge-nf-call-iptables', 6: 'net.bridge.bridge-nf-call-ip6tables' };
const IPTABLES: Record<Family, string> = { 4: 'iptables', 6: 'ip6tables' };
/** docker0's network: the default bridge's for IPv4, a ULA as fixed-cidr-v6 for IPv6. */
const DOCKER0: Record<Family, { subnet: string; address: string; loopback: string }> = {
  4: { subnet: '172.17.0.0/16', address: '172.17.0.1/16', loopback: '127.0.0.0/8' },
  6: { subnet: 'fd00:d0c:17::/64', address: 'fd00:d0c:17::1/64', loopback: '::1/128' },
};
/** nodad: IPv6 addresses are usable at once, not tentative for the probes' first second. */
const ADDRESS_FLAGS: Record<Family, string[]> = { 4: [], 6: ['nodad'] };

/** Docker 27's filter and nat rules for docker0 with no container and nothing published (IPv6: "ip6tables": true). */
export function dockerRules(family: Family): string {
  const { subnet, loopback } = DOCKER0[family];
  return `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d ${loopback} -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s ${subnet} ! -o docker0 -j MASQUERADE
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
}

/** Docker's documented fix for bridged traffic its FORWARD DROP catches. */
const BRIDGE_ACCEPT = ['DOCKER-USER', '-i', 'br0', '-o', 'br0', '-j', 'ACCEPT'];

const TCP_CLIENT = `const s=require('node:net').connect({host:process.argv[1],port:+process.argv[2],timeout:1000});let d='';s.on('data',(b)=>d+=b);s.on('end',()=>{process.stdout.write(d);process.exit(0)});s.on('timeout',()=>process.exit(3));s.on('error',()=>process.exit(2));`;

/** The VM's ping and TCP connection to the LAN router, and the host's own ping over the same bridge. */
export interface Probes {
  vmPing: boolean;
  /** What the LAN server answers (its name and the peer it saw), '' when nothing. */
  vmTcp: string;
  hostPing: boolean;
}

export class BridgedLab {
  readonly ns: Record<Role, string>;
  private dir = '';
  private lanServer: Server | undefined;

  constructor(
    private readonly tag: string,
    private readonly plans: readonly FamilyPlan[],
  ) {
    this.ns = Object.fromEntries(ROLES.map((r) => [r, `na${tag}${process.pid}-${r}`])) as Record<Role, string>;
  }

  async create(): Promise<void> {
    this.dir = mkdtempSync(path.join(os.tmpdir(), `netaudit-e2e-bridged-${this.tag}`));
    ensureBuilt();
    cleanLeftovers(this.tag);
    for (const role of ROLES) {
      must(runSync(['ip', 'netns', 'add', this.ns[role]]));
      this.ip(role, 'link', 'set', 'lo', 'up');
    }
    this.ip('host', 'link', 'add', 'br0', 'type', 'bridge');
    this.ip('host', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.ns.lan);
    this.ip('host', 'link', 'add', 'vnet0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.ns.vm);
    for (const port of ['eth0', 'vnet0']) this.ip('host', 'link', 'set', port, 'master', 'br0', 'up');
    this.ip('host', 'link', 'set', 'br0', 'up');
    this.ip('host', 'link', 'add', 'docker0', 'type', 'bridge');
    const sysctls: string[] = [];
    for (const p of this.plans) {
      const flags = ADDRESS_FLAGS[p.family];
      this.ip('host', 'addr', 'add', `${p.host}/${p.prefixLength}`, 'dev', 'br0', ...flags);
      this.ip('host', `-${p.family}`, 'route', 'add', 'default', 'via', p.lanRouter, 'dev', 'br0');
      this.ip('host', 'addr', 'add', DOCKER0[p.family].address, 'dev', 'docker0', ...flags);
      this.ip('lan', 'addr', 'add', `${p.lanRouter}/${p.prefixLength}`, 'dev', 'eth0', ...flags);
      this.ip('vm', 'addr', 'add', `${p.vm}/${p.prefixLength}`, 'dev', 'eth0', ...flags);
      sysctls.push(`${FORWARDING[p.family]}=1`, `${BRIDGE_NF_SYSCTL[p.family]}=0`);
    }
    this.ip('host', 'link', 'set', 'docker0', 'up');
    this.exec('host', ['sysctl', '-q', '-w', ...sysctls]);
    this.ip('lan', 'link', 'set', 'eth0', 'up');
    this.ip('vm', 'link', 'set', 'eth0', 'up');
    for (const p of this.plans) this.ip('vm', `-${p.family}`, 'route', 'add', 'default', 'via', p.lanRouter);
    this.lanServer = await startServer(this.ns.lan, 'lan', SERVER_PORT, SERVER_LIFETIME_MS);
  }

  destroy(): void {
    if (this.lanServer) stopServer(this.lanServer);
    for (const role of ROLES) runSync(['ip', 'netns', 'del', this.ns[role]]);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  ip(role: Role, ...args: string[]): RunResult {
    return must(runSync(['ip', '-n', this.ns[role], ...args]));
  }

  exec(role: Role, argv: string[], input?: string): RunResult {
    return must(runSync(inNetns(this.ns[role], argv), input === undefined ? {} : { input }));
  }

  /** Loads dockerRules(family) into the host's iptables or ip6tables. */
  restoreDockerRules(family: Family): void {
    this.exec('host', [`${IPTABLES[family]}-restore`], dockerRules(family));
  }

  /** `-I` inserts Docker's documented fix, DOCKER-USER -i br0 -o br0 -j ACCEPT, into the family's table; `-D` deletes it. */
  bridgeAccept(family: Family, action: '-I' | '-D'): void {
    this.exec('host', [IPTABLES[family], action, ...BRIDGE_ACCEPT]);
  }

  async ping(role: Role, address: string): Promise<boolean> {
    const family = address.includes(':') ? '-6' : '-4';
    const r = await run(inNetns(this.ns[role], ['busybox', 'ping', family, '-c', '1', '-W', '1', address]), { timeoutMs: PROBE_TIMEOUT_MS });
    return r.code === 0;
  }

  async tcpReply(role: Role, address: string, port: number): Promise<string> {
    const r = await run(inNetns(this.ns[role], [process.execPath, '-e', TCP_CLIENT, address, String(port)]), { timeoutMs: PROBE_TIMEOUT_MS });
    return r.code === 0 ? r.stdout.trim() : '';
  }

  async probes(plan: FamilyPlan): Promise<Probes> {
    const [vmPing, vmTcp, hostPing] = await Promise.all([
      this.ping('vm', plan.lanRouter),
      this.tcpReply('vm', plan.lanRouter, SERVER_PORT),
      this.ping('host', plan.lanRouter),
    ]);
    return { vmPing, vmTcp, hostPing };
  }

  /** `netaudit collect` (the built CLI) in the host namespace, the VM's namespace named with --netns. */
  async collect(name: string): Promise<string> {
    const file = path.join(this.dir, `${name}.json`);
    must(await run(inNetns(this.ns.host, [process.execPath, CLI, 'collect', '--netns', this.ns.vm, '-o', file]), { timeoutMs: COLLECT_TIMEOUT_MS }));
    return file;
  }

  /** `netaudit trace` of the VM's TCP connection to the LAN router, request and reply. */
  traceVerdict(snapshot: string, plan: FamilyPlan): string {
    const r = netaudit(['trace', snapshot, '--from', `netns:${this.ns.vm}`, '--to', plan.lanRouter, '--dport', String(SERVER_PORT), '--format', 'json']);
    return (JSON.parse(r.stdout) as { verdict: string }).verdict;
  }
}

export function bridgedFindings(snapshot: string): Finding[] {
  return auditJson<AuditResult>(snapshot, 'error').report.findings.filter((f) => f.ruleId === RULE);
}

export function findingSubjects(found: readonly Finding[]): string[] {
  return found.map((f) => `${f.subject.kind} ${f.subject.namespace}/${f.subject.name}`);
}

/** The lines a finding's evidence quotes from the snapshot, trimmed, with their sources. */
export function quotedEvidence(snapshot: string, finding: Finding): { source: string; text: string }[] {
  const text = new SnapshotText(snapshot);
  return finding.evidence.map((e) => ({ source: e.source, text: text.line(e.source, e.line)?.trim() ?? '' }));
}
