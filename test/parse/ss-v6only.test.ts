/**
 * Which families a socket on every address takes, as each listing prints it: real outputs of one namespace
 * (fixtures/ss/v6only-*: `::` port 8081 with IPV6_V6ONLY, `::` port 8082 without, TCP and UDP) from ss -Htlnp,
 * ss -Hulnp, ss -peaonmi and netstat -W -neopa, and the older ss's forms, which print IPv6 bare.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNetstatListeners, parseNetstatUdpListeners } from '../../src/parse/ss-netstat.js';
import { parseSsAllSockets, parseSsAllUdpSockets } from '../../src/parse/ss-peaonmi.js';
import { addressStyle, parseSsEndpoint, parseSsListeners, parseSsUdpListeners } from '../../src/parse/ss.js';
import type { SsListener } from '../../src/parse/types.js';
import { PROJECT_ROOT } from '../cli/run.js';

const read = (name: string): string => readFileSync(path.join(PROJECT_ROOT, 'test/parse/fixtures/ss', name), 'utf8');
const wildcards = (listeners: SsListener[]) => listeners.map((l) => [l.localAddress, l.localPort, l.wildcard]);

describe('the wildcard as ss prints it', () => {
  it('ss -Htlnp and ss -Hulnp (real): [::] is the IPv6-only socket, * the dual-stack one', () => {
    for (const [parse, name] of [[parseSsListeners, 'v6only-ss-tlnp.txt'], [parseSsUdpListeners, 'v6only-ss-ulnp.txt']] as const) {
      const { value, notes } = parse({ source: 'ss', text: read(name) });
      expect(notes).toEqual([]);
      expect(wildcards(value)).toEqual([
        ['::', 8081, 'ipv6-only'],
        ['*', 8082, 'dual-stack'],
      ]);
    }
  });

  it('ss -peaonmi (real): the same, and its v6only:N settles it whatever the address looks like', () => {
    const text = read('v6only-ss-peaonmi.txt');
    for (const parse of [parseSsAllSockets, parseSsAllUdpSockets]) {
      expect(wildcards(parse({ source: 'ss', text }).value)).toEqual([
        ['::', 8081, 'ipv6-only'],
        ['*', 8082, 'dual-stack'],
      ]);
    }
    // The older ss printed both `:::8081`; its -e details still said v6only.
    const bare = text.replace(/ \[::\]:8081 {10}\[::\]:\*/g, ' :::8081             :::*').replace(/ {2}\*:8082 {13}\*:\*/g, ' :::8082          :::*');
    expect(bare).not.toBe(text);
    expect(wildcards(parseSsAllSockets({ source: 'ss', text: bare }).value)).toEqual([
      ['::', 8081, 'ipv6-only'],
      ['::', 8082, 'dual-stack'],
    ]);
    const withoutDetails = bare.replace(/ v6only:[01]/g, '');
    expect(wildcards(parseSsAllUdpSockets({ source: 'ss', text: withoutDetails }).value)).toEqual([
      ['::', 8081, 'unknown'],
      ['::', 8082, 'unknown'],
    ]);
  });

  it('netstat -W -neopa (real) prints :::8081 for both sockets: unknown', () => {
    const text = read('v6only-netstat-W-neopa.txt');
    for (const parse of [parseNetstatListeners, parseNetstatUdpListeners]) {
      expect(wildcards(parse({ source: 'netstat', text }).value)).toEqual([
        ['::', 8081, 'unknown'],
        ['::', 8082, 'unknown'],
      ]);
    }
  });

  it('netstat without numeric hosts: * of tcp is IPv4\'s 0.0.0.0, [::] of tcp6 either kind', () => {
    const text = [
      'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name',
      'tcp        0      0 *:22                    *:*                     LISTEN      812/sshd',
      'tcp6       0      0 [::]:22                 [::]:*                  LISTEN      812/sshd',
    ].join('\n');
    expect(wildcards(parseNetstatListeners({ source: 'netstat', text }).value)).toEqual([
      ['*', 22, 'ipv4-only'],
      ['::', 22, 'unknown'],
    ]);
  });

  it('the older ss (IPv6 bare): * is IPv4\'s 0.0.0.0 and :: either kind, where the file shows that form', () => {
    const old = ['LISTEN     0      128                    *:22                       *:*', 'LISTEN     0      128                   :::22                      :::*'];
    expect(wildcards(parseSsListeners({ source: 'ss', text: old.join('\n') }).value)).toEqual([
      ['*', 22, 'ipv4-only'],
      ['::', 22, 'unknown'],
    ]);
    // An IPv4 address listening with the peer `*:*` is the older form too (the newer prints 0.0.0.0:*).
    const ipv4Only = ['LISTEN     0      128                    *:22                       *:*', 'LISTEN     0      100            127.0.0.1:25                       *:*'];
    expect(wildcards(parseSsListeners({ source: 'ss', text: ipv4Only.join('\n') }).value)).toEqual([
      ['*', 22, 'ipv4-only'],
      ['127.0.0.1', 25, undefined],
    ]);
    // Nothing but `*`: the form the collectors' ss -H has, dual-stack.
    expect(wildcards(parseSsListeners({ source: 'ss', text: old[0]! }).value)).toEqual([['*', 22, 'dual-stack']]);
    // Both forms (two outputs pasted together): the newer wins, as the collectors' ss prints it.
    expect(wildcards(parseSsListeners({ source: 'ss', text: [...old, 'LISTEN 0 4096 0.0.0.0:23 0.0.0.0:*'].join('\n') }).value)[0]).toEqual(['*', 22, 'dual-stack']);
  });

  it('a specific address has no wildcard, IPv4-mapped or scoped ones included', () => {
    const text = ['LISTEN 0 50 [::ffff:127.0.0.1]:8080 *:*', 'LISTEN 0 128 [fe80::1]%eth0:2222 [::]:*', 'LISTEN 0 4096 0.0.0.0:22 0.0.0.0:*', 'LISTEN 0 4096 [::]%eth0:23 [::]:*'].join('\n');
    expect(wildcards(parseSsListeners({ source: 'ss', text }).value)).toEqual([
      ['::ffff:127.0.0.1', 8080, undefined],
      ['fe80::1', 2222, undefined],
      ['0.0.0.0', 22, undefined],
      ['::', 23, 'ipv6-only'],
    ]);
  });
});

