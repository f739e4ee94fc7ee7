/**
 * Which devices NetworkManager and systemd-networkd manage on the host: nmcli's device states, networkctl's
 * SETUP column, and what their configuration says: NetworkManager's merged configuration (nm-config.ts:
 * `[keyfile] unmanaged-devices`, `[device*] managed=`), the udev property NM_UNMANAGED (udev-nm.ts), and
 * systemd-networkd's .network files ([Match], [Link] Unmanaged=).
 *
 * nmcli's state is what NetworkManager decided at run time, every source included; the configuration says
 * why, and what hands a device back to its runtime. How NetworkManager combines the sources (nm-device.c, the
 * unmanaged flags): unmanaged-devices leaves a device unmanaged and nothing overrules it; else a [device]
 * section's managed= decides (managed=1 overrides udev); else NM_UNMANAGED=1 leaves it unmanaged; else it is
 * managed by default. A source the snapshot cannot decide makes the answer unknown where it could change it.
 */
import type { Evidence, ParseNote } from '../parse/common.js';
import { parseNetworkctlList, type NetworkctlLink } from '../parse/networkctl.js';
import { parseNmConf } from '../parse/nm-conf.js';
import { parseNmcliDevices, type NmcliDevice } from '../parse/nmcli.js';
import { fnmatch, parseEtherAddress, parseNetworkdNetwork, type MatchPattern, type NetworkdNetworkFile } from '../parse/networkd-network.js';
import { parseUdevRules } from '../parse/udev-rules.js';
import { fileLabel } from '../snapshot/host-files.js';
import type { CollectedFile, Namespace as SnapshotNamespace } from '../snapshot/schema.js';
import { readFileSource } from './file-sources.js';
import { buildNmConfig, deviceSectionVerdict, matchDeviceList, type DeviceFacts, type NmConfig, type SectionVerdict, type SpecMatch, type UnmanagedDevices, type UnmanagedSpec } from './nm-config.js';
import type { SourceReader } from './sources.js';
import type { Interface } from './types.js';
import { buildUdevRules, udevNmUnmanaged, type UdevDevice, type UdevRulesSet, type UdevVerdict } from './udev-nm.js';

export { matchDeviceList, type DeviceFacts, type SpecMatch, type UnmanagedDevices, type UnmanagedSpec } from './nm-config.js';

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

export interface NetworkManagers {
  /** nmcli's devices by name; undefined when nmcli-device is not usable (not installed, NetworkManager stopped, unreadable). */
  nmcli?: Map<string, NmDevice>;
  /** networkctl's links by name; undefined when networkctl-list is not usable. */
  networkd?: Map<string, NetworkdLink>;
  /** networkctl warned that systemd-networkd is not running (on stderr, or pasted into the file): it manages nothing. */
  networkdNotRunning?: Evidence;
  /** `[keyfile] unmanaged-devices` as the configuration gives it (the reading with every undecided snippet enabled); undefined when not collected or unreadable. */
  unmanagedDevices?: UnmanagedDevices;
  /** NetworkManager's configuration files in reading order and the readings they give; undefined when not collected or unreadable. */
  nmConfig?: NmConfig;
  /** The udev rules files that can set NM_UNMANAGED; undefined when not collected or unreadable. */
  udevRules?: UdevRulesSet;
  /** systemd-networkd's .network files in the order it tries them (masked ones left out); undefined when not collected or unreadable. */
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

  const labelOf = (path: string) => fileLabel(ns.name, path);
  // Unreadable (a file NetworkManager could not load either): the source is marked so, the list unknown.
  const conf = readFileSource(ns, 'nm-conf', reader.infos, notes, parseNmConf);
  if (conf) {
    result.nmConfig = buildNmConfig(collectedFiles(ns, 'nm-conf'), conf, labelOf);
    const reading = result.nmConfig.readings[0];
    if (reading) result.unmanagedDevices = reading.unmanagedDevices;
  }
  const rules = readFileSource(ns, 'udev-rules', reader.infos, notes, parseUdevRules);
  if (rules) result.udevRules = buildUdevRules(collectedFiles(ns, 'udev-rules'), rules, labelOf);
  const networks = readFileSource(ns, 'networkd-network', reader.infos, notes, parseNetworkdNetwork);
  if (networks) result.networkFiles = orderNetworkFiles(networks.map(({ file, value }) => ({ ...value, path: file.path, label: file.label })), collectedFiles(ns, 'networkd-network'));
  return result;
}

function collectedFiles(ns: SnapshotNamespace, id: string): CollectedFile[] {
  return ns.files?.[id]?.files ?? [];
}

/** "connecting (prepare)" and the like count as managed; anything else unknown to this model stays unknown. */
function isManagedState(state: string): boolean {
  return NM_MANAGED_STATES.has(state) || state.startsWith('connecting (') || state.startsWith('connected (');
}

/* ---------- what NetworkManager's configuration gives a device ---------- */

/** A device as the configuration sources see it. */
export interface ConfiguredDevice extends DeviceFacts, UdevDevice {}

