/** `netaudit trace INPUT --from SRC --to DST`: its flags and help. What it does is in ../actions/trace.ts. */
import { InvalidArgumentError, Option } from '../commander.js';
import type { RegisterCommand } from '../program.js';

export interface TraceFlags {
  from: string;
  to: string;
  proto?: 'tcp' | 'udp' | 'icmp';
  dport?: number;
  sport?: number;
  in?: string;
  oneWay?: boolean;
  format: 'text' | 'json' | 'html';
  output?: string;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError('expected a port number 1-65535');
  return n;
}

export const registerTrace: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('trace')
    .description('follow a packet and its reply through the host of a snapshot: every hook, routing decision, sysctl, bridge and veth, and where and why it dies')
    .argument('<input>', 'snapshot file (.json, .json.gz), raw-output directory, sosreport (directory or archive), or - for stdin')
    .requiredOption('--from <src>', 'an address, or netns:NAME (a collected namespace; netns:host is the host)')
    .requiredOption('--to <dst>', 'an address, or netns:NAME (its first global address)')
    .addOption(new Option('--proto <protocol>', 'protocol (default: tcp with --dport, else icmp echo)').choices(['tcp', 'udp', 'icmp']))
    .option('--dport <port>', 'destination port', port)
    .option('--sport <port>', 'source port (default 40000)', port)
    .option('--in <iface>', 'the host interface a source outside the host arrives on (default: the one the host routes it through)')
    .option('--one-way', 'follow the request only, not its reply')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'html']).default('text'))
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .addHelpText(
      'after',
      '\nWhat the snapshot cannot show (ipset contents, marks of unknown origin, a source not collected) makes the\n' +
        'step "maybe" and the verdict unknown, never a guess.\n' +
        'Exit codes: 0 delivered (request and reply), 1 dropped or unknown, 2 bad input or usage.',
    )
    .action(async (input: string, flags: TraceFlags) => {
      const { runTraceCommand } = await import('../actions/trace.js');
      setExitCode(await runTraceCommand(input, flags, io));
    });
};
