/**
 * What `netaudit audit INPUT...` does: audit each input (audit-inputs.ts), apply the baseline and waivers,
 * print one report of every input that could be audited, then say on stderr what stands in the way of a
 * verdict.
 *
 * Exit 2 (after the report of the others) when an input could not be read or nothing in it was checked, when
 * a source inside an input was refused by its parser (the rules that needed it were skipped, so no verdict is
 * complete), and with --strict when anything at all was not checked. text prints one report per input and a
 * total; json prints JSON Lines (one `netaudit/report@1` object per line); sarif one log with one run per
 * input; junit one document; salt one object with a single verdict.
 */
import { writeFile } from 'node:fs/promises';
import { selectRules } from '../../engine/audit.js';
import { loadRuleCatalog } from '../../engine/catalog.js';
import { ExitCode, InputError, UsageError } from '../../errors.js';
import { strictReasons } from '../../gate/completeness.js';
import { applyGate, type ExpiredMatches } from '../../gate/suppress.js';
import { wantsColour } from '../../report/colour.js';
import { failsAt } from '../../report/describe.js';
import { printableLine } from '../../report/escape.js';
import { renderReports, type ReportFormat } from '../../report/index.js';
import { rawDirectoryArtifact, rawDirectoryOriginFile, isSosreportDirectoryInput, sosreportFile } from '../../report/raw-artifacts.js';
import { writeSarifSources } from '../../report/sarif-sources.js';
import { sourceTextsByInput } from '../../report/source-texts.js';
import { systemMessage } from '../../snapshot/read-bytes.js';
import { auditInputs, type AuditedInput } from '../audit-inputs.js';
import type { FailOn } from '../commands/audit.js';
import { loadGate, type GateFlags } from '../gate.js';
import type { CliIo } from '../program.js';

export interface AuditCommandOptions extends GateFlags {
  inputs: string[];
  format: ReportFormat;
  failOn: FailOn;
  rules: string[];
  disable: string[];
  only: string[];
  output?: string;
  /** Parse every iptables rule in full before the audit, not only those the checks read. */
  strictParse?: boolean;
  /** Exit 2 when anything was not checked: a skipped rule, an unreadable source, input a parser dropped. */
  strict?: boolean;
  /** SARIF: write the quoted sources of snapshots as files under DIR and point at them, instead of embedding them. */
  sarifSources?: string;
}

export async function runAuditCommand(options: AuditCommandOptions, io: CliIo, cwd: string = process.cwd()): Promise<number> {
  if (options.sarifSources !== undefined && options.format !== 'sarif') throw new UsageError('--sarif-sources goes with --format sarif');
  const catalog = await loadRuleCatalog(options.rules);
  // Unknown ids in --only / --disable, and bad gate files, fail here, before any input is read.
  selectRules(catalog, options);
  const gate = await loadGate(options, catalog, cwd);

  const { audited, failures } = await auditInputs(options.inputs, catalog, { disable: options.disable, only: options.only, strictParse: options.strictParse ?? false }, io);
  const expired: ExpiredMatches = new Map();
  for (const input of audited) applyGate(input.result, input.identities, gate, expired);

  // Whatever stands in the way of a verdict: a gate must not pass it (and the salt verdict says so).
  const problems = [...failures];
  for (const input of audited) {
    problems.push(...input.unreadable.map((m) => `unreadable source, its rules were skipped: ${m}`));
    if (options.strict) problems.push(...strictReasons(input.result, [], input.notes).map((r) => `--strict: ${input.label}: ${r}`));
  }

  if (audited.length > 0) {
    const report = renderReports(
      audited.map((a) => a.result),
      options.format,
      {
        colour: options.output === undefined && wantsColour({ isTTY: io.isTTY }, io.env),
        failOn: options.failOn,
        sources: await sourceLocator(audited, options),
        severalInputs: options.inputs.length > 1,
        ...(options.format === 'html' ? { hostViews: await hostViews(audited) } : {}),
        problems,
      },
    );
    if (options.output === undefined) io.stdout(report);
    else await writeReport(options.output, report);
  }

  for (const waiver of gate.waivers.filter((w) => w.expired)) {
    const count = expired.get(waiver) ?? 0;
    const counted = count === 0 ? 'it matches no finding now' : count === 1 ? '1 finding it matches counts again' : `${count} findings it matches count again`;
    io.stderr(`netaudit: note: ${waiver.file}: ${waiver.path}: waiver (${printableLine(waiver.describe)}) expired on ${waiver.expires}: ${counted}\n`);
  }
  for (const message of problems) io.stderr(`netaudit: ${printableLine(message)}\n`);
  if (problems.length > 0) return ExitCode.badInput;
  return audited.some((a) => failsAt(a.result, options.failOn)) ? ExitCode.findings : ExitCode.ok;
}

/** For HTML: the host model of each input, as `show` sees it (loaded only for --format html: a plain audit needs none of it). */
async function hostViews(audited: readonly AuditedInput[]) {
  const [{ buildHost }, { hostView }] = await Promise.all([import('../../model/build.js'), import('../../show/view.js')]);
  return audited.map((a) => hostView(buildHost(a.snapshot)));
}

/** For SARIF: each input's source texts, and the file of each source: a raw-output directory's own, or one --sarif-sources wrote. */
async function sourceLocator(audited: readonly AuditedInput[], options: AuditCommandOptions) {
  const texts = sourceTextsByInput();
  const rawDirectories = new Set<string>();
  for (const input of audited) {
    texts.add(input.label, input.snapshot);
    if (input.rawDirectory) rawDirectories.add(input.label);
  }
  const sosreportDirectories = new Set(audited.filter((a) => isSosreportDirectoryInput(a.label, a.snapshot)).map((a) => a.label));
  const snapshots = audited.map((a) => a.result).filter((r) => !rawDirectories.has(r.input));
  const written = options.sarifSources !== undefined ? await writeSarifSources(options.sarifSources, snapshots, texts.lookup) : undefined;
  return {
    sourceText: texts.lookup,
    sourceFile: (input: string, source: string) =>
      rawDirectories.has(input) ? rawDirectoryArtifact(input, source) : written?.(input, source),
    originFile: (input: string, source: string, file: string) =>
      rawDirectories.has(input) ? rawDirectoryOriginFile(input, source, file) : sosreportDirectories.has(input) ? sosreportFile(input, file) : undefined,
  };
}

async function writeReport(file: string, report: string): Promise<void> {
  try {
    await writeFile(file, report);
  } catch (err) {
    throw new InputError(`cannot write the report: ${systemMessage(err)}`, { file });
  }
}
