/**
 * The text parsers on inputs the size of a large Kubernetes node: a sysctl -a of 20k+ lines (hundreds of
 * interfaces), brctl show with thousands of ports, ss with thousands of listeners, read completely.
 * Their speed is measured by `npm run bench`, never by a timed test.
 */
import { describe, expect, it } from 'vitest';
import { parseBrctlShow } from '../../src/parse/brctl.js';
import { parseSsListeners } from '../../src/parse/ss.js';
import { parseSysctl } from '../../src/parse/sysctl.js';
import { parseSysctlConf } from '../../src/parse/sysctl-conf.js';

const INTERFACES = 600;
const PER_INTERFACE_KEYS = ['accept_local', 'accept_redirects', 'arp_ignore', 'forwarding', 'log_martians', 'proxy_arp', 'route_localnet', 'rp_filter', 'send_redirects', 'src_valid_mark'];

function bigSysctl(): string {
  const lines: string[] = [];
  for (let i = 0; i < INTERFACES; i++) {
    const name = `cali${i.toString(16).padStart(11, '0')}`;
    for (const key of PER_INTERFACE_KEYS) lines.push(`net.ipv4.conf.${name}.${key} = ${i % 2}`);
    for (const key of PER_INTERFACE_KEYS) lines.push(`net.ipv6.conf.${name}.${key} = 0`);
    lines.push(`net.ipv4.neigh.${name}.gc_stale_time = 60`, `net.ipv4.tcp_rmem = 4096\t131072\t6291456`);
  }
  return `${lines.join('\n')}\n`;
}

describe('text parsers on a large node', () => {
  it('sysctl -a of 13k lines and a 20k-line sysctl.d file', () => {
    const dump = bigSysctl();
    expect(parseSysctl({ source: 'sysctl', text: dump }).value.entries).toHaveLength(INTERFACES * 22);
    const twice = dump + dump;
    expect(parseSysctl({ source: 'sysctl', text: twice }).value.entries).toHaveLength(INTERFACES * 44);
    expect(parseSysctlConf({ source: '/etc/sysctl.d/99-big.conf', text: twice }).value).toHaveLength(INTERFACES * 44);
  });

  it('brctl show with 2,000 ports and ss with 5,000 listeners', () => {
    const brctl = ['bridge name\tbridge id\t\tSTP enabled\tinterfaces', 'cni0\t\t8000.72f6fa41f499\tno\t\tveth0'];
    for (let i = 1; i < 2000; i++) brctl.push(`\t\t\t\t\t\t\tveth${i}`);
    const brctlText = brctl.join('\n');
    expect(parseBrctlShow({ source: 'brctl-show', text: brctlText }).value[0]?.interfaces).toHaveLength(2000);

    const ss: string[] = [];
    for (let i = 0; i < 5000; i++) ss.push(`LISTEN 0      4096     10.0.${i >> 8}.${i & 255}:${1024 + i}      0.0.0.0:*    users:(("proc-${i}",pid=${1000 + i},fd=3),("worker",pid=${9000 + i},fd=4))`);
    const ssText = ss.join('\n');
    expect(parseSsListeners({ source: 'ss-tlnp', text: ssText }).value).toHaveLength(5000);
  });
});
