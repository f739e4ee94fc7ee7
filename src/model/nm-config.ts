/**
 * NetworkManager's configuration as NetworkManager merges it (nm-config.c read_entire_config, read_config;
 * nm-config-data.c), for what decides whether it manages a device:
 *
 * - Read order (NetworkManager.conf(5)): /usr/lib/NetworkManager/conf.d/*.conf, then /run/NetworkManager/conf.d,
 *   then /etc/NetworkManager/NetworkManager.conf, then /etc/NetworkManager/conf.d; each directory by file name.
 *   A name in /etc/…/conf.d shadows it in /run and /usr/lib, a name in /run shadows it in /usr/lib (an empty
 *   file or a link to /dev/null is how one masks a file). A snippet with `[.config] enable=false` is skipped;
 *   `enable=` with a version or environment predicate depends on what this model cannot see, so both readings
 *   are evaluated and a device whose answer differs is "unknown". (/var/lib/NetworkManager/NetworkManager-intern.conf,
 *   what NetworkManager writes for D-Bus changes, is not read.)
 * - Within a file: each key occurrence in order, with the value of the key's last occurrence in its group (GLib
 *   keeps one value per key); across files a later key replaces an earlier one; `key+=`/`key-=` add to / remove
 *   from a device list, duplicates left out.
 * - `[keyfile] unmanaged-devices`: a device in it is unmanaged, and nothing overrules that (NM_UNMANAGED_USER_SETTINGS).
 * - `[device*]` sections (any group whose name starts with "device"): tried in priority order — within a file
 *   top to bottom, a later file's before an earlier one's, the plain `[device]` last — the first with `managed=`
 *   (or `stop-match=yes`) whose `match-device=` matches (no match-device: every device) decides; managed=0
 *   leaves the device unmanaged, managed=1 makes it managed over udev's NM_UNMANAGED (NM_UNMANAGED_USER_CONF).
 */
import type { Evidence } from '../parse/common.js';
import { nmBoolean, nmGlobMatches, parseDeviceSpec, parseHwaddr, splitDeviceList, type DeviceSpec, type NmConfEntry, type NmConfFile } from '../parse/nm-conf.js';
import type { CollectedFile } from '../snapshot/schema.js';
import type { ReadFile } from './file-sources.js';

const NM_MAIN_CONF = '/etc/NetworkManager/NetworkManager.conf';
/** The conf.d directories, in the order NetworkManager reads them (the main file between /run's and /etc's). */
const CONF_DIRS = ['/usr/lib/NetworkManager/conf.d/', '/run/NetworkManager/conf.d/', '/etc/NetworkManager/conf.d/'] as const;

export type SpecMatch = 'match' | 'neg-match' | 'no-match' | 'unknown';

export interface UnmanagedSpec {
  spec: DeviceSpec;
  /** The line its value came from. */
  evidence: Evidence;
}

export interface UnmanagedDevices {
  specs: UnmanagedSpec[];
  /** The lines that set, appended to or removed from the list, in the order NetworkManager reads them. */
  evidence: Evidence[];
}

/** A [device*] section as merged; `managed`, `stopMatch`, `matchDevice` with the lines they came from. */
export interface DeviceSection {
  name: string;
  /** The string managed= holds (undefined: not set, or an invalid escape). */
  managed?: { value: string | undefined; evidence: Evidence };
  stopMatch?: { value: boolean; evidence: Evidence };
  /** match-device=: the specs, or `unreadable` when escapes make its reading version-dependent. */
  matchDevice?: { specs: UnmanagedSpec[]; unreadable: boolean; evidence: Evidence };
}

/** One reading of the configuration (one choice for each snippet whose `[.config] enable=` this model cannot decide). */
export interface NmConfigReading {
  unmanagedDevices: UnmanagedDevices;
  /** In the order NetworkManager tries them. */
  deviceSections: DeviceSection[];
  /** The snippets taken as enabled in this reading (only those whose enable= is undecided are listed). */
  assumedEnabled: string[];
}

export interface NmConfFileState {
  path: string;
  label: string;
  /** read; masked (a file of the same name in a later directory); disabled ([.config] enable=false); undecided (enable= with a predicate); unreadable. */
  state: 'read' | 'masked' | 'disabled' | 'undecided' | 'unreadable';
  /** The path of the file masking it, the enable= line, or why it could not be read. */
  detail?: string;
}

