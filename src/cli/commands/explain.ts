/** `netaudit explain ID`: its flags and help. What it does is in ../actions/explain.ts, loaded when it runs. */
import type { RegisterCommand } from '../program.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export const registerExplain: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('explain')
    .description('Explain a rule: what it checks, why it matters, how to fix it, which facts it reads')
    .argument('<id>', 'rule id (see `netaudit rules`)')
    .option('--rules <dir>', 'also load rule files from DIR (repeatable)', collect)
    .action(async (id: string, opts: { rules?: string[] }) => {
      const { runExplainCommand } = await import('../actions/explain.js');
      setExitCode(await runExplainCommand(id, opts.rules ?? [], io));
    });
};
