import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpRule, type IpRuleEntry } from '../../src/parse/ip-rule.js';
import { catchError } from '../helpers/errors.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

/** `ip -j -p rule` of iproute2 6.1 on a namespace with one rule of each kind, as printed. */
const PRETTY = `[ {
        "priority": 0,
        "src": "all",
        "table": "local"
    },{
        "priority": 100,
        "src": "172.18.0.0",
        "srclen": 16,
        "table": "100"
    },{
        "priority": 101,
        "src": "all",
        "fwmark": "0x1",
        "fwmask": "0xff",
        "action": "blackhole"
    },{
        "priority": 102,
        "src": "all",
        "dst": "10.1.0.0",
        "dstlen": 24,
        "iif": "lo",
        "action": "unreachable"
    },{
        "priority": 103,
        "not": null,
        "src": "10.2.0.0",
        "srclen": 16,
        "action": "prohibit"
    },{
        "priority": 104,
        "src": "all",
        "goto": 32766
    },{
        "priority": 105,
        "src": "all",
        "oif": "lo",
        "table": "main",
        "suppress_prefixlen": 0
    },{
        "priority": 32766,
        "src": "all",
        "table": "main"
    },{
        "priority": 32767,
        "src": "all",
        "table": "default"
    } ]
`;

describe('ip -j rule', () => {
  it('reads every kind of rule iproute2 prints, each at the line of its "priority", quoted from it', () => {
    const { value, notes } = parseIpRule({ source: 'ip-rule', text: PRETTY }, 4);
    expect(notes).toEqual([]);
    const brief = value.map(({ text: _text, ...rest }) => rest);
    expect(brief).toEqual([
      { priority: 0, not: false, action: 'lookup', table: 'local', unmodelled: [], line: 2 },
      { priority: 100, not: false, action: 'lookup', table: '100', from: '172.18.0.0/16', unmodelled: [], line: 6 },
      { priority: 101, not: false, action: 'blackhole', fwmark: 1, fwmask: 0xff, unmodelled: [], line: 11 },
      { priority: 102, not: false, action: 'unreachable', to: '10.1.0.0/24', iif: 'lo', unmodelled: [], line: 17 },
      { priority: 103, not: true, action: 'prohibit', from: '10.2.0.0/16', unmodelled: [], line: 24 },
      { priority: 104, not: false, action: 'goto', goto: 32766, unmodelled: [], line: 30 },
      { priority: 105, not: false, action: 'lookup', table: 'main', oif: 'lo', suppressPrefixLength: 0, unmodelled: [], line: 34 },
      { priority: 32766, not: false, action: 'lookup', table: 'main', unmodelled: [], line: 40 },
      { priority: 32767, not: false, action: 'lookup', table: 'default', unmodelled: [], line: 44 },
    ]);
    expect(value.map((r) => r.text.split(', ')[0])).toEqual(
      [0, 100, 101, 102, 103, 104, 105, 32766, 32767].map((p) => `"priority": ${p}`),
    );
    // "priority" leads though the rule also has a "dst", and the line is that of "priority".
    expect(value[3]?.text).toBe('"priority": 102, "src": "all", "dst": "10.1.0.0", "dstlen": 24, "iif": "lo", "action": "unreachable"');
    const lines = PRETTY.split('\n');
    expect(value.map((r) => lines[r.line - 1]?.trim())).toEqual(value.map((r) => `"priority": ${r.priority},`));
  });

  it('takes an address without a length as a host address, and a fwmark without a mask as the whole mark', () => {
    const text = '[{"priority":5,"src":"192.0.2.7","fwmark":"0x2","table":"7"},{"priority":6,"src":"2001:db8::1","table":"main"}]';
    const [v4, v6] = parseIpRule({ source: 'ip-rule', text }, 4).value;
    expect(v4).toMatchObject({ from: '192.0.2.7/32', fwmark: 2, fwmask: 0xffffffff });
    expect(v6).toMatchObject({ from: '2001:db8::1/128' });
  });

  it('keeps selectors it does not evaluate as such, so that a lookup through them is undecided', () => {
    const text = '[{"priority":7,"src":"all","ipproto":"tcp","dport":443,"uid_start":1000,"uid_end":1000,"table":"9"}]';
    expect(parseIpRule({ source: 'ip-rule', text }, 4).value[0]?.unmodelled).toEqual(['uid_start', 'ipproto', 'dport']);
  });

  it('leaves out, with a note that input was dropped, an element without a priority or with an unknown action', () => {
    const text = '[{"src":"all","table":"main"},{"priority":9,"src":"all","action":"teleport"},{"priority":10,"src":"all","fwmark":"0x1ffffffff","table":"1"}]';
    const { value, notes } = parseIpRule({ source: 'ip-rule', text }, 4);
    expect(value.map((r) => r.priority)).toEqual([10]);
    expect(value[0]?.fwmark).toBeUndefined();
    expect(notes.map((n) => [n.line, n.message, n.dropped])).toEqual([
      [1, 'rule without "priority"; skipped', true],
      [1, 'rule with the unknown action "teleport"; skipped', true],
      [1, '"fwmark" is "0x1ffffffff", not a 32-bit mark; ignored', true],
    ]);
  });

  it('refuses `ip rule` text where JSON belongs, naming the command to run', () => {
    const err = catchError(() => parseIpRule({ source: 'ip-rule', text: '0:\tfrom all lookup local\n32766:\tfrom all lookup main\n' }, 4));
    expect(err.location).toEqual({ source: 'ip-rule', line: 1 });
    expect(err.describe()).toContain('ip -j rule show');
  });

  const rule = fc.record(
    {
      priority: fc.integer({ min: 0, max: 0xffffffff }),
      not: fc.boolean(),
      from: fc.option(fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 31 })), { nil: undefined }),
      iif: fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,14}$/), { nil: undefined }),
      fwmark: fc.option(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 0xffffffff })), { nil: undefined }),
      action: fc.oneof(
        fc.record({ table: fc.constantFrom('main', 'local', '100', 'vpn') }),
        fc.record({ goto: fc.integer({ min: 1, max: 32767 }) }),
        fc.constant({ nop: null }),
        fc.record({ action: fc.constantFrom('blackhole', 'unreachable', 'prohibit') }),
      ),
    },
    { requiredKeys: ['priority', 'not', 'action'] },
  );

  it('reads back generated rules as iproute2 would print them', () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 8 }), fc.boolean(), (rules, pretty) => {
        const printed = rules.map((r) => ({
          priority: r.priority,
          ...(r.not ? { not: null } : {}),
          src: r.from ? r.from[0] : 'all',
          ...(r.from ? { srclen: r.from[1] } : {}),
          ...(r.iif ? { iif: r.iif } : {}),
          ...(r.fwmark ? { fwmark: `0x${r.fwmark[0].toString(16)}`, fwmask: `0x${r.fwmark[1].toString(16)}` } : {}),
          ...r.action,
        }));
        const { value, notes } = parseIpRule({ source: 'ip-rule', text: JSON.stringify(printed, null, pretty ? 4 : undefined) }, 4);
        expect(notes).toEqual([]);
        expect(value.map((e: IpRuleEntry) => [e.priority, e.not, e.from, e.iif, e.fwmark, e.fwmask, e.action])).toEqual(
          rules.map((r) => [
            r.priority,
            r.not,
            r.from ? `${r.from[0]}/${r.from[1]}` : undefined,
            r.iif,
            r.fwmark?.[0],
            r.fwmark?.[1],
            'table' in r.action ? 'lookup' : 'goto' in r.action ? 'goto' : 'nop' in r.action ? 'nop' : r.action.action,
          ]),
        );
      }),
    );
  });

  it('throws nothing but a located ParseError on arbitrary text', () => {
    fc.assert(fc.property(anyText, (text) => expectOnlyParseError('ip-rule', () => parseIpRule({ source: 'ip-rule', text }, 4))));
  });
});
