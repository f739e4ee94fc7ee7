import { Option } from 'commander';
import { ExitCode } from '../../errors.js';
import { buildHost } from '../../model/build.js';
import { renderShowText } from '../../show/text.js';
import { hostView } from '../../show/view.js';
import { loadInput } from '../../snapshot/load.js';
import type { RegisterCommand } from '../program.js';

export const registerShow: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('show')
    .description('print the host model of a snapshot: interfaces, bridges, veth peers, routes, forwarding, netfilter, sources')
    .argument('<input>', 'snapshot file (.json, .json.gz), raw-output directory, or - for stdin')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (input: string, opts: { format: 'text' | 'json' }) => {
      const loaded = await loadInput(input);
      const view = hostView(buildHost(loaded.snapshot));
      for (const note of loaded.notes) io.stderr(`netaudit: ${loaded.label}: ${note}\n`);
      io.stdout(opts.format === 'json' ? `${JSON.stringify(view, null, 2)}\n` : renderShowText(view));
      setExitCode(ExitCode.ok);
    });
};
