/**
 * What `netaudit audit INPUT...` does: load each input, build its host model, run the rule catalog,
 * print one report.
 *
 * Several inputs: every input is loaded and audited before anything is printed (a bad one exits 2 with
 * nothing on stdout). A source inside an input that its parser refuses is reported on stderr and makes
 * the exit code 2 after the report: the rules that needed it were skipped, so no verdict is complete. text prints one report per input and a total; json prints JSON Lines (one
 * `netaudit/report@1` object per line); sarif one log with one run per input; junit one document;
 * salt one object with a single verdict.
 */
import { writeFile } from 'node:fs/promises';
import { runAudit, selectRules } from '../../engine/audit.js';
import { loadRuleCatalog } from '../../engine/catalog.js';
import type { AuditResult } from '../../engine/types.js';
import { ExitCode, InputError } from '../../errors.js';
import { buildHost } from '../../model/build.js';
import { parseEveryRule } from '../../model/unreadable.js';
import type { ParseNote } from '../../parse/common.js';
import { wantsColour } from '../../report/colour.js';
import { failsAt } from '../../report/describe.js';
import { printableLine } from '../../report/escape.js';
import { renderReports, type ReportFormat } from '../../report/index.js';
import { rawDirectoryArtifact } from '../../report/raw-artifacts.js';
import { IMPORT_COLLECTOR_NAME } from '../../snapshot/import.js';
import { loadInput } from '../../snapshot/load.js';
import { systemMessage } from '../../snapshot/read-bytes.js';
import type { FailOn } from '../commands/audit.js';
import type { CliIo } from '../program.js';

export interface AuditCommandOptions {
  inputs: string[];
  format: ReportFormat;
  failOn: FailOn;
  rules: string[];
  disable: string[];
  only: string[];
  output?: string;
  /** Parse every iptables rule in full before the audit, not only those the checks read. */
  strictParse?: boolean;
}

/** Notes printed per input before the rest are counted: enough to see what was tolerated, not a flood. */
const MAX_NOTES_SHOWN = 20;

export async function runAuditCommand(options: AuditCommandOptions, io: CliIo): Promise<number> {
  const catalog = await loadRuleCatalog(options.rules);
  // Unknown ids in --only / --disable fail here, before any input is read.
  selectRules(catalog, options);

  const results: AuditResult[] = [];
  const rawDirectories = new Set<string>();
  const unreadable: string[] = [];
  for (const input of options.inputs) {
    const loaded = await loadInput(input);
    const host = buildHost(loaded.snapshot);
    if (options.strictParse) parseEveryRule(host);
    reportNotes(io, loaded.label, [...loaded.notes, ...loaded.snapshot.meta.notes], host.notes);
    if (loaded.snapshot.meta.collector.name === IMPORT_COLLECTOR_NAME) rawDirectories.add(loaded.label);
    results.push(await runAudit(host, catalog, { input: loaded.label, disable: options.disable, only: options.only }));
    // After the audit: a rule line the checks found malformed marks its source unreadable during it.
    for (const source of host.sources) if (source.parseError) unreadable.push(`${loaded.label}: ${source.parseError}`);
  }

  const report = renderReports(results, options.format, {
    colour: options.output === undefined && wantsColour({ isTTY: io.isTTY }, io.env),
    failOn: options.failOn,
    artifactPath: (input, evidence) => (rawDirectories.has(input) ? rawDirectoryArtifact(input, evidence) : input),
  });
  if (options.output === undefined) io.stdout(report);
  else await writeReport(options.output, report);

  // An output the parsers refused is bad input: the report above covers the rest, but a gate must not pass it.
  for (const message of unreadable) io.stderr(`netaudit: unreadable source, its rules were skipped: ${printableLine(message)}\n`);
  if (unreadable.length > 0) return ExitCode.badInput;
  return results.some((r) => failsAt(r, options.failOn)) ? ExitCode.findings : ExitCode.ok;
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

async function writeReport(file: string, report: string): Promise<void> {
  try {
    await writeFile(file, report);
  } catch (err) {
    throw new InputError(`cannot write the report: ${systemMessage(err)}`, { file });
  }
}