describe('parseSsEndpoint / addressStyle', () => {
  it('keeps how a wildcard was printed', () => {
    expect(parseSsEndpoint('[::]:22')).toEqual({ address: '::', port: '22', wildcardForm: '[::]' });
    expect(parseSsEndpoint('*:22')).toEqual({ address: '*', port: '22', wildcardForm: '*' });
    expect(parseSsEndpoint(':::22')).toEqual({ address: '::', port: '22', wildcardForm: '::' });
    expect(parseSsEndpoint('*%eth0:5353')).toEqual({ address: '*', port: '5353', interface: 'eth0', wildcardForm: '*' });
    expect(parseSsEndpoint('[::1]:22')).toEqual({ address: '::1', port: '22' });
  });

  it('tells the two styles of ss where a line shows it', () => {
    expect(addressStyle('[::]:22', '[::]:*')).toBe('bracketed');
    expect(addressStyle('0.0.0.0:22', '0.0.0.0:*')).toBe('bracketed');
    expect(addressStyle('[::ffff:127.0.0.1]:8080', '*:*')).toBe('bracketed');
    expect(addressStyle(':::22', ':::*')).toBe('bare');
    expect(addressStyle('::1:25', ':::*')).toBe('bare');
    expect(addressStyle('127.0.0.1:25', '*:*')).toBe('bare');
    expect(addressStyle('*:22', '*:*')).toBeUndefined();
    expect(addressStyle('192.0.2.10:22', '198.51.100.7:51000')).toBeUndefined();
  });
});
