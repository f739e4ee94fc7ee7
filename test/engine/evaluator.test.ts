/**
 * The compiled evaluator against json-rules-engine itself: generated conditions (all/any/not, nesting,
 * priorities, paths, params, fact references, every operator and decorator) over generated fact values
 * must give exactly the reference answer. Where json-rules-engine throws (an operator applied to a value
 * it cannot handle), the compiled evaluator may throw too or stop earlier; it never throws where the
 * reference answers.
 */
import fc from 'fast-check';
import { Engine } from 'json-rules-engine';
import { JSONPath } from 'jsonpath-plus';
import { describe, expect, it } from 'vitest';
import { cachingGetter, compileConditions } from '../../src/engine/evaluator.js';
import { parsePath, resolvePath } from '../../src/engine/json-path.js';
import { CUSTOM_OPERATORS } from '../../src/engine/operators.js';
import type { ConditionShape, TopLevelConditionShape } from '../../src/engine/rule-file.js';

const FACTS = ['count', 'name', 'list', 'obj', 'cidrs', 'param'] as const;
type FactName = (typeof FACTS)[number];

const scalar = fc.oneof(
  fc.integer({ min: -3, max: 12 }),
  fc.constantFrom(0, 1, 2.5, -0, 1e21),
  fc.constantFrom('', 'a', 'eth0', '5', '10', 'veth1', '172.17.0.2', '172.17.0.0/16', '2001:db8::1', 'fd00::/8', 'NaN'),
  fc.boolean(),
  fc.constant(null),
);
const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'length'), tie('value'), { maxKeys: 2 }).map((d) => ({ ...d }))),
})).value;

const factValues = fc.record({
  count: fc.oneof(fc.integer({ min: -2, max: 10 }), fc.constant(undefined), fc.constant('7')),
  name: fc.constantFrom('eth0', 'docker0', 'cali123', '', 'veth9'),
  list: fc.array(scalar, { maxLength: 4 }),
  obj: fc.oneof(fc.record({ a: scalar, b: fc.array(scalar, { maxLength: 3 }) }), scalar),
  cidrs: fc.array(fc.constantFrom('172.17.0.0/16', '10.0.0.0/8', '192.0.2.0/24', '2001:db8::/32', '172.17.0.2', 'junk'), { maxLength: 3 }),
  param: fc.constant(undefined),
});

const OPERATORS = [
  'equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive',
  ...CUSTOM_OPERATORS.map((o) => o.name),
];
const DECORATORS = ['', 'not:', 'someFact:', 'everyFact:', 'someValue:', 'everyValue:', 'swap:', 'not:someFact:', 'everyFact:not:'];
const PATHS = [undefined, '$', '$.a', '$.b', '$.b[0]', '$.a.b', '$[1]', '$.length'];

const leaf: fc.Arbitrary<ConditionShape> = fc
  .record({
    fact: fc.constantFrom(...FACTS),
    operator: fc.tuple(fc.constantFrom(...DECORATORS), fc.constantFrom(...OPERATORS)).map(([d, o]) => `${d}${o}`),
    value: fc.oneof(
      { weight: 4, arbitrary: jsonValue },
      { weight: 1, arbitrary: fc.record({ fact: fc.constantFrom(...FACTS) }) },
      { weight: 1, arbitrary: fc.record({ fact: fc.constantFrom(...FACTS), path: fc.constantFrom('$.a', '$[0]', '$.length') }) },
      { weight: 1, arbitrary: fc.constantFrom('^eth', '[0-9]$', 'cali', '^(docker|br-)') },
    ),
    path: fc.constantFrom(...PATHS),
    params: fc.option(fc.record({ k: scalar }), { nil: undefined }),
    priority: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 3 }),
  })
  .map((c) => {
    const out: Record<string, unknown> = { fact: c.fact, operator: c.operator, value: c.value };
    if (c.path !== undefined) out.path = c.path;
    if (c.params !== undefined) out.params = c.params;
    if (c.priority !== undefined) out.priority = c.priority;
    return out as unknown as ConditionShape;
  });

const condition: fc.Arbitrary<ConditionShape> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie('node'), { maxLength: 3 }) }) as fc.Arbitrary<ConditionShape>,
    fc.record({ any: fc.array(tie('node'), { maxLength: 3 }) }) as fc.Arbitrary<ConditionShape>,
    fc.record({ not: tie('node') }) as fc.Arbitrary<ConditionShape>,
    fc.record({ all: fc.array(tie('node'), { maxLength: 3 }), priority: fc.integer({ min: 1, max: 3 }) }) as fc.Arbitrary<ConditionShape>,
  ),
})).node;

const topLevel: fc.Arbitrary<TopLevelConditionShape> = fc.oneof(
  fc.record({ all: fc.array(condition, { maxLength: 4 }) }),
  fc.record({ any: fc.array(condition, { maxLength: 4 }) }),
  fc.record({ not: condition }),
) as fc.Arbitrary<TopLevelConditionShape>;

type Outcome = boolean | 'error';

