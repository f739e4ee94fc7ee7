/**
 * The container runtimes of the host: Docker's settings as dockerd takes them (daemon.json and its command
 * line merged, then its defaults: runtime-config.ts), each value with where it came from; daemon.json read
 * or not; a key set in both places (dockerd refuses to start); and the runtimes' processes and flags.
 *
 * A setting's origin depends on both daemon.json and the command lines: its values are compared only where
 * each side read the same of those two sources, otherwise a `source` change says which one is missing on
 * which side and the merge is not compared (a default on the side without command lines is not known to be
 * one). A process is known by its program, not its pid (which changes with every restart); flags by name.
 * Positional arguments are not compared: the runtimes take their configuration from flags.
 */
import type { Evidence } from '../parse/common.js';
import type { CmdlineFlag } from '../parse/process-cmdline.js';
import { DOCKER_DAEMON_JSON, type DockerConfig, type RuntimeConfig, type RuntimeProcess, type Setting } from '../model/runtime-config.js';
import type { Host } from '../model/types.js';
import { settingValueText } from '../report/setting-text.js';
import { dockerSettings } from '../show/context-view.js';
import type { ChangeList, Pair, Shown } from './change-list.js';
import { sourceRead } from './sources.js';

const DAEMON_JSON_SOURCE = 'docker-daemon-json';
const CMDLINES_SOURCE = 'runtime-cmdlines';
const HOST = 'host';

export function diffRuntime(pair: Pair<Host>, changes: ChangeList): void {
  const read = (host: Host, id: string) => sourceRead(host.host, id);
  const [jsonBoth, cmdBoth] = [DAEMON_JSON_SOURCE, CMDLINES_SOURCE].map((id) => read(pair.before, id) && read(pair.after, id));
  const sameSources = [DAEMON_JSON_SOURCE, CMDLINES_SOURCE].every((id) => read(pair.before, id) === read(pair.after, id));
  const [before, after] = [pair.before.runtime, pair.after.runtime];
  if (jsonBoth) changes.addIfChanged('docker.daemon-json', HOST, DOCKER_DAEMON_JSON, daemonJson(before), daemonJson(after));
  if (sameSources && (jsonBoth || cmdBoth)) diffDocker(before?.docker, after?.docker, changes);
  if (cmdBoth) diffProcesses(before?.processes ?? [], after?.processes ?? [], changes);
}

/** Read, not read (dockerd's --config-file names another file: its command line shows it), or absent (undefined). */
function daemonJson(runtime: RuntimeConfig | undefined): Shown | undefined {
  const docker = runtime?.docker;
  if (docker?.daemonJsonIgnored !== undefined) {
    return { value: `not read: ${docker.daemonJsonIgnored}`, evidence: runtime?.processes?.find((p) => p.cmdline.program === 'dockerd')?.cmdline.evidence };
  }
  const json = docker?.daemonJson;
  if (!json) return undefined;
  const first = json.keys.values().next();
  return { value: 'read', evidence: first.done ? undefined : first.value };
}

function settings(docker: DockerConfig | undefined): Map<string, Setting<unknown>> {
  if (!docker) return new Map();
  const map = new Map<string, Setting<unknown>>(dockerSettings(docker));
  // dns is read from daemon.json only (a --dns flag is a runtime.flag change).
  const dns = docker.daemonJson?.dns;
  if (dns) map.set('dns', { value: dns.value, origin: 'daemon.json', evidence: dns.evidence });
  return map;
}

function shownSetting(s: Setting<unknown>): Shown {
  return { value: `${settingValueText(s.value)} (${s.origin})`, evidence: s.evidence };
}

/**
 * Every setting whose value or origin changed. Where Docker is configured on one side only, the defaults
 * of the other are not listed one by one: the daemon.json or dockerd process change says Docker came or went.
 */
function diffDocker(before: DockerConfig | undefined, after: DockerConfig | undefined, changes: ChangeList): void {
  const shown = (docker: DockerConfig | undefined, other: DockerConfig | undefined): Map<string, Shown> => {
    const listed = [...settings(docker)].filter(([, s]) => other !== undefined || s.origin !== 'default');
    return new Map(listed.map(([key, s]) => [key, shownSetting(s)]));
  };
  changes.addKeyed('docker.setting', HOST, shown(before, after), shown(after, before));
  const conflicts = (docker: DockerConfig | undefined): Map<string, Shown> =>
    new Map((docker?.conflicts ?? []).map((c) => [c.key, { value: 'set in daemon.json and on the command line: dockerd refuses to start', evidence: [c.file, c.flag] }]));
  changes.addKeyed('docker.conflict', HOST, conflicts(before), conflicts(after));
}

/** Processes by program; a second process of one program is "dockerd (2)". */
function byProgram(processes: readonly RuntimeProcess[]): Map<string, RuntimeProcess> {
  const map = new Map<string, RuntimeProcess>();
  const seen = new Map<string, number>();
  for (const p of processes) {
    const n = (seen.get(p.cmdline.program) ?? 0) + 1;
    seen.set(p.cmdline.program, n);
    map.set(n === 1 ? p.cmdline.program : `${p.cmdline.program} (${n})`, p);
  }
  return map;
}

function diffProcesses(before: readonly RuntimeProcess[], after: readonly RuntimeProcess[], changes: ChangeList): void {
  const [was, is] = [byProgram(before), byProgram(after)];
  const running = (p: RuntimeProcess): Shown => ({ value: `pid ${p.pid}: ${p.cmdline.argv.join(' ')}`, evidence: p.cmdline.evidence });
  for (const [program, p] of was) if (!is.has(program)) changes.addIfChanged('runtime.process', HOST, program, running(p), undefined);
  for (const [program, p] of is) if (!was.has(program)) changes.addIfChanged('runtime.process', HOST, program, undefined, running(p));
  for (const [program, b] of was) {
    const a = is.get(program);
    if (a) changes.addKeyed('runtime.flag', HOST, flags(b), flags(a), (flag) => `${program} ${flag}`);
  }
}

/** `--iptables=false`, `-H fd://`: a flag as given; repeated flags are one value, in their order. */
function flags(p: RuntimeProcess): Map<string, Shown> {
  const grouped = new Map<string, CmdlineFlag[]>();
  for (const f of p.cmdline.flags) {
    const list = grouped.get(f.name);
    if (list) list.push(f);
    else grouped.set(f.name, [f]);
  }
  const evidence: Evidence = p.cmdline.evidence;
  return new Map([...grouped].map(([name, list]) => [flagName(name), { value: list.map(flagText).join(' '), evidence }]));
}

const flagName = (name: string): string => (name.length === 1 ? `-${name}` : `--${name}`);

function flagText(f: CmdlineFlag): string {
  if (f.value === undefined) return flagName(f.name);
  return f.name.length === 1 ? `${flagName(f.name)} ${f.value}` : `${flagName(f.name)}=${f.value}`;
}
