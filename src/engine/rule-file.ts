/**
 * The rule file format (one JSON file per rule). zod is the source of truth: rules/rule.schema.json is
 * generated from it by src/gen/rule-schema.ts, and the catalog validates files with ajv against that
 * schema; facts, operators, paths and regexes are then checked against the registry (catalog.ts).
 */
import { z } from 'zod';
import { SOURCE_IDS } from '../snapshot/sources.js';
import { FILE_SOURCE_IDS } from '../snapshot/host-files.js';
import { ANY_OF_REQUIREMENTS } from './requirements.js';
import { SEVERITIES, SUBJECT_KINDS } from './types.js';

export const RULE_SCHEMA_ID = 'https://netaudit.dev/schemas/rule.schema.json';

/** Sources a rule may require: every snapshot source id, and the persisted sysctl files. */
export const REQUIRABLE_SOURCES = [...SOURCE_IDS, 'sysctl-files', ...ANY_OF_REQUIREMENTS, ...FILE_SOURCE_IDS] as const;

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const Params = z.record(z.string(), z.unknown()).describe('Parameters passed to the fact');

const Path = z
  .string()
  .regex(/^\$/)
  .describe('JSONPath into the fact value: "$", then ".name" and "[index]" steps, e.g. "$.length" or "$.ports[0]"');

export interface FactConditionShape {
  fact: string;
  operator: string;
  value: unknown;
  path?: string;
  params?: Record<string, unknown>;
  priority?: number;
  name?: string;
}

export type ConditionShape = FactConditionShape | { all: ConditionShape[]; priority?: number; name?: string } | { any: ConditionShape[]; priority?: number; name?: string } | { not: ConditionShape; priority?: number; name?: string };

export type TopLevelConditionShape = Exclude<ConditionShape, FactConditionShape>;

const Meta = {
  priority: z.number().int().min(1).optional().describe('json-rules-engine evaluation priority (affects order only, never the result)'),
  name: z.string().optional().describe('A label for the condition'),
};

const FactCondition = z
  .object({
    fact: z.string().min(1).describe('A fact of the rule\'s subject kind (see docs/facts.md)'),
    operator: z.string().min(1).describe('An operator (see docs/facts.md), optionally decorated: "not:contains", "someFact:inCidr"'),
    value: z.unknown().describe('Literal value, or { "fact": … } to compare with another fact'),
    path: Path.optional(),
    params: Params.optional(),
    ...Meta,
  })
  .strict()
  .meta({ id: 'factCondition' });

const AllCondition = z
  .object({
    get all(): z.ZodArray<typeof Condition> {
      return z.array(Condition).describe('Every condition holds (an empty list holds)');
    },
    ...Meta,
  })
  .strict()
  .meta({ id: 'allCondition' });
const AnyCondition = z
  .object({
    get any(): z.ZodArray<typeof Condition> {
      return z.array(Condition).describe('At least one condition holds (as in json-rules-engine, an empty list holds)');
    },
    ...Meta,
  })
  .strict()
  .meta({ id: 'anyCondition' });
const NotCondition = z
  .object({
    get not(): typeof Condition {
      return Condition;
    },
    ...Meta,
  })
  .strict()
  .meta({ id: 'notCondition' });

export const Condition: z.ZodType<ConditionShape> = z.union([AllCondition, AnyCondition, NotCondition, FactCondition]).meta({ id: 'condition' });

export const TopLevelCondition = z.union([AllCondition, AnyCondition, NotCondition]).describe('all / any / not at the top, as json-rules-engine requires');

const EvidenceRef = z.union([
  z.string().min(1).describe('A fact of type Evidence[]'),
  z.object({ fact: z.string().min(1), params: Params.optional() }).strict().describe('A fact of type Evidence[] with parameters'),
]);

export const RuleFile = z
  .object({
    $schema: z.string().optional().describe('Path or URL of this schema, for editors'),
    id: z.string().regex(KEBAB).describe('Stable kebab-case id: never reused for another meaning'),
    title: z.string().min(1).describe('One line: what is wrong when the rule fires'),
    severity: z.enum(SEVERITIES),
    subject: z.enum(SUBJECT_KINDS).describe('The kind of subject the rule is evaluated on, once per subject'),
    requires: z
      .array(z.enum(REQUIRABLE_SOURCES))
      .describe('Sources the rule needs; where one is missing, failed or unreadable in a namespace the rule is reported as skipped there'),
    rationale: z.string().min(1).describe('Why this breaks things, with the Linux semantics'),
    remediation: z.string().min(1).describe('How to fix it: commands, and how to persist the fix'),
    references: z.array(z.url()).describe('Kernel, Docker, Kubernetes documentation'),
    message: z.string().min(1).describe('Finding message; {{fact}} or {{fact.path}} interpolate fact values of the subject'),
    evidence: z.array(EvidenceRef).describe('Facts of type Evidence[] whose lines the finding quotes, in order'),
    conditions: TopLevelCondition,
    suppressedBy: z
      .array(z.string().regex(KEBAB))
      .default([])
      .describe('Rule ids: when one fires on the same subject (same kind) or in the same namespace (other kinds), this rule\'s finding there is dropped'),
    deprecated: z.boolean().optional().describe('Retired: the id stays taken, the rule no longer runs'),
    aliases: z.array(z.string().regex(KEBAB)).optional().describe('Former ids of this rule, still accepted by --only, --disable and explain'),
  })
  .strict()
  .meta({ title: 'netaudit rule', description: 'One audit rule: metadata plus json-rules-engine conditions over the facts of a subject kind' });

export type RuleFile = z.infer<typeof RuleFile>;
export type RuleFileInput = z.input<typeof RuleFile>;

export function ruleJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RuleFile, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  return { $schema: schema.$schema, $id: RULE_SCHEMA_ID, ...schema };
}
