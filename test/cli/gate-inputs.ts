/**
 * Inputs for the gate tests (test/cli/gate-*.test.ts, test/gate/*): a temporary folder per test file, copies
 * of the Docker host fixture with one file changed, snapshot files of a host with a container, and the
 * built binary run from any working directory (for the .netaudit lookup).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { makeSnapshot } from '../helpers/snapshot.js';
import { BINARY, DOCKER_HOST, type Run } from './run.js';

/** A fresh folder removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `netaudit-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A copy of the Docker host raw-output fixture at `dir/name`, with `files` written over it. */
export function dockerHostCopy(dir: string, name: string, files: Record<string, string> = {}): string {
  const copy = path.join(dir, name);
  cpSync(DOCKER_HOST, copy, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(copy, file), text);
  return copy;
}

/** `iptables -L` output, as pasted into a ticket by someone asked for `iptables-save`. */
export const IPTABLES_L = [
  'Chain INPUT (policy ACCEPT)',
  'target     prot opt source               destination',
  '',
  'Chain FORWARD (policy DROP)',
  'target     prot opt source               destination',
  'DOCKER     all  --  anywhere             anywhere',
  'ACCEPT     all  --  anywhere             anywhere             ctstate RELATED,ESTABLISHED',
  '',
  'Chain OUTPUT (policy ACCEPT)',
  'target     prot opt source               destination',
  '',
].join('\n');

const hostLinks = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, operstate: 'UNKNOWN', link_type: 'loopback' },
  { ifindex: 2, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', link_type: 'ether' },
]);
const hostAddrs = JSON.stringify([
  { ifindex: 2, ifname: 'eth0', flags: ['UP'], mtu: 1500, operstate: 'UP', addr_info: [{ family: 'inet', local: '192.0.2.10', prefixlen: 24, scope: 'global' }] },
]);
const hostRoutes = JSON.stringify([{ dst: 'default', gateway: '192.0.2.1', dev: 'eth0', flags: [] }]);
const containerLinks = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, operstate: 'UNKNOWN', link_type: 'loopback' },
  { ifindex: 2, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', link_type: 'ether' },
]);
const containerAddrs = JSON.stringify([
  { ifindex: 2, ifname: 'eth0', flags: ['UP'], mtu: 1500, operstate: 'UP', addr_info: [{ family: 'inet', local: '172.17.0.2', prefixlen: 16, scope: 'global' }] },
]);
/** Only the connected route: the container has no default route, so netns-default-route-missing fires on it. */
const containerRoutes = JSON.stringify([{ dst: '172.17.0.0/16', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '172.17.0.2', flags: [] }]);

/**
 * A host with one container namespace, named "pid:<pid>" as the collectors name it, in which `processes`
 * run. The container lacks a default route: a finding whose subject is the namespace itself.
 */
export function containerHost(pid: number, processes: string[]): Snapshot {
  const snapshot = makeSnapshot(
    { 'ip-link': hostLinks, 'ip-addr': hostAddrs, 'ip-route': hostRoutes },
    { namespaces: [{ name: `pid:${pid}`, kind: 'container', sources: { 'ip-link': containerLinks, 'ip-addr': containerAddrs, 'ip-route': containerRoutes } }] },
  );
  snapshot.namespaces[1]!.processes = processes;
  return snapshot;
}

export function writeJson(file: string, value: unknown): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

/** The built binary (the bundle, as users run it) in `cwd`, with nothing on stdin unless `input` is given. */
export function binaryIn(cwd: string, args: string[], input?: string): Run {
  const res = spawnSync(process.execPath, [BINARY, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** The lines of stderr that are not notes: the messages that explain an exit code. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !line.startsWith('netaudit: note: '));
}
