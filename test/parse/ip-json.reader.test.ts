/** The shared JSON reader (src/parse/json-source.ts) that ip -j and bridge -j parsing rest on. */
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { MAX_JSON_DEPTH, readJsonArray, readJsonRecords } from '../../src/parse/json-source.js';
import type { ParseNote } from '../../src/parse/common.js';
import { catchError } from '../helpers/errors.js';

const SOURCE = 'ip-link';
const read = (text: string) => readJsonArray({ source: SOURCE, text }, 'ip -j -d link show');


describe('readJsonArray: layouts and lines', () => {
  it('compact one-line output: every element on line 1', () => {
    const els = read('[{"ifindex":1,"ifname":"lo"},{"ifindex":2,"ifname":"eth0"}]\n');
    expect(els.map((e) => [e.line, e.text])).toEqual([
      [1, '{"ifindex":1,"ifname":"lo"}'],
      [1, '{"ifindex":2,"ifname":"eth0"}'],
    ]);
  });

  it('pretty output: an element is quoted at the line of its identifying member, its members on one readable line; compact output as printed', () => {
    const pretty = [
      '[ {',
      '        "ifindex": 2,',
      '        "ifname": "eth0",',
      '        "flags": [ "BROADCAST","MULTICAST","UP","LOWER_UP" ],',
      '        "mtu": 1500,',
      '        "operstate": "UP",',
      '        "linkinfo": {',
      '            "info_kind": "veth"',
      '        }',
      '    } ]',
    ].join('\n');
    expect(read(pretty).map((e) => [e.line, e.text])).toEqual([
      [3, '"ifname": "eth0", "ifindex": 2, "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], "mtu": 1500, "operstate": "UP", "linkinfo": {"info_kind": "veth"}'],
    ]);
    const compact = '[{"ifindex":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP"}]\n';
    expect(read(compact).map((e) => [e.line, e.text])).toEqual([
      [1, '{"ifindex":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP"}'],
    ]);
    const [long] = read(`[ {\n    "ifalias": "${'x'.repeat(5000)}",\n    "ifname": "x"\n} ]`);
    expect([long?.line, long?.text]).toEqual([3, `"ifname": "x", "ifalias": "${'x'.repeat(213)}… (4788 more characters)`]);
  });

  it('old iproute2 -p layout ("[{" and "},{"): each element at the line of its "ifname", quoted from it', () => {
    const text = ['[{', '        "ifindex": 1,', '        "ifname": "lo"', '    },{', '        "ifindex": 2,', '        "ifname": "eth0"', '    }', ']'].join('\n');
    expect(read(text).map((e) => [e.line, e.text])).toEqual([
      [3, '"ifname": "lo", "ifindex": 1'],
      [6, '"ifname": "eth0", "ifindex": 2'],
    ]);
  });

  it('jq layout, CRLF, leading TABs and a BOM: an element without an identifying member at the line where it starts', () => {
    const text = '\ufeff\t[\r\n\t  {\r\n\t    "ifindex": 1\r\n\t  },\r\n\t  {\r\n\t    "ifindex": 2,\r\n\t    "ifname": "eth0"\r\n\t  }\r\n\t]\r\n';
    expect(read(text).map((e) => [e.line, e.text])).toEqual([
      [2, '"ifindex": 1'],
      [7, '"ifname": "eth0", "ifindex": 2'],
    ]);
  });

  it('counts a lone CR as a line break, as splitLines does', () => {
    expect(read('[\r{"a":1},\r\r{"a":2}]').map((e) => e.line)).toEqual([2, 4]);
  });

  it('renders text compactly and clips huge elements', () => {
    const [el] = read(`[{"ifalias": "${'x'.repeat(5000)}"}]`);
    expect(el?.text.startsWith('{"ifalias":"xxx')).toBe(true);
    expect(el?.text.length).toBeLessThan(400);
  });

  it('decodes escapes, numbers, literals and nested values', () => {
    const [el] = read('[{"s":"a\\"b\\\\c\\/d\\u00e9\\n","n":[0,-1,0.00,1.5e3,2E-2],"t":true,"f":false,"z":null,"o":{"x":[]}}]');
    expect(el?.value).toEqual({ s: 'a"b\\c/dé\n', n: [0, -1, 0, 1500, 0.02], t: true, f: false, z: null, o: { x: [] } });
  });

  it('returns [] for empty, blank or "[]" output', () => {
    expect(read('')).toEqual([]);
    expect(read(' \n\t\n')).toEqual([]);
    expect(read('[]\n')).toEqual([]);
    expect(read('[ ]')).toEqual([]);
  });
});

