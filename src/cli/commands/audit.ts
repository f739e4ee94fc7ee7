/** `netaudit audit INPUT...`: its flags and help. What it does is in ../actions/audit.ts, loaded when it runs. */
import { Option } from '../commander.js';
import { SEVERITIES, type Severity } from '../../engine/types.js';
import type { ReportFormat } from '../../report/index.js';
import type { RegisterCommand } from '../program.js';

export type FailOn = Severity | 'none';
export const FAIL_ON_CHOICES: readonly FailOn[] = [...SEVERITIES, 'none'];

/**
 * REPORT_FORMATS of src/report/index.ts, repeated so that defining the command loads no report code;
 * test/cli checks that the two lists are the same.
 */
export const FORMAT_CHOICES = ['text', 'json', 'sarif', 'junit', 'salt', 'html'] as const satisfies readonly ReportFormat[];

/** As commander hands them over: repeatable flags are absent when not given. */
interface AuditFlags {
  format: ReportFormat;
  failOn: FailOn;
  rules?: string[];
  disable?: string[];
  only?: string[];
  output?: string;
  strict?: boolean;
  strictParse?: boolean;
  baseline?: string;
  waivers?: string[];
  config: boolean;
  sarifSources?: string;
}

export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export const registerAudit: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('audit')
    .description('Audit snapshots or raw-output directories against the rule catalog')
    .argument('<input...>', 'snapshot file (.json, .json.gz), raw-output directory, sosreport (directory or archive), or - for stdin')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMAT_CHOICES).default('text'))
    .option('-o, --output <file>', 'write the report to FILE instead of stdout')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity')
        .choices(FAIL_ON_CHOICES)
        .default('error'),
    )
    .option('--rules <dir>', 'also load rule files from DIR (repeatable)', collect)
    .option('--disable <id>', 'do not run rule ID (repeatable)', collect)
    .option('--only <id>', 'run only rule ID (repeatable)', collect)
    .option('--strict', 'exit 2 unless everything was checked: no rule skipped, no source unreadable, no input dropped by a parser')
    .option('--baseline <file>', 'report the findings FILE holds (written by `netaudit baseline`) as suppressed, not failing')
    .option('--waivers <file>', 'accept findings by rule id and subject pattern, each with a reason and an optional expiry (repeatable)', collect)
    .option('--no-config', 'do not read the .netaudit file found from the working directory upward')
    .option('--sarif-sources <dir>', 'sarif: write the quoted sources of snapshots under DIR and point locations at those files (paths as given, from the working directory), instead of embedding them in the log')
    .option('--strict-parse', 'parse every iptables rule in full, also those no check reads (slower on large nodes); a malformed one makes its source unreadable')
    .addHelpText(
      'after',
      '\nSeveral inputs: text prints one report each and a total, json prints JSON Lines (one report per line),\n' +
        'sarif one log with a run per input, junit one document, salt one verdict for all. An input that cannot be\n' +
        'read, or in which no rule could run, gets its message on stderr; the others are still reported.\n' +
        'Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad input or usage, an unreadable\n' +
        'source, an input in which nothing was checked, or (with --strict) anything not checked.',
    )
    .action(async (inputs: string[], opts: AuditFlags) => {
      const { runAuditCommand } = await import('../actions/audit.js');
      setExitCode(
        await runAuditCommand(
          {
            ...opts,
            inputs,
            rules: opts.rules ?? [],
            disable: opts.disable ?? [],
            only: opts.only ?? [],
            strictParse: opts.strictParse ?? false,
            strict: opts.strict ?? false,
            waivers: opts.waivers ?? [],
          },
          io,
        ),
      );
    });
};
