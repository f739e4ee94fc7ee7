/** The CLI commands of the collect layer: collect, collector-script, import. */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/program.js';
import { collectorScript } from '../../src/collect/sh-collector.js';
import { findExecutable } from '../../src/collect/which.js';
import { loadInput } from '../../src/snapshot/load.js';
import { fake, type FakeHost, makeFakeHost, removeFakeHost, runProcess } from './fake-host.js';

interface Captured {
  io: CliIo;
  out: () => string;
  err: () => string;
}

function capture(env: NodeJS.ProcessEnv = process.env, isTTY = false): Captured {
  let out = '';
  let err = '';
  return {
    io: { stdout: (t) => (out += t), stderr: (t) => (err += t), isTTY, env },
    out: () => out,
    err: () => err,
  };
}

const cli = (args: string[], c: Captured) => runCli(['node', 'netaudit', ...args], c.io);

let host: FakeHost;
let work: string;
beforeAll(async () => {
  host = await makeFakeHost();
  await fake(host, 'sysctl -a', { out: 'net.ipv4.ip_forward = 1\n' });
  work = await mkdtemp(path.join(tmpdir(), 'netaudit-cli-'));
});
afterAll(async () => {
  if (host) await removeFakeHost(host);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('netaudit collector-script', () => {
  it('prints the sh collector', async () => {
    const c = capture();
    expect(await cli(['collector-script'], c)).toBe(0);
    expect(c.out()).toBe(collectorScript());
    expect(c.out().startsWith('#!/bin/sh\n')).toBe(true);
  });
});

describe('netaudit collect', () => {
  it('writes a snapshot file and a summary on stderr', async () => {
    const c = capture(host.env);
    const file = path.join(work, 'host.json.gz');
    expect(await cli(['collect', '-o', file, '--timeout', '5'], c)).toBe(0);
    const { snapshot } = await loadInput(file);
    expect(snapshot.namespaces[0]!.sources.sysctl).toMatchObject({ status: 'ok', stdout: 'net.ipv4.ip_forward = 1\n' });
    expect(c.out()).toBe('');
    expect(c.err()).toMatch(new RegExp(`^netaudit: snapshot written to ${file.replace(/[.]/g, '\\.')}: 1 namespace\\(s\\); sources \\d+ ok`));
  });

  it('writes JSON to stdout when it is not a terminal', async () => {
    const c = capture(host.env);
    expect(await cli(['collect', '--timeout', '5'], c)).toBe(0);
    const snapshot = JSON.parse(c.out()) as { schema: string; namespaces: { name: string }[] };
    expect(snapshot.schema).toBe('netaudit/snapshot@1');
    expect(c.err()).toContain('snapshot written to stdout');
  });

  it('refuses a namespace name that does not exist: exit 2, one message, no snapshot', async () => {
    const c = capture(host.env);
    const file = path.join(work, 'never.json');
    expect(await cli(['collect', '-o', file, '--netns', 'nosuchns'], c)).toBe(2);
    expect(c.err()).toBe('netaudit: --netns: no network namespace named "nosuchns" (`ip netns list` lists the named namespaces; --netns all collects every namespace)\n');
    expect(c.out()).toBe('');
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('writes the snapshot readable by its owner only', async () => {
    const file = path.join(work, 'private.json');
    expect(await cli(['collect', '-o', file, '--timeout', '5'], capture(host.env))).toBe(0);
    expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');
  });

  it('rejects a bad --timeout with exit 2', async () => {
    const c = capture(host.env);
    expect(await cli(['collect', '--timeout', '0'], c)).toBe(2);
    expect(c.err()).toBe('netaudit: --timeout wants a number above 0, got "0"\n');
  });
});

describe('netaudit import', () => {
  it('turns a raw-output directory into a snapshot file', async () => {
    const dir = path.join(work, 'raw');
    await mkdir(path.join(dir, 'sysctl.d'), { recursive: true });
    await writeFile(path.join(dir, 'sysctl-a.txt'), 'net.ipv4.ip_forward = 0\n');
    await writeFile(path.join(dir, 'sysctl.d', '99-x.conf'), 'net.ipv4.ip_forward = 1\n');
    await writeFile(path.join(dir, 'history.txt'), 'pasted\n');
    const file = path.join(work, 'imported.json');
    const c = capture();
    expect(await cli(['import', dir, '-o', file], c)).toBe(0);
    const { snapshot } = await loadInput(file);
    expect(snapshot.namespaces[0]!.sources.sysctl?.stdout).toBe('net.ipv4.ip_forward = 0\n');
    expect(snapshot.sysctlFiles.files.map((f) => f.path)).toEqual(['/etc/sysctl.d/99-x.conf']);
    expect(c.err()).toContain(`netaudit: imported 1 source file(s) from ${dir} into ${file}`);
    expect(c.err()).toContain(`netaudit: note: ${path.join(dir, 'history.txt')}: not a known raw-output file name, ignored`);
  });

  it('fails with exit 2 on a missing directory or a file', async () => {
    let c = capture();
    const missing = path.join(work, 'nope');
    expect(await cli(['import', missing, '-o', path.join(work, 'x.json')], c)).toBe(2);
    expect(c.err()).toBe(`netaudit: ${missing}: cannot read: no such file or directory\n`);
    c = capture();
    const file = path.join(work, 'plain.txt');
    await writeFile(file, 'x');
    expect(await cli(['import', file, '-o', path.join(work, 'x.json')], c)).toBe(2);
    expect(c.err()).toContain('not a directory');
  });

  it('writes the snapshot to stdout without -o, as collect does', async () => {
    const dir = path.join(work, 'raw-stdout');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'sysctl-a.txt'), 'net.ipv4.ip_forward = 0\n');
    const c = capture();
    expect(await cli(['import', dir], c)).toBe(0);
    const snapshot = JSON.parse(c.out()) as { schema: string; namespaces: { sources: { sysctl?: { stdout: string } } }[] };
    expect(snapshot.schema).toBe('netaudit/snapshot@1');
    expect(snapshot.namespaces[0]!.sources.sysctl?.stdout).toBe('net.ipv4.ip_forward = 0\n');
    expect(c.err()).toBe(`netaudit: imported 1 source file(s) from ${dir} into stdout\n`);
  });
});

describe('the sh collector as a program', () => {
  const dash = findExecutable('dash', process.env);

  it.skipIf(!dash)('prints usage, rejects unknown arguments, and gzips a .gz output', async () => {
    const script = path.join(work, 'collect.sh');
    await writeFile(script, collectorScript());
    const help = await runProcess([dash!, script, '--help'], host.env, 10_000);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: sh netaudit-collect\.sh \[-o FILE\]/);
    const bad = await runProcess([dash!, script, '--bogus'], host.env, 10_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('netaudit-collect: unknown argument: --bogus (see --help)\n');
    const badTimeout = await runProcess([dash!, script, '--timeout', '1.5'], host.env, 10_000);
    expect(badTimeout.code).toBe(2);

    const gz = path.join(work, 'sh.json.gz');
    const env = { ...host.env, PATH: `${host.env.PATH ?? ''}:/usr/bin:/bin`, NETAUDIT_PROC_ROOT: host.proc, NETAUDIT_ROOT: host.root };
    const run = await runProcess([dash!, script, '-o', gz, '--timeout', '5'], env, 60_000);
    expect(run.code).toBe(0);
    const bytes = await readFile(gz);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const { snapshot } = await loadInput(gz);
    expect(snapshot.meta.collector.name).toBe('netaudit-sh');
    expect(snapshot.namespaces[0]!.sources.sysctl?.stdout).toBe('net.ipv4.ip_forward = 1\n');
  });
});