/** The kernel driver (ethtool's, udev's ID_NET_DRIVER) of the link kinds whose driver is their kind. */
const DRIVER_OF_KIND: Record<string, string> = { veth: 'veth', bridge: 'bridge', vxlan: 'vxlan', dummy: 'dummy', tun: 'tun', macvlan: 'macvlan', bond: 'bonding' };

/** The interface as NetworkManager's specs and udev's rules see it; `nmType` is nmcli's TYPE when it lists the device. */
export function configuredDevice(iface: Interface, nmType: string | undefined): ConfiguredDevice {
  const driver = DRIVER_OF_KIND[iface.kind] ?? (iface.rawKind ? DRIVER_OF_KIND[iface.rawKind] : undefined);
  const devtype = iface.kind === 'bridge' ? 'bridge' : iface.kind === 'veth' ? '' : undefined;
  return {
    name: iface.name,
    virtual: iface.kind !== 'physical' && iface.kind !== 'other',
    ...(iface.mac ? { mac: iface.mac.toLowerCase() } : {}),
    ...(nmType ? { nmType } : {}),
    ...(driver ? { driver } : {}),
    ...(devtype === undefined ? {} : { devtype }),
  };
}

/** Which source decided, for messages and evidence. */
export interface NmDecision {
  source: 'unmanaged-devices' | 'device-section' | 'udev';
  /** "[keyfile] unmanaged-devices spec interface-name:veth* (/etc/NetworkManager/conf.d/90.conf line 2)". */
  text: string;
  evidence: Evidence[];
}

export interface NmConfiguredManagement {
  /** unmanaged; managed (a [device] section says managed=1); default (nothing configured: NetworkManager manages it); unknown. */
  result: 'unmanaged' | 'managed' | 'default' | 'unknown';
  decision?: NmDecision;
  /** Why the answer is unknown. */
  reason?: string;
  /** The parts: unmanaged-devices' match, the [device*] verdict, udev's NM_UNMANAGED (of the first reading). */
  list: { result: SpecMatch; decidedBy?: UnmanagedSpec };
  section: SectionVerdict;
  udev?: UdevVerdict;
}

const where = (e: Evidence) => `${e.source} line ${e.line}`;

/** What NetworkManager's configuration (every reading of it) and udev's rules make of the device. */
export function nmConfiguredManagement(m: NetworkManagers, device: ConfiguredDevice): NmConfiguredManagement | undefined {
  const config = m.nmConfig;
  if (!config) return undefined;
  const udev: UdevVerdict = m.udevRules ? udevNmUnmanaged(m.udevRules, device) : { result: 'unknown', reason: 'the udev rules were not collected' };
  const empty = { list: { result: 'unknown' as const }, section: { result: 'none' as const }, udev };
  if (config.unknown) return { result: 'unknown', reason: config.unknown, ...empty };
  const outcomes = config.readings.map((reading) => combine(matchDeviceList(reading.unmanagedDevices.specs, device), deviceSectionVerdict(reading.deviceSections, device), udev));
  const first = outcomes[0]!;
  if (outcomes.every((o) => o.result === first.result && o.decision?.text === first.decision?.text)) return first;
  const undecided = config.files.filter((f) => f.state === 'undecided').map((f) => f.label);
  return { ...first, result: 'unknown', reason: `it depends on whether NetworkManager reads ${undecided.join(', ')} ([.config] enable= with a predicate)` };
}

/** Whether unmanaged-devices holds the device, in every reading of the configuration ('unknown' where they differ); undefined when not collected. */
export function unmanagedDevicesMatch(m: NetworkManagers, device: DeviceFacts): SpecMatch | undefined {
  const config = m.nmConfig;
  if (!config) return undefined;
  if (config.unknown) return 'unknown';
  const results = config.readings.map((r) => matchDeviceList(r.unmanagedDevices.specs, device).result);
  return results.every((r) => r === results[0]) ? results[0] : 'unknown';
}

function combine(list: NmConfiguredManagement['list'], section: SectionVerdict, udev: UdevVerdict): NmConfiguredManagement {
  const parts = { list, section, udev };
  if (list.result === 'match') {
    const spec = list.decidedBy;
    return { result: 'unmanaged', decision: { source: 'unmanaged-devices', text: `[keyfile] unmanaged-devices spec ${spec?.spec.text ?? '*'}${spec ? ` (${where(spec.evidence)})` : ''}`, evidence: spec ? [spec.evidence] : [] }, ...parts };
  }
  // A list that may hold the device leaves it unmanaged whatever comes next; else the next source decides.
  const listUnknown = list.result === 'unknown';
  if (section.result === 'unmanaged' || section.result === 'managed') {
    if (listUnknown && section.result === 'managed') return { result: 'unknown', reason: 'whether unmanaged-devices holds it (a spec the snapshot cannot decide)', ...parts };
    return { result: section.result, decision: sectionDecision(section.section, section.result), ...parts };
  }
  if (section.result === 'unknown') return { result: 'unknown', reason: section.reason, ...parts };
  if (udev.result === 'unmanaged') {
    const text = `udev's NM_UNMANAGED=1${udev.setBy ? ` (${where(udev.setBy)})` : ''}`;
    return { result: 'unmanaged', decision: { source: 'udev', text, evidence: udev.setBy ? [udev.setBy] : [] }, ...parts };
  }
  if (listUnknown) return { result: 'unknown', reason: 'whether unmanaged-devices holds it (a spec the snapshot cannot decide)', ...parts };
  if (udev.result === 'unknown') return { result: 'unknown', reason: `udev's NM_UNMANAGED for it: ${udev.reason}`, ...parts };
  return { result: 'default', ...parts };
}

