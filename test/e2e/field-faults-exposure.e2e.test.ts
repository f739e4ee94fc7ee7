/**
 * Issue 17, published-port-exposed, on a real kernel: the healthy Docker-like lab host (lab.ts) gets a
 * closed INPUT chain (ufw's "deny incoming": policy DROP, loopback and replies accepted). Bounded probes show
 * the fault first: from the "internet" namespace, a host service on an unpublished port is closed while the
 * published port still reaches the container (DNAT → FORWARD, never INPUT). Then the real collector takes
 * the snapshot and the audit must warn on that port, quoting the DNAT and the INPUT policy line; trace must
 * agree with the kernel. The documented fix (DOCKER-USER) closes the port and silences the rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult, Finding } from '../../src/engine/types.js';
import { Lab } from './lab.js';
import { auditJson, labSnapshots, SnapshotText } from './netaudit.js';
import { tcp } from './probes.js';
import { startServer, stopServer, type Server } from './servers.js';
import { labSupport, warnIfUnsupported } from './support.js';
import { traceProbe } from './trace-probes.js';
import { TOPOLOGY as T } from './topology.js';

const support = labSupport();
warnIfUnsupported('published-port-exposed lab', support);

const RULE = 'published-port-exposed';
/** A service of the host itself, on a port nothing publishes: what INPUT closes. */
const HOST_SERVICE_PORT = 9090;
const SERVER_LIFETIME_MS = 120_000;
const SUBJECT = `tcp/${T.publishedPort}->${T.containers.c1.address}:${T.serverPort}`;

/** ufw's default deny incoming, in short: policy DROP, loopback and replies accepted. */
function closeInput(lab: Lab): void {
  lab.iptables('-A', { table: 'filter', chain: 'INPUT', spec: ['-i', 'lo', '-j', 'ACCEPT'] });
  lab.iptables('-A', { table: 'filter', chain: 'INPUT', spec: ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'] });
  lab.exec('host', ['iptables', '-P', 'INPUT', 'DROP']);
}

const exposureFindings = (report: AuditResult): Finding[] => report.findings.filter((f) => f.ruleId === RULE);

describe.skipIf(!support.ok)('published-port-exposed in a live netns lab', () => {
  const lab = new Lab('x');
  const collect = labSnapshots(lab, 'exposure');
  let hostService: Server | undefined;

  beforeAll(async () => {
    hostService = await startServer(lab.ns.host, 'host', HOST_SERVICE_PORT, SERVER_LIFETIME_MS);
  }, 60_000);

  afterAll(() => {
    if (hostService) stopServer(hostService);
  });

  it('INPUT open: the host service and the published port both answer, and publishing is intended: no finding', async () => {
    const [service, published] = await Promise.all([tcp(lab, 'internet', T.hostUplinkAddress, HOST_SERVICE_PORT), tcp(lab, 'internet', T.hostUplinkAddress, T.publishedPort)]);
    expect(service.ok, service.detail).toBe(true);
    expect(published.reply, published.detail).toBe(`c1 ${T.internetAddress}`);
    const run = auditJson<AuditResult>(await collect('open'), 'warning');
    expect(exposureFindings(run.report)).toEqual([]);
  });

  it('INPUT closed (policy DROP): the host service is closed, the published port still reaches c1; the audit warns with the DNAT and INPUT lines', async () => {
    closeInput(lab);
    const [service, published] = await Promise.all([tcp(lab, 'internet', T.hostUplinkAddress, HOST_SERVICE_PORT), tcp(lab, 'internet', T.hostUplinkAddress, T.publishedPort)]);
    expect(service.ok, `the host service is closed by INPUT (${service.detail})`).toBe(false);
    expect(published.reply, `the published port is still open (${published.detail})`).toBe(`c1 ${T.internetAddress}`);

    const snapshot = await collect('closed');
    const run = auditJson<AuditResult>(snapshot, 'warning');
    const findings = exposureFindings(run.report);
    expect(findings.map((f) => `${f.subject.kind} ${f.subject.namespace}/${f.subject.name}`)).toEqual([`published-port host/${SUBJECT}`]);
    const finding = findings[0]!;
    expect(finding.severity).toBe('warning');
    expect(finding.message).toContain(`at ${T.hostUplinkAddress}:${T.publishedPort}`);
    expect(finding.message).toMatch(/the DROP policy of filter\/INPUT/);
    const text = new SnapshotText(snapshot);
    const quoted = finding.evidence.map((e) => text.line(e.source, e.line)?.trim());
    expect(quoted).toContainEqual(expect.stringMatching(/^:INPUT DROP \[\d+:\d+\]$/));
    expect(quoted).toContainEqual(expect.stringMatching(new RegExp(`--dport ${T.publishedPort} -j DNAT --to-destination ${T.containers.c1.address.replace(/\./g, '\\.')}:${T.serverPort}$`)));
    expect(run.code, 'exit 1 with --fail-on warning').toBe(1);
    // The engine that answered agrees with the kernel about the published port.
    expect(traceProbe(snapshot, lab, 'publishedPort').verdict).toBe('delivered');
  });

  it("the fix in DOCKER-USER (drop the uplink's new connections to the original port): the port closes, no finding", async () => {
    lab.iptables('-I', {
      table: 'filter',
      chain: 'DOCKER-USER',
      spec: ['-i', T.uplink, '-p', 'tcp', '-m', 'conntrack', '--ctorigdstport', String(T.publishedPort), '--ctdir', 'ORIGINAL', '-j', 'DROP'],
    });
    const published = await tcp(lab, 'internet', T.hostUplinkAddress, T.publishedPort);
    expect(published.ok, `the published port is closed by DOCKER-USER (${published.detail})`).toBe(false);
    const snapshot = await collect('docker-user');
    expect(exposureFindings(auditJson<AuditResult>(snapshot, 'warning').report)).toEqual([]);
    expect(traceProbe(snapshot, lab, 'publishedPort').verdict).toBe('dropped');
  });
});
