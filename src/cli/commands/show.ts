/** `netaudit show INPUT`: its flags and help. What it does is in ../actions/show.ts, loaded when it runs. */
import { Option } from '../commander.js';
import type { RegisterCommand } from '../program.js';

export const registerShow: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('show')
    .description('print the host model of a snapshot: interfaces, bridges, veth peers, routes, forwarding, netfilter, sources')
    .argument('<input>', 'snapshot file (.json, .json.gz), raw-output directory, sosreport (directory or archive), or - for stdin')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'html']).default('text'))
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .addHelpText('after', '\nExit codes: 0 shown, 2 bad input or usage, or a source its parser refused (shown as unreadable).')
    .action(async (input: string, opts: { format: 'text' | 'json' | 'html'; output?: string }) => {
      const { runShowCommand } = await import('../actions/show.js');
      setExitCode(await runShowCommand(input, opts.format, opts.output, io));
    });
};
