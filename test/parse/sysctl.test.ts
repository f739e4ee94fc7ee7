import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseSysctl } from '../../src/parse/sysctl.js';
import { catchError } from '../helpers/errors.js';

const parse = (text: string) => parseSysctl({ source: 'sysctl', text });


describe('parseSysctl', () => {
  it('reads key = value lines with their line numbers and text', () => {
    const { value, notes } = parse('net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.rp_filter = 2\n');
    expect(value.entries).toEqual([
      { key: 'net.ipv4.ip_forward', value: '1', line: 1, text: 'net.ipv4.ip_forward = 1' },
      { key: 'net.ipv4.conf.all.rp_filter', value: '2', line: 2, text: 'net.ipv4.conf.all.rp_filter = 2' },
    ]);
    expect(notes).toEqual([]);
  });

  it('keeps empty values', () => {
    const { value } = parse('kernel.hotplug = \nnet.ipv4.ip_local_reserved_ports =\n');
    expect(value.entries.map((e) => [e.key, e.value])).toEqual([
      ['kernel.hotplug', ''],
      ['net.ipv4.ip_local_reserved_ports', ''],
    ]);
  });

  it('keeps TAB-separated values, trimming only trailing whitespace', () => {
    const { value } = parse('net.ipv4.tcp_rmem = 4096\t87380\t6291456\ndev.cdrom.info = Can close tray:\t\t1\t\t\n');
    expect(value.entries[0]?.value).toBe('4096\t87380\t6291456');
    expect(value.entries[1]?.value).toBe('Can close tray:\t\t1');
  });

  it('removes only the separator\'s space, keeping a value\'s own leading whitespace', () => {
    expect(parse('kernel.x =  two spaces\nkernel.y = \tlead tab\n').value.entries.map((e) => e.value)).toEqual([' two spaces', '\tlead tab']);
  });

  it('keeps "=" inside values', () => {
    const { value } = parse('kernel.core_pattern = |/bin/hook -p%p a=b\n');
    expect(value.entries[0]).toMatchObject({ key: 'kernel.core_pattern', value: '|/bin/hook -p%p a=b' });
  });

  it('keeps every entry of a repeated key, in order', () => {
    const { value } = parse('dev.cdrom.info = CD-ROM information\ndev.cdrom.info = \ndev.cdrom.info = drive name:\t\tsr0\n');
    expect(value.entries.map((e) => [e.key, e.value, e.line])).toEqual([
      ['dev.cdrom.info', 'CD-ROM information', 1],
      ['dev.cdrom.info', '', 2],
      ['dev.cdrom.info', 'drive name:\t\tsr0', 3],
    ]);
  });

  it('keeps interface keys exactly as printed (a dot in an interface name is printed as "/")', () => {
    const { value } = parse('net.ipv4.conf.eth0/100.forwarding = 1\nnet.ipv6.conf.virbr0-nic.disable_ipv6 = 0\n');
    expect(value.entries.map((e) => e.key)).toEqual(['net.ipv4.conf.eth0/100.forwarding', 'net.ipv6.conf.virbr0-nic.disable_ipv6']);
  });

  it('prefers " = " as separator, so an interface name holding "=" stays in the key', () => {
    const { value } = parse('net.ipv4.conf.a=b.forwarding = 0\n');
    expect(value.entries[0]).toMatchObject({ key: 'net.ipv4.conf.a=b.forwarding', value: '0' });
  });

  it('accepts busybox key=value without spaces', () => {
    const { value, notes } = parse('net.ipv4.ip_forward=1\nkernel.hostname=box\n');
    expect(value.entries.map((e) => [e.key, e.value])).toEqual([
      ['net.ipv4.ip_forward', '1'],
      ['kernel.hostname', 'box'],
    ]);
    expect(notes).toEqual([]);
  });

  it('notes and skips sysctl stderr lines mixed into the dump', () => {
    const text = [
      'fs.aio-max-nr = 65536',
      'sysctl: unable to open directory "/proc/sys/fs/binfmt_misc/"',
      "sysctl: permission denied on key 'fs.protected_hardlinks'",
      'sysctl: reading key "net.ipv6.conf.all.stable_secret"',
      'fs.file-max = 100',
    ].join('\n');
    const { value, notes } = parse(text);
    expect(value.entries.map((e) => [e.key, e.line])).toEqual([
      ['fs.aio-max-nr', 1],
      ['fs.file-max', 5],
    ]);
    expect(notes.map((n) => n.line)).toEqual([2, 3, 4]);
    expect(notes[0]?.message).toContain('unable to open directory "/proc/sys/fs/binfmt_misc/"');
    expect(notes.every((n) => n.source === 'sysctl')).toBe(true);
  });

  it('skips # comments and blank lines silently, counting them for line numbers', () => {
    const { value, notes } = parse('# http://example.org\n# 系统默认参数设置\n\nabi.vsyscall32 = 1\n');
    expect(value.entries).toEqual([{ key: 'abi.vsyscall32', value: '1', line: 4, text: 'abi.vsyscall32 = 1' }]);
    expect(notes).toEqual([]);
  });

  it('notes other junk lines and skips them', () => {
    const { value, notes } = parse('root@host:~# sysctl -a\nvm.swappiness = 60\nsome junk\n');
    expect(value.entries.map((e) => e.key)).toEqual(['vm.swappiness']);
    expect(notes.map((n) => n.line)).toEqual([1, 3]);
    expect(notes[0]?.message).toMatch(/not a "key = value" line/);
  });

  it('accepts CRLF line endings', () => {
    const { value } = parse('vm.swappiness = 60\r\nvm.overcommit_memory = 0\r\n');
    expect(value.entries.map((e) => [e.value, e.line])).toEqual([
      ['60', 1],
      ['0', 2],
    ]);
  });

  it('returns nothing for empty or blank text', () => {
    expect(parse('').value.entries).toEqual([]);
    expect(parse('\n  \n').value.entries).toEqual([]);
  });

  it('rejects text with no key = value line, with the line and a hint', () => {
    const err = catchError(() => parse('\nthis is not sysctl\nnor this\n'));
    expect(err.location).toEqual({ source: 'sysctl', line: 2 });
    expect(err.hint).toMatch(/sysctl -a/);
  });

  it('says what wrong-kind text is', () => {
    const err = catchError(() => parse('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue\n    inet 127.0.0.1/8 scope host lo\n'));
    expect(err.hint).toBe('this is `ip addr` text; run `ip -j addr show`');
  });

  it('rejects a file of only stderr lines (nothing was read)', () => {
    const err = catchError(() => parse("sysctl: permission denied on key 'a.b'\n"));
    expect(err).toBeInstanceOf(ParseError);
    expect(err.location.line).toBe(1);
  });

  it('clips a huge line in evidence text', () => {
    const long = `kernel.x = ${'a'.repeat(10_000)}`;
    const entry = parse(long).value.entries[0];
    expect(entry?.value).toHaveLength(10_000);
    expect(entry?.text.length).toBeLessThan(400);
  });
});
