/** `netaudit diff BEFORE AFTER`: its flags and help. What it does is in ../actions/diff.ts, loaded when it runs. */
import { Option } from '../commander.js';
import type { RegisterCommand } from '../program.js';
import { collect, FAIL_ON_CHOICES, type FailOn } from './audit.js';

/** DIFF_FORMATS of src/report/diff/index.ts, repeated so that defining the command loads no report code. */
export const DIFF_FORMAT_CHOICES = ['text', 'json', 'junit', 'sarif'] as const;

export interface DiffFlags {
  format: (typeof DIFF_FORMAT_CHOICES)[number];
  failOn: FailOn;
  output?: string;
  force?: boolean;
  rules?: string[];
  disable?: string[];
}

export const registerDiff: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('diff')
    .description('What changed between two snapshots of one host (interfaces, bridges, veths, routes, policy rules, sysctls, netfilter, nftables, namespaces), and which findings the change introduced and resolved')
    .argument('<before>', 'the snapshot (or raw-output directory) from before the change')
    .argument('<after>', 'the snapshot (or raw-output directory) from after it')
    .addOption(new Option('-f, --format <format>', 'output format').choices(DIFF_FORMAT_CHOICES).default('text'))
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding at or above this severity was introduced')
        .choices(FAIL_ON_CHOICES)
        .default('error'),
    )
    .option('--force', 'compare snapshots of two different hosts (refused otherwise)')
    .option('--rules <dir>', 'also load rule files from DIR (repeatable)', collect)
    .option('--disable <id>', 'do not run rule ID (repeatable)', collect)
    .addHelpText(
      'after',
      '\nA finding is matched by rule id, namespace and subject, as `audit --baseline` matches it: `diff BEFORE AFTER`\n' +
        'and `audit AFTER --baseline <baseline of BEFORE>` agree on what is new. Counters, handles and values the\n' +
        'kernel changes by itself are not changes.\n' +
        'Exit codes: 0 nothing at or above --fail-on introduced, 1 a finding at or above it introduced, 2 bad input or\n' +
        'usage, two different hosts without --force, an unreadable source, or a snapshot in which nothing was checked.',
    )
    .action(async (before: string, after: string, flags: DiffFlags) => {
      const { runDiffCommand } = await import('../actions/diff.js');
      setExitCode(await runDiffCommand(before, after, flags, io));
    });
};
