/**
 * The engine's local delivery to sockets bound to every address (engine.ts, listensOn): an IPv6-only socket
 * (`[::]`) takes no IPv4, a dual-stack one (`*`) takes both, one of the older ss's IPv4 `*` no IPv6; a bare `::`
 * (older ss, netstat) does not say, so IPv4 is delivered with the assumption said, unless net.ipv6.bindv6only = 1
 * makes it IPv6-only. The sockets are the lab's real ss output (fixtures/ss/v6only-*); the namespace test
 * test/e2e/v6only-delivery proves the verdicts on a real kernel.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trace } from '../../../src/analysis/path/trace.js';
import { PROJECT_ROOT } from '../../cli/run.js';
import { buildTestHost, DOCKER_ADDRS, DOCKER_ROUTES } from '../hosts.js';

const fixture = (name: string): string => readFileSync(path.join(PROJECT_ROOT, 'test/parse/fixtures/ss', name), 'utf8');
const TCP = fixture('v6only-ss-tlnp.txt');
const UDP = fixture('v6only-ss-ulnp.txt');
/** What the ss before bracketed IPv6 addresses printed of the same two sockets, and an IPv4 one on every address. */
const OLD_TCP = ['LISTEN     0      8                     :::8081                    :::*', 'LISTEN     0      8                     :::8082                    :::*', 'LISTEN     0      128                    *:22                      *:*'].join('\n');

const V4 = '192.0.2.10';
const V6 = '2001:db8:1::10';
const ADDRS = DOCKER_ADDRS.map((a) => (a.name === 'eth0' ? { ...a, inet6: [`${V6}/64`] } : a));
/** The host's own addresses are in the local table, where the kernel finds them. */
const ROUTES = [...DOCKER_ROUTES, { type: 'local', dst: V4, dev: 'eth0', table: 'local', protocol: 'kernel', scope: 'host', prefsrc: V4, flags: [] }];
const ROUTES6 = [
  { dst: '2001:db8:1::/64', dev: 'eth0', protocol: 'kernel', metric: 256, flags: [] },
  { type: 'local', dst: V6, dev: 'eth0', table: 'local', protocol: 'kernel', metric: 0, flags: [] },
];
const FILTER = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';

function delivery(options: { tcp?: string; udp?: string; bindv6only?: 0 | 1 }, family: 4 | 6, protocol: 'tcp' | 'udp', dport: number) {
  const sysctl = ['net.ipv4.ip_forward = 1', ...(options.bindv6only === undefined ? [] : [`net.ipv6.bindv6only = ${options.bindv6only}`])];
  const host = buildTestHost({
    iptables: FILTER,
    ip6tables: FILTER,
    addrs: ADDRS,
    routes: ROUTES,
    sysctl,
    ss: options.tcp ?? TCP,
    extra: { 'ip6-route': JSON.stringify(ROUTES6), 'ss-ulnp': options.udp ?? UDP },
  });
  const result = trace(host, { from: family === 4 ? '198.51.100.7' : '2001:db8:1::7', to: family === 4 ? V4 : V6, protocol, dport, oneWay: true });
  return { verdict: result.verdict, step: result.request.steps.find((s) => s.stage === 'local-delivery') };
}

describe('local delivery to a socket on every address: which families it takes', () => {
  it.each(['tcp', 'udp'] as const)('%s: an IPv6-only socket ([::]) refuses IPv4, naming the socket and why', (protocol) => {
    const { verdict, step } = delivery({}, 4, protocol, 8081);
    expect(verdict).toBe('dropped');
    const source = protocol === 'tcp' ? 'ss-tlnp' : 'ss-ulnp';
    expect(step).toMatchObject({ verdict: 'refused', evidence: [{ source, line: 1 }] });
    expect(step!.note).toContain(`no socket listens on ${protocol.toUpperCase()} ${V4}:8081 in namespace host; port 8081 is listened on only at :::8081 (IPv6 only: the socket has IPV6_V6ONLY set)`);
  });

  it.each(['tcp', 'udp'] as const)('%s: the IPv6-only socket takes IPv6, the dual-stack one (*) both, with no assumption', (protocol) => {
    const source = protocol === 'tcp' ? 'ss-tlnp' : 'ss-ulnp';
    expect(delivery({}, 6, protocol, 8081)).toMatchObject({ verdict: 'delivered', step: { verdict: 'deliver', note: 'delivered to python3, listening on :::8081', evidence: [{ source, line: 1 }] } });
    for (const family of [4, 6] as const) {
      expect(delivery({}, family, protocol, 8082)).toMatchObject({ verdict: 'delivered', step: { verdict: 'deliver', note: 'delivered to python3, listening on *:8082', evidence: [{ source, line: 2 }] } });
    }
  });

  it('a bare :: (the older ss, netstat): IPv4 delivered, saying the assumption and the sysctl it rests on', () => {
    const assumed = delivery({ tcp: OLD_TCP, bindv6only: 0 }, 4, 'tcp', 8081);
    expect(assumed.verdict).toBe('delivered');
    expect(assumed.step).toMatchObject({ verdict: 'deliver', evidence: [{ source: 'ss-tlnp', line: 1 }, { source: 'sysctl', text: 'net.ipv6.bindv6only = 0' }] });
    expect(assumed.step!.note).toBe(
      'delivered to listening on :::8081; that it takes IPv4 is assumed: `::` as printed here does not tell an IPv6-only socket from a dual-stack one; net.ipv6.bindv6only = 0, which makes it dual-stack unless the program set IPV6_V6ONLY',
    );
    const uncollected = delivery({ tcp: OLD_TCP }, 4, 'tcp', 8081);
    expect(uncollected.step).toMatchObject({ verdict: 'deliver', evidence: [{ source: 'ss-tlnp', line: 1 }] });
    expect(uncollected.step!.note).toContain("net.ipv6.bindv6only was not collected, so the kernel's default 0 is assumed");
    // IPv6 reaches either kind of socket: nothing to assume.
    expect(delivery({ tcp: OLD_TCP, bindv6only: 0 }, 6, 'tcp', 8081).step).toMatchObject({ verdict: 'deliver', note: 'delivered to listening on :::8081' });
  });

  it('a bare :: where net.ipv6.bindv6only = 1: IPv6-only, so IPv4 is refused, quoting the sysctl', () => {
    const { verdict, step } = delivery({ tcp: OLD_TCP, bindv6only: 1 }, 4, 'tcp', 8082);
    expect(verdict).toBe('dropped');
    expect(step).toMatchObject({ verdict: 'refused', evidence: [{ source: 'ss-tlnp', line: 2 }, { source: 'sysctl', text: 'net.ipv6.bindv6only = 1' }] });
    expect(step!.note).toContain('(taken as IPv6 only: `::` as printed here does not tell an IPv6-only socket from a dual-stack one, and net.ipv6.bindv6only = 1');
    expect(delivery({ tcp: OLD_TCP, bindv6only: 1 }, 6, 'tcp', 8082).step).toMatchObject({ verdict: 'deliver' });
  });

  it('the older ss\'s * is IPv4\'s 0.0.0.0: IPv4 delivered, IPv6 refused', () => {
    expect(delivery({ tcp: OLD_TCP }, 4, 'tcp', 22).step).toMatchObject({ verdict: 'deliver', note: 'delivered to listening on *:22' });
    const v6 = delivery({ tcp: OLD_TCP }, 6, 'tcp', 22);
    expect(v6.verdict).toBe('dropped');
    expect(v6.step!.note).toContain('port 22 is listened on only at *:22 (IPv4 only: this listing prints 0.0.0.0 as *, as an older ss and netstat without -n do)');
  });
});
