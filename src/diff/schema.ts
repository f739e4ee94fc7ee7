/**
 * The `netaudit/diff@1` document (`netaudit diff --format json`) as a zod schema: the source of
 * schemas/diff.schema.json (src/gen/diff-schema.ts). The CLI writes the document without loading zod; tests
 * validate what it writes against the generated schema.
 */
import { z } from 'zod';
import { SEVERITIES, SUBJECT_KINDS } from '../engine/types.js';
import { CHANGE_KINDS, DIFF_SCHEMA_ID, HOST_CONTEXT_KINDS } from './types.js';

const Value = z.union([z.string(), z.number(), z.null()]);

const Evidence = z
  .object({
    source: z.string().describe('The source the line is from: "sysctl", "iptables-save", "netns:blue/ip-link", a persisted sysctl file, a file source\'s file ("/etc/docker/daemon.json", "netns:blue/etc/resolv.conf", "/proc/812/cmdline")'),
    line: z.number().int().describe('1-based line of that source'),
    text: z.string().describe('The line, cut at 240 characters (the cut says how many were left out)'),
    primary: z.literal(true).optional(),
  })
  .strict();

const Change = z
  .object({
    kind: z
      .enum(CHANGE_KINDS)
      .describe(
        `What kind of thing changed. The host context (${HOST_CONTEXT_KINDS.join(', ')}) is read from files and command lines: ` +
          'resolv.conf per namespace, systemd-resolved\'s upstream file, Docker\'s settings merged from daemon.json and dockerd\'s command line (each value with its origin: "(daemon.json)", "(flag)", "(default)"), ' +
          'the runtimes\' flags, NetworkManager\'s unmanaged-devices, what its configuration makes of each device (nm.configured: unmanaged, managed, default or unknown, compared by that result, the value naming the file and line that decide it) and device states, systemd-networkd\'s links and .network files, flannel\'s lease and the subnets the CNI configuration gives bridges. ' +
          'Each part is compared only where its source was read in both snapshots; a source read in one only is a "source" change',
      ),
    namespace: z.string().describe('The namespace, by its name in the after snapshot (the before one\'s for a namespace that went away)'),
    name: z
      .string()
      .describe(
        'What changed: an interface, a sysctl key, "iptables-save filter/FORWARD", a route ("main 0.0.0.0/0 metric 0"), a file ("/etc/resolv.conf"), a Docker setting ("bip"), a flag ("dockerd --iptables"), a device, "bridge cni0", ...',
      ),
    before: Value.describe('Its value before; null when it did not exist'),
    after: Value.describe('Its value after; null when it no longer exists'),
    evidence: z
      .array(Evidence.extend({ side: z.enum(['before', 'after']).describe('Which snapshot the line is from') }).strict())
      .describe('The lines of the before and after snapshots that show the change'),
  })
  .strict();

const Finding = z
  .object({
    ruleId: z.string(),
    severity: z.enum(SEVERITIES),
    title: z.string(),
    subject: z.object({ kind: z.enum(SUBJECT_KINDS), name: z.string(), namespace: z.string() }).strict(),
    message: z.string(),
    evidence: z.array(Evidence),
    remediation: z.string(),
  })
  .strict();

const Side = z
  .object({
    input: z.string().describe('The snapshot or raw-output directory as named on the command line'),
    host: z.object({ hostname: z.string().optional(), kernel: z.string().optional(), collectedAt: z.string().optional(), collector: z.string().optional() }).strict(),
  })
  .strict();

const Counts = z.object({ errors: z.number().int(), warnings: z.number().int(), infos: z.number().int() }).strict();

export const DiffDocument = z
  .object({
    schema: z.literal(DIFF_SCHEMA_ID),
    before: Side,
    after: Side,
    changes: z.array(Change).describe('Every change of the model, grouped by kind; counters, handles and values the kernel changes by itself are left out'),
    findings: z
      .object({
        introduced: z.array(Finding).describe('Findings of the after audit that the before audit did not have (matched by rule id, namespace identity and subject, as baselines match); evidence from the after snapshot'),
        resolved: z.array(Finding).describe('Findings of the before audit that the after audit checked and no longer has; evidence from the before snapshot'),
        unchanged: z.number().int().describe('Findings both audits have'),
        notChecked: z.array(Finding).describe('Findings of the before audit whose rule the after audit skipped (its source missing or unreadable): not known to be resolved'),
      })
      .strict(),
    summary: z
      .object({
        changes: z.number().int(),
        hostContext: z.number().int().describe('How many of the changes are of the host context: its kinds, and "source" changes of its file sources, nmcli-device and networkctl-list'),
        introduced: Counts,
        resolved: z.number().int(),
        unchanged: z.number().int(),
        notChecked: z.number().int(),
        failOn: z.enum([...SEVERITIES, 'none']),
        failed: z.boolean().describe('A finding at or above failOn was introduced: the exit code is 1'),
      })
      .strict(),
  })
  .strict();
export type DiffDocument = z.infer<typeof DiffDocument>;

export const DIFF_SCHEMA_PATH = 'schemas/diff.schema.json';

export function diffJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(DiffDocument, { io: 'output', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: generated.$schema,
    title: `netaudit diff (${DIFF_SCHEMA_ID})`,
    description: 'The output of `netaudit diff BEFORE AFTER --format json`: what changed between two snapshots of one host, and which findings the change introduced and resolved.',
    ...Object.fromEntries(Object.entries(generated).filter(([k]) => k !== '$schema')),
  };
}
