import { describe, expect, it } from 'vitest';
import { parseBrctlShow } from '../../src/parse/brctl.js';
import { catchError } from '../helpers/errors.js';

const parse = (text: string) => parseBrctlShow({ source: 'brctl-show', text });
const HEADER = 'bridge name\tbridge id\t\tSTP enabled\tinterfaces';


describe('parseBrctlShow', () => {
  it('reads bridges, their ports on continuation lines, and lines', () => {
    const text = [HEADER, 'docker0\t\t8000.0242ac110002\tno\t\tveth1', '\t\t\t\t\t\t\tveth2', 'br0\t\t8000.000000000000\tyes\t\t'].join('\n');
    const { value, notes } = parse(text);
    expect(notes).toEqual([]);
    expect(value).toEqual([
      {
        name: 'docker0',
        id: '8000.0242ac110002',
        stp: false,
        interfaces: [
          { name: 'veth1', line: 2 },
          { name: 'veth2', line: 3 },
        ],
        line: 2,
        text: 'docker0\t\t8000.0242ac110002\tno\t\tveth1',
      },
      { name: 'br0', id: '8000.000000000000', stp: true, interfaces: [], line: 4, text: 'br0\t\t8000.000000000000\tyes\t\t' },
    ]);
  });

  it('accepts the layout with TABs turned into spaces', () => {
    const text = [
      'bridge name     bridge id               STP enabled     interfaces',
      'br0             8000.bc305bd3b744       no              bond0',
      '                                                        vnet0',
      'virbr0          8000.52540072b861       yes             virbr0-nic',
    ].join('\n');
    expect(parse(text).value.map((b) => [b.name, b.stp, b.interfaces.map((i) => i.name)])).toEqual([
      ['br0', false, ['bond0', 'vnet0']],
      ['virbr0', true, ['virbr0-nic']],
    ]);
  });

  it('accepts continuation lines with any leading whitespace (Proxmox: a space, TABs, spaces)', () => {
    const text = [HEADER, 'vmbr0\t\t8000.001122334455\tno\t\teno1', ' \t\t\t   tap100i0', '\t      fwpr100p0'].join('\n');
    expect(parse(text).value[0]?.interfaces).toEqual([
      { name: 'eno1', line: 2 },
      { name: 'tap100i0', line: 3 },
      { name: 'fwpr100p0', line: 4 },
    ]);
  });

  it('header-only output means no bridges', () => {
    expect(parse(`${HEADER}\n`)).toEqual({ value: [], notes: [] });
  });

  it('empty output means no bridges', () => {
    expect(parse('')).toEqual({ value: [], notes: [] });
  });

  it('reads bridges without a header, with a note', () => {
    const { value, notes } = parse('docker0\t\t8000.56847afe9799\tno\t\tveth4d43\n');
    expect(value.map((b) => b.name)).toEqual(['docker0']);
    expect(notes).toEqual([{ source: 'brctl-show', line: 1, message: 'no "bridge name ... interfaces" header line; read as `brctl show` output anyway' }]);
  });

  it('notes junk lines and port lines that follow no bridge', () => {
    const text = [HEADER, '\t\t\t\t\t\t\torphan', 'root@pve:~# brctl show', 'docker0\t\t8000.56847afe9799\tmaybe'].join('\n');
    const { value, notes } = parse(text);
    expect(value).toEqual([]);
    expect(notes.map((n) => n.line)).toEqual([2, 3, 4]);
    expect(notes[0]?.message).toMatch(/port line before any bridge/);
  });

  it('does not attach ports to a bridge after an unreadable line', () => {
    const text = [HEADER, 'br0\t\t8000.001122334455\tno\t\teth0', 'garbage line here', '\t\t\t\t\t\t\tstray'].join('\n');
    const { value, notes } = parse(text);
    expect(value[0]?.interfaces.map((i) => i.name)).toEqual(['eth0']);
    expect(notes.map((n) => n.line)).toEqual([3, 4]);
  });

  it('rejects brctl error output with a hint', () => {
    const err = catchError(() => parse(`${HEADER}\ndocker0\t\tcan't get info Operation not supported\n`));
    expect(err.location).toEqual({ source: 'brctl-show', line: 2 });
    expect(err.message).toContain("can't get info Operation not supported");
    expect(err.hint).toMatch(/bridge -j link show/);
  });

  it('rejects text of another kind, saying what it is', () => {
    const err = catchError(() => parse('net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.forwarding = 1\n'));
    expect(err.location.line).toBe(1);
    expect(err.hint).toBe('this is `sysctl -a` output; put it in sysctl-a.txt');
  });
});
