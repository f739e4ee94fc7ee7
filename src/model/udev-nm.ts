/**
 * The udev route to an unmanaged device: NetworkManager leaves a device unmanaged when its udev property
 * NM_UNMANAGED is "1" or "true" (NM_UNMANAGED_USER_UDEV), unless a [device] section says managed=1.
 * NetworkManager installs 85-nm-unmanaged.rules, which (since 1.20) sets it for every veth not named eth<N>
 * (containers' host ends), VirtualBox, VMware and Parallels host-only interfaces and USB gadgets; an admin adds
 * rules to /etc/udev/rules.d.
 *
 * udev reads the rules files of /etc/udev/rules.d, /run/udev/rules.d, /usr/local/lib/udev/rules.d and
 * /usr/lib/udev/rules.d (and /lib/udev/rules.d on split-/usr systems) together, sorted by file name; a name in
 * /etc masks it in /run and below, one in /run below it (udev(7)). The collectors read /etc's, /run's and
 * /usr/local's, and NetworkManager's own files of /usr/lib (the `*-nm-*.rules`): other packages' rules are not
 * read. The evaluation replays the rules for a device's "add" event with what the snapshot tells of it (its
 * name for a virtual device, its MAC, its driver and DEVTYPE for a veth or bridge); a condition it cannot
 * evaluate forks the replay, and where the forks disagree the answer is "unknown".
 */
import type { Evidence } from '../parse/common.js';
import { udevPatternMatches, type UdevPair, type UdevRulesFile } from '../parse/udev-rules.js';
import type { CollectedFile } from '../snapshot/schema.js';
import type { ReadFile } from './file-sources.js';

/** Directories in udev's priority order: a file name in an earlier one masks it in the later ones. */
const RULES_DIRS = ['/etc/udev/rules.d/', '/run/udev/rules.d/', '/usr/local/lib/udev/rules.d/', '/usr/lib/udev/rules.d/', '/lib/udev/rules.d/'];
/** NetworkManager's rules file that unmanages veths. */
export const NM_UDEV_RULES = '85-nm-unmanaged.rules';
const DEV_NULL = '/dev/null';
const MAX_STATES = 64;

export interface UdevRulesSet {
  /** The files udev applies, in its order. */
  files: { path: string; label: string; value: UdevRulesFile }[];
  /** Files a same-named file of a higher-priority directory masks. */
  masked: { path: string; label: string; by: string }[];
  /** Why the rules cannot be replayed (a file that could not be read). */
  unknown?: string;
}

/** What udev is told of a network device on its "add" event. */
export interface UdevDevice {
  name: string;
  /** A virtual device keeps the name it was created with: KERNEL and INTERFACE are that name (a NIC's kernel name is not shown). */
  virtual: boolean;
  /** Lower case. */
  mac?: string;
  /** ID_NET_DRIVER (ethtool's driver): known for a veth or a bridge. */
  driver?: string;
  /** DEVTYPE: "bridge" for a bridge, none for a veth; undefined when not known. */
  devtype?: string;
}

export type UdevVerdict = { result: 'unmanaged' | 'not-unmanaged'; setBy?: Evidence } | { result: 'unknown'; reason: string };

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildUdevRules(collected: readonly CollectedFile[], parsed: readonly { file: ReadFile; value: UdevRulesFile }[], labelOf: (path: string) => string): UdevRulesSet {
  const rank = (p: string) => RULES_DIRS.findIndex((d) => p.startsWith(d) && p.lastIndexOf('/') === d.length - 1);
  const present = collected.filter((f) => f.status !== 'absent' && rank(f.path) >= 0);
  const winner = new Map<string, CollectedFile>();
  for (const f of present) {
    const seen = winner.get(base(f.path));
    if (!seen || rank(f.path) < rank(seen.path)) winner.set(base(f.path), f);
  }
  const content = new Map(parsed.map((p) => [p.file.path, p]));
  const set: UdevRulesSet = { files: [], masked: [] };
  for (const f of present) {
    const by = winner.get(base(f.path))!;
    if (by !== f) set.masked.push({ path: f.path, label: labelOf(f.path), by: by.path });
  }
  for (const f of [...winner.values()].sort((a, b) => byteOrder(base(a.path), base(b.path)))) {
    if (f.status !== 'ok' && f.linkTarget === DEV_NULL) continue;
    const p = content.get(f.path);
    if (f.status !== 'ok' || !p) {
      set.unknown ??= `${labelOf(f.path)} could not be read (${f.reason ?? f.status})`;
      continue;
    }
    set.files.push({ path: f.path, label: p.file.label, value: p.value });
  }
  return set;
}

/** UNKNOWN: a property whose value the replay cannot know. */
const UNKNOWN = '\u0000unknown';

interface ReplayState {
  env: Record<string, string>;
  final: string[];
  goto?: string;
  setBy?: Evidence;
}

