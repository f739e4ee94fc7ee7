/**
 * Auditing each input of `audit` and `baseline` on its own: one bad input (a fleet gate audits fifty
 * snapshots) gets its message and leaves the others to be reported. An input in which no rule could run
 * counts as bad: nothing checked is never a pass.
 */
import { runAudit } from '../engine/audit.js';
import type { RuleCatalog } from '../engine/catalog.js';
import type { AuditResult } from '../engine/types.js';
import { InputError } from '../errors.js';
import { nothingChecked } from '../gate/completeness.js';
import { namespaceIdentities } from '../gate/identity.js';
import { buildHost } from '../model/build.js';
import { parseEveryRule } from '../model/unreadable.js';
import type { ParseNote } from '../parse/common.js';
import { printableLine } from '../report/escape.js';
import { IMPORT_COLLECTOR_NAME } from '../snapshot/import.js';
import { loadInput } from '../snapshot/load.js';
import type { Snapshot } from '../snapshot/schema.js';
import type { CliIo } from './program.js';
import { notesOfReadableSources, unreadableSources } from './unreadable.js';

export interface AuditedInput {
  label: string;
  rawDirectory: boolean;
  snapshot: Snapshot;
  result: AuditResult;
  /** Namespace name → identity, for baselines and waivers (src/gate/identity.ts). */
  identities: Map<string, string>;
  /** One message per source its parser refused (the rules that needed it were skipped). */
  unreadable: string[];
  /** The parsers' notes on the sources that could be read. */
  notes: ParseNote[];
}

export interface AuditSelection {
  disable: string[];
  only: string[];
  /** Parse every iptables rule in full before the audit, not only those the checks read. */
  strictParse: boolean;
}

export interface AuditedInputs {
  audited: AuditedInput[];
  /** One message per line for each input that could not be audited, or in which nothing was checked. */
  failures: string[];
}

/** Notes printed per input before the rest are counted: enough to see what was tolerated, not a flood. */
const MAX_NOTES_SHOWN = 20;

export async function auditInputs(inputs: readonly string[], catalog: RuleCatalog, selection: AuditSelection, io: CliIo): Promise<AuditedInputs> {
  const out: AuditedInputs = { audited: [], failures: [] };
  for (const input of inputs) {
    try {
      const audited = await auditInput(input, catalog, selection, io);
      const empty = nothingChecked(audited.result);
      if (empty === undefined) {
        out.audited.push(audited);
      } else {
        out.failures.push(...audited.unreadable.map((m) => `unreadable source: ${m}`), `${audited.label}: ${empty}`);
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      out.failures.push(err.describe());
    }
  }
  return out;
}

async function auditInput(input: string, catalog: RuleCatalog, selection: AuditSelection, io: CliIo): Promise<AuditedInput> {
  const loaded = await loadInput(input);
  const host = buildHost(loaded.snapshot);
  if (selection.strictParse) parseEveryRule(host);
  const rawDirectory = loaded.snapshot.meta.collector.name === IMPORT_COLLECTOR_NAME;
  const result = await runAudit(host, catalog, { input: loaded.label, disable: selection.disable, only: selection.only });
  // After the audit: a rule line the checks found malformed marks its source unreadable during it.
  const name = { label: loaded.label, rawDirectory };
  const notes = notesOfReadableSources(host);
  reportNotes(io, loaded.label, [...loaded.notes, ...loaded.snapshot.meta.notes], notes);
  return {
    label: loaded.label,
    rawDirectory,
    snapshot: loaded.snapshot,
    result,
    identities: namespaceIdentities(host),
    unreadable: unreadableSources(host, name),
    notes,
  };
}

function reportNotes(io: CliIo, label: string, loaderNotes: readonly string[], parseNotes: readonly ParseNote[]): void {
  const lines = [
    ...loaderNotes,
    ...parseNotes.map((n) => `${n.source}: ${n.line === undefined ? '' : `line ${n.line}: `}${n.message}`),
  ];
  for (const line of lines.slice(0, MAX_NOTES_SHOWN)) io.stderr(`netaudit: note: ${printableLine(`${label}: ${line}`)}\n`);
  if (lines.length > MAX_NOTES_SHOWN) {
    const more = lines.length - MAX_NOTES_SHOWN;
    io.stderr(`netaudit: note: ${printableLine(label)}: ${more} more notes (\`netaudit show ${printableLine(label)}\` lists them all)\n`);
  }
}
