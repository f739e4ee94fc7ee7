/** `netaudit import DIR [-o FILE]`: its flags and help. What it does is in ../actions/import.ts, loaded when it runs. */
import { RAW_SYSCTL_DIR, SOURCES } from '../../snapshot/sources.js';
import type { RegisterCommand } from '../program.js';

const RAW_FILES = SOURCES.flatMap((s) => [...(s.rawFile === undefined ? [] : [{ rawFile: s.rawFile, title: s.title }]), ...(s.otherRawForms ?? [])]);

const FILE_LIST = [
  // Once each: ss-peaonmi.txt and netstat.txt are forms of both ss-tlnp and ss-ulnp.
  ...RAW_FILES.filter((f, i) => RAW_FILES.findIndex((g) => g.rawFile === f.rawFile) === i).map((f) => `  ${f.rawFile.padEnd(26)} ${f.title}`),
  `  ${`${RAW_SYSCTL_DIR}/`.padEnd(26)} copies of sysctl.conf and the sysctl.d directories systemd-sysctl reads`,
  `  ${'netns/<name>/'.padEnd(26)} the same files, from inside a named network namespace`,
].join('\n');

export const registerImport: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('import')
    .description('Turn a raw-output directory (command outputs pasted from a bug report) or a sosreport into a snapshot file')
    .argument('<dir>', 'folder holding any subset of the files listed below, or a sosreport (its directory, or the .tar.xz, .tar.gz, .tar.bz2)')
    .option('-o, --output <file>', 'write the snapshot here (.json, or .json.gz to compress; "-" for stdout), readable by its owner only. Default: stdout')
    .addHelpText('after', `\nFiles read from DIR (any subset; missing ones are recorded as not collected):\n${FILE_LIST}\n`)
    .action(async (dir: string, flags: { output?: string }) => {
      const { runImportCommand } = await import('../actions/import.js');
      setExitCode(await runImportCommand(dir, flags.output, io));
    });
};
