/** `netaudit show INPUT`: its flags and help. What it does is in ../actions/show.ts, loaded when it runs. */
import { Option } from '../commander.js';
import type { RegisterCommand } from '../program.js';

export const registerShow: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('show')
    .description('print the host model of a snapshot: interfaces, bridges, veth peers, routes, forwarding, netfilter, sources')
    .argument('<input>', 'snapshot file (.json, .json.gz), raw-output directory, or - for stdin')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (input: string, opts: { format: 'text' | 'json' }) => {
      const { runShowCommand } = await import('../actions/show.js');
      setExitCode(await runShowCommand(input, opts.format, io));
    });
};
