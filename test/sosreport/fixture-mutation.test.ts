/**
 * Mutated real sosreports: the files of the fixture sosreports (captured by capture.sh) truncated, cut
 * short of lines, with garbage, CRLF line endings or NUL bytes injected, emptied. `netaudit audit` of each
 * mutant either gives a report (exit 0 or 1) or refuses with exit 2 and messages that name the input and
 * where in it, one line each: never a crash or a stack trace. Directories and .tar.gz archives.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, PROJECT_ROOT } from '../cli/run.js';
import { compress, entriesOf, tarOf } from './archives.js';

const FIXTURES = path.join(PROJECT_ROOT, 'fixtures/sosreport');
const SCENARIOS = ['healthy', 'forward-drop', 'kmods-skipped'] as const;
const work = mkdtempSync(path.join(tmpdir(), 'netaudit-sos-mutants-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every regular file of a report, by its path in it (symlinks are left as they are). */
function filesOf(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel)).flatMap((name) => {
    const r = rel === '' ? name : `${rel}/${name}`;
    const info = statSync(path.join(dir, r), { throwIfNoEntry: false });
    if (!info) return [];
    return info.isDirectory() ? filesOf(dir, r) : [r];
  });
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('drop-lines' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('garbage' as const), at: fc.nat(), junk: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant('crlf' as const) }),
  fc.record({ kind: fc.constant('nul' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('empty' as const) }),
  fc.record({ kind: fc.constant('duplicate-lines' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(original: Buffer, m: Mutation): Buffer {
  const text = original.toString('latin1');
  const lines = text.split('\n');
  const line = (n: number) => n % Math.max(lines.length, 1);
  switch (m.kind) {
    case 'truncate':
      return original.subarray(0, Math.floor(original.length * m.at));
    case 'drop-lines':
      lines.splice(line(m.at), m.count);
      return Buffer.from(lines.join('\n'), 'latin1');
    case 'garbage': {
      const at = line(m.at);
      lines.splice(at, 0, m.junk);
      return Buffer.concat([Buffer.from(lines.slice(0, at + 1).join('\n'), 'latin1'), Buffer.from(`\n${lines.slice(at + 1).join('\n')}`, 'latin1')]);
    }
    case 'crlf':
      return Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1');
    case 'nul': {
      const at = original.length === 0 ? 0 : m.at % original.length;
      return Buffer.concat([original.subarray(0, at), Buffer.alloc(m.count), original.subarray(at)]);
    }
    case 'empty':
      return Buffer.alloc(0);
    case 'duplicate-lines': {
      const at = line(m.at);
      lines.splice(at, 0, ...lines.slice(at, at + m.count));
      return Buffer.from(lines.join('\n'), 'latin1');
    }
  }
}

/** A report, or exit 2 with one message per line, each naming the input, none a stack frame. */
async function auditsOrRefuses(input: string, what: string): Promise<void> {
  const r = await cli(['audit', input, '-f', 'json', '--fail-on', 'error', '--no-config']);
  expect([0, 1, 2], `${what}: exit ${r.code}\n${r.stderr}`).toContain(r.code);
  expect(r.stderr, what).not.toMatch(/\n\s+at |TypeError|RangeError|ReferenceError|Cannot read properties/);
  if (r.code === 2) {
    const errors = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('netaudit: note:'));
    expect(errors.length, `${what}: exit 2 without a message`).toBeGreaterThan(0);
    for (const e of errors) expect(e, what).toMatch(new RegExp(`^netaudit: .*${input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  } else {
    expect(() => JSON.parse(r.stdout), what).not.toThrow();
  }
}

describe.each(SCENARIOS)('mutants of the %s sosreport', (scenario) => {
  const dir = path.join(work, scenario);
  cpSync(path.join(FIXTURES, scenario), dir, { recursive: true, verbatimSymlinks: true });
  const files = filesOf(dir);

  it('directory: one file mutated at a time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), mutation, async (file, m) => {
        const full = path.join(dir, file);
        const original = readFileSync(full);
        writeFileSync(full, mutate(original, m));
        try {
          await auditsOrRefuses(dir, `${file} ${JSON.stringify(m)}`);
        } finally {
          writeFileSync(full, original);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('every file, each mutation kind once: directory', async () => {
    const kinds: Mutation[] = [
      { kind: 'truncate', at: 0.5 },
      { kind: 'drop-lines', at: 3, count: 2 },
      { kind: 'garbage', at: 2, junk: '\u001b[31m}{ ==> table x: <== \u0000\u00ff' },
      { kind: 'crlf' },
      { kind: 'nul', at: 17, count: 4 },
    ];
    for (const file of files) {
      const full = path.join(dir, file);
      const original = readFileSync(full);
      for (const m of kinds) {
        writeFileSync(full, mutate(original, m));
        try {
          await auditsOrRefuses(dir, `${file} ${JSON.stringify(m)}`);
        } finally {
          writeFileSync(full, original);
        }
      }
    }
  }, 120_000);

  it('archive: mutants packed as .tar.gz read as the directory does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), mutation, async (file, m) => {
        const entries = entriesOf(dir, `sosreport-${scenario}`).map((e) => (e.name === `sosreport-${scenario}/${file}` && e.data !== undefined ? { ...e, data: mutate(Buffer.from(e.data), m) } : e));
        const archive = path.join(work, `${scenario}.tar.gz`);
        writeFileSync(archive, compress(await tarOf(entries), 'gzip'));
        await auditsOrRefuses(archive, `${file} ${JSON.stringify(m)}`);
      }),
      { numRuns: 10 },
    );
  });
});
