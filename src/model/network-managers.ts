/**
 * Which devices NetworkManager and systemd-networkd manage on the host: nmcli's device states, networkctl's
 * SETUP column, and NetworkManager's `[keyfile] unmanaged-devices` as the merged configuration gives it.
 *
 * NetworkManager reads NetworkManager.conf, then /etc/NetworkManager/conf.d/*.conf in file-name order
 * (NetworkManager.conf(5); the /usr/lib and /run conf.d directories, read before, are not collected): a later
 * `unmanaged-devices=` replaces the list, `unmanaged-devices+=` appends to it, `-=` removes specs from it.
 * Whether a device is in the list follows NetworkManager's match rule (nm_match_spec_device): it is when a
 * spec matches it and no except: spec does; a list of except: specs only holds every device none of them
 * matches. A spec the snapshot cannot decide (driver:, subchannels:, a type: without nmcli's type) makes the
 * answer unknown where it could change it.
 */
import type { Evidence, ParseNote } from '../parse/common.js';
import { parseNetworkctlList, type NetworkctlLink } from '../parse/networkctl.js';
import { nmGlobMatches, parseDeviceSpec, parseNmConf, splitDeviceList, type DeviceSpec, type NmConfFile } from '../parse/nm-conf.js';
import { parseNmcliDevices, type NmcliDevice } from '../parse/nmcli.js';
import { fnmatch, parseNetworkdNetwork, type NetworkdNetworkFile } from '../parse/networkd-network.js';
import type { Namespace as SnapshotNamespace } from '../snapshot/schema.js';
import { readFileSource, type ReadFile } from './file-sources.js';
import type { SourceReader } from './sources.js';

/**
 * nmcli states in which NetworkManager leaves a device alone, and those in which it manages it. `connected
 * (externally)` is a device another tool configured (Docker's docker0 on most desktops): NetworkManager only
 * tracks it, and it stays as the runtime set it.
 */
const NM_UNMANAGED_STATES = new Set(['unmanaged', 'connected (externally)']);
const NM_MANAGED_STATES = new Set([
  'unavailable',
  'disconnected',
  'prepare',
  'config',
  'need-auth',
  'ip-config',
  'ip-check',
  'secondaries',
  'activated',
  'deactivating',
  'failed',
  'connected',
  'connected (local only)',
  'connected (site only)',
  'connecting',
  'connection failed',
  'unknown',
]);

/** networkctl SETUP states in which systemd-networkd has taken the link: a .network file matched it. */
const NETWORKD_MANAGED_SETUP = new Set(['configuring', 'configured', 'failed']);

export interface NmDevice extends NmcliDevice {
  evidence: Evidence;
  /** managed: a state NetworkManager acts in; unmanaged; unknown: a state this model does not know (translated?). */
  management: 'managed' | 'unmanaged' | 'unknown';
}

export interface NetworkdLink extends NetworkctlLink {
  evidence: Evidence;
  managed: boolean;
}

export interface UnmanagedSpec {
  spec: DeviceSpec;
  evidence: Evidence;
}

export interface UnmanagedDevices {
  specs: UnmanagedSpec[];
  /** The lines that set, appended to or removed from the list, in the order NetworkManager reads them. */
  evidence: Evidence[];
}

export type SpecMatch = 'match' | 'neg-match' | 'no-match' | 'unknown';

export interface NetworkManagers {
  /** nmcli's devices by name; undefined when nmcli-device is not usable (not installed, NetworkManager stopped, unreadable). */
  nmcli?: Map<string, NmDevice>;
  /** networkctl's links by name; undefined when networkctl-list is not usable. */
  networkd?: Map<string, NetworkdLink>;
  /** networkctl warned that systemd-networkd is not running (on stderr, or pasted into the file): it manages nothing. */
  networkdNotRunning?: Evidence;
  /** `[keyfile] unmanaged-devices` as the configuration files give it; undefined when they were not collected or are unreadable. */
  unmanagedDevices?: UnmanagedDevices;
  /** systemd-networkd's .network files in the order it tries them; undefined when not collected or unreadable. */
  networkFiles?: NetworkFile[];
}

export interface NetworkFile extends NetworkdNetworkFile {
  path: string;
  label: string;
}

