import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseSysctlKey, parseSysctlConf } from '../../src/parse/sysctl-conf.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

const FILE = '/etc/sysctl.d/99-docker.conf';
const parse = (text: string) => parseSysctlConf({ source: FILE, text });

describe('parseSysctlConf', () => {
  it('reads assignments with file, line, text and trimmed values', () => {
    const { value, notes } = parse('# Docker\nnet.ipv4.ip_forward = 1\n  net.ipv4.tcp_rmem =  4096 87380 6291456  \n');
    expect(value).toEqual([
      { key: 'net.ipv4.ip_forward', value: '1', file: FILE, line: 2, text: 'net.ipv4.ip_forward = 1', ignoreErrors: false, excluded: false },
      {
        key: 'net.ipv4.tcp_rmem',
        value: '4096 87380 6291456',
        file: FILE,
        line: 3,
        text: '  net.ipv4.tcp_rmem =  4096 87380 6291456  ',
        ignoreErrors: false,
        excluded: false,
      },
    ]);
    expect(notes).toEqual([]);
  });

  it('skips # and ; comments (also indented) and blank lines', () => {
    const { value, notes } = parse('; old style\n   # indented\n\n\t\nvm.swappiness=10\n');
    expect(value.map((e) => [e.key, e.value, e.line])).toEqual([['vm.swappiness', '10', 5]]);
    expect(notes).toEqual([]);
  });

  it('accepts any spacing around "="', () => {
    const { value } = parse('a.b=1\na.c =2\na.d= 3\na.e   =   4\n');
    expect(value.map((e) => [e.key, e.value])).toEqual([
      ['a.b', '1'],
      ['a.c', '2'],
      ['a.d', '3'],
      ['a.e', '4'],
    ]);
  });

  it('marks "-key = value" as ignoreErrors and strips the dash', () => {
    const { value } = parse('-net.ipv4.conf.all.rp_filter = 1\n- net.core.somaxconn = 4096\nnet.core.a = 1\n');
    expect(value.map((e) => [e.key, e.ignoreErrors])).toEqual([
      ['net.ipv4.conf.all.rp_filter', true],
      ['net.core.somaxconn', true],
      ['net.core.a', false],
    ]);
  });

  it('turns "/"-separated keys into the sysctl -a spelling (slashes and dots swap)', () => {
    const { value } = parse('net/ipv4/ip_forward = 1\nnet/ipv4/conf/enp3s0.200/forwarding = 0\n/net/ipv6/conf/all/forwarding = 1\n');
    expect(value.map((e) => e.key)).toEqual([
      'net.ipv4.ip_forward',
      'net.ipv4.conf.enp3s0/200.forwarding',
      'net.ipv6.conf.all.forwarding',
    ]);
  });

  it('keeps dotted keys that hold "/" (interface with a dot) as they are', () => {
    expect(parse('net.ipv4.conf.enp3s0/200.forwarding = 0\n').value[0]?.key).toBe('net.ipv4.conf.enp3s0/200.forwarding');
  });

  it('keeps glob keys as written', () => {
    const { value } = parse('net.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter = 2\n');
    expect(value.map((e) => e.key)).toEqual(['net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.all.rp_filter']);
  });

  it('keeps "=" and "#" inside values (sysctl.d has no inline comments)', () => {
    expect(parse('kernel.core_pattern = |/bin/x a=b # not a comment\n').value[0]?.value).toBe('|/bin/x a=b # not a comment');
  });

  it('reads "-key" alone as an exclusion from globs (sysctl.d(5)), with no value', () => {
    const { value, notes } = parse('net.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter\n- net/ipv4/conf/eth0.100/rp_filter\n');
    expect(notes).toEqual([]);
    expect(value.map((e) => [e.key, e.value, e.excluded, e.ignoreErrors])).toEqual([
      ['net.ipv4.conf.*.rp_filter', '2', false, false],
      ['net.ipv4.conf.all.rp_filter', '', true, false],
      ['net.ipv4.conf.eth0/100.rp_filter', '', true, false],
    ]);
  });

  it('notes a line without "=" and carries on', () => {
    const { value, notes } = parse('net.ipv4.ip_forward\nvm.swappiness = 1\n');
    expect(value.map((e) => e.line)).toEqual([2]);
    expect(notes).toEqual([{ source: FILE, line: 1, message: 'line without "=" ignored (as systemd-sysctl does): net.ipv4.ip_forward' }]);
  });

  it('notes an empty key or one with whitespace', () => {
    const { value, notes } = parse('= 1\nnet.ipv4 ip_forward = 1\n');
    expect(value).toEqual([]);
    expect(notes.map((n) => n.line)).toEqual([1, 2]);
  });

  it('returns nothing for an empty file', () => {
    expect(parse('')).toEqual({ value: [], notes: [] });
  });
});

describe('normaliseSysctlKey', () => {
  it('leaves dotted keys alone and converts slashed ones', () => {
    expect(normaliseSysctlKey('net.ipv4.ip_forward')).toBe('net.ipv4.ip_forward');
    expect(normaliseSysctlKey('net/ipv4/conf/eth0.100/rp_filter')).toBe('net.ipv4.conf.eth0/100.rp_filter');
    expect(normaliseSysctlKey('kernel')).toBe('kernel');
  });
});

describe('parseSysctlConf properties', () => {
  const segment = fc.stringMatching(/^[a-z0-9_*][a-z0-9_*-]{0,8}$/);
  const entry = fc.record({
    levels: fc.array(segment, { minLength: 2, maxLength: 5 }),
    value: fc.stringMatching(/^[ -~]{0,20}$/).map((v) => v.trim()),
    slashes: fc.boolean(),
    dash: fc.boolean(),
    /** "-key" alone: an exclusion (only with the dash). */
    exclusion: fc.boolean(),
    pad: fc.constantFrom('', ' ', '  ', '\t'),
  });
  const line = fc.oneof(
    { weight: 4, arbitrary: entry },
    { weight: 1, arbitrary: fc.constantFrom('', '# comment = x', '; comment', '   ') },
  );

  it('round-trips generated files written in either key style', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
        const text = lines
          .map((l) => {
            if (typeof l === 'string') return l;
            const key = l.levels.join(l.slashes ? '/' : '.');
            if (l.dash && l.exclusion) return `${l.pad}-${key}${l.pad}`;
            return `${l.pad}${l.dash ? '-' : ''}${key}${l.pad}=${l.pad}${l.value}${l.pad}`;
          })
          .join('\n');
        const expected = lines.flatMap((l, i) => {
          if (typeof l === 'string') return [];
          const excluded = l.dash && l.exclusion;
          return [{ key: l.levels.join('.'), value: excluded ? '' : l.value, ignoreErrors: l.dash && !excluded, excluded, line: i + 1 }];
        });
        const { value, notes } = parseSysctlConf({ source: FILE, text });
        expect(value.map(({ key, value: v, ignoreErrors, excluded, line: n }) => ({ key, value: v, ignoreErrors, excluded, line: n }))).toEqual(expected);
        expect(notes).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(anyText, (text) => expectOnlyParseError(FILE, () => parseSysctlConf({ source: FILE, text }))),
      { numRuns: 1000 },
    );
  });
});
