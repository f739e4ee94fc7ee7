/**
 * The engine's local delivery of UDP (engine.ts, socket()): a socket bound to the address (or every address) and
 * port in ss -Hulnp takes the datagram, the kernel's own included; none there is ICMP port unreachable; without
 * ss -Hulnp, unknown, naming it. TCP keeps reading ss -Htlnp only. The namespace test/e2e/udp-delivery proves
 * the same on a real kernel.
 */
import { describe, expect, it } from 'vitest';
import { trace } from '../../../src/analysis/path/trace.js';
import { buildTestHost, DOCKER_ROUTES } from '../hosts.js';

const UDP = [
  'UNCONN 0      0      127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=612,fd=13))',
  'UNCONN 0      0         192.0.2.10:123        0.0.0.0:*    users:(("chronyd",pid=700,fd=5))',
  'UNCONN 0      0            0.0.0.0:4789       0.0.0.0:*',
  'UNCONN 0      0                  *:5353             *:*    users:(("avahi-daemon",pid=701,fd=12))',
].join('\n');
const TCP = 'LISTEN 0      4096         0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=812,fd=3))\n';

/** The host's own address is in the local table, where the kernel finds it. */
const ROUTES = [...DOCKER_ROUTES, { type: 'local', dst: '192.0.2.10', dev: 'eth0', table: 'local', protocol: 'kernel', scope: 'host', prefsrc: '192.0.2.10', flags: [] }];
const FILTER = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';

const host = (udp?: string) => buildTestHost({ iptables: FILTER, routes: ROUTES, ss: TCP, ...(udp === undefined ? {} : { extra: { 'ss-ulnp': udp } }) });

function delivery(udp: string | undefined, to: string, dport: number, protocol: 'udp' | 'tcp' = 'udp') {
  const result = trace(host(udp), { from: '198.51.100.7', to, protocol, dport, oneWay: true });
  const step = result.request.steps.find((s) => s.stage === 'local-delivery');
  return { verdict: result.verdict, step };
}

describe('UDP local delivery from ss -Hulnp', () => {
  it('a program\'s socket on every address, or on the address: delivered, quoting its line', () => {
    const avahi = delivery(UDP, '192.0.2.10', 5353);
    expect(avahi.verdict).toBe('delivered');
    expect(avahi.step).toMatchObject({ verdict: 'deliver', note: 'delivered to avahi-daemon, listening on *:5353', evidence: [{ source: 'ss-ulnp', line: 4 }] });
    expect(delivery(UDP, '192.0.2.10', 123).step).toMatchObject({ verdict: 'deliver', evidence: [{ source: 'ss-ulnp', line: 2 }] });
  });

  it('the kernel\'s own socket (no process): delivered to it, said so', () => {
    expect(delivery(UDP, '192.0.2.10', 4789).step).toMatchObject({ verdict: 'deliver', note: 'delivered to a UDP socket with no process shown, listening on 0.0.0.0:4789' });
  });

  it('no socket on the port, or only on another address: ICMP port unreachable, naming the sockets elsewhere', () => {
    const closed = delivery(UDP, '192.0.2.10', 9999);
    expect(closed.verdict).toBe('dropped');
    expect(closed.step).toMatchObject({ verdict: 'refused', note: 'no socket listens on UDP 192.0.2.10:9999 in namespace host: the kernel answers with ICMP port unreachable', evidence: [] });
    const elsewhere = delivery(UDP, '192.0.2.10', 53);
    expect(elsewhere.step).toMatchObject({ verdict: 'refused', evidence: [{ source: 'ss-ulnp', line: 1 }] });
    expect(elsewhere.step!.note).toContain('port 53 is listened on only at 127.0.0.53:53');
  });

  it('an empty ss -Hulnp is no UDP socket at all: refused', () => {
    expect(delivery('', '192.0.2.10', 5353).step).toMatchObject({ verdict: 'refused' });
  });

  it('without ss -Hulnp: unknown, naming the source, never a verdict', () => {
    const { verdict, step } = delivery(undefined, '192.0.2.10', 5353);
    expect(verdict).toBe('unknown');
    expect(step).toMatchObject({ verdict: 'maybe', note: 'delivered to namespace host; its UDP sockets were not collected (ss -Hulnp), so whether a program listens on port 5353 is not known' });
  });

  it('TCP reads ss -Htlnp only: a UDP socket on the port does not take a TCP connection', () => {
    expect(delivery(UDP, '192.0.2.10', 5353, 'tcp').step).toMatchObject({ verdict: 'refused', note: expect.stringContaining('the kernel answers with a reset') });
    expect(delivery(UDP, '192.0.2.10', 22, 'tcp').step).toMatchObject({ verdict: 'deliver', evidence: [{ source: 'ss-tlnp', line: 1 }] });
  });
});