export interface NmConfig {
  /** Every collected file with what NetworkManager does with it, in the order it reads them. */
  files: NmConfFileState[];
  /** The readings: one when every snippet's enable= is decided; at most 2^MAX_UNDECIDED. */
  readings: NmConfigReading[];
  /** Why no reading can be trusted (a file NetworkManager could not load, too many undecided snippets). */
  unknown?: string;
}

type Parsed = { file: ReadFile; value: NmConfFile };

const MAX_UNDECIDED = 3;
const DEV_NULL = '/dev/null';

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The configuration NetworkManager reads from the collected files: `collected` every file of the nm-conf source
 * (with its status), `parsed` those read and parsed. A link to /dev/null reads as an empty file.
 */
export function buildNmConfig(collected: readonly CollectedFile[], parsed: readonly Parsed[], labelOf: (path: string) => string): NmConfig {
  const present = collected.filter((f) => f.status !== 'absent');
  const content = new Map(parsed.map((p) => [p.file.path, p]));
  const inDir = (dir: string) => present.filter((f) => f.path.startsWith(dir) && f.path.lastIndexOf('/') === dir.length - 1).sort((a, b) => byteOrder(base(a.path), base(b.path)));
  const runNames = new Set(inDir(CONF_DIRS[1]).map((f) => base(f.path)));
  const etcNames = new Set(inDir(CONF_DIRS[2]).map((f) => base(f.path)));
  const order: { file: CollectedFile; maskedBy?: string }[] = [
    ...inDir(CONF_DIRS[0]).map((file) => ({ file, maskedBy: etcNames.has(base(file.path)) ? CONF_DIRS[2] + base(file.path) : runNames.has(base(file.path)) ? CONF_DIRS[1] + base(file.path) : undefined })),
    ...inDir(CONF_DIRS[1]).map((file) => ({ file, maskedBy: etcNames.has(base(file.path)) ? CONF_DIRS[2] + base(file.path) : undefined })),
    ...present.filter((f) => f.path === NM_MAIN_CONF).map((file) => ({ file })),
    ...inDir(CONF_DIRS[2]).map((file) => ({ file })),
  ];

  const files: NmConfFileState[] = [];
  const active: { parsed: Parsed; undecided: boolean }[] = [];
  let unknown: string | undefined;
  for (const { file, maskedBy } of order) {
    const state = (s: NmConfFileState['state'], detail?: string) => files.push({ path: file.path, label: labelOf(file.path), state: s, ...(detail === undefined ? {} : { detail }) });
    if (maskedBy) {
      state('masked', maskedBy);
      continue;
    }
    if (file.status !== 'ok' && file.linkTarget === DEV_NULL) {
      state('read', `a link to ${DEV_NULL}: empty`);
      continue;
    }
    const p = content.get(file.path);
    if (file.status !== 'ok' || !p) {
      state('unreadable', file.reason ?? file.status);
      unknown ??= `${labelOf(file.path)} could not be read (${file.reason ?? file.status}): NetworkManager fails to load its configuration with it, or reads what this snapshot does not hold`;
      continue;
    }
    const enable = file.path === NM_MAIN_CONF ? undefined : enableOf(p);
    if (enable && enable.value === false) {
      state('disabled', `line ${enable.evidence.line}: ${enable.evidence.text}`);
      continue;
    }
    const undecided = enable !== undefined && enable.value === undefined;
    state(undecided ? 'undecided' : 'read', undecided ? `line ${enable!.evidence.line}: ${enable!.evidence.text}` : undefined);
    active.push({ parsed: p, undecided });
  }
  const undecided = active.filter((a) => a.undecided);
  if (undecided.length > MAX_UNDECIDED) unknown ??= `${undecided.length} snippets are enabled by [.config] enable= predicates (NetworkManager's version, NM_CONFIG_ENABLE_TAG) this snapshot does not show`;
  const readings: NmConfigReading[] = [];
  if (unknown === undefined) {
    for (let mask = 0; mask < 1 << undecided.length; mask++) {
      const skipped = new Set(undecided.filter((_, i) => (mask & (1 << i)) !== 0));
      const chosen = active.filter((a) => !skipped.has(a)).map((a) => a.parsed);
      readings.push({ ...merge(chosen), assumedEnabled: undecided.filter((a) => !skipped.has(a)).map((a) => a.parsed.file.label) });
    }
  }
  return { files, readings, ...(unknown === undefined ? {} : { unknown }) };
}

