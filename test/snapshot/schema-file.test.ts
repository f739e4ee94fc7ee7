import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/snapshot-schema.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { makeSnapshot } from '../helpers/snapshot.js';

describe('schemas/snapshot.schema.json', () => {
  const [output] = generate();

  it('is up to date with the zod schema (regenerate with `npm run gen`)', () => {
    expect(output?.path).toBe('schemas/snapshot.schema.json');
    const onDisk = readFileSync(path.join(PROJECT_ROOT, output!.path), 'utf8');
    expect(onDisk).toBe(output!.content);
  });

  it('accepts a snapshot and rejects a bad status with its JSON path', () => {
    const ajv = new Ajv2020.default({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(output!.content));
    const snapshot = makeSnapshot({ sysctl: 'a = 1\n' });
    expect(validate(snapshot)).toBe(true);
    const bad = JSON.parse(JSON.stringify(snapshot));
    bad.namespaces[0].sources.sysctl.status = 'done';
    expect(validate(bad)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain('/namespaces/0/sources/sysctl/status');
  });
});
