/** `netaudit collector-script`: print the POSIX sh collector for hosts without Node.js. */
import { ExitCode } from '../../errors.js';
import type { RegisterCommand } from '../program.js';

export const registerCollectorScript: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('collector-script')
    .description('Print the POSIX sh collector (same snapshot format as `collect`, no Node.js needed): netaudit collector-script > collect.sh; sudo sh collect.sh -o snap.json')
    .action(async () => {
      const { collectorScript } = await import('../../collect/sh-collector.js');
      io.stdout(collectorScript());
      setExitCode(ExitCode.ok);
    });
};
