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
import { nmGlobMatches, parseDeviceSpec, parseNmConf, splitDeviceList } from '../../src/parse/nm-conf.js';
import { fnmatch, parseNetworkdNetwork } from '../../src/parse/networkd-network.js';
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
  it('reads sections, keys and values with their lines', () => {
    const { value } = conf(NM_CONF);
    expect(value.sections.map((s) => [s.name, s.line])).toEqual([['main', 2], ['ifupdown', 5], ['keyfile', 8]]);
    expect(value.entries.map((e) => [e.section, e.key, e.op, e.line])).toEqual([
      ['main', 'plugins', '=', 3],
      ['ifupdown', 'managed', '=', 6],
      ['keyfile', 'unmanaged-devices', '=', 9],
    ]);
  });

  it('reads += and -= (NetworkManager\'s list extension) and GLib escapes', () => {
    const { value } = conf('[keyfile]\nunmanaged-devices+=interface-name:cali*\nunmanaged-devices -= mac:00:11:22:33:44:55\nx=a\\sb\n');
    expect(value.entries.map((e) => [e.key, e.op, e.value])).toEqual([
      ['unmanaged-devices', '+=', 'interface-name:cali*'],
      ['unmanaged-devices', '-=', 'mac:00:11:22:33:44:55'],
      ['x', '=', 'a b'],
    ]);
  });

  it('refuses what NetworkManager cannot load, naming the file, the section and the line', () => {
    const cases: [string, number, RegExp][] = [
      ['unmanaged-devices=interface-name:docker0\n', 1, /before any \[section\]/],
      ['[keyfile]\n\nunmanaged-devices\n', 3, /\[keyfile\]: not a key=value line/],
      ['[keyfile]\nunmanaged-devices=a\\qb\n', 2, /\[keyfile\]: invalid escape/],
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

  it('splits device lists on , and ; (a backslash escapes them) and reads each spec', () => {
    expect(splitDeviceList('interface-name:docker0;interface-name:veth*, mac:52:54:00:74:79:56,,interface-name:a\\;b')).toEqual([
      'interface-name:docker0',
      'interface-name:veth*',
      'mac:52:54:00:74:79:56',
      'interface-name:a;b',
    ]);
    expect(parseDeviceSpec('interface-name:=br-*')).toMatchObject({ kind: 'interface-name', value: 'br-*', glob: false, except: false });
    expect(parseDeviceSpec('except:interface-name:veth-keep')).toMatchObject({ kind: 'interface-name', value: 'veth-keep', except: true });
    expect(parseDeviceSpec('52:54:00:74:79:56')).toMatchObject({ kind: 'mac', value: '52:54:00:74:79:56' });
    expect(parseDeviceSpec('driver:veth')).toMatchObject({ kind: 'driver' });
    expect(parseDeviceSpec('*')).toMatchObject({ kind: 'all' });
    expect(nmGlobMatches('veth*', 'veth1a2b')).toBe(true);
    expect(nmGlobMatches('br-?', 'br-12')).toBe(false);
    expect(nmGlobMatches('br-[a]', 'br-a')).toBe(false);
  });

  it('throws nothing but a located ParseError on arbitrary text (property)', () => {
    fc.assert(fc.property(anyText, (text) => expectOnlyParseError('/etc/NetworkManager/NetworkManager.conf', () => conf(text))), { numRuns: 1000 });
  });
});

describe('whether a device is in unmanaged-devices (nm_match_spec_device)', () => {
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
  });

  it('is unknown only where a spec the snapshot cannot decide could change the answer', () => {
    expect(matchDeviceList(specs('driver:veth'), { name: 'veth1' }).result).toBe('unknown');
    expect(matchDeviceList(specs('driver:veth', 'interface-name:veth*'), { name: 'veth1' }).result).toBe('match');
    expect(matchDeviceList(specs('mac:52:54:00:74:79:56'), { name: 'eth0' }).result).toBe('unknown');
    expect(matchDeviceList(specs('mac:52:54:00:74:79:56'), { name: 'eth0', mac: '52:54:00:74:79:56' }).result).toBe('match');
    expect(matchDeviceList(specs('type:bridge'), { name: 'docker0', nmType: 'bridge' }).result).toBe('match');
    expect(matchDeviceList(specs('interface-name:docker0', 'except:driver:bridge'), { name: 'docker0' }).result).toBe('unknown');
  });
});

const network = (text: string) => parseNetworkdNetwork({ source: '/etc/systemd/network/50-dhcp.network', text });

describe('systemd-networkd .network files', () => {
  const CATCH_ALL = '# netplan-like catch-all\n[Match]\nName=en* eth* \\\n  veth*\nType=ether\n\n[Network]\nDHCP=yes\n';
  const CONTAINERS = '[Match]\nName=docker0 br-* veth* cni0 flannel*\n[Link]\nUnmanaged=yes\n';

  it('reads [Match] conditions (continued lines joined, lists appended, ! inverts) and [Link] Unmanaged=', () => {
    const file = network(CATCH_ALL).value;
    expect(file.match.get('Name')).toMatchObject({ values: ['en*', 'eth*', 'veth*'], inverted: false, line: 3 });
    expect(file.match.get('Type')?.values).toEqual(['ether']);
    expect(file.unmanaged).toBeUndefined();
    expect(network(CONTAINERS).value.unmanaged).toEqual({ value: true, line: 4, text: 'Unmanaged=yes' });
    expect(network('[Match]\nName=!lo eth0\n').value.match.get('Name')).toMatchObject({ values: ['lo', 'eth0'], inverted: true });
    expect(network('[Match]\nName=eth0\nName=\n').value.match.has('Name')).toBe(false);
    expect(network('# masked\n').value.empty).toBe(true);
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

  it('matches as networkd does: every condition, fnmatch globs, the first file by name', () => {
    expect(fnmatch('veth*', 'veth1a2b')).toBe(true);
    expect(fnmatch('br-[0-9a-f]*', 'br-6650da91aede')).toBe(true);
    expect(fnmatch('br-[!0-9]*', 'br-6650')).toBe(false);
    const file = (path: string, text: string): NetworkFile => ({ ...network(text).value, path, label: path });
    const catchAll = file('/etc/systemd/network/50-dhcp.network', CATCH_ALL);
    const containers = file('/etc/systemd/network/10-containers.network', CONTAINERS);
    expect(networkFileMatches(catchAll, { name: 'veth1a2b', type: 'ether' })).toBe(true);
    expect(networkFileMatches(catchAll, { name: 'veth1a2b' })).toBeUndefined();
    expect(networkFileMatches(catchAll, { name: 'docker0', type: 'bridge' })).toBe(false);
    expect(matchingNetworkFile([containers, catchAll], { name: 'veth1a2b', type: 'ether' })?.file.path).toBe('/etc/systemd/network/10-containers.network');
    expect(matchingNetworkFile([catchAll], { name: 'veth1a2b' })).toBeUndefined();
    expect(matchingNetworkFile([file('/etc/systemd/network/05-driver.network', '[Match]\nDriver=virtio_net\n'), catchAll], { name: 'eth0', type: 'ether' })).toMatchObject({ certain: false });
  });

  it('throws nothing but a located ParseError on arbitrary text (property)', () => {
    fc.assert(fc.property(anyText, (text) => expectOnlyParseError('/etc/systemd/network/50-dhcp.network', () => network(text))), { numRuns: 1000 });
  });
});