export function buildNetworkManagers(ns: SnapshotNamespace, reader: SourceReader, notes: ParseNote[]): NetworkManagers {
  const result: NetworkManagers = {};
  const nmLabel = reader.label('nmcli-device');
  const devices = reader.read('nmcli-device', parseNmcliDevices);
  if (devices) {
    result.nmcli = new Map(
      devices.map((d) => [
        d.device,
        { ...d, evidence: { source: nmLabel, line: d.line, text: d.text }, management: NM_UNMANAGED_STATES.has(d.state) ? 'unmanaged' : isManagedState(d.state) ? 'managed' : 'unknown' },
      ]),
    );
  }

  const ctlLabel = reader.label('networkctl-list');
  const list = reader.read('networkctl-list', parseNetworkctlList);
  if (list) {
    result.networkd = new Map(list.links.map((l) => [l.name, { ...l, evidence: { source: ctlLabel, line: l.line, text: l.text }, managed: NETWORKD_MANAGED_SETUP.has(l.setup) }]));
    if (list.notRunning) result.networkdNotRunning = { source: ctlLabel, ...list.notRunning };
    const stderr = ns.sources['networkctl-list']?.stderr ?? '';
    const warning = /WARNING: systemd-networkd is not running[^\n]*/.exec(ns.sources['networkctl-list']?.stderrEncoding === 'base64' ? '' : stderr);
    if (!result.networkdNotRunning && warning) result.networkdNotRunning = { source: `${ctlLabel} (stderr)`, line: 1, text: warning[0] };
  }

  // Unreadable (a file NetworkManager could not load either): the source is marked so, the list unknown.
  const conf = readFileSource(ns, 'nm-conf', reader.infos, notes, parseNmConf);
  if (conf) result.unmanagedDevices = mergeUnmanaged(orderNmConf(conf));
  const networks = readFileSource(ns, 'networkd-network', reader.infos, notes, parseNetworkdNetwork);
  if (networks) result.networkFiles = orderNetworkFiles(networks.map(({ file, value }) => ({ ...value, path: file.path, label: file.label })));
  return result;
}

/** "connecting (prepare)" and the like count as managed; anything else unknown to this model stays unknown. */
function isManagedState(state: string): boolean {
  return NM_MANAGED_STATES.has(state) || state.startsWith('connecting (') || state.startsWith('connected (');
}

/** NetworkManager.conf first, then conf.d/*.conf by file name. */
function orderNmConf(files: ParsedConf[]): ParsedConf[] {
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const isMain = (f: ParsedConf) => f.file.path === '/etc/NetworkManager/NetworkManager.conf';
  const byName = (a: ParsedConf, b: ParsedConf) => (base(a.file.path) < base(b.file.path) ? -1 : base(a.file.path) > base(b.file.path) ? 1 : 0);
  return [...files.filter(isMain), ...files.filter((f) => !isMain(f)).sort(byName)];
}

type ParsedConf = { file: ReadFile; value: NmConfFile };

function mergeUnmanaged(files: ParsedConf[]): UnmanagedDevices {
  let specs: UnmanagedSpec[] = [];
  const evidence: Evidence[] = [];
  for (const { file, value } of files) {
    for (const entry of value.entries) {
      if (entry.section !== 'keyfile' || entry.key !== 'unmanaged-devices') continue;
      const ev: Evidence = { source: file.label, line: entry.line, text: entry.text };
      evidence.push(ev);
      const given = splitDeviceList(entry.value).map((text) => ({ spec: parseDeviceSpec(text), evidence: ev }));
      if (entry.op === '=') specs = given;
      else if (entry.op === '+=') specs = [...specs, ...given.filter((g) => !specs.some((s) => s.spec.text === g.spec.text))];
      else specs = specs.filter((s) => !given.some((g) => g.spec.text === s.spec.text));
    }
  }
  return { specs, evidence };
}

/** What NetworkManager knows of a device when it matches a spec. */
export interface DeviceFacts {
  name: string;
  /** Lower case. */
  mac?: string;
  /** nmcli's TYPE, when nmcli listed the device. */
  nmType?: string;
}

function specMatches(spec: DeviceSpec, device: DeviceFacts): boolean | undefined {
  switch (spec.kind) {
    case 'all':
      return true;
    case 'interface-name':
      return spec.glob ? nmGlobMatches(spec.value, device.name) : spec.value === device.name;
    case 'mac':
      return device.mac === undefined ? undefined : device.mac === spec.value;
    case 'type':
      return device.nmType === undefined ? undefined : device.nmType === spec.value;
    default:
      return undefined;
  }
}

