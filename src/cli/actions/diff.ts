/**
 * What `netaudit diff BEFORE AFTER` does: load both snapshots, refuse two different hosts (unless --force),
 * build and audit each, compare the models and the findings (src/diff/), print the report, then say on
 * stderr what stands in the way of a verdict (an unreadable source, a snapshot in which nothing was checked):
 * exit 2 then, as `audit` does.
 */
import { runAudit, selectRules } from '../../engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../engine/catalog.js';
import { diffAudited, type AuditedHost } from '../../diff/diff.js';
import { ExitCode, UsageError } from '../../errors.js';
import { nothingChecked } from '../../gate/completeness.js';
import { namespaceIdentities } from '../../gate/identity.js';
import { buildHost } from '../../model/build.js';
import { wantsColour } from '../../report/colour.js';
import { diffFails, renderDiff } from '../../report/diff/index.js';
import { printableLine } from '../../report/escape.js';
import { rawDirectoryArtifact, rawDirectoryOriginFile } from '../../report/raw-artifacts.js';
import { sourceTextsByInput } from '../../report/source-texts.js';
import { IMPORT_COLLECTOR_NAME } from '../../snapshot/import.js';
import { loadInput, type LoadedInput } from '../../snapshot/load.js';
import type { DiffFlags } from '../commands/diff.js';
import { writeOutput } from '../output.js';
import type { CliIo } from '../program.js';
import { unreadableSources } from '../unreadable.js';

interface Side extends AuditedHost {
  loaded: LoadedInput;
  rawDirectory: boolean;
  /** What stands in the way of a verdict on this side. */
  problems: string[];
}

export async function runDiffCommand(before: string, after: string, flags: DiffFlags, io: CliIo): Promise<number> {
  const disable = flags.disable ?? [];
  const catalog = await loadRuleCatalog(flags.rules ?? []);
  // Unknown ids in --disable fail here, before any input is read.
  selectRules(catalog, { disable, only: [] });
  const loaded = [await load(before, io), await load(after, io)] as const;
  refuseTwoHosts(loaded[0], loaded[1], flags.force === true);
  const sides = [await audit(loaded[0], catalog, disable), await audit(loaded[1], catalog, disable)] as const;
  const [b, a] = sides;

  const { changes, findings } = diffAudited(b, a);
  const outcome = { before: b.result, after: a.result, changes, findings, failOn: flags.failOn };
  const report = renderDiff(outcome, flags.format, {
    colour: flags.output === undefined && wantsColour({ isTTY: io.isTTY }, io.env),
    sources: flags.format === 'sarif' ? sarifSources(sides) : {},
  });
  await writeOutput(io, flags.output, report, 'the diff');

  const problems = sides.flatMap((s) => s.problems);
  for (const message of problems) io.stderr(`netaudit: ${printableLine(message)}\n`);
  if (problems.length > 0) return ExitCode.badInput;
  return diffFails(outcome) ? ExitCode.findings : ExitCode.ok;
}

async function load(input: string, io: CliIo): Promise<LoadedInput> {
  const loaded = await loadInput(input);
  for (const note of loaded.notes) io.stderr(`netaudit: note: ${printableLine(`${loaded.label}: ${note}`)}\n`);
  return loaded;
}

/** Two snapshots that name different hosts: a diff of them says nothing about a change. */
function refuseTwoHosts(before: LoadedInput, after: LoadedInput, force: boolean): void {
  const [was, is] = [before.snapshot.meta.hostname, after.snapshot.meta.hostname];
  if (force || was === undefined || is === undefined || was === is) return;
  throw new UsageError(`${before.label} is host ${was} and ${after.label} is host ${is}: a diff compares two snapshots of one host (--force to compare them anyway)`);
}

async function audit(loaded: LoadedInput, catalog: RuleCatalog, disable: string[]): Promise<Side> {
  const host = buildHost(loaded.snapshot);
  const rawDirectory = loaded.snapshot.meta.collector.name === IMPORT_COLLECTOR_NAME;
  const result = await runAudit(host, catalog, { input: loaded.label, disable, only: [] });
  const problems = unreadableSources(host, { label: loaded.label, rawDirectory }).map((m) => `unreadable source, its rules were skipped: ${m}`);
  const empty = nothingChecked(result);
  if (empty !== undefined) problems.push(`${loaded.label}: ${empty}`);
  return { loaded, host, result, identities: namespaceIdentities(host), rawDirectory, problems };
}

/** For SARIF: the text of the after snapshot's sources, or a raw-output directory's own files. */
function sarifSources(sides: readonly Side[]) {
  const texts = sourceTextsByInput();
  for (const side of sides) texts.add(side.loaded.label, side.loaded.snapshot);
  const raw = new Set(sides.filter((s) => s.rawDirectory).map((s) => s.loaded.label));
  return {
    sourceText: texts.lookup,
    sourceFile: (input: string, source: string) => (raw.has(input) ? rawDirectoryArtifact(input, source) : undefined),
    originFile: (input: string, source: string, file: string) => (raw.has(input) ? rawDirectoryOriginFile(input, source, file) : undefined),
  };
}
