/**
 * `wg show all listen-port`: examples, properties (fast-check) and mutants.
 *
 * The outputs below follow the form wg(8) documents and wireguard-tools' show.c prints: with `all`, "the first
 * field for all categories of information is the interface name", then a tab and the port (`%u`, 0 while the
 * device has none); a device wg lists but cannot read goes to stderr as `Unable to access interface NAME:
 * REASON`; no WireGuard device, no output. This machine's kernel has no wireguard module and wg is not
 * installed, so none was captured here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseWgListenPorts, wgAccessErrors } from '../../src/parse/wg-listen-port.js';
import { catchError } from '../helpers/errors.js';
import { mutate, mutation } from '../helpers/mutate-lines.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

const parse = (text: string) => parseWgListenPorts({ source: 'wg-listen-port', text });
const ports = (text: string) => parse(text).value.ports.map((p) => [p.interface, p.port, p.line]);

const OUTPUT = 'wg0\t51820\nwg-mesh\t4500\nwg1\t0\nwireguard.cali\t51820\n';

describe('wg show all listen-port', () => {
  it('reads each device and its port, at its line, with the line as evidence', () => {
    const { value, notes } = parse(OUTPUT);
    expect(notes).toEqual([]);
    expect(value.ports).toEqual([
      { interface: 'wg0', port: 51820, line: 1, text: 'wg0\t51820' },
      { interface: 'wg-mesh', port: 4500, line: 2, text: 'wg-mesh\t4500' },
      { interface: 'wg1', port: 0, line: 3, text: 'wg1\t0' },
      { interface: 'wireguard.cali', port: 51820, line: 4, text: 'wireguard.cali\t51820' },
    ]);
    expect(value.unreadable.size).toBe(0);
  });

  it('no WireGuard device: no output, nothing read, no error', () => {
    expect(parse('')).toEqual({ value: { ports: [], unreadable: new Map() }, notes: [] });
  });

  it('a paste: the tab turned into spaces, CRLF, the prompt and command above, a prompt below', () => {
    const pasted = 'root@gw-01:~# wg show all listen-port\r\nwg0      51820\r\nwg1      51821\r\nroot@gw-01:~# \r\n';
    const { value, notes } = parse(pasted);
    expect(value.ports.map((p) => [p.interface, p.port, p.line])).toEqual([['wg0', 51820, 2], ['wg1', 51821, 3]]);
    expect(notes.filter((n) => n.dropped)).toEqual([]);
    expect(notes.map((n) => n.line)).toEqual(expect.arrayContaining([1, 4]));
  });

  it('stderr pasted in (2>&1): a device wg could not read is unknown, with its reason', () => {
    const { value, notes } = parse('Unable to access interface wg1: Operation not permitted\nwg0\t51820\n');
    expect(value.ports.map((p) => p.interface)).toEqual(['wg0']);
    expect(value.unreadable).toEqual(new Map([['wg1', 'Operation not permitted']]));
    expect(notes).toEqual([{ source: 'wg-listen-port', line: 1, message: 'wg could not read wg1: Operation not permitted; its port is unknown', dropped: true }]);
  });

  it('only unreadable devices: read, not refused', () => {
    expect(parse('Unable to access interface wg0: Protocol not supported\n').value.unreadable.get('wg0')).toBe('Protocol not supported');
  });

  it('reads the devices wg could not read from its stderr', () => {
    expect(wgAccessErrors('Unable to access interface wg1: Operation not permitted\nUnable to access interface wg2: No such device\n')).toEqual(
      new Map([
        ['wg1', 'Operation not permitted'],
        ['wg2', 'No such device'],
      ]),
    );
    expect(wgAccessErrors('')).toEqual(new Map());
  });

  it('drops what no device can be: a name too long or with a slash, a port out of range, a duplicate', () => {
    const { value, notes } = parse('wg0\t51820\nabcdefghijklmnop\t1\nwg/x\t2\nwg2\t65536\nwg0\t51821\nwg3\t51822\textra\n');
    expect(value.ports.map((p) => [p.interface, p.port])).toEqual([['wg0', 51820]]);
    expect(notes.map((n) => [n.line, n.dropped])).toEqual([
      [2, true],
      [3, true],
      [4, true],
      [5, true],
      [6, true],
    ]);
    expect(notes[3]!.message).toMatch(/wg0 listed a second time/);
  });

  it('refuses `wg show wg0 listen-port`: a port without its device', () => {
    const err = catchError(() => parse('51820\n'));
    expect(err.location).toEqual({ source: 'wg-listen-port', line: 1 });
    expect(err.hint).toMatch(/run `wg show all listen-port`/);
  });

  it('refuses wg\'s usage and other output, located, with a hint', () => {
    const usage = catchError(() => parse('Usage: wg show { <interface> | all | interfaces } [public-key | private-key | listen-port ...]\n'));
    expect(usage.location).toEqual({ source: 'wg-listen-port', line: 1 });
    const other = catchError(() => parse('interface: wg0\n  public key: (hidden)\n  listening port: 51820\n'));
    expect(other).toBeInstanceOf(ParseError);
    expect(other.location).toEqual({ source: 'wg-listen-port', line: 1 });
    expect(other.hint).toMatch(/wg show all listen-port|<interface>/);
  });
});

/** Names the kernel accepts (dev_valid_name): 1 to 15 bytes, no whitespace, `/` or `:`, not `.` or `..`. */
const ifname = fc.stringMatching(/^[A-Za-z0-9._@+-]{1,15}$/).filter((n) => n !== '.' && n !== '..');
const entry = fc.record({ name: ifname, port: fc.integer({ min: 0, max: 65535 }), sep: fc.constantFrom('\t', ' ', '   ', '\t\t') });

describe('parseWgListenPorts properties', () => {
  it('round-trips generated listings, each device at its line', () => {
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 12 }), fc.constantFrom('\n', '\r\n'), (entries, eol) => {
        const text = entries.map((e) => `${e.name}${e.sep}${e.port}`).join(eol) + (entries.length ? eol : '');
        const { value, notes } = parse(text);
        expect(notes.filter((n) => n.dropped)).toEqual([]);
        expect(ports(text)).toEqual(entries.map((e, i) => [e.name, e.port, i + 1]));
        expect(value.unreadable.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text', () => {
    fc.assert(
      fc.property(anyText, (text) => expectOnlyParseError('wg-listen-port', () => parse(text))),
      { numRuns: 1000 },
    );
  });

  it('mutants parse (never a device the original does not hold, beyond a corrupted line) or fail located', () => {
    const lines = OUTPUT.trimEnd().split('\n');
    const original = new Set(parse(OUTPUT).value.ports.map((p) => `${p.interface}\t${p.port}`));
    fc.assert(
      fc.property(mutation, (m) => {
        const text = mutate(lines, m);
        expectOnlyParseError('wg-listen-port', () => {
          const read = parse(text).value.ports;
          const foreign = read.filter((p) => !original.has(`${p.interface}\t${p.port}`));
          expect(foreign.length).toBeLessThanOrEqual(m.kind === 'corrupt' ? 1 : 0);
          expect(new Set(read.map((p) => p.interface)).size).toBe(read.length);
        });
      }),
      { numRuns: 500 },
    );
  });
});