/**
 * Whether a device is in a device list (nm_match_spec_device): `match` when a spec matches it and no except:
 * spec does, `neg-match` when an except: spec matches it, `no-match` otherwise; `unknown` when specs the
 * snapshot cannot decide could change the answer. Also the spec that decided it.
 */
export function matchDeviceList(specs: readonly UnmanagedSpec[], device: DeviceFacts): { result: SpecMatch; decidedBy?: UnmanagedSpec } {
  const positive = specs.filter((s) => !s.spec.except);
  const negative = specs.filter((s) => s.spec.except);
  const evaluate = (group: UnmanagedSpec[], unknownAs: boolean) => group.find((s) => specMatches(s.spec, device) ?? unknownAs);
  const outcome = (assumePositive: boolean, assumeNegative: boolean): { result: SpecMatch; decidedBy?: UnmanagedSpec } => {
    const except = evaluate(negative, assumeNegative);
    if (negative.length > 0 && positive.length === 0) return except ? { result: 'neg-match', decidedBy: except } : { result: 'match' };
    if (except) return { result: 'neg-match', decidedBy: except };
    const hit = evaluate(positive, assumePositive);
    return hit ? { result: 'match', decidedBy: hit } : { result: 'no-match' };
  };
  const corners = [outcome(false, false), outcome(true, false), outcome(false, true), outcome(true, true)];
  const first = corners[0]!;
  return corners.every((c) => c.result === first.result) ? first : { result: 'unknown' };
}

/* ---------- systemd-networkd's .network files ---------- */

const NETWORK_DIRS = ['/etc/systemd/network/', '/run/systemd/network/', '/usr/lib/systemd/network/'];

/**
 * The files networkd tries, in its order (systemd.network(5)): by file name across the directories, a name in
 * /etc masking the same name in /run and /usr/lib (and /run masking /usr/lib); an empty file or a link to
 * /dev/null masks and applies to nothing.
 */
function orderNetworkFiles(files: NetworkFile[]): NetworkFile[] {
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const rank = (p: string) => NETWORK_DIRS.findIndex((d) => p.startsWith(d));
  const byName = new Map<string, NetworkFile>();
  for (const f of files) {
    const seen = byName.get(base(f.path));
    if (!seen || rank(f.path) < rank(seen.path)) byName.set(base(f.path), f);
  }
  return [...byName.values()].filter((f) => !f.empty).sort((a, b) => (base(a.path) < base(b.path) ? -1 : base(a.path) > base(b.path) ? 1 : 0));
}

/** What a [Match] section can be told about a link. */
export interface LinkFacts {
  name: string;
  /** networkctl's TYPE (ether, loopback, bridge, vxlan, ...). */
  type?: string;
  /** Lower case. */
  mac?: string;
}

/** Whether a .network file's [Match] takes the link: true, false, or undefined where a condition cannot be told. */
export function networkFileMatches(file: NetworkdNetworkFile, link: LinkFacts): boolean | undefined {
  let unknown = false;
  for (const c of file.match.values()) {
    let hit: boolean | undefined;
    if (c.key === 'Name') hit = c.values.some((v) => fnmatch(v, link.name));
    else if (c.key === 'Type') hit = link.type === undefined ? undefined : c.values.includes(link.type);
    else if (c.key === 'MACAddress') hit = link.mac === undefined ? undefined : c.values.some((v) => v.toLowerCase() === link.mac);
    else hit = undefined;
    if (hit !== undefined && c.inverted) hit = !hit;
    if (hit === false) return false;
    if (hit === undefined) unknown = true;
  }
  return unknown ? undefined : true;
}

/**
 * The first file networkd applies to the link; `certain` false when an earlier file might have taken it (a
 * condition the snapshot cannot tell). Undefined when none matches.
 */
export function matchingNetworkFile(files: readonly NetworkFile[], link: LinkFacts): { file: NetworkFile; certain: boolean } | undefined {
  let certain = true;
  for (const file of files) {
    const m = networkFileMatches(file, link);
    if (m === true) return { file, certain };
    if (m === undefined) certain = false;
  }
  return undefined;
}