function sectionDecision(section: { name: string; managed?: { evidence: Evidence }; matchDevice?: { evidence: Evidence } }, result: 'managed' | 'unmanaged'): NmDecision {
  const evidence = [section.matchDevice?.evidence, section.managed?.evidence].filter((e): e is Evidence => e !== undefined);
  const line = section.managed ? ` (${where(section.managed.evidence)})` : '';
  return { source: 'device-section', text: `[${section.name}] managed=${result === 'managed' ? '1' : '0'}${line}`, evidence };
}

/* ---------- systemd-networkd's .network files ---------- */

/** networkd's directories in priority order (CONF_PATHS "systemd/network"; /lib where /usr is split). */
const NETWORK_DIRS = ['/etc/systemd/network/', '/run/systemd/network/', '/usr/local/lib/systemd/network/', '/usr/lib/systemd/network/', '/lib/systemd/network/'];

/**
 * The files networkd tries, in its order (systemd.network(5)): by file name across the directories, a name in
 * /etc masking the same name in /run and below (and /run masking /usr); a file that masks (empty, or a link to
 * /dev/null, which the collectors record without content) applies to nothing, nor does one networkd ignores
 * for an empty [Match].
 */
function orderNetworkFiles(files: NetworkFile[], collected: readonly CollectedFile[]): NetworkFile[] {
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const rank = (p: string) => NETWORK_DIRS.findIndex((d) => p.startsWith(d));
  const byName = new Map<string, NetworkFile | { path: string; masking: true }>();
  const candidates: (NetworkFile | { path: string; masking: true })[] = [...files, ...collected.filter((f) => f.status !== 'ok' && f.linkTarget === '/dev/null').map((f) => ({ path: f.path, masking: true as const }))];
  for (const f of candidates) {
    const seen = byName.get(base(f.path));
    if (!seen || rank(f.path) < rank(seen.path)) byName.set(base(f.path), f);
  }
  // A file with nothing in its [Match] (empty, comments only, no [Match]) masks, but networkd ignores it.
  return [...byName.values()].filter((f): f is NetworkFile => !('masking' in f) && f.match.size > 0).sort((a, b) => (base(a.path) < base(b.path) ? -1 : base(a.path) > base(b.path) ? 1 : 0));
}

/** What a [Match] section can be told about a link. */
export interface LinkFacts {
  name: string;
  /** Its alternative names; undefined when not known (a NIC may have some; a veth or bridge has none). */
  altnames?: string[];
  /** networkctl's TYPE (ether, loopback, bridge, vxlan, ...). */
  type?: string;
  /** The netdev kind (ip -d link's info_kind: veth, bridge, vxlan, ...). */
  kind?: string;
  /** ID_NET_DRIVER: known for a veth or a bridge. */
  driver?: string;
  /** Lower case. */
  mac?: string;
}

/** net_condition_test_strv: no negated pattern matches, and one plain pattern does if there is any. */
function testPatterns(patterns: readonly MatchPattern[], value: string | undefined): boolean {
  let hit = false;
  for (const p of patterns) {
    if (value !== undefined && fnmatch(p.pattern, value)) {
      if (p.negated) return false;
      hit = true;
    }
  }
  return patterns.some((p) => !p.negated) ? hit : true;
}

/** Whether a .network file's [Match] takes the link: true, false, or undefined where a condition cannot be told. */
export function networkFileMatches(file: NetworkdNetworkFile, link: LinkFacts): boolean | undefined {
  // networkd ignores a file whose [Match] holds nothing ("add Name=* to match all interfaces").
  if (file.match.size === 0) return false;
  let unknown = false;
  for (const c of file.match.values()) {
    let hit: boolean | undefined;
    if (c.key === 'Name') {
      // The name, else any alternative name (net_condition_test_ifname).
      hit = testPatterns(c.patterns, link.name) || (link.altnames === undefined ? undefined : link.altnames.some((a) => testPatterns(c.patterns, a)));
      if (hit === false && link.altnames === undefined) hit = undefined;
    } else if (c.key === 'Type') hit = link.type === undefined ? undefined : testPatterns(c.patterns, link.type);
    else if (c.key === 'Kind') hit = link.kind === undefined ? undefined : testPatterns(c.patterns, link.kind);
    else if (c.key === 'Driver') hit = link.driver === undefined ? undefined : testPatterns(c.patterns, link.driver);
    else if (c.key === 'MACAddress') hit = link.mac === undefined ? undefined : c.patterns.some((p) => p.pattern === parseEtherAddress(link.mac!));
    else hit = undefined;
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
