/**
 * input-drop-bridge's DNS probe (lib/bridge-flows.ts) on its fail fixture (a default-deny INPUT, dnsmasq on the
 * docker0 address, sshd on every address): with the host's UDP sockets collected (ss -Hulnp, or the UDP lines of
 * a sosreport's ss -peaonmi) UDP 53 is probed where a UDP socket listens on port 53 at the bridge address or on
 * every address, and the socket is quoted; where they were not, a DNS server on TCP 53 stands for its UDP twin.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import type { Evidence } from '../../src/model/types.js';
import { buildHost } from '../../src/model/build.js';
import type { Snapshot, Source } from '../../src/snapshot/schema.js';
import { loadInput } from '../../src/snapshot/load.js';
import { fixtureInput } from '../rules/fixture-helpers.js';

const RULE = 'input-drop-bridge';
const DNSMASQ_UDP = 'UNCONN 0      0           172.17.0.1:53         0.0.0.0:*    users:(("dnsmasq",pid=1203,fd=6))';
const RESOLVED_UDP = 'UNCONN 0      0        127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=611,fd=13))';
const CHRONY_UDP = 'UNCONN 0      0            127.0.0.1:323        0.0.0.0:*    users:(("chronyd",pid=640,fd=5))';
const NAMED_UDP = 'UNCONN 0      0                    *:53               *:*    users:(("named",pid=990,fd=40))';
const SSHD_ONLY = 'LISTEN 0      128             0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=802,fd=3))\n';

function source(stdout: string, format?: Source['format']): Source {
  return { status: stdout === '' ? 'empty' : 'ok', command: 'ss', exitCode: 0, stdout, stdoutEncoding: 'utf8', stderr: '', stderrEncoding: 'utf8', durationMs: 0, truncated: false, ...(format ? { format } : {}) };
}

describe('input-drop-bridge: DNS over UDP from the UDP sockets where they were collected', () => {
  let catalog: RuleCatalog;
  let fixture: Snapshot;
  beforeAll(async () => {
    catalog = await loadRuleCatalog();
    fixture = (await loadInput(fixtureInput(RULE, 'fail'))).snapshot;
  });

  /** The fail fixture with the host's sources replaced: its one finding's message and evidence from ss. */
  async function finding(sources: Record<string, Source>): Promise<{ message: string; ss: Pick<Evidence, 'source' | 'line'>[] } | undefined> {
    const snapshot = structuredClone(fixture);
    Object.assign(snapshot.namespaces[0]!.sources, sources);
    const result = await runAudit(buildHost(snapshot), catalog, { input: 'x', only: [RULE] });
    expect(result.findings.length).toBeLessThanOrEqual(1);
    const f = result.findings[0];
    return f && { message: f.message, ss: f.evidence.filter((e) => e.source.startsWith('ss-')).map((e) => ({ source: e.source, line: e.line })) };
  }

  it('UDP sockets not collected: UDP 53 is probed beside the DNS server on TCP 53, with no socket to quote', async () => {
    expect(fixture.namespaces[0]!.sources['ss-ulnp']?.status).not.toBe('ok');
    const f = await finding({});
    expect(f?.message).toMatch(/^docker0: tcp\/53 \(dnsmasq\), udp\/53, tcp\/22 \(sshd\) to docker0's address are dropped by the DROP policy of filter\/INPUT/);
    expect(f?.ss).toEqual([{ source: 'ss-tlnp', line: 2 }, { source: 'ss-tlnp', line: 3 }]);
  });

  it('dnsmasq\'s UDP socket on the bridge address: probed and quoted from ss-ulnp; systemd-resolved\'s on lo is not', async () => {
    const f = await finding({ 'ss-ulnp': source(`${RESOLVED_UDP}\n${DNSMASQ_UDP}\n${CHRONY_UDP}\n`) });
    expect(f?.message).toMatch(/^docker0: udp\/53 \(dnsmasq\), tcp\/53 \(dnsmasq\), tcp\/22 \(sshd\) to docker0's address are dropped/);
    expect(f?.ss).toEqual([{ source: 'ss-ulnp', line: 2 }, { source: 'ss-tlnp', line: 2 }, { source: 'ss-tlnp', line: 3 }]);
  });

  it('UDP sockets collected and none on port 53 the bridge reaches: no UDP 53 probe, whatever listens on TCP 53', async () => {
    expect((await finding({ 'ss-ulnp': source(`${RESOLVED_UDP}\n${CHRONY_UDP}\n`) }))?.message).toMatch(/^docker0: tcp\/53 \(dnsmasq\), tcp\/22 \(sshd\) to /);
    expect((await finding({ 'ss-ulnp': source('') }))?.message).toMatch(/^docker0: tcp\/53 \(dnsmasq\), tcp\/22 \(sshd\) to /);
  });

  it('a DNS server on UDP only (no TCP 53): probed from its UDP socket on every address', async () => {
    const f = await finding({ 'ss-tlnp': source(SSHD_ONLY), 'ss-ulnp': source(`${NAMED_UDP}\n`) });
    expect(f?.message).toMatch(/^docker0: udp\/53 \(named\), tcp\/22 \(sshd\) to /);
    expect(f?.ss).toEqual([{ source: 'ss-ulnp', line: 1 }, { source: 'ss-tlnp', line: 1 }]);
  });

  it('the UDP sockets of a sosreport\'s ss -peaonmi, stored for ss-ulnp, are read the same way (evidence at their line there)', async () => {
    const peaonmi = [
      'Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess',
      `udp   ${RESOLVED_UDP} ino:1 sk:1 <->`,
      `udp   ${DNSMASQ_UDP} ino:2 sk:2 <->`,
      '\t skmem:(r0,rb212992,t0,tb212992,f0,w0,o0,bl0,d0)',
      `tcp   ${SSHD_ONLY.trimEnd()} ino:3 sk:3 <->`,
    ].join('\n');
    const f = await finding({ 'ss-tlnp': source(peaonmi, 'ss-peaonmi'), 'ss-ulnp': source(peaonmi, 'ss-peaonmi') });
    expect(f?.message).toMatch(/^docker0: udp\/53 \(dnsmasq\), tcp\/22 \(sshd\) to /);
    expect(f?.ss).toEqual([{ source: 'ss-ulnp', line: 3 }, { source: 'ss-tlnp', line: 5 }]);
  });

  it('an INPUT rule accepting UDP 53 from the bridge: the UDP probe passes, the TCP ones are still dropped', async () => {
    const iptables = fixture.namespaces[0]!.sources['iptables-save']!;
    const accepting = iptables.stdout.replace('[83:6972] -A INPUT -p icmp', '[0:0] -A INPUT -i docker0 -p udp -m udp --dport 53 -j ACCEPT\n[83:6972] -A INPUT -p icmp');
    expect(accepting).not.toBe(iptables.stdout);
    const f = await finding({ 'iptables-save': { ...iptables, stdout: accepting }, 'ss-ulnp': source(`${DNSMASQ_UDP}\n`) });
    expect(f?.message).toMatch(/^docker0: tcp\/53 \(dnsmasq\), tcp\/22 \(sshd\) to /);
  });
});
