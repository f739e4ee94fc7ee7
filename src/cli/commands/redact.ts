/** `netaudit redact INPUT -o OUT [--key-file FILE]` and `netaudit redact --reveal VALUE --key-file FILE`. What they do: ../actions/redact.ts. */
import type { RegisterCommand } from '../program.js';

export interface RedactFlags {
  output?: string;
  keyFile?: string;
  redactInterfaces?: boolean;
  reveal?: string;
}

export const registerRedact: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('redact')
    .description('write a snapshot safe to attach to a bug report: addresses and MACs permuted (keeping prefixes and classes), names and comments tokenised; it audits the same')
    .argument('[input]', 'snapshot file (.json, .json.gz), raw-output directory, or - for stdin')
    .option('-o, --output <file>', 'write the redacted snapshot here (.json, or .json.gz; "-" for stdout), readable by its owner only. Default: stdout')
    .option('--key-file <file>', 'the key (made and written 0600 when the file does not exist, reused when it does); default: OUTPUT.key')
    .option('--redact-interfaces', 'replace interface names too (kept by default: docker0, veth…, cni0 carry meaning); the kind prefix stays')
    .option('--reveal <value>', 'map a redacted address, network, MAC or token back (needs --key-file)')
    .addHelpText(
      'after',
      '\nThe key stays with you: attach the redacted snapshot, keep the key file. A source the redactor cannot follow is\n' +
        'dropped (recorded as not collected) and named on stderr, never passed through.\n' +
        'Exit codes: 0 written (or revealed), 2 bad input or usage, or a value this key did not make.',
    )
    .action(async (input: string | undefined, flags: RedactFlags) => {
      const { runRedactCommand } = await import('../actions/redact.js');
      setExitCode(await runRedactCommand(input, flags, io));
    });
};
