/** `netaudit baseline INPUT... [-o FILE]`: its flags and help. What it does is in ../actions/baseline.ts. */
import { Option } from '../commander.js';
import type { RegisterCommand } from '../program.js';
import { collect } from './audit.js';

export interface BaselineFlags {
  /** The one format a baseline has, accepted as on every command that prints a file. */
  format: 'json';
  output?: string;
  rules?: string[];
  disable?: string[];
  only?: string[];
}

export const registerBaseline: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('baseline')
    .description('Write today\'s findings as a baseline: `audit --baseline FILE` then reports them as suppressed, not failing')
    .argument('<input...>', 'snapshot file (.json, .json.gz), raw-output directory, or - for stdin')
    .addOption(new Option('-f, --format <format>', 'output format (a baseline is JSON)').choices(['json']).default('json'))
    .option('-o, --output <file>', 'write the baseline to FILE instead of stdout')
    .option('--rules <dir>', 'also load rule files from DIR (repeatable)', collect)
    .option('--disable <id>', 'do not run rule ID (repeatable)', collect)
    .option('--only <id>', 'run only rule ID (repeatable)', collect)
    .addHelpText(
      'after',
      '\nA finding is known by its rule id, namespace and subject, never by lines or counters, so the baseline holds\n' +
        'across collections of the same host. A container\'s namespace is known by the commands running in it\n' +
        '("container:nginx"), not by its pid, which changes when it restarts.\n' +
        'Exit codes: 0 written, 2 bad input or usage (the baseline of the other inputs is still written).',
    )
    .action(async (inputs: string[], flags: BaselineFlags) => {
      const { runBaselineCommand } = await import('../actions/baseline.js');
      setExitCode(await runBaselineCommand(inputs, flags, io));
    });
};