/** `[.config] enable=` of a snippet: true/false as a boolean, undefined value for a version or environment predicate. */
function enableOf({ file, value }: Parsed): { value: boolean | undefined; evidence: Evidence } | undefined {
  const last = value.entries.filter((e) => e.section === '.config' && e.key === 'enable' && e.op === '=').at(-1);
  if (!last) return undefined;
  return { value: nmBoolean(last.raw), evidence: { source: file.label, line: last.line, text: last.text } };
}

interface Group {
  name: string;
  keys: Map<string, { raw: string; value: string | undefined; evidence: Evidence }>;
  /** match-device as a spec list, when set (by = or merged by += / -=). */
  matchDevice?: { specs: UnmanagedSpec[]; evidence: Evidence };
}

/** The files' keys merged as read_config merges them, in reading order. */
function merge(files: readonly Parsed[]): Omit<NmConfigReading, 'assumedEnabled'> {
  let unmanaged: UnmanagedSpec[] | undefined;
  const listEvidence: Evidence[] = [];
  const groups: Group[] = [];
  for (const { file, value } of files) {
    const lastOf = lastValues(value.entries);
    const ev = (e: NmConfEntry): Evidence => ({ source: file.label, line: e.line, text: e.text });
    for (const section of sortedGroups(value)) {
      for (const entry of value.entries) {
        if (entry.section !== section) continue;
        const last = lastOf.get(writtenKey(entry))!;
        if (section === 'keyfile' && entry.key === 'unmanaged-devices') {
          listEvidence.push(ev(entry));
          unmanaged = applyList(unmanaged, entry.op, last.raw, ev(last));
        } else if (section.startsWith('device')) {
          const group = groups.find((g) => g.name === section) ?? groups[groups.push({ name: section, keys: new Map() }) - 1]!;
          if (entry.key === 'match-device') {
            const specs = applyList(entry.op === '=' ? undefined : group.matchDevice?.specs, entry.op, last.raw, ev(last));
            group.matchDevice = { specs, evidence: ev(last) };
            group.keys.set(entry.key, { raw: last.raw, value: entry.op === '=' ? last.value : undefined, evidence: ev(last) });
          } else if (entry.op === '=') group.keys.set(entry.key, { raw: last.raw, value: last.value, evidence: ev(last) });
        }
      }
    }
  }
  return { unmanagedDevices: { specs: unmanaged ?? [], evidence: listEvidence }, deviceSections: deviceSections(groups) };
}

const writtenKey = (e: NmConfEntry) => `${e.section}\u0000${e.key}${e.op === '=' ? '' : e.op[0]}`;

/** GLib keeps one value per key of a group: the last one written. */
function lastValues(entries: readonly NmConfEntry[]): Map<string, NmConfEntry> {
  const out = new Map<string, NmConfEntry>();
  for (const e of entries) out.set(writtenKey(e), e);
  return out;
}

/** The order read_config merges a file's groups in: the others as they appear, then [device*] groups bottom to top. */
function sortedGroups(file: NmConfFile): string[] {
  const names = file.sections.map((s) => s.name);
  const isDevice = (n: string) => n.startsWith('device');
  return [...names.filter((n) => !isDevice(n)), ...names.filter(isDevice).reverse()];
}

/** `=` replaces the list, `+=` appends the specs it does not hold yet, `-=` removes the given ones. */
function applyList(current: UnmanagedSpec[] | undefined, op: NmConfEntry['op'], raw: string, evidence: Evidence): UnmanagedSpec[] {
  const given = splitDeviceList(raw);
  if (op === '=') return given.map((text) => ({ spec: parseDeviceSpec(text), evidence }));
  const old = current ?? [];
  if (op === '-=') return old.filter((s) => !given.includes(s.spec.text));
  const held = new Set(old.map((s) => s.spec.text));
  return [...old, ...given.filter((t) => !held.has(t)).map((text) => ({ spec: parseDeviceSpec(text), evidence }))];
}

/** The [device*] sections in the order NetworkManager tries them: the last created first, the plain [device] last. */
function deviceSections(groups: readonly Group[]): DeviceSection[] {
  const ordered = [...groups.filter((g) => g.name !== 'device').reverse(), ...groups.filter((g) => g.name === 'device')];
  return ordered.map((g) => {
    const section: DeviceSection = { name: g.name };
    const managed = g.keys.get('managed');
    if (managed) section.managed = { value: managed.value, evidence: managed.evidence };
    const stop = g.keys.get('stop-match');
    if (stop) section.stopMatch = { value: nmBoolean(stop.raw) ?? false, evidence: stop.evidence };
    if (g.matchDevice) section.matchDevice = { specs: g.matchDevice.specs, unreadable: g.matchDevice.specs.length > 0 && (g.keys.get('match-device')?.raw.includes('\\') ?? false), evidence: g.matchDevice.evidence };
    return section;
  });
}

