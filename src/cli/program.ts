/**
 * The commander layer: parses flags and hands over to one module per command.
 * Every command's action returns its exit code; InputError becomes one message on stderr and exit 2.
 *
 * commands/ defines each command (flags, help) and loads what it does, actions/, only when it runs:
 * `--version` or `audit` need not load the collector, the report formats or the rule catalog of the others.
 */
import { Command, CommanderError } from './commander.js';
import { ExitCode, InputError } from '../errors.js';
import { VERSION } from '../version.js';
import { COMMANDS } from './commands/index.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export const processIo = (): CliIo => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
});

export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command('netaudit')
    .description('Audit a Linux host\'s network configuration offline, from one snapshot file')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  for (const register of COMMANDS) {
    register(program, io, (code) => {
      exitCode = code;
    });
  }

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is a usage error.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
    }
    if (err instanceof InputError) {
      io.stderr(`netaudit: ${err.describe()}\n`);
      return ExitCode.badInput;
    }
    throw err;
  }
}

export type RegisterCommand = (program: Command, io: CliIo, setExitCode: (code: number) => void) => void;
