/**
 * nmcli -t device, networkctl list and NetworkManager.conf: examples, properties (fast-check) and mutants.
 *
 * The outputs below follow the forms the tools print and their manuals document: nmcli(1) terse mode
 * (`-t`, `:` separators, `\:` and `\\` escapes, empty where the tabular form prints `--`; NetworkManager 1.4x
 * prints `connected (externally)` for a device it only tracks, e.g. docker0, and lists Docker's veths as
 * `ethernet` `unmanaged` through its udev rule), networkctl(1) `list` (IDX LINK TYPE OPERATIONAL SETUP; with
 * systemd-networkd stopped it warns on stderr and shows every link `unmanaged`), NetworkManager.conf(5)
 * ("Device List Format"). This machine has no NetworkManager and its systemd-networkd does not run, so none
 * was captured here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { matchDeviceList, type UnmanagedSpec } from '../../src/model/network-managers.js';
import { parseNetworkctlList } from '../../src/parse/networkctl.js';
import { glibString, nmBoolean, nmGlobMatches, parseDeviceSpec, parseHwaddr, parseNmConf, splitDeviceList } from '../../src/parse/nm-conf.js';
import { fnmatch, parseEtherAddress, parseNetworkdNetwork } from '../../src/parse/networkd-network.js';
import { matchingNetworkFile, networkFileMatches, type NetworkFile } from '../../src/model/network-managers.js';
import { escapeTerse, parseNmcliDevices, splitTerse } from '../../src/parse/nmcli.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

const NMCLI = [
  'enp3s0:ethernet:connected:Wired connection 1',
  'wlp2s0:wifi:connected:Caf\\:e \\\\ Guest',
  'docker0:bridge:connected (externally):docker0',
  'br-6650da91aede:bridge:connected (externally):br-6650da91aede',
  'lo:loopback:connected (externally):lo',
  'p2p-dev-wlp2s0:wifi-p2p:disconnected:',
  'veth45e93a2:ethernet:unmanaged:',
  'cni0:bridge:connecting (getting IP configuration):Wired connection 2',
].join('\n');

const NMCLI_TABULAR = `DEVICE           TYPE      STATE                   CONNECTION
enp3s0           ethernet  connected               Wired connection 1
docker0          bridge    connected (externally)  docker0
veth45e93a2      ethernet  unmanaged               --
lo               loopback  unmanaged               --
`;

const NETWORKCTL = `  1 lo              loopback carrier    unmanaged
  2 enp1s0          ether    routable   configured
  3 docker0         bridge   routable   unmanaged
  4 veth1a2b3c4     ether    enslaved   configuring
  5 flannel.1       vxlan    routable   unmanaged
`;

const NETWORKCTL_LEGEND = `WARNING: systemd-networkd is not running, output will be incomplete.

IDX LINK    TYPE     OPERATIONAL SETUP    
  1 lo      loopback n/a         unmanaged
  2 eno1    ether    n/a         unmanaged
  3 docker0 bridge   n/a         unmanaged

3 links listed.
`;

const NM_CONF = `# Managed by the image builder
[main]
plugins=ifupdown,keyfile

[ifupdown]
managed=false

[keyfile]
unmanaged-devices=interface-name:docker0;interface-name:veth*;mac:52:54:00:74:79:56,except:interface-name:veth-keep
`;

const nmcli = (text: string) => parseNmcliDevices({ source: 'nmcli-device', text });

describe('nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device', () => {
  it('reads every device with its line, unescaping \\: and \\\\ in values', () => {
    const { value, notes } = nmcli(NMCLI);
    expect(notes).toEqual([]);
    expect(value.map((d) => [d.device, d.type, d.state, d.connection, d.line])).toEqual([
      ['enp3s0', 'ethernet', 'connected', 'Wired connection 1', 1],
      ['wlp2s0', 'wifi', 'connected', 'Caf:e \\ Guest', 2],
      ['docker0', 'bridge', 'connected (externally)', 'docker0', 3],
      ['br-6650da91aede', 'bridge', 'connected (externally)', 'br-6650da91aede', 4],
      ['lo', 'loopback', 'connected (externally)', 'lo', 5],
      ['p2p-dev-wlp2s0', 'wifi-p2p', 'disconnected', '', 6],
      ['veth45e93a2', 'ethernet', 'unmanaged', '', 7],
      ['cni0', 'bridge', 'connecting (getting IP configuration)', 'Wired connection 2', 8],
    ]);
    expect(value[1]!.text).toBe('wlp2s0:wifi:connected:Caf\\:e \\\\ Guest');
  });

  it('reads the tabular form of `nmcli device` by its header\'s columns (states and names hold spaces)', () => {
    const { value, notes } = nmcli(NMCLI_TABULAR);
    expect(value.map((d) => [d.device, d.type, d.state, d.connection, d.line])).toEqual([
      ['enp3s0', 'ethernet', 'connected', 'Wired connection 1', 2],
      ['docker0', 'bridge', 'connected (externally)', 'docker0', 3],
      ['veth45e93a2', 'ethernet', 'unmanaged', '', 4],
      ['lo', 'loopback', 'unmanaged', '', 5],
    ]);
    expect(notes).toEqual([{ source: 'nmcli-device', line: 1, message: 'header of `nmcli device` (tabular form): columns read by position' }]);
  });

  it('skips a line with the wrong number of fields, saying it dropped it', () => {
    const { value, notes } = nmcli('eth0:ethernet:connected:Wired\nbroken:line\n');
    expect(value.map((d) => d.device)).toEqual(['eth0']);
    expect(notes).toEqual([{ source: 'nmcli-device', line: 2, message: 'not a DEVICE:TYPE:STATE:CONNECTION line, skipped: broken:line', dropped: true }]);
  });

  it('refuses NetworkManager\'s "not running" error and text of another kind, at the line', () => {
    const err = (() => {
      try {
        nmcli('Error: NetworkManager is not running.\n');
      } catch (e) {
        return e as ParseError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(ParseError);
    expect(err.location).toEqual({ source: 'nmcli-device', line: 1 });
    expect(err.message).toContain('NetworkManager is not running');
    expect(() => nmcli('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n')).toThrow(ParseError);
  });

  it('round-trips any values through the terse escaping (property)', () => {
    const value = fc.string({ unit: fc.constantFrom('a', 'b', ':', '\\', ' ', '(', ')', '-', '0'), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9._-]{0,14}$/), fc.stringMatching(/^[a-z-]{1,10}$/), fc.stringMatching(/^[a-z]+( \([a-z ]+\))?$/), value), { maxLength: 10 }), (rows) => {
        const text = rows.map((r) => r.map(escapeTerse).join(':')).join('\n');
        const { value: devices } = nmcli(text);
        expect(devices.map((d) => [d.device, d.type, d.state, d.connection === '' && rows[devices.indexOf(d)]![3] === '--' ? '--' : d.connection])).toEqual(rows);
        for (const r of rows) expect(splitTerse(r.map(escapeTerse).join(':'))).toEqual(r);
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text (property)', () => {
    fc.assert(fc.property(anyText, (text) => expectOnlyParseError('nmcli-device', () => nmcli(text))), { numRuns: 1000 });
  });
});

const networkctl = (text: string) => parseNetworkctlList({ source: 'networkctl-list', text });

describe('networkctl list --no-legend', () => {
  it('reads IDX LINK TYPE OPERATIONAL SETUP', () => {
    const { value, notes } = networkctl(NETWORKCTL);
    expect(notes).toEqual([]);
    expect(value.notRunning).toBeUndefined();
    expect(value.links.map((l) => [l.index, l.name, l.type, l.operational, l.setup, l.line])).toEqual([
      [1, 'lo', 'loopback', 'carrier', 'unmanaged', 1],
      [2, 'enp1s0', 'ether', 'routable', 'configured', 2],
      [3, 'docker0', 'bridge', 'routable', 'unmanaged', 3],
      [4, 'veth1a2b3c4', 'ether', 'enslaved', 'configuring', 4],
      [5, 'flannel.1', 'vxlan', 'routable', 'unmanaged', 5],
    ]);
  });

  it('skips the legend and records the warning that systemd-networkd is not running', () => {
    const { value, notes } = networkctl(NETWORKCTL_LEGEND);
    expect(value.links.map((l) => l.name)).toEqual(['lo', 'eno1', 'docker0']);
    expect(value.notRunning).toEqual({ line: 1, text: 'WARNING: systemd-networkd is not running, output will be incomplete.' });
    expect(notes.map((n) => n.line)).toEqual([1, 3, 8]);
  });

  it('refuses "Failed to connect to bus" (networkctl could not ask systemd-networkd) at its line', () => {
    expect(() => networkctl('Failed to connect to bus: Host is down\n')).toThrow(/could not list the links/);
    try {
      networkctl('\nFailed to connect to bus: Host is down\n');
    } catch (e) {
      expect((e as ParseError).location).toEqual({ source: 'networkctl-list', line: 2 });
    }
  });

  it('round-trips generated links (property)', () => {
    const link = fc.record({
      index: fc.integer({ min: 1, max: 99999 }),
      name: fc.stringMatching(/^[a-z][a-z0-9._@-]{0,14}$/),
      type: fc.constantFrom('loopback', 'ether', 'bridge', 'vxlan', 'none', 'wlan'),
      operational: fc.constantFrom('carrier', 'routable', 'no-carrier', 'enslaved', 'degraded', 'off', 'n/a'),
      setup: fc.constantFrom('unmanaged', 'configured', 'configuring', 'failed', 'pending', 'linger'),
      gap: fc.constantFrom(' ', '   ', '\t'),
    });
    fc.assert(
      fc.property(fc.array(link, { maxLength: 12 }), (links) => {
        const text = links.map((l) => `  ${[l.index, l.name, l.type, l.operational, l.setup].join(l.gap)}`).join('\n');
        expect(networkctl(text).value.links.map((l) => ({ index: l.index, name: l.name, type: l.type, operational: l.operational, setup: l.setup }))).toEqual(
          links.map(({ gap: _gap, ...rest }) => rest),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text (property)', () => {
    fc.assert(fc.property(anyText, (text) => expectOnlyParseError('networkctl-list', () => networkctl(text))), { numRuns: 1000 });
  });
});

const conf = (text: string) => parseNmConf({ source: '/etc/NetworkManager/NetworkManager.conf', text });

describe('NetworkManager.conf', () => {
  it('reads groups, keys and raw values with their lines', () => {
    const { value, notes } = conf(NM_CONF);
    expect(notes).toEqual([]);
    expect(value.sections.map((s) => [s.name, s.line])).toEqual([['main', 2], ['ifupdown', 5], ['keyfile', 8]]);
    expect(value.entries.map((e) => [e.section, e.key, e.op, e.line])).toEqual([
      ['main', 'plugins', '=', 3],
      ['ifupdown', 'managed', '=', 6],
      ['keyfile', 'unmanaged-devices', '=', 9],
    ]);
    expect(value.entries[2]!.raw).toBe('interface-name:docker0;interface-name:veth*;mac:52:54:00:74:79:56,except:interface-name:veth-keep');
  });

  it('reads += and -= as GLib and NetworkManager do: the key is what precedes the + or -, a space included', () => {
    const { value, notes } = conf('[keyfile]\nunmanaged-devices+=interface-name:cali*\nunmanaged-devices -= mac:00:11:22:33:44:55\nunmanaged-devices- = mac:00:11:22:33:44:66\nx=a\\sb\n');
    expect(value.entries.map((e) => [e.key, e.op, e.raw, e.value])).toEqual([
      ['unmanaged-devices', '+=', 'interface-name:cali*', 'interface-name:cali*'],
      ['unmanaged-devices ', '-=', 'mac:00:11:22:33:44:55', 'mac:00:11:22:33:44:55'],
      ['unmanaged-devices', '-=', 'mac:00:11:22:33:44:66', 'mac:00:11:22:33:44:66'],
      ['x', '=', 'a\\sb', 'a b'],
    ]);
    expect(notes).toEqual([{ source: '/etc/NetworkManager/NetworkManager.conf', line: 3, message: '[keyfile]: "unmanaged-devices -=": NetworkManager reads the key "unmanaged-devices " (with the space) and ignores the line' }]);
  });

  it('keeps a value with an invalid escape (GLib loads the file; only reading that value as a string fails)', () => {
    const { value } = conf('[device]\nmanaged=\\q1\n[keyfile]\nunmanaged-devices=interface-name:a\\;b\n');
    expect(value.entries.map((e) => [e.raw, e.value])).toEqual([
      ['\\q1', undefined],
      ['interface-name:a\\;b', undefined],
    ]);
    expect(splitDeviceList(value.entries[1]!.raw)).toEqual(['interface-name:a;b']);
  });

  it('continues a group whose header repeats, and reads `;` as no comment', () => {
    expect(conf('[keyfile]\na=1\n[main]\nb=2\n[keyfile]\nc=3\n').value.sections).toEqual([
      { name: 'keyfile', line: 1 },
      { name: 'main', line: 3 },
    ]);
    expect(() => conf('[main]\n; a comment elsewhere\n')).toThrow(/not a key=value line/);
  });

  it('refuses what GLib cannot load (and NetworkManager with it), naming the file, the group and the line', () => {
    const cases: [string, number, RegExp][] = [
      ['unmanaged-devices=interface-name:docker0\n', 1, /before any \[group\]/],
      ['[keyfile]\n\nunmanaged-devices\n', 3, /\[keyfile\]: not a key=value line/],
      ['[keyfile]\n=interface-name:x\n', 2, /\[keyfile\]: invalid key name/],
      ['[keyfile]]\n', 1, /not a \[group\] header/],
      ['[key[file]\n', 1, /not a \[group\] header/],
    ];
    for (const [text, line, message] of cases) {
      try {
        conf(text);
        throw new Error(`accepted: ${text}`);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
        expect((e as ParseError).location).toEqual({ source: '/etc/NetworkManager/NetworkManager.conf', line });
        expect((e as ParseError).message).toMatch(message);
      }
    }
  });

  it('splits device lists as nm_match_spec_split: `,` and `;`, escapes, blanks trimmed unless escaped', () => {
    expect(splitDeviceList('interface-name:docker0;interface-name:veth*, mac:52:54:00:74:79:56,,interface-name:a\\;b')).toEqual([
      'interface-name:docker0',
      'interface-name:veth*',
      'mac:52:54:00:74:79:56',
      'interface-name:a;b',
    ]);
    expect(splitDeviceList('  \\sa , b\\s ,c\\\\d,e\\x ,')).toEqual([' a', 'b ', 'c\\d', 'e\\x']);
    expect(splitDeviceList('')).toEqual([]);
  });

  it('reads each spec: tags without regard to case, except:, bare names and MACs (fuzzy), tags it does not know', () => {
    expect(parseDeviceSpec('interface-name:=br-*')).toMatchObject({ kind: 'interface-name', value: 'br-*', glob: false, except: false });
    expect(parseDeviceSpec('Interface-Name:~veth*')).toMatchObject({ kind: 'interface-name', value: 'veth*', glob: true });
    expect(parseDeviceSpec('EXCEPT:interface-name:veth-keep')).toMatchObject({ kind: 'interface-name', value: 'veth-keep', except: true });
    expect(parseDeviceSpec('52:54:00:74:79:56')).toMatchObject({ kind: 'bare', value: '52:54:00:74:79:56' });
    expect(parseDeviceSpec('docker0')).toMatchObject({ kind: 'bare', value: 'docker0' });
    expect(parseDeviceSpec('MAC:52:54:00:74:79:5A')).toMatchObject({ kind: 'mac', value: '52:54:00:74:79:5a' });
    expect(parseDeviceSpec('driver:veth')).toMatchObject({ kind: 'driver', value: 'veth' });
    expect(parseDeviceSpec('s390-subchannels:0.0.f5f0')).toMatchObject({ kind: 's390-subchannels' });
    expect(parseDeviceSpec('path:pci-0000:00:03.0')).toMatchObject({ kind: 'unknown-tag' });
    expect(parseDeviceSpec('*')).toMatchObject({ kind: 'all' });
    expect(parseHwaddr('52-54-00-74-79-5A')).toBe('52:54:00:74:79:5a');
    expect(parseHwaddr('52:54-00:74:79:5a')).toBeUndefined();
    expect(nmGlobMatches('veth*', 'veth1a2b')).toBe(true);
    expect(nmGlobMatches('br-?', 'br-12')).toBe(false);
    expect(nmGlobMatches('br-[a]', 'br-a')).toBe(false);
    expect(nmGlobMatches('br-[a]', 'br-[a]')).toBe(true);
  });

  it('reads booleans and GLib strings as NetworkManager does', () => {
    for (const t of ['1', 'yes', 'TRUE', ' on ']) expect(nmBoolean(t)).toBe(true);
    for (const f of ['0', 'No', 'false', 'off']) expect(nmBoolean(f)).toBe(false);
    for (const u of ['', 'y', '2', undefined]) expect(nmBoolean(u)).toBeUndefined();
    expect(glibString('a\\sb\\\\c\\td')).toBe('a b\\c\td');
    expect(glibString('trailing\\')).toBeUndefined();
  });

  /** nm_match_spec_join: how NetworkManager writes a list back (escaping `,` `;` `\`, a leading blank). */
  const joinSpecs = (specs: string[]) =>
    specs
      .map((s) => s.replace(/[\\,;]/g, '\\$&').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/^ /, '\\s').replace(/^\t/, '\\t'))
      .join(',');
  const specText = fc.string({ unit: fc.constantFrom('a', 'b', '0', '*', '?', ':', '-', ',', ';', '\\', ' ', '\t', '='), minLength: 1, maxLength: 12 }).filter((s) => s.trimEnd() === s || s.endsWith('\\'));

  it('splits what NetworkManager joins back into the same specs (property)', () => {
    fc.assert(
      fc.property(fc.array(specText.filter((s) => s.trimEnd() === s), { maxLength: 8 }), (specs) => {
        expect(splitDeviceList(joinSpecs(specs))).toEqual(specs.filter((s) => s !== ''));
      }),
      { numRuns: 500 },
    );
  });

  it('parses generated files back to their groups, keys, operators and values, at their lines (property)', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9.-]{0,14}[a-z0-9]$/);
    const entry = fc.record({ key, op: fc.constantFrom('=', '+=', '-='), value: fc.stringMatching(/^[^\n\r\\]{0,20}$/).map((v) => v.trim()), gap: fc.constantFrom('', ' ', '\t') });
    const group = fc.record({ name: fc.stringMatching(/^[a-z.][a-z0-9-]{0,10}$/), entries: fc.array(entry, { maxLength: 5 }), comment: fc.boolean() });
    fc.assert(
      fc.property(fc.array(group, { minLength: 1, maxLength: 5 }), (groups) => {
        const lines: string[] = [];
        const expected: [string, string, string, string, number][] = [];
        for (const g of groups) {
          lines.push(`[${g.name}]`);
          if (g.comment) lines.push('# a comment');
          for (const e of g.entries) {
            lines.push(`${e.key}${e.op}${e.gap}${e.value}`);
            expected.push([g.name, e.key, e.op, e.value, lines.length]);
          }
        }
        const { value } = conf(`${lines.join('\n')}\n`);
        expect(value.entries.map((e) => [e.section, e.key, e.op, e.raw, e.line])).toEqual(expected);
        expect(value.sections.map((s) => s.name)).toEqual([...new Set(groups.map((g) => g.name))]);
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text (property)', () => {
    fc.assert(fc.property(anyText, (text) => expectOnlyParseError('/etc/NetworkManager/NetworkManager.conf', () => conf(text))), { numRuns: 1000 });
  });
});

