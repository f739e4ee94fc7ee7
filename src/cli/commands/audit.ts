/**
 * `netaudit audit INPUT...`: load each input, build its host model, run the rule catalog, print one report.
 *
 * Several inputs: every input is loaded and audited before anything is printed (a bad one exits 2 with
 * nothing on stdout). A source inside an input that its parser refuses is reported on stderr and makes
 * the exit code 2 after the report: the rules that needed it were skipped, so no verdict is complete. text prints one report per input and a total; json prints JSON Lines (one
 * `netaudit/report@1` object per line); sarif one log with one run per input; junit one document;
 * salt one object with a single verdict.
 */
import { writeFile } from 'node:fs/promises';
import { Option } from 'commander';
import { runAudit, selectRules } from '../../engine/audit.js';
import { loadRuleCatalog } from '../../engine/catalog.js';
import type { AuditResult, Severity } from '../../engine/types.js';
import { SEVERITIES } from '../../engine/types.js';
import { ExitCode, InputError } from '../../errors.js';
import { buildHost } from '../../model/build.js';
import type { ParseNote } from '../../parse/common.js';
import { wantsColour } from '../../report/colour.js';
import { failsAt } from '../../report/describe.js';
import { printableLine } from '../../report/escape.js';
import { REPORT_FORMATS, renderReports, type ReportFormat } from '../../report/index.js';
import { rawDirectoryArtifact } from '../../report/raw-artifacts.js';
import { IMPORT_COLLECTOR_NAME } from '../../snapshot/import.js';
import { loadInput } from '../../snapshot/load.js';
import { systemMessage } from '../../snapshot/read-bytes.js';
import type { CliIo, RegisterCommand } from '../program.js';

export type FailOn = Severity | 'none';
export const FAIL_ON_CHOICES: readonly FailOn[] = [...SEVERITIES, 'none'];

export interface AuditCommandOptions {
  inputs: string[];
  format: ReportFormat;
  failOn: FailOn;
  rules: string[];
  disable: string[];
  only: string[];
  output?: string;
}

/** As commander hands them over: repeatable flags are absent when not given. */
type AuditFlags = Omit<AuditCommandOptions, 'inputs' | 'rules' | 'disable' | 'only'> &
  Partial<Pick<AuditCommandOptions, 'rules' | 'disable' | 'only'>>;

/** Notes printed per input before the rest are counted: enough to see what was tolerated, not a flood. */
const MAX_NOTES_SHOWN = 20;

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export const registerAudit: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('audit')
    .description('Audit snapshots or raw-output directories against the rule catalog')
    .argument('<input...>', 'snapshot file (.json, .json.gz), raw-output directory, or - for stdin')
    .addOption(new Option('--format <format>', 'report format').choices(REPORT_FORMATS).default('text'))
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity')
        .choices(FAIL_ON_CHOICES)
        .default('error'),
    )
    .option('--rules <dir>', 'also load rule files from DIR (repeatable)', collect)
    .option('--disable <id>', 'do not run rule ID (repeatable)', collect)
    .option('--only <id>', 'run only rule ID (repeatable)', collect)
    .option('--output <file>', 'write the report to FILE instead of stdout')
    .addHelpText(
      'after',
      '\nSeveral inputs: text prints one report each and a total, json prints JSON Lines (one report per line),\n' +
        'sarif one log with a run per input, junit one document, salt one verdict for all.\n' +
        'Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad input or usage.',
    )
    .action(async (inputs: string[], opts: AuditFlags) => {
      setExitCode(
        await runAuditCommand(
          { ...opts, inputs, rules: opts.rules ?? [], disable: opts.disable ?? [], only: opts.only ?? [] },
          io,
        ),
      );
    });
};

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
    reportNotes(io, loaded.label, [...loaded.notes, ...loaded.snapshot.meta.notes], host.notes);
    for (const source of host.sources) if (source.parseError) unreadable.push(`${loaded.label}: ${source.parseError}`);
    if (loaded.snapshot.meta.collector.name === IMPORT_COLLECTOR_NAME) rawDirectories.add(loaded.label);
    results.push(await runAudit(host, catalog, { input: loaded.label, disable: options.disable, only: options.only }));
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
