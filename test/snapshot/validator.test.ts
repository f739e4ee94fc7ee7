/**
 * Loading a snapshot checks it with the ajv validator precompiled from the snapshot JSON Schema
 * (src/generated/snapshot-validator.ts) instead of zod. It must accept exactly what zod accepts and fill
 * in the same defaults; zod still words the error of an invalid snapshot.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { validate } from '../../src/generated/snapshot-validator.js';
import { loadBytes } from '../../src/snapshot/load.js';
import { Snapshot } from '../../src/snapshot/schema.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The input side: optional fields and fields with defaults left out, as an older collector writes them. */
const minimal = (): Json => ({
  schema: 'netaudit/snapshot@1',
  meta: { collector: { name: 'sh', version: '1' } },
  namespaces: [
    { name: 'host', kind: 'host', sources: { sysctl: { status: 'ok', command: 'sysctl -a', exitCode: 0, stdout: 'a = 1\n' } } },
    {
      name: 'pid:42',
      kind: 'container',
      inode: 4026532,
      nsid: 0,
      pids: [42],
      processes: ['nginx'],
      sources: { 'ip-link': { status: 'failed', command: 'ip -j link', exitCode: null, stdout: '', stderr: 'eA==', stderrEncoding: 'base64', durationMs: 1.5, truncated: true, reason: 'denied' } },
    },
  ],
  sysctlFiles: { status: 'ok', reason: 'r', files: [{ path: '/etc/sysctl.conf', content: 'a = 1\n' }] },
});

const example = (): Json => JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'fixtures/example/snapshot.json'), 'utf8')) as Json;

/** Both verdicts on copies of `data`, and what each makes of it. */
function judge(data: Json): { ajv: boolean; zod: boolean; ajvData: Json; zodData: unknown } {
  const ajvData = structuredClone(data);
  const parsed = Snapshot.safeParse(structuredClone(data));
  return { ajv: validate(ajvData) as boolean, zod: parsed.success, ajvData, zodData: parsed.data };
}

function expectSameVerdict(data: Json): void {
  const { ajv, zod, ajvData, zodData } = judge(data);
  expect(ajv, JSON.stringify(data).slice(0, 400)).toBe(zod);
  if (ajv) expect(ajvData).toEqual(zodData);
}

/** Every path to a value inside `data`. */
function paths(data: Json, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(data)) data.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (data !== null && typeof data === 'object') for (const [k, v] of Object.entries(data)) out.push(...paths(v, [...at, k]));
  return out;
}

function parentOf(data: Json, at: (string | number)[]): Record<string | number, Json> {
  let cur = data as Record<string | number, Json>;
  for (const key of at.slice(0, -1)) cur = cur[key] as Record<string | number, Json>;
  return cur;
}

/** Values near the schema's edges: enum members, integers at the safe limit, empty strings, wrong types. */
const edgeValue = fc.constantFrom<Json>(
  'ok', 'empty', 'failed', 'not-collected', 'host', 'named', 'container', 'utf8', 'base64', 'netaudit/snapshot@1',
  '', 'x', 0, -1, 1.5, -0.5, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e300, true, false, null, [], {}, ['x'], [1], { name: 'x', version: '1' },
);
const anyJson = fc.jsonValue().filter((v) => !JSON.stringify(v).includes('__proto__')) as fc.Arbitrary<Json>;

interface Mutation {
  pick: number;
  kind: 'replace' | 'delete' | 'add-key' | 'add-item';
  value: Json;
  key: string;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom<Mutation['kind']>('replace', 'replace', 'delete', 'add-key', 'add-item'),
  value: fc.oneof(edgeValue, edgeValue, anyJson),
  key: fc.constantFrom('status', 'stdout', 'colour', 'kind', 'files', 'notes', 'x'),
});

function mutate(data: Json, steps: Mutation[]): Json {
  const out = structuredClone(data);
  for (const step of steps) {
    const all = paths(out).filter((p) => p.length > 0);
    const at = all[step.pick % all.length]!;
    const parent = parentOf(out, at);
    const last = at[at.length - 1]!;
    // Copies: a generated value inserted by reference could later be edited into a cycle (fast-check reuses it).
    const value = structuredClone(step.value);
    if (step.kind === 'replace') parent[last] = value;
    else if (step.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else {
      const target = parent[last];
      if (step.kind === 'add-key' && target !== null && typeof target === 'object' && !Array.isArray(target)) target[step.key] = value;
      if (step.kind === 'add-item' && Array.isArray(target)) target.push(value);
    }
  }
  return out;
}

describe('the precompiled snapshot validator', () => {
  it('accepts the example and a minimal snapshot, filling in the defaults zod fills in', () => {
    for (const data of [example(), minimal()]) {
      const { ajv, ajvData, zodData } = judge(data);
      expect(ajv).toBe(true);
      expect(ajvData).toEqual(zodData);
    }
    const filled = judge(minimal()).ajvData as unknown as Snapshot;
    expect(filled.meta.notes).toEqual([]);
    expect(filled.sysctlFiles.files[0]?.encoding).toBe('utf8');
    expect(filled.namespaces[0]?.sources.sysctl).toMatchObject({ stdoutEncoding: 'utf8', stderr: '', stderrEncoding: 'utf8', durationMs: 0, truncated: false });
  });

  it('agrees with zod on snapshots changed at random', () => {
    for (const base of [minimal(), example()]) {
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (steps) => expectSameVerdict(mutate(base, steps))),
        { numRuns: 1500 },
      );
    }
  });

  it('agrees with zod on values at the edges of every field', () => {
    const base = minimal();
    for (const at of paths(base).filter((p) => p.length > 0)) {
      for (const value of ['', 'ok', 0, -1, 1.5, 2 ** 53, null, [], {}, true] as Json[]) {
        const data = structuredClone(base);
        parentOf(data, at)[at[at.length - 1]!] = value;
        expectSameVerdict(data);
      }
    }
  });
});

describe('loadBytes, the synchronous loader', () => {
  it('loads what loadInput loads', () => {
    const loaded = loadBytes(Buffer.from(JSON.stringify(minimal())), 'm.json');
    expect(loaded.snapshot).toEqual(Snapshot.parse(minimal()));
    expect(loaded.notes).toEqual([]);
  });

  it('names the file and the JSON path of a schema violation, in ajv\'s words', () => {
    const bad = minimal() as { namespaces: { kind: string }[] };
    bad.namespaces[1]!.kind = 'vm';
    let error: unknown;
    try {
      loadBytes(Buffer.from(JSON.stringify(bad)), 'bad.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location).toEqual({ file: 'bad.json', path: '/namespaces/1/kind' });
    expect((error as InputError).message).toMatch(/^does not match the snapshot schema: /);
  });
});
