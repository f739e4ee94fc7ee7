/** `netaudit collect`: its flags and help. What it does is in ../actions/collect.ts, loaded when it runs. */
import type { RegisterCommand } from '../program.js';

export interface CollectFlags {
  output?: string;
  netns?: string[];
  timeout: string;
  maxBytes?: string;
}

/**
 * DEFAULT_MAX_OUTPUT_BYTES of src/collect/node-collector.ts, repeated for the help text so that defining
 * the command loads no collector code; test/cli checks that the two are the same.
 */
export const DEFAULT_MAX_BYTES_SHOWN = 64 * 1024 * 1024;

export const registerCollect: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('collect')
    .description('Snapshot this host\'s network configuration (raw command outputs) into one file; run as root')
    .option('-o, --output <file>', 'write the snapshot here (.json, or .json.gz to compress; "-" for stdout). Default: stdout, or netaudit-<host>-<time>.json.gz when stdout is a terminal')
    .option('--netns <names...>', 'also collect inside these named network namespaces; "all" adds every named namespace and the namespaces of running processes (containers)')
    .option('--timeout <seconds>', 'per command; a command still running is killed and recorded as failed', '10')
    .option('--max-bytes <bytes>', `per command output; longer output is cut and marked truncated (default ${DEFAULT_MAX_BYTES_SHOWN})`)
    .action(async (flags: CollectFlags) => {
      const { runCollectCommand } = await import('../actions/collect.js');
      setExitCode(await runCollectCommand(flags, io));
    });
};