describe('whether a device is in a device list (nm_match_spec_device)', () => {
  const ev = { source: 'x.conf', line: 1, text: '' };
  const specs = (...texts: string[]): UnmanagedSpec[] => texts.map((t) => ({ spec: parseDeviceSpec(t), evidence: ev }));

  it('follows NetworkManager: a match unless an except: spec matches; except: alone holds every other device', () => {
    const list = specs('interface-name:veth*', 'except:interface-name:veth-keep');
    expect(matchDeviceList(list, { name: 'veth1a2b' }).result).toBe('match');
    expect(matchDeviceList(list, { name: 'veth-keep' }).result).toBe('neg-match');
    expect(matchDeviceList(list, { name: 'docker0' }).result).toBe('no-match');
    expect(matchDeviceList(specs('except:interface-name:eth0'), { name: 'docker0' }).result).toBe('match');
    expect(matchDeviceList(specs('except:interface-name:eth0'), { name: 'eth0' }).result).toBe('neg-match');
    expect(matchDeviceList(specs('*'), { name: 'anything' }).result).toBe('match');
    expect(matchDeviceList([], { name: 'anything' }).result).toBe('no-match');
  });

  it('matches bare names and MACs (not behind except:), interface-name literally before its glob, drivers by prefix', () => {
    expect(matchDeviceList(specs('docker0'), { name: 'docker0' }).result).toBe('match');
    expect(matchDeviceList(specs('docker*'), { name: 'docker0' }).result).toBe('no-match');
    expect(matchDeviceList(specs('52:54:00:74:79:56'), { name: 'eth0', mac: '52:54:00:74:79:56' }).result).toBe('match');
    expect(matchDeviceList(specs('*', 'except:docker0'), { name: 'docker0' }).result).toBe('match');
    expect(matchDeviceList(specs('interface-name:br-[x]'), { name: 'br-[x]' }).result).toBe('match');
    expect(matchDeviceList(specs('mac:52-54-00-74-79-56'), { name: 'eth0', mac: '52:54:00:74:79:56' }).result).toBe('match');
    expect(matchDeviceList(specs('driver:veth'), { name: 'veth1', driver: 'veth' }).result).toBe('match');
    expect(matchDeviceList(specs('driver:veth/*'), { name: 'veth1', driver: 'veth' }).result).toBe('match');
    expect(matchDeviceList(specs('driver:veth/1.0'), { name: 'veth1', driver: 'veth' }).result).toBe('unknown');
    expect(matchDeviceList(specs('driver:bridge'), { name: 'veth1', driver: 'veth' }).result).toBe('no-match');
  });

  it('is unknown only where a spec the snapshot cannot decide could change the answer', () => {
    expect(matchDeviceList(specs('driver:veth'), { name: 'veth1' }).result).toBe('unknown');
    expect(matchDeviceList(specs('driver:veth', 'interface-name:veth*'), { name: 'veth1' }).result).toBe('match');
    expect(matchDeviceList(specs('mac:52:54:00:74:79:56'), { name: 'eth0' }).result).toBe('unknown');
    expect(matchDeviceList(specs('type:bridge'), { name: 'docker0', nmType: 'bridge' }).result).toBe('match');
    expect(matchDeviceList(specs('interface-name:docker0', 'except:driver:bridge'), { name: 'docker0' }).result).toBe('unknown');
    expect(matchDeviceList(specs('path:pci-0000:00:03.0'), { name: 'eth0' }).result).toBe('unknown');
    expect(matchDeviceList(specs('*', 'except:type:wifi'), { name: 'docker0' }).result).toBe('unknown');
    expect(matchDeviceList(specs('*', 'except:type:wifi'), { name: 'docker0', nmType: 'bridge' }).result).toBe('match');
  });

  it('does not depend on the order of the specs, and a decided answer holds whatever the undecidable specs say (property)', () => {
    const spec = fc.constantFrom('*', 'interface-name:veth*', 'interface-name:docker0', 'docker0', 'except:interface-name:veth0', 'except:docker0', 'type:bridge', 'except:type:wifi', 'driver:veth', 'mac:02:42:ac:11:00:02', 'except:mac:02:42:ac:11:00:02', 'path:x');
    const device = fc.record({ name: fc.constantFrom('veth0', 'veth1', 'docker0', 'eth0'), mac: fc.option(fc.constant('02:42:ac:11:00:02'), { nil: undefined }), nmType: fc.option(fc.constantFrom('bridge', 'ethernet'), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 6 }), device, (texts, d) => {
        const facts = { name: d.name, ...(d.mac ? { mac: d.mac } : {}), ...(d.nmType ? { nmType: d.nmType } : {}) };
        const forward = matchDeviceList(specs(...texts), facts).result;
        expect(matchDeviceList(specs(...[...texts].reverse()), facts).result).toBe(forward);
        if (forward === 'unknown') return;
        // Told everything, NetworkManager could only agree.
        const known = { ...facts, mac: facts.mac ?? '02:42:ac:11:00:03', nmType: facts.nmType ?? 'ethernet', driver: 'veth' };
        const decidable = texts.filter((t) => t !== 'path:x' && !t.startsWith('driver:'));
        if (decidable.length === texts.length) expect(matchDeviceList(specs(...texts), known).result).toBe(forward);
      }),
      { numRuns: 500 },
    );
  });
});