describe('readJsonArray: broken and hostile input', () => {
  it.each([
    ['[{"a":1}', 1, /expected "," or "]"/],
    ['[{"a":1,}]', 1, /trailing comma/],
    ['[{"a":1},]', 1, /trailing comma/],
    ['[\n{"a":\n01}]', 3, /invalid number/],
    ['[{"a":tru}]', 1, /expected a JSON value/],
    ['[{"a":"x\ny"}]', 1, /control character/],
    ['[{"a":"\\q"}]', 1, /invalid escape/],
    ['[{"a":"\\u12G4"}]', 1, /invalid \\u escape/],
    ['[\n\n{"a":"unterminated', 3, /unterminated string/],
    ['[{a:1}]', 1, /property name in double quotes/],
    ['[NaN]', 1, /expected a JSON value, found "NaN"/],
  ])('%j fails at line %i', (text, line, message) => {
    const err = catchError(() => read(text));
    expect(err.location).toEqual({ source: SOURCE, line });
    expect(err.message).toMatch(message);
  });

  it('an object never closed (2017 iproute2 bug) fails where the next element starts', () => {
    const text = ['[{', '  "ifname": "bond0",', '  "linkinfo": {', '     "info_kind": "bond",', '     "info_data": {},', '  "mtu": 1500', '},{', '  "ifname": "x"', '}]'].join('\n');
    const err = catchError(() => read(text));
    expect(err.location.line).toBe(7);
    expect(err.message).toContain('expected a property name in double quotes, found "{"');
  });

  it('a bare string where a property is expected (pre-2019 route type bug) fails with a hint', () => {
    const err = catchError(() => read('    [ {"unicast",\n            "dst": "192.168.122.0/24"\n        } ]\n'));
    expect(err.location).toEqual({ source: SOURCE, line: 1 });
    expect(err.message).toContain('expected ":" after the property name "unicast"');
    expect(err.hint).toMatch(/iproute2 before 5\.1/);
  });

  it('rejects a top-level object or bare value', () => {
    expect(catchError(() => read('\n{"ifindex":1}')).message).toMatch(/expected a JSON array .* found an object/);
    expect(catchError(() => read('\n{"ifindex":1}')).location.line).toBe(2);
    expect(catchError(() => read('42')).message).toMatch(/found a bare value/);
    expect(catchError(() => read('"x"')).message).toMatch(/found a bare value/);
  });

  it('rejects text after the array, with a hint for two concatenated outputs', () => {
    const err = catchError(() => read('[{"a":1}]\n[{"a":2}]\n'));
    expect(err.location.line).toBe(2);
    expect(err.hint).toMatch(/more than one JSON document/);
    expect(catchError(() => read('[]\n{"a":1}\n')).message).toMatch(/after the end of the JSON array/);
    // A prompt after the array is paste damage, skipped with a note (see below), not an error.
    expect(read('[]\nroot@host:~# ')).toEqual([]);
  });

  it('says what plain text is instead of JSON', () => {
    const err = catchError(() => read('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n'));
    expect(err.message).toBe("not JSON: expected the output of `ip -j -d link show`");
    expect(err.hint).toBe('this is `ip addr` text; run `ip -j addr show`');
    expect(catchError(() => read('hello')).hint).toBe('run `ip -j -d link show`');
  });

  it(`accepts nesting up to ${MAX_JSON_DEPTH} levels and rejects deeper before the stack can overflow`, () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(() => read(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(catchError(() => read(nested(MAX_JSON_DEPTH + 1))).message).toMatch(/deeper than 64/);
    const deepObjects = `[${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}]`;
    expect(catchError(() => read(deepObjects)).message).toMatch(/deeper than 64/);
    expect(catchError(() => read('['.repeat(1_000_000))).message).toMatch(/deeper than 64/);
  });

  it('keeps __proto__, constructor and prototype keys as plain data: nothing is polluted', () => {
    const text =
      '[{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},' +
      '"nested":{"__proto__":{"polluted":"yes"}}}]';
    const [el] = read(text);
    const value = el?.value as Record<string, unknown>;
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(value['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor', 'prototype', 'nested']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: 'yes' });
    expect((value['nested'] as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(el?.text).toContain('"__proto__":{"polluted":"yes"}');
  });
});

describe('readJsonRecords', () => {
  it('skips non-object elements with a note at their line', () => {
    const notes: ParseNote[] = [];
    const records = readJsonRecords({ source: SOURCE, text: '[\n1,\n"x",\n{"ifname":"lo"},\nnull,\n[]\n]' }, 'ip -j link', notes);
    expect(records.map((r) => [r.line, r.obj['ifname']])).toEqual([[4, 'lo']]);
    expect(notes.map((n) => [n.line, n.message])).toEqual([
      [2, 'the number 1 in the array, not an object; skipped'],
      [3, 'the string "x" in the array, not an object; skipped'],
      [5, 'null in the array, not an object; skipped'],
      [6, 'a list in the array, not an object; skipped'],
    ]);
  });

  it('reads inherited names as absent, not as Object.prototype members', () => {
    const notes: ParseNote[] = [];
    const [r] = readJsonRecords({ source: SOURCE, text: '[{"ifname":"lo"}]' }, 'ip -j link', notes);
    expect(r?.string('constructor')).toBeUndefined();
    expect(r?.has('toString')).toBe(false);
    expect(r?.object('__proto__')).toBeUndefined();
    expect(notes).toEqual([]);
  });
});

describe('readJsonArray: paste damage around the array', () => {
  const array = '[{"ifindex":1,"ifname":"lo"},\n{"ifindex":2,"ifname":"eth0"}]';

  it('skips shell prompts and the command line before and after, keeping line numbers', () => {
    for (const prompt of ['root@host:~# ip -j -d link show', '[root@node1 ~]# ip -j -d link show', '$ sudo ip -j link']) {
      const notes: ParseNote[] = [];
      const text = `${prompt}\n${array}\n[root@node1 ~]# \n`;
      const elements = readJsonArray({ source: SOURCE, text }, 'ip -j -d link show', notes);
      expect(elements.map((e) => e.line)).toEqual([2, 3]);
      expect(notes.map((n) => n.line)).toEqual([1, 4]);
      expect(notes[0]!.message).toContain('skipped as paste damage');
    }
  });

  it('still refuses text that is not a pasted array', () => {
    expect(() => read('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n    link/loopback 00:00:00:00:00:00\n')).toThrow(ParseError);
    expect(() => read('root@host:~# ip -j link\n{"ifname":"lo"}\n')).toThrow(ParseError);
  });
});
