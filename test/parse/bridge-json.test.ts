import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseBridgeLink } from '../../src/parse/bridge-json.js';
import { clip } from '../../src/parse/common.js';
import { corpusFiles, expectedCorpusFiles, readCorpus } from '../helpers/corpus.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

const parse = (text: string) => parseBridgeLink({ source: 'bridge-link', text });

describe('parseBridgeLink', () => {
  it('reads ports without -d (compact)', () => {
    const text =
      '[{"ifindex":7,"ifname":"veth1a2b3c4","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"master":"docker0","state":"forwarding","priority":32,"cost":2},' +
      '{"ifindex":9,"ifname":"veth-down","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1500,"master":"docker0","state":"disabled","priority":32,"cost":2}]';
    const { value, notes } = parse(text);
    expect(notes).toEqual([]);
    expect(value).toEqual([
      {
        ifindex: 7,
        ifname: 'veth1a2b3c4',
        flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        mtu: 1500,
        master: 'docker0',
        state: 'forwarding',
        line: 1,
        text: '{"ifindex":7,"ifname":"veth1a2b3c4","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"master":"docker0","state":"forwarding","priority":32,"cost":2}',
      },
      expect.objectContaining({ ifindex: 9, state: 'disabled', flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'] }),
    ]);
  });

  it('notes and skips `bridge -j vlan show` elements', () => {
    const { value, notes } = parse('[{"ifname":"v1","vlans":[{"vlan":1,"flags":["PVID","Egress Untagged"]}]}]');
    expect(value).toEqual([]);
    expect(notes).toEqual([{ source: 'bridge-link', line: 1, message: '"v1" lists VLANs, not link state: this is `bridge -j vlan show` output; skipped', dropped: true }]);
  });

  it('keeps a port without ifindex as index 0, and skips one without ifname, with notes', () => {
    const { value, notes } = parse('[\n{"ifname":"swp1","state":"forwarding"},\n{"ifindex":3}\n]');
    expect(value).toEqual([{ ifindex: 0, ifname: 'swp1', flags: [], state: 'forwarding', line: 2, text: '{"ifname":"swp1","state":"forwarding"}' }]);
    expect(notes.map((n) => [n.line, n.message])).toEqual([
      [2, '"swp1" has no "ifindex"; index recorded as 0'],
      [3, 'bridge port without "ifname"; skipped'],
    ]);
  });

  it('rejects plain `bridge link` text', () => {
    expect(() => parse('7: veth1a2b3c4@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master docker0 state forwarding priority 32 cost 2\n')).toThrow(ParseError);
  });

  it('returns [] for empty output', () => {
    expect(parse('')).toEqual({ value: [], notes: [] });
  });
});

describe('bridge -j corpus', () => {
  const read = (name: string) => parseBridgeLink({ source: name, text: readCorpus('bridge', name) });

  it('parses every JSON file in corpus/bridge without error', () => {
    const files = corpusFiles('bridge').filter(([name]) => name.endsWith('.json'));
    expect(files.map(([name]) => name)).toEqual(expectedCorpusFiles('bridge').filter((name) => name.endsWith('.json')));
    for (const [name] of files) expect(() => read(name), name).not.toThrow();
  });

  it('4300ee77 (-d, jq): v1 on br, disabled, peer v2', () => {
    const { value, notes } = read('iproute2_iproute2__commit_4300ee77_bridge-j-d-link-show_jq.json');
    expect(notes).toEqual([]);
    expect(value).toEqual([
      { ifindex: 4, ifname: 'v1', flags: ['BROADCAST', 'MULTICAST'], mtu: 1500, master: 'br', state: 'disabled', line: 5, text: expect.stringMatching(/^"ifname": "v1", "ifindex": 4, "link": "v2"/) },
    ]);
  });

  it('9c7bdc9f (-d -p, both samples): swp1 forwarding on br0', () => {
    for (const name of ['iproute2_iproute2__commit_9c7bdc9f_bridge-d-j-p-link-show.json', 'iproute2_iproute2__commit_9c7bdc9f_bridge-d-j-p-link-show_2.json']) {
      const { value, notes } = read(name);
      expect(notes).toEqual([]);
      expect(value).toMatchObject([{ ifindex: 62, ifname: 'swp1', flags: ['BROADCAST', 'NOARP', 'UP', 'LOWER_UP'], mtu: 1500, master: 'br0', state: 'forwarding', line: 3 }]);
    }
  });

  it('4300ee77 vlan show (kept for reference) parses without error, its element noted as the wrong command', () => {
    const { value, notes } = read('iproute2_iproute2__commit_4300ee77_bridge-j-d-vlan-show_jq.json');
    expect(value).toEqual([]);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.message).toMatch(/bridge -j vlan show/);
  });
});

describe('parseBridgeLink properties', () => {
  const ifname = fc.stringMatching(/^[a-z][a-z0-9._-]{0,14}$/);
  const port = fc.record(
    {
      ifindex: fc.integer({ min: 1, max: 100_000 }),
      ifname,
      flags: fc.subarray(['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP', 'NO-CARRIER', 'NOARP']),
      mtu: fc.integer({ min: 68, max: 9000 }),
      master: ifname,
      state: fc.constantFrom('forwarding', 'disabled', 'blocking', 'listening', 'learning'),
      priority: fc.integer({ min: 0, max: 63 }),
      cost: fc.integer({ min: 1, max: 65535 }),
      hairpin: fc.boolean(),
    },
    { requiredKeys: ['ifindex', 'ifname', 'flags'] },
  );

  it('round-trips generated ports, with and without -d fields, compact and pretty', () => {
    fc.assert(
      fc.property(fc.array(port, { maxLength: 10 }), fc.constantFrom(undefined, 2), (ports, indent) => {
        const text = JSON.stringify(ports, null, indent);
        const { value, notes } = parse(text);
        expect(notes).toEqual([]);
        // Pretty: the line of each element's "ifname" member, quoted first with the other members after it.
        const expectedLines = indent === undefined ? ports.map(() => 1) : [...text.matchAll(/^ {4}"ifname"/gm)].map((m) => text.slice(0, m.index).split('\n').length);
        const quoted = (p: object): string => (indent === undefined ? clip(JSON.stringify(p)) : expect.stringMatching(/^"ifname": /) as unknown as string);
        expect(value).toEqual(
          ports.map((p, i) => {
            const entry: Record<string, unknown> = { ifindex: p.ifindex, ifname: p.ifname, flags: p.flags, line: expectedLines[i], text: quoted(p) };
            if (p.mtu !== undefined) entry['mtu'] = p.mtu;
            if (p.master !== undefined) entry['master'] = p.master;
            if (p.state !== undefined) entry['state'] = p.state;
            return entry;
          }),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text', () => {
    fc.assert(fc.property(anyText, (text) => expectOnlyParseError('bridge-link', () => parse(text))), { numRuns: 1000 });
  });
});