/* ---------- matching a device ---------- */

/** What NetworkManager knows of a device when it matches a spec. */
export interface DeviceFacts {
  name: string;
  /** Lower case. */
  mac?: string;
  /** nmcli's TYPE, when nmcli listed the device. */
  nmType?: string;
  /** The kernel driver (ethtool's), where the link's kind tells it. */
  driver?: string;
}

/** nm_match_spec_device's test of one spec (match_device_eval); undefined where the snapshot cannot tell. */
function specMatches(spec: DeviceSpec, device: DeviceFacts): boolean | undefined {
  switch (spec.kind) {
    case 'all':
      return true;
    case 'interface-name':
      return spec.value === device.name || (spec.glob && nmGlobMatches(spec.value, device.name));
    case 'mac':
      return macMatches(spec.value, device);
    case 'type':
      return device.nmType === undefined ? undefined : device.nmType === spec.value;
    case 'driver': {
      if (device.driver === undefined) return undefined;
      const slash = spec.value.lastIndexOf('/');
      if (slash < 0) return spec.value === device.driver;
      // NetworkManager compares the name part as a prefix of the driver (strncmp), then the version as a glob.
      if (!device.driver.startsWith(spec.value.slice(0, slash))) return false;
      return spec.value.slice(slash + 1) === '*' ? true : undefined;
    }
    case 'bare':
      // "Fuzzy": an interface name or a MAC, written without a tag; never behind except:.
      if (spec.except) return false;
      if (spec.value === device.name) return true;
      return parseHwaddr(spec.value) === undefined ? false : macMatches(spec.value, device);
    default:
      return undefined;
  }
}

function macMatches(value: string, device: DeviceFacts): boolean | undefined {
  const wanted = parseHwaddr(value);
  if (wanted === undefined) return false;
  return device.mac === undefined ? undefined : parseHwaddr(device.mac) === wanted;
}

/**
 * Whether a device is in a device list (nm_match_spec_device): `match` when a spec matches it and no except:
 * spec does, `neg-match` when an except: spec matches it, `no-match` otherwise; a list of except: specs alone
 * holds every device none of them matches. `unknown` when specs the snapshot cannot decide could change the
 * answer. Also the spec that decided it.
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

/** What the [device*] sections say of a device's `managed`: the deciding section, or why the snapshot cannot tell. */
export type SectionVerdict =
  | { result: 'managed' | 'unmanaged'; section: DeviceSection }
  | { result: 'none' }
  | { result: 'unknown'; reason: string; section?: DeviceSection };

/** nm_config_data_get_device_config_boolean("managed"): the first section with managed= (or stop-match) that matches. */
export function deviceSectionVerdict(sections: readonly DeviceSection[], device: DeviceFacts, from = 0): SectionVerdict {
  for (let i = from; i < sections.length; i++) {
    const section = sections[i]!;
    if (section.managed?.value === undefined && !section.stopMatch?.value) continue;
    let match: boolean | undefined = true;
    if (section.matchDevice) {
      if (section.matchDevice.unreadable) return { result: 'unknown', reason: `[${section.name}] match-device= holds escapes NetworkManager versions read differently`, section };
      const m = matchDeviceList(section.matchDevice.specs, device).result;
      match = m === 'match' ? true : m === 'unknown' ? undefined : false;
    }
    if (match === false) continue;
    const decided = sectionDecides(section);
    if (match === true) return decided;
    // Whether it matches is unknown: it does not matter when the sections after it say the same.
    const otherwise = deviceSectionVerdict(sections, device, i + 1);
    if ((decided.result === 'managed' || decided.result === 'unmanaged') && otherwise.result === decided.result) return otherwise;
    return { result: 'unknown', reason: `whether [${section.name}] match-device= matches it (a spec the snapshot cannot decide)`, section };
  }
  return { result: 'none' };
}

function sectionDecides(section: DeviceSection): SectionVerdict {
  if (section.managed?.value === undefined) return { result: 'unknown', reason: `[${section.name}] matches it with stop-match=yes and no managed=`, section };
  const value = nmBoolean(section.managed.value);
  if (value === undefined) return { result: 'unknown', reason: `[${section.name}] managed=${section.managed.value} is not a boolean`, section };
  return { result: value ? 'managed' : 'unmanaged', section };
}
