/** `netaudit rules`: its flags and help. What it does is in ../actions/rules.ts, loaded when it runs. */
import { Option } from '../commander.js';
import type { RegisterCommand } from '../program.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export const registerRules: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('rules')
    .description('List the rules: built-in ones and those of each --rules DIR')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--rules <dir>', 'also load rule files from DIR (repeatable)', collect)
    .action(async (opts: { format: 'text' | 'json'; output?: string; rules?: string[] }) => {
      const { runRulesCommand } = await import('../actions/rules.js');
      setExitCode(await runRulesCommand(opts.format, opts.rules ?? [], io, opts.output));
    });
};