const network = (text: string) => parseNetworkdNetwork({ source: '/etc/systemd/network/50-dhcp.network', text });

describe('systemd-networkd .network files', () => {
  const CATCH_ALL = '# netplan-like catch-all\n[Match]\nName=en* eth* \\\n  veth*\nType=ether\n\n[Network]\nDHCP=yes\n';
  const CONTAINERS = '[Match]\nName=docker0 br-* veth* cni0 flannel*\n[Link]\nUnmanaged=yes\n';

  it('reads [Match] lists (continued lines joined, lists appended, each line\'s ! negating its words) and [Link] Unmanaged=', () => {
    const file = network(CATCH_ALL).value;
    expect(file.match.get('Name')).toMatchObject({ values: ['en*', 'eth*', 'veth*'], inverted: false, line: 3 });
    expect(file.match.get('Type')?.values).toEqual(['ether']);
    expect(file.unmanaged).toBeUndefined();
    expect(network(CONTAINERS).value.unmanaged).toEqual({ value: true, line: 4, text: 'Unmanaged=yes' });
    expect(network('[Match]\nName=!lo eth0\n').value.match.get('Name')).toMatchObject({ values: ['lo', 'eth0'], inverted: true, patterns: [{ pattern: 'lo', negated: true }, { pattern: 'eth0', negated: true }] });
    const mixed = network('[Match]\nName=veth*\nName=!veth-keep\n').value.match.get('Name')!;
    expect(mixed).toMatchObject({ values: ['veth*', '!veth-keep'], inverted: false, line: 3 });
    expect(mixed.patterns).toEqual([{ pattern: 'veth*', negated: false }, { pattern: 'veth-keep', negated: true }]);
    expect(network('[Match]\nName=eth0\nName=\n').value.match.has('Name')).toBe(false);
    expect(network('# masked\n').value.match.size).toBe(0);
  });

  it('reads MACAddress= in every form networkd takes, and skips what it ignores with a note', () => {
    const { value, notes } = network('[Match]\nMACAddress=52:54:00:74:79:5A 52-54-00-74-79-5b 5254.0074.795c zz\nName=ok bad/name\n');
    expect(value.match.get('MACAddress')?.patterns.map((p) => p.pattern)).toEqual(['52:54:00:74:79:5a', '52:54:00:74:79:5b', '52:54:00:74:79:5c']);
    expect(value.match.get('Name')?.values).toEqual(['ok']);
    expect(notes.map((n) => n.line)).toEqual([2, 3]);
    expect(parseEtherAddress('1:2:3:4:5:6')).toBe('01:02:03:04:05:06');
    expect(parseEtherAddress('01:02:03:04:05')).toBeUndefined();
  });

  it('refuses what networkd cannot parse, at the line', () => {
    for (const [text, line] of [['Name=eth0\n', 1], ['[Match]\nName eth0\n', 2], ['[Link]\nUnmanaged=maybe\n', 2]] as const) {
      try {
        network(text);
        throw new Error(`accepted: ${text}`);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
        expect((e as ParseError).location.line).toBe(line);
      }
    }
  });

  it('matches as networkd does: every condition, fnmatch globs, negated patterns, the first file by name', () => {
    expect(fnmatch('veth*', 'veth1a2b')).toBe(true);
    expect(fnmatch('br-[0-9a-f]*', 'br-6650da91aede')).toBe(true);
    expect(fnmatch('br-[!0-9]*', 'br-6650')).toBe(false);
    const file = (path: string, text: string): NetworkFile => ({ ...network(text).value, path, label: path });
    const catchAll = file('/etc/systemd/network/50-dhcp.network', CATCH_ALL);
    const containers = file('/etc/systemd/network/10-containers.network', CONTAINERS);
    const veth = { name: 'veth1a2b', type: 'ether', altnames: [] };
    expect(networkFileMatches(catchAll, veth)).toBe(true);
    expect(networkFileMatches(catchAll, { name: 'veth1a2b', altnames: [] })).toBeUndefined();
    expect(networkFileMatches(catchAll, { name: 'docker0', type: 'bridge', altnames: [] })).toBe(false);
    expect(matchingNetworkFile([containers, catchAll], veth)?.file.path).toBe('/etc/systemd/network/10-containers.network');
    expect(matchingNetworkFile([catchAll], { name: 'veth1a2b', altnames: [] })).toBeUndefined();
    expect(matchingNetworkFile([file('/etc/systemd/network/05-driver.network', '[Match]\nDriver=virtio_net\n'), catchAll], { name: 'eth0', type: 'ether', altnames: [] })).toMatchObject({ certain: false });
    // Driver= and Kind= are told for a veth.
    expect(networkFileMatches(file('/x/a.network', '[Match]\nDriver=veth\nKind=veth\n'), { ...veth, driver: 'veth', kind: 'veth' })).toBe(true);
    // A plain pattern and a negated one: veth-keep is excluded although veth* takes it.
    const keep = file('/x/b.network', '[Match]\nName=veth*\nName=!veth-keep\n');
    expect(networkFileMatches(keep, { name: 'veth-keep', altnames: [] })).toBe(false);
    expect(networkFileMatches(keep, { name: 'veth0', altnames: [] })).toBe(true);
    // Only negated patterns: everything else matches.
    expect(networkFileMatches(file('/x/c.network', '[Match]\nName=!lo\n'), { name: 'docker0', altnames: [] })).toBe(true);
    // An alternative name can match; a NIC's are not known, so a name that does not match leaves it open.
    expect(networkFileMatches(file('/x/d.network', '[Match]\nName=enp1s0\n'), { name: 'eth0', altnames: ['enp1s0'] })).toBe(true);
    expect(networkFileMatches(file('/x/d.network', '[Match]\nName=enp1s0\n'), { name: 'eth0' })).toBeUndefined();
    // A [Match] with nothing in it: networkd ignores the file.
    expect(networkFileMatches(file('/x/e.network', '[Match]\n[Network]\nDHCP=yes\n'), veth)).toBe(false);
    expect(networkFileMatches(file('/x/f.network', '[Match]\nMACAddress=52:54:00:74:79:5a\n'), { ...veth, mac: '52:54:00:74:79:5a' })).toBe(true);
  });

  it('evaluates Name= lists as net_condition_test_strv (property)', () => {
    const word = fc.constantFrom('veth*', 'veth0', 'docker0', 'br-*', 'e*', 'lo', '*');
    const line = fc.record({ negated: fc.boolean(), words: fc.array(word, { minLength: 1, maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 4 }), fc.constantFrom('veth0', 'veth9', 'docker0', 'br-1', 'eth0', 'lo'), (lines, name) => {
        const text = `[Match]\n${lines.map((l) => `Name=${l.negated ? '!' : ''}${l.words.join(' ')}`).join('\n')}\n`;
        const patterns = lines.flatMap((l) => l.words.map((w) => ({ w, negated: l.negated })));
        const expected = !patterns.some((p) => p.negated && fnmatch(p.w, name)) && (!patterns.some((p) => !p.negated) || patterns.some((p) => !p.negated && fnmatch(p.w, name)));
        expect(networkFileMatches(network(text).value, { name, altnames: [] })).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text (property)', () => {
    fc.assert(fc.property(anyText, (text) => expectOnlyParseError('/etc/systemd/network/50-dhcp.network', () => network(text))), { numRuns: 1000 });
  });
});
