import { describe, expect, it } from 'vitest';
import { parseSsEndpoint, parseSsListeners, parseSsUsers } from '../../src/parse/ss.js';
import { catchError } from '../helpers/errors.js';

const parse = (text: string) => parseSsListeners({ source: 'ss-tlnp', text });


describe('parseSsListeners', () => {
  it('reads a listener with its process', () => {
    const line = 'LISTEN 0      4096         0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=812,fd=3))';
    expect(parse(`${line}\n`)).toEqual({
      value: [
        {
          state: 'LISTEN',
          recvQ: 0,
          sendQ: 4096,
          localAddress: '0.0.0.0',
          localPort: 22,
          peer: '0.0.0.0:*',
          processes: [{ name: 'sshd', pid: 812, fd: 3 }],
          line: 1,
          text: line,
        },
      ],
      notes: [],
    });
  });

  it('reads the address forms: [::], *, %scope, IPv4-mapped, old bare IPv6', () => {
    const text = [
      'LISTEN 0 4096 [::]:22 [::]:* users:(("sshd",pid=812,fd=4))',
      'LISTEN 0 511 *:80 *:* users:(("apache2",pid=1001,fd=4))',
      'LISTEN 0 4096 127.0.0.53%lo:53 0.0.0.0:* users:(("systemd-resolve",pid=600,fd=14))',
      'LISTEN 0 50 [::ffff:127.0.0.1]:8080 *:* users:(("java",pid=2000,fd=40))',
      'LISTEN 0 128 [fe80::1]%eth0:2222 [::]:*',
      'LISTEN     0      128         :::22            :::*',
    ].join('\n');
    const { value, notes } = parse(text);
    expect(notes).toEqual([]);
    expect(value.map((l) => [l.localAddress, l.localPort, l.localInterface, l.peer])).toEqual([
      ['::', 22, undefined, '[::]:*'],
      ['*', 80, undefined, '*:*'],
      ['127.0.0.53', 53, 'lo', '0.0.0.0:*'],
      ['::ffff:127.0.0.1', 8080, undefined, '*:*'],
      ['fe80::1', 2222, 'eth0', '[::]:*'],
      ['::', 22, undefined, ':::*'],
    ]);
  });

  it('reads several processes, and names holding commas, quotes, parentheses or spaces', () => {
    const text = [
      'LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=1201,fd=6),("nginx",pid=1200,fd=6),("nginx",pid=1199,fd=6))',
      'LISTEN 0 128 0.0.0.0:9000 0.0.0.0:* users:(("a,b",pid=1,fd=3))',
      'LISTEN 0 128 0.0.0.0:9001 0.0.0.0:* users:(("we"ird",pid=2,fd=3))',
      'LISTEN 0 128 0.0.0.0:9002 0.0.0.0:* users:(("(sd-pam)",pid=3,fd=3),("x)",pid=4,fd=5))',
      'LISTEN 0 128 0.0.0.0:9003 0.0.0.0:* users:(("tmux: server",pid=5,fd=7))',
    ].join('\n');
    const { value, notes } = parse(text);
    expect(notes).toEqual([]);
    expect(value.map((l) => l.processes)).toEqual([
      [
        { name: 'nginx', pid: 1201, fd: 6 },
        { name: 'nginx', pid: 1200, fd: 6 },
        { name: 'nginx', pid: 1199, fd: 6 },
      ],
      [{ name: 'a,b', pid: 1, fd: 3 }],
      [{ name: 'we"ird', pid: 2, fd: 3 }],
      [
        { name: '(sd-pam)', pid: 3, fd: 3 },
        { name: 'x)', pid: 4, fd: 5 },
      ],
      [{ name: 'tmux: server', pid: 5, fd: 7 }],
    ]);
  });

  it('reads the pre-4.x process form without pid=/fd=', () => {
    expect(parse('LISTEN 0 128 *:22 *:* users:(("sshd",1234,3))\n').value[0]?.processes).toEqual([{ name: 'sshd', pid: 1234, fd: 3 }]);
  });

  it('reads listeners without a process column (ss run as non-root)', () => {
    const { value, notes } = parse('LISTEN 0 4096 0.0.0.0:22 0.0.0.0:*\nLISTEN 0 4096 [::]:22 [::]:*   \n');
    expect(value.map((l) => [l.localPort, l.processes])).toEqual([
      [22, []],
      [22, []],
    ]);
    expect(notes).toEqual([]);
  });

  it('ignores extra columns after the process (ss -e)', () => {
    const { value } = parse('LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=1,fd=3)) ino:1234 sk:1 cgroup:/system.slice/ssh.service <->\n');
    expect(value[0]?.processes).toEqual([{ name: 'sshd', pid: 1, fd: 3 }]);
  });

  it('tolerates a header line (ss without -H) with a note', () => {
    const text = 'State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\nLISTEN 0      4096   0.0.0.0:22          0.0.0.0:*\n';
    const { value, notes } = parse(text);
    expect(value.map((l) => [l.localPort, l.line])).toEqual([[22, 2]]);
    expect(notes).toEqual([{ source: 'ss-tlnp', line: 1, message: 'header line skipped (ss run without -H)' }]);
  });

  it('header-only output means no listeners', () => {
    expect(parse('State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n').value).toEqual([]);
  });

  it('accepts a Netid column, keeping TCP and noting other kinds', () => {
    const text = 'tcp   LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=1,fd=3))\nudp   UNCONN 0 0 0.0.0.0:68 0.0.0.0:*\n';
    const { value, notes } = parse(text);
    expect(value.map((l) => [l.state, l.localPort])).toEqual([['LISTEN', 22]]);
    expect(notes.map((n) => [n.line, n.message])).toEqual([[2, 'udp socket skipped: only TCP listeners are read']]);
  });

  it('notes lines it cannot read and keeps the others', () => {
    const text = [
      'LISTEN 0 128 0.0.0.0:22 0.0.0.0:*',
      'LISTEN x 128 0.0.0.0:23 0.0.0.0:*',
      'LISTEN 0 128 0.0.0.0:ssh 0.0.0.0:*',
      'LISTEN 0 128 nocolon 0.0.0.0:*',
      'LISTEN 0 128',
      'LISTEN 0 128 0.0.0.0:25 0.0.0.0:* users:(("broken',
    ].join('\n');
    const { value, notes } = parse(text);
    expect(value.map((l) => [l.localPort, l.processes, l.line])).toEqual([
      [22, [], 1],
      [25, [], 6],
    ]);
    expect(notes.map((n) => n.line)).toEqual([2, 3, 4, 5, 6]);
    expect(notes[1]?.message).toMatch(/without -n/);
    expect(notes[4]?.message).toMatch(/process column not understood/);
  });

  it('returns [] for empty output', () => {
    expect(parse('')).toEqual({ value: [], notes: [] });
  });

  it('rejects text of another kind with a hint', () => {
    const err = catchError(() => parse('Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination\n'));
    expect(err.location).toEqual({ source: 'ss-tlnp', line: 1 });
    expect(err.hint).toBe('this is `iptables -L` output; `iptables -L` hides interfaces and match details; run `iptables-save -c`');
  });
});

describe('parseSsEndpoint / parseSsUsers', () => {
  it('splits endpoints', () => {
    expect(parseSsEndpoint('[fe80::1%eth0]:22')).toEqual({ address: 'fe80::1', port: '22', interface: 'eth0' });
    expect(parseSsEndpoint('0.0.0.0%docker0:53')).toEqual({ address: '0.0.0.0', port: '53', interface: 'docker0' });
    expect(parseSsEndpoint('[::1]x:22')).toBeUndefined();
    expect(parseSsEndpoint(':22')).toBeUndefined();
    expect(parseSsEndpoint('1.2.3.4:')).toBeUndefined();
  });

  it('reads users:(...) or says it cannot', () => {
    expect(parseSsUsers('users:(("a",pid=1))')).toEqual([{ name: 'a', pid: 1 }]);
    expect(parseSsUsers('users:(("a",pid=1,fd=2)')).toBeUndefined();
    expect(parseSsUsers('users:(("a",pid=x,fd=2))')).toBeUndefined();
    expect(parseSsUsers('users:()')).toBeUndefined();
  });
});