/** NM_UNMANAGED after udev's rules for the device's "add" event; evidence: the rule that set it. */
export function udevNmUnmanaged(rules: UdevRulesSet, device: UdevDevice): UdevVerdict {
  if (rules.unknown) return { result: 'unknown', reason: rules.unknown };
  const unreadable = rules.files.flatMap((f) => f.value.skipped.filter((s) => /NM_UNMANAGED|GOTO|LABEL|IMPORT/.test(s.text)).map((s) => `${f.label} line ${s.line}`));
  if (unreadable.length > 0) return { result: 'unknown', reason: `udev ignores ${unreadable.join(', ')} (not a rule it can read), which would set or skip to NM_UNMANAGED` };
  const env: Record<string, string> = { INTERFACE: device.virtual ? device.name : UNKNOWN, ID_NET_DRIVER: device.driver ?? UNKNOWN, DEVTYPE: device.devtype ?? UNKNOWN };
  let states: ReplayState[] = [{ env, final: [] }];
  for (const file of rules.files) {
    const labels = file.value.rules.map((r) => r.pairs.find((p) => p.key === 'LABEL')?.value);
    for (const [index, rule] of file.value.rules.entries()) {
      const next: ReplayState[] = [];
      for (const state of states) {
        if (state.goto !== undefined) {
          if (labels[index] !== state.goto) {
            next.push(state);
            continue;
          }
          state.goto = undefined;
        }
        const matched = matchRule(rule.pairs, state, device);
        const apply = () => next.push(assign(rule.pairs, structuredClone(state), { source: file.label, line: rule.line, text: rule.text }, labels, index));
        if (matched === true) apply();
        else if (matched === false) next.push(state);
        else {
          apply();
          next.push(state);
        }
      }
      states = dedupe(next);
      if (states.length > MAX_STATES) return { result: 'unknown', reason: `too many rules of ${file.label} depend on what the snapshot does not show` };
    }
    // A GOTO never leaves its file.
    for (const s of states) s.goto = undefined;
    states = dedupe(states);
  }
  const verdicts = states.map((s): UdevVerdict => {
    const value = s.env.NM_UNMANAGED;
    if (value === UNKNOWN) return { result: 'unknown', reason: `a rule imports properties (IMPORT) this snapshot cannot replay${s.setBy ? `: ${s.setBy.source} line ${s.setBy.line}` : ''}` };
    const unmanaged = value !== undefined && (value === '1' || value.toLowerCase() === 'true');
    return { result: unmanaged ? 'unmanaged' : 'not-unmanaged', ...(s.setBy ? { setBy: s.setBy } : {}) };
  });
  const first = verdicts[0]!;
  if (verdicts.every((v) => v.result === first.result) && first.result !== 'unknown') return first;
  return first.result === 'unknown' ? first : { result: 'unknown', reason: 'rules that set NM_UNMANAGED depend on what the snapshot does not show of the device' };
}

function dedupe(states: ReplayState[]): ReplayState[] {
  const seen = new Map<string, ReplayState>();
  for (const s of states) seen.set(JSON.stringify([s.env, s.final, s.goto ?? null, s.setBy?.source ?? null, s.setBy?.line ?? null]), s);
  return [...seen.values()];
}

/** All match pairs of a rule: true, false, or undefined when one the snapshot cannot evaluate could decide. */
function matchRule(pairs: readonly UdevPair[], state: ReplayState, device: UdevDevice): boolean | undefined {
  let unknown = false;
  for (const pair of pairs) {
    if (pair.op !== '==' && pair.op !== '!=') continue;
    const actual = actualValue(pair, state, device);
    if (actual === UNKNOWN) {
      unknown = true;
      continue;
    }
    const hit = udevPatternMatches(pair.value, actual, pair.caseInsensitive);
    if (hit !== (pair.op === '==')) return false;
  }
  return unknown ? undefined : true;
}

/** The value a match key reads for the device, '' when unset, UNKNOWN when the snapshot does not tell. */
function actualValue(pair: UdevPair, state: ReplayState, device: UdevDevice): string {
  switch (pair.key) {
    case 'ACTION':
      return 'add';
    case 'SUBSYSTEM':
      return 'net';
    case 'KERNEL':
    case 'NAME':
      return device.virtual ? device.name : UNKNOWN;
    case 'DEVTYPE':
      return state.env.DEVTYPE ?? '';
    case 'ENV':
      return pair.attr === undefined ? UNKNOWN : pair.attr in state.env ? state.env[pair.attr]! : pair.attr === 'NM_UNMANAGED' ? '' : UNKNOWN;
    case 'ATTR':
      return pair.attr === 'address' && device.mac !== undefined ? device.mac : UNKNOWN;
    default:
      return UNKNOWN;
  }
}

/** The assignments of a rule that applies: ENV{} values (`:=` final), GOTO, IMPORT (properties this model cannot know). */
function assign(pairs: readonly UdevPair[], state: ReplayState, where: Evidence, labels: readonly (string | undefined)[], index: number): ReplayState {
  for (const pair of pairs) {
    if (pair.key === 'ENV' && pair.attr !== undefined && (pair.op === '=' || pair.op === ':=' || pair.op === '+=' || pair.op === '-=')) {
      if (state.final.includes(pair.attr)) continue;
      state.env[pair.attr] = pair.op === '+=' || pair.op === '-=' || /[%$]/.test(pair.value) ? UNKNOWN : pair.value;
      if (pair.op === ':=') state.final.push(pair.attr);
      if (pair.attr === 'NM_UNMANAGED') state.setBy = where;
    } else if (pair.key === 'IMPORT') {
      if (!state.final.includes('NM_UNMANAGED')) {
        state.env.NM_UNMANAGED = UNKNOWN;
        state.setBy = where;
      }
    } else if (pair.key === 'GOTO' && pair.op === '=') {
      // udev resolves a GOTO to a LABEL further down the same file; without one it ignores the GOTO.
      if (labels.slice(index + 1).includes(pair.value)) state.goto = pair.value;
    }
  }
  return state;
}
