/**
 * Pasted damage around the real captures (prompt lines, CRLF, colour, trailing blank lines) is tolerated
 * with line numbers still pointing at the pasted text; text that is not the form is refused with a
 * ParseError naming the source and the line.
 */
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/errors.js';
import { parseIpAddrText, parseIpLinkText, parseIpNeighText, parseIpRouteText, parseIpRuleText, parseIptablesList, parseBridgeLinkText, textParserFor } from '../../../src/parse/text/index.js';
import { readExtensionText } from '../../../src/parse/text/iptables-list-extensions.js';
import { fixture, withoutEvidence } from './fixtures.js';

function damaged(text: string): string {
  return `root@host:~# ip -4 route\r\n${text.replace(/\n/g, '\r\n')}\r\n\r\nroot@host:~# \r\n`;
}

function refusal(run: () => unknown): ParseError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
    return err as ParseError;
  }
  throw new Error('expected a ParseError');
}

describe('pasted damage', () => {
  it('a prompt with the command, CRLF, a trailing prompt and blank lines: the same records, lines shifted by one', () => {
    const clean = parseIpRouteText({ source: 'ip-route', text: fixture('ip-route.txt') }, 4);
    const pasted = parseIpRouteText({ source: 'ip-route', text: damaged(fixture('ip-route.txt')) }, 4);
    expect(withoutEvidence(pasted.value)).toEqual(withoutEvidence(clean.value));
    expect(pasted.value.map((r) => r.line)).toEqual(clean.value.map((r) => r.line + 1));
    expect(pasted.notes.map((n) => n.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('CRLF'), expect.stringContaining('shell prompt skipped: root@host:~# ip -4 route')]),
    );
  });

  it('`$ ip addr` and `[root@node1 ~]# ip neigh` prompts', () => {
    const addr = parseIpAddrText({ source: 'ip-addr', text: `$ ip addr\n${fixture('ip-addr.txt')}` });
    expect(addr.value[0]).toMatchObject({ ifname: 'lo', line: 2 });
    const neigh = parseIpNeighText({ source: 'ip-neigh', text: `[root@node1 ~]# ip neigh\n${fixture('ip-neigh.txt')}\n\n` });
    expect(neigh.value).toHaveLength(8);
  });

  it('ANSI colours of `ip -c addr`: the same records as without, with a note', () => {
    const colour = parseIpAddrText({ source: 'ip-addr', text: fixture('ip-addr-color.txt') });
    expect(fixture('ip-addr-color.txt')).toContain('\u001b[');
    expect(withoutEvidence(colour.value)).toEqual(withoutEvidence(parseIpAddrText({ source: 'ip-addr', text: fixture('ip-addr.txt') }).value));
    expect(colour.notes.some((n) => n.message.includes('ANSI'))).toBe(true);
  });

  it('iproute2\'s error line in the output (stderr a sosreport keeps): skipped with a note at its line, the links around it kept', () => {
    const clean = parseIpLinkText({ source: 'ip-link', text: fixture('ip-link.txt') });
    const lines = fixture('ip-link.txt').split('\n');
    const second = lines.findIndex((line, i) => i > 0 && /^\d+: /.test(line));
    const withError = [...lines.slice(0, second), 'Error: Peer netns reference is invalid.', ...lines.slice(second)].join('\n');
    const parsed = parseIpLinkText({ source: 'ip-link', text: withError });
    expect(parsed.value.map((l) => l.ifname)).toEqual(clean.value.map((l) => l.ifname));
    expect(parsed.notes).toContainEqual({ source: 'ip-link', line: second + 1, message: expect.stringMatching(/^ip's error message skipped .*Peer netns reference is invalid\..*may be incomplete/) });
    expect(() => parseIpLinkText({ source: 'ip-link', text: withError.replace('Error: Peer', 'Oops: Peer') })).toThrow(/not a line of `ip link`/);
  });

  it('`ip -all netns exec` header of one namespace is skipped with a note', () => {
    const parsed = parseIpLinkText({ source: 'ip-link', text: `netns: natext-b\n${fixture('netns-b-ip-link-d.txt')}` });
    expect(parsed.value.map((l) => l.ifname)).toEqual(['lo', 'va1']);
    expect(parsed.notes[0]?.message).toContain('natext-b');
  });
});

describe('refusals name the source and line', () => {
  it.each([
    ['ip addr: JSON', () => parseIpAddrText({ source: 'ip-addr', text: '[{"ifindex":1}]' }), 1],
    ['ip addr: an inet line without address', () => parseIpAddrText({ source: 'ip-addr', text: '1: lo: <UP> mtu 1\n    inet scope host\n' }), 2],
    ['ip link: indented line first', () => parseIpLinkText({ source: 'ip-link', text: '\n    link/ether 00:00:00:00:00:01\n' }), 2],
    ['ip route: a word that is no destination', () => parseIpRouteText({ source: 'ip-route', text: 'default via 192.0.2.1 dev eth0\nhello world\n' }, 4), 2],
    ['ip route: a bad metric', () => parseIpRouteText({ source: 'ip-route', text: '10.0.0.0/8 dev eth0 metric x\n' }, 4), 1],
    ['ip rule: no priority', () => parseIpRuleText({ source: 'ip-rule', text: 'from all lookup main\n' }, 4), 1],
    ['ip rule: an unknown word', () => parseIpRuleText({ source: 'ip-rule', text: '0:\tfrom all lookup local\n5:\tfrom all frobnicate 3 lookup main\n' }, 4), 2],
    ['ip neigh: not an address', () => parseIpNeighText({ source: 'ip-neigh', text: '192.0.2.1 dev eth0 lladdr 02:00:00:00:00:01 STALE\neth0 is down\n' }), 2],
    ['bridge link: unindented junk', () => parseBridgeLinkText({ source: 'bridge-link', text: 'bridge: RTNETLINK answers: Operation not supported\n' }), 1],
    ['iptables -L: iptables-save text', () => parseIptablesList({ source: 'iptables-L-filter', text: '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n' }, { table: 'filter', family: 4 }), 1],
    ['iptables -L: a rule number out of order', () => parseIptablesList({ source: 'iptables-L-nat', text: fixture('iptables-L-nat-abbrev.txt').replace('\n2        0', '\n3        0') }, { table: 'nat', family: 4 }), undefined],
  ] as const)('%s', (_what, run, line) => {
    const error = refusal(run);
    expect(error.location.source).toMatch(/^(ip|bridge|iptables)/);
    if (line !== undefined) expect(error.location.line).toBe(line);
    else expect(error.location.line).toBeGreaterThan(0);
  });
});

describe('iptables -L extension text that is not exact is kept and marked, never guessed', () => {
  it.each([
    ['tcp dpt:http', 'tcp dpt:http'],
    ['/* a */ comment */ tcp dpt:80', '/* a */ comment */ tcp dpt:80'],
    ['tcp dpt:80 owner socket exists', 'owner socket exists'],
    ['recent: CHECK seconds: 60 name: DEFAULT side: source', 'recent: CHECK seconds: 60 name: DEFAULT side: source'],
  ])('%s', (text, kept) => {
    const parts = readExtensionText(text, 'ACCEPT');
    expect(parts.unparsed).toBe(kept);
    expect(parts.matches.at(-1)).toEqual({ module: 'list-text', implicit: false, options: [{ name: 'text', args: [kept], negated: false }] });
  });

  it('forms the lab could not create (no ipset tool): match-set, negated physdev, negated addrtype and multiport', () => {
    expect(readExtensionText('match-set blocked src,dst', 'DROP').matches).toEqual([
      { module: 'set', implicit: false, options: [{ name: 'match-set', args: ['blocked', 'src,dst'], negated: false }] },
    ]);
    expect(readExtensionText('! match-set blocked src', 'DROP').matches[0]?.options[0]?.negated).toBe(true);
    expect(readExtensionText('PHYSDEV match ! --physdev-in eth0 --physdev-is-bridged', 'ACCEPT').matches[0]?.options).toEqual([
      { name: 'physdev-in', args: ['eth0'], negated: true },
      { name: 'physdev-is-bridged', args: [], negated: false },
    ]);
    expect(readExtensionText('ADDRTYPE match dst-type !LOCAL', 'RETURN').matches[0]?.options).toEqual([{ name: 'dst-type', args: ['LOCAL'], negated: true }]);
    expect(readExtensionText('multiport dports !80,443', 'ACCEPT').matches[0]?.options).toEqual([{ name: 'dports', args: ['80,443'], negated: true }]);
    expect(readExtensionText('MARK and 0xff', 'MARK').targetOptions).toEqual([{ name: 'set-xmark', args: ['0x0/0xffffff00'], negated: false }]);
  });

  it('a host name (`iptables -L` without -n) makes the rule maybe', () => {
    const text = 'Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination\nACCEPT     all  --  gateway.lan          anywhere\n';
    const rule = parseIptablesList({ source: 'iptables-L-filter', text }, { table: 'filter', family: 4 }).value.tables[0]!.rules[0]!;
    expect(rule.source).toEqual({ value: 'gateway.lan', negated: false });
    expect(rule.destination).toBeUndefined();
    expect(rule.protocol).toBeUndefined();
    expect(rule.matches).toEqual([{ module: 'list-text', implicit: false, options: [{ name: 'text', args: ['gateway.lan'], negated: false }] }]);
  });
});

describe('the index of text parsers', () => {
  it('maps each raw-file name to its parser and source id', () => {
    expect(textParserFor('iptables-L-nat.txt')).toMatchObject({ parser: { source: 'iptables-save' }, table: 'nat' });
    expect(textParserFor('ip6tables-L-mangle.txt')).toMatchObject({ parser: { source: 'ip6tables-save' }, table: 'mangle' });
    expect(textParserFor('ip6-rule.txt')?.parser.source).toBe('ip6-rule');
    expect(textParserFor('ip-addr.json')).toBeUndefined();
    const found = textParserFor('iptables-L-nat.txt')!;
    const parsed = found.parser.parse({ source: 'iptables-L-nat', text: fixture('iptables-L-nat.txt') }, found.table) as ReturnType<typeof parseIptablesList>;
    expect(parsed.value.tables[0]?.name).toBe('nat');
  });
});
