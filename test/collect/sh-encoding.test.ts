/**
 * The sh collector's encoder (od + awk + sed, no Node.js) on arbitrary bytes: whatever a file holds,
 * the JSON string it writes decodes to exactly those bytes, as text when they are UTF-8 and base64
 * when they are not. Run under dash with GNU tools and under busybox sh with busybox applets only.
 */
import { isUtf8 } from 'node:buffer';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shJsonLibrary } from '../../src/collect/sh-collector.js';
import { findExecutable } from '../../src/collect/which.js';
import { runProcess } from './fake-host.js';

const busybox = findExecutable('busybox', process.env);
const dash = findExecutable('dash', process.env);

/** Bytes that exercise every path: text, control bytes, NUL, valid and broken UTF-8. */
const chunk = fc.oneof(
  fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 20 }).map((a) => Buffer.from(a)),
  fc.constantFrom('\n', '\r\n', '\t', '"', '\\', '\\"', '\u0000', '\u0001', '\u001b[1m', '\u007f', '\u2028', 'caf\u00e9', '\u{1F600}', '\u00ff').map((s) => Buffer.from(s, 'utf8')),
  fc.uint8Array({ minLength: 1, maxLength: 4 }).map((a) => Buffer.from(a)),
  fc.constantFrom([0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xff], [0x80]).map((a) => Buffer.from(a)),
);
const contents = fc.array(chunk, { maxLength: 12 }).map((parts) => Buffer.concat(parts));

const SAMPLES: Buffer[] = [
  Buffer.alloc(0),
  Buffer.from('\n'),
  Buffer.from('no final newline'),
  Buffer.from('\n\n\n'),
  Buffer.from('a\r'),
  Buffer.from([0xe2, 0x82, 0xac, 0x0a]),
  Buffer.from([0xe2, 0x82, 0x0a, 0xac]),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  ...fc.sample(contents, { numRuns: 300, seed: 20240611 }),
];

const LIBRARY_TOOLS = ['od', 'awk', 'sed', 'tr', 'wc', 'tail', 'cat', 'base64'];

describe.each([
  { shell: 'dash', available: dash !== undefined, busyboxOnly: false },
  { shell: 'busybox sh', available: busybox !== undefined, busyboxOnly: true },
])('encoder under $shell', ({ shell, available, busyboxOnly }) => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netaudit-enc-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!available)('round-trips arbitrary bytes exactly', async () => {
    await writeFile(path.join(dir, 'lib.sh'), shJsonLibrary());
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    for (const tool of LIBRARY_TOOLS) {
      if (busyboxOnly) {
        // busybox applets only, and no base64: the awk encoder is used.
        if (tool !== 'base64') await symlink(busybox!, path.join(bin, tool));
      } else {
        const real = findExecutable(tool, { PATH: '/usr/bin:/bin' });
        if (real) await symlink(real, path.join(bin, tool));
      }
    }
    for (const [i, bytes] of SAMPLES.entries()) await writeFile(path.join(dir, `in${i}`), bytes);
    const script = [
      'LC_ALL=C; export LC_ALL',
      `NA_TMP='${dir}'`,
      `. '${path.join(dir, 'lib.sh')}'`,
      `i=0; while [ "$i" -lt ${SAMPLES.length} ]; do na_json_file "$NA_TMP/in$i" >"$NA_TMP/out$i"; printf '%s' "$NA_ENC" >"$NA_TMP/enc$i"; i=$((i + 1)); done`,
    ].join('\n');
    const argv = busyboxOnly ? [busybox!, 'sh', '-u', '-c', script] : [dash!, '-u', '-c', script];
    const result = await runProcess(argv, { PATH: bin }, 300_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const [i, bytes] of SAMPLES.entries()) {
      const json = await readFile(path.join(dir, `out${i}`), 'utf8');
      const encoding = await readFile(path.join(dir, `enc${i}`), 'utf8');
      const label = `sample ${i}: ${bytes.toString('hex')}`;
      expect(encoding, label).toBe(isUtf8(bytes) ? 'utf8' : 'base64');
      const decoded = Buffer.from(JSON.parse(json) as string, encoding === 'base64' ? 'base64' : 'utf8');
      expect(decoded.toString('hex'), label).toBe(bytes.toString('hex'));
    }
  });
  if (!available) it.skip(`${shell} is not installed`, () => {});
});
