/**
 * Hostile sosreport archives: each is refused with one precise message and exit code 2, never a crash,
 * and nothing outside the archive is read through it.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readSosreportArchive } from '../../src/snapshot/sosreport/index.js';
import { cli, PROJECT_ROOT } from '../cli/run.js';
import { compress, EXTENSION, type Format, tarOf, type TarEntry } from './archives.js';

const work = mkdtempSync(path.join(tmpdir(), 'netaudit-sos-hostile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const FORMATS: Format[] = ['xz', 'gzip', 'bzip2'];
const TOP = 'sosreport-evil';
const LAYOUT: TarEntry[] = [
  { name: `${TOP}/sos_logs/sos.log`, data: '' },
  { name: `${TOP}/sos_commands/networking/ip_route_show_table_all`, data: 'default via 192.0.2.1 dev eth0\n' },
];

async function write(name: string, entries: TarEntry[], format: Format): Promise<string> {
  const file = path.join(work, name + EXTENSION[format]);
  writeFileSync(file, compress(await tarOf(entries), format));
  return file;
}

async function refused(file: string, pattern: RegExp): Promise<void> {
  const run = await cli(['audit', file, '--no-config']);
  expect(run.code, run.stdout).toBe(2);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe('decompression bombs', () => {
  it.each(FORMATS)('%s: a small archive expanding past the limit stops with the limit named', async (format) => {
    const file = await write(`bomb-${format}`, [...LAYOUT, { name: `${TOP}/sos_commands/kernel/sysctl_-a`, data: Buffer.alloc(3 * 1024 * 1024) }], format);
    await expect(readSosreportArchive(file, { maxBytes: 1024 * 1024 })).rejects.toThrow(/expands to more than 1 MiB, the size limit \(a decompression bomb\?\)/);
  });

  it('at the real limit (256 MiB), through the CLI: exit 2', async () => {
    // 300 MiB of zeros in a tar entry, gzipped to about 300 KiB.
    const header = await tarOf([{ name: `${TOP}/sos_logs/sos.log`, data: '' }]);
    const zeros = Buffer.alloc(300 * 1024 * 1024);
    const entry = await tarOf([{ name: `${TOP}/sos_commands/kernel/sysctl_-a`, data: zeros }]);
    const file = path.join(work, 'bomb-real.tar.gz');
    writeFileSync(file, gzipSync(Buffer.concat([header.subarray(0, header.length - 1024), entry]), { level: 1 }));
    await refused(file, /expands to more than 256 MiB, the size limit/);
  });
});

describe('symlinks out of the archive', () => {
  it.each([
    ['absolute', '/etc/passwd', /symlink sos_commands\/networking\/ip_-o_addr → \/etc\/passwd leads outside the sosreport \(an absolute target\)/],
    ['../', '../../../../../../etc/passwd', /symlink sos_commands\/networking\/ip_-o_addr → \.\.\/\.\.\/.*leads outside the sosreport/],
  ])('%s target: refused, never followed', async (_kind, target, pattern) => {
    const file = await write(`link-${_kind === 'absolute' ? 'abs' : 'rel'}`, [...LAYOUT, { name: `${TOP}/sos_commands/networking/ip_-o_addr`, symlink: target }], 'gzip');
    await refused(file, pattern);
  });

  it('a symlink inside the archive resolves (ip_addr → sos_commands/networking/ip_-o_addr)', async () => {
    const text = '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n';
    const file = await write('link-inside', [...LAYOUT, { name: `${TOP}/sos_commands/networking/ip_-o_addr`, data: text }, { name: `${TOP}/ip_addr`, symlink: 'sos_commands/networking/ip_-o_addr' }, { name: `${TOP}/sos_commands/networking/ip_addr_show`, symlink: '../../ip_addr' }], 'gzip');
    const snapshot = await readSosreportArchive(file);
    expect(snapshot!.namespaces[0]!.sources['ip-addr']).toMatchObject({ status: 'ok', stdout: text, format: 'text' });
  });

  it('directory form: a symlink to a file of this machine is refused', async () => {
    const dir = path.join(work, 'dir-link');
    cpSync(path.join(PROJECT_ROOT, 'fixtures/sosreport/healthy'), dir, { recursive: true, verbatimSymlinks: true });
    rmSync(path.join(dir, 'sos_commands/networking/ip_-d_address'));
    symlinkSync('/etc/hostname', path.join(dir, 'sos_commands/networking/ip_-d_address'));
    await refused(dir, /sos_commands\/networking\/ip_-d_address \(a symlink to \/etc\/hostname\) leads outside the sosreport/);
  });
});

describe('truncated archives', () => {
  it.each(FORMATS)('%s cut in half: "truncated", exit 2', async (format) => {
    const entries = [...LAYOUT, { name: `${TOP}/sos_commands/kernel/sysctl_-a`, data: Buffer.from(Array.from({ length: 20000 }, (_, i) => `net.k${i} = ${i * 7919}\n`).join('')) }];
    const whole = compress(await tarOf(entries), format);
    const file = path.join(work, `cut${EXTENSION[format]}`);
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    await refused(file, /truncated/);
  });

  it('a plain tar cut inside an entry: "truncated", exit 2', async () => {
    const tar = await tarOf([...LAYOUT, { name: `${TOP}/sos_commands/kernel/sysctl_-a`, data: Buffer.alloc(8192, 0x41) }]);
    const file = path.join(work, 'cut.tar');
    writeFileSync(file, tar.subarray(0, 2048));
    await refused(file, /tar archive is truncated/);
  });
});

describe('path traversal', () => {
  it.each([
    ['..', `${TOP}/../../etc/cron.d/evil`, /tar entry "sosreport-evil\/\.\.\/\.\.\/etc\/cron\.d\/evil" leads outside the archive with \.\. \(path traversal\)/],
    ['absolute', '/etc/cron.d/evil', /tar entry "\/etc\/cron\.d\/evil" has an absolute path \(path traversal\)/],
  ])('an entry with a %s path is refused', async (_kind, name, pattern) => {
    const file = await write(`traversal-${_kind === '..' ? 'dots' : 'abs'}`, [...LAYOUT, { name, data: 'x' }], 'xz');
    await refused(file, pattern);
  });

  it('errors are InputErrors naming the archive', async () => {
    const file = await write('traversal-lib', [...LAYOUT, { name: '../x', data: 'x' }], 'gzip');
    const err = await readSosreportArchive(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).location.file).toBe(file);
  });
});

it('a tar that is no sosreport is said to be one', async () => {
  const file = await write('not-sos', [{ name: 'top/readme.txt', data: 'hello' }], 'gzip');
  await refused(file, /a tar archive, but not a sosreport/);
});

it('a directory holding no file of a sosreport layout is still a raw-output directory', async () => {
  const dir = path.join(work, 'raw');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'ip-route.txt'), 'default via 192.0.2.1 dev eth0\n');
  const run = await cli(['show', dir, '-f', 'json']);
  expect(run.code, run.stderr).toBe(0);
});
