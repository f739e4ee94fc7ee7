/**
 * The files a gate reads besides its inputs: a baseline (`netaudit baseline` writes it), a waiver file
 * (`--waivers`), and the `.netaudit` config file. zod is the source of truth; schemas/*.schema.json are
 * generated from it (src/gen/gate-schemas.ts) and user files are validated with ajv against those.
 */
import { z } from 'zod';
import { SUBJECT_KINDS } from '../engine/types.js';

export const BASELINE_SCHEMA_ID = 'netaudit/baseline@1';

/** A calendar day as people write it in a file; whether it exists (no 30 February) is checked on reading. */
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

export const Waiver = z
  .object({
    rule: z.string().min(1).describe('The rule id (or an alias) whose findings this waiver accepts'),
    subject: z
      .string()
      .min(1)
      .describe('Glob on the subject name: * is any run of characters (also /), ? one character, e.g. "vethab*" or "nat/DOCKER#*"; a container namespace also matches by its identity ("container:nginx")'),
    namespace: z
      .string()
      .min(1)
      .optional()
      .describe('Glob on the namespace: its name ("host", "blue") or, for a container, its identity ("container:nginx"). Default: any namespace'),
    reason: z.string().regex(/\S/, 'a reason, not blank').describe('Why the finding is accepted: shown in every report that suppresses it'),
    expires: Day.optional().describe('Last day the waiver holds (YYYY-MM-DD, UTC); from the day after, its findings count again'),
  })
  .strict();
export type Waiver = z.infer<typeof Waiver>;

export const WaiverFile = z
  .object({
    $schema: z.string().optional(),
    waivers: z.array(Waiver),
  })
  .strict();

export const BaselineFinding = z
  .object({
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex').describe('What matches: rule id, namespace identity, subject kind and name, hashed'),
    ruleId: z.string().min(1),
    namespace: z.string().min(1).describe('The namespace identity: "host", a named namespace\'s name, or "container:<process names>"'),
    subject: z.object({ kind: z.enum(SUBJECT_KINDS), name: z.string() }).strict(),
    message: z.string().describe('The finding\'s message when the baseline was written, for people reading the file'),
  })
  .strict();
export type BaselineFinding = z.infer<typeof BaselineFinding>;

export const BaselineFile = z
  .object({
    schema: z.literal(BASELINE_SCHEMA_ID),
    findings: z.array(BaselineFinding),
  })
  .strict();
export type BaselineFile = z.infer<typeof BaselineFile>;

export const ConfigFile = z
  .object({
    $schema: z.string().optional(),
    baseline: z.string().min(1).optional().describe('A baseline file, relative to this file\'s folder'),
    waivers: z.array(Waiver).optional().describe('Waivers, as in a --waivers file'),
  })
  .strict();
export type ConfigFile = z.infer<typeof ConfigFile>;

/** The published schemas: file name under schemas/, title, and the zod schema. */
export const GATE_SCHEMAS = [
  { file: 'baseline.schema.json', title: `netaudit baseline (${BASELINE_SCHEMA_ID})`, description: 'Findings accepted as they are today, written by `netaudit baseline`; `audit --baseline FILE` reports them as suppressed.', schema: BaselineFile },
  { file: 'waivers.schema.json', title: 'netaudit waivers', description: 'Findings accepted by rule id and subject pattern, each with a reason and an optional expiry: `audit --waivers FILE`.', schema: WaiverFile },
  { file: 'config.schema.json', title: 'netaudit config (.netaudit)', description: 'The .netaudit file found from the working directory upward: a baseline and waivers applied to every audit.', schema: ConfigFile },
] as const;

export type GateSchemaFile = (typeof GATE_SCHEMAS)[number]['file'];

export function gateJsonSchema(entry: (typeof GATE_SCHEMAS)[number]): Record<string, unknown> {
  const generated = z.toJSONSchema(entry.schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: generated.$schema,
    title: entry.title,
    description: entry.description,
    ...Object.fromEntries(Object.entries(generated).filter(([k]) => k !== '$schema')),
  };
}