function factOf(values: Record<FactName, unknown>, name: string, params: Record<string, unknown>): unknown {
  // "param" echoes its parameter, so params reach the fact in both engines.
  return name === 'param' ? params.k : values[name as FactName];
}

async function reference(top: TopLevelConditionShape, values: Record<FactName, unknown>): Promise<Outcome> {
  const engine = new Engine([], { allowUndefinedFacts: false });
  for (const op of CUSTOM_OPERATORS) engine.addOperator(op.name, (f: unknown, v: unknown) => op.validator(f) && op.cb(f, v));
  for (const name of FACTS) engine.addFact(name, (params: Record<string, unknown>) => factOf(values, name, params ?? {}));
  engine.addRule({ conditions: structuredClone(top) as never, event: { type: 'fired' } });
  try {
    const { events } = await engine.run();
    return events.length > 0;
  } catch {
    return 'error';
  }
}

function compiled(top: TopLevelConditionShape, values: Record<FactName, unknown>): Outcome {
  try {
    const run = compileConditions(top);
    return run(cachingGetter((name, params) => factOf(values, name, params)));
  } catch {
    return 'error';
  }
}

describe('compiled evaluator ≡ json-rules-engine', () => {
  it('gives the reference answer on generated conditions and facts', async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(topLevel, factValues, async (generated, values) => {
        // Rule files come from JSON.parse: plain objects, as structuredClone makes them.
        const top = structuredClone(generated);
        const ref = await reference(top, values);
        const ours = compiled(top, values);
        if (ref !== 'error') {
          answered++;
          expect(ours).toBe(ref);
        } else {
          // The reference evaluates whole priority groups; we may stop before the throwing condition.
          expect([true, false, 'error']).toContain(ours);
        }
      }),
      { numRuns: Number(process.env.EQUIVALENCE_RUNS ?? 600) },
    );
    // The property is about answers: most generated cases must not be errors.
    expect(answered).toBeGreaterThan(300);
  });

  it('matches on the corner cases that differ from naive boolean logic', async () => {
    const values = { count: 3, name: 'eth0', list: [1, 2], obj: { a: 1, b: [2] }, cidrs: ['172.17.0.0/16'], param: undefined };
    const cases: [TopLevelConditionShape, boolean][] = [
      [{ all: [] }, true],
      [{ any: [] }, true], // json-rules-engine: an empty any holds
      [{ not: { any: [] } }, false],
      [{ all: [{ fact: 'obj', path: '$.b[0]', operator: 'equal', value: 2 }] }, true],
      [{ all: [{ fact: 'count', path: '$.a', operator: 'equal', value: 3 }] }, true], // a path on a non-object returns the fact itself
      [{ all: [{ fact: 'list', path: '$.length', operator: 'equal', value: 2 }] }, true],
      [{ all: [{ fact: 'count', operator: 'lessThan', value: { fact: 'obj', path: '$.b[0]' } }] }, false],
      [{ all: [{ fact: 'name', operator: 'contains', value: 'eth' }] }, false], // contains needs a list fact
      [{ all: [{ fact: 'list', operator: 'not:contains', value: 9 }] }, true],
      [{ all: [{ fact: 'cidrs', operator: 'cidrContains', value: '172.17.0.2' }] }, true],
      [{ all: [{ fact: 'param', params: { k: 'x' }, operator: 'equal', value: 'x' }] }, true],
    ];
    for (const [top, expected] of cases) {
      expect(await reference(top, values), JSON.stringify(top)).toBe(expected);
      expect(compiled(top, values), JSON.stringify(top)).toBe(expected);
    }
  });
});

describe('path subset ≡ jsonpath-plus (wrap: false)', () => {
  const paths = ['$', '$.a', '$.a.b', '$.b[0]', '$[0]', '$[2]', '$.length', '$.a.length', '$.b[0].a', '$.a[1]'];
  it('resolves like json-rules-engine\'s resolver on objects', () => {
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(fc.constantFrom('a', 'b', 'length'), jsonValue, { maxKeys: 3 }), fc.array(jsonValue, { maxLength: 3 })), fc.constantFrom(...paths), (json, path) => {
        const steps = parsePath(path);
        expect(steps).toBeDefined();
        const expected: unknown = JSONPath({ path, json: json as object, wrap: false });
        expect(resolvePath(json, steps ?? [])).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('stops at an empty string as jsonpath-plus does', () => {
    for (const path of ['$.a.length', '$.a[0]']) {
      expect(resolvePath({ a: '' }, parsePath(path) ?? [])).toEqual(JSONPath({ path, json: { a: '' }, wrap: false }));
    }
    expect(resolvePath({ a: '' }, parsePath('$.a.length') ?? [])).toBeUndefined();
    expect(resolvePath({ a: 'xy' }, parsePath('$.a.length') ?? [])).toBe(2);
  });

  it('refuses what is outside the subset', () => {
    for (const bad of ['a.b', '$..a', '$.*', '$[?(@.a)]', '$.a-b', '$[-1]', "$['a']", '$.a[0:2]']) expect(parsePath(bad), bad).toBeUndefined();
  });
});
