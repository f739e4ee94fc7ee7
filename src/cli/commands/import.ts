/** `netaudit import DIR -o FILE`: turn a folder of pasted command outputs into a snapshot. */
import { stat } from 'node:fs/promises';
import { ExitCode, InputError } from '../../errors.js';
import { importRawDir } from '../../snapshot/import.js';
import { systemMessage } from '../../snapshot/read-bytes.js';
import { saveSnapshot, serializeSnapshot } from '../../snapshot/save.js';
import { RAW_SYSCTL_DIR, SOURCES } from '../../snapshot/sources.js';
import type { RegisterCommand } from '../program.js';

const FILE_LIST = [
  ...SOURCES.filter((s) => s.rawFile !== undefined).map((s) => `  ${s.rawFile!.padEnd(26)} ${s.title}`),
  `  ${`${RAW_SYSCTL_DIR}/`.padEnd(26)} copies of /etc/sysctl.conf and /etc/sysctl.d/*.conf`,
  `  ${'netns/<name>/'.padEnd(26)} the same files, from inside a named network namespace`,
].join('\n');

export const registerImport: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('import')
    .description('Turn a raw-output directory (command outputs pasted from a bug report) into a snapshot file')
    .argument('<dir>', 'folder holding any subset of the files listed below')
    .requiredOption('-o, --output <file>', 'snapshot to write (.json, or .json.gz to compress; "-" for stdout)')
    .addHelpText('after', `\nFiles read from DIR (any subset; missing ones are recorded as not collected):\n${FILE_LIST}\n`)
    .action(async (dir: string, flags: { output: string }) => {
      try {
        if (!(await stat(dir)).isDirectory()) throw new InputError('not a directory (expected a raw-output directory)', { file: dir });
      } catch (err) {
        if (err instanceof InputError) throw err;
        throw new InputError(`cannot read: ${systemMessage(err)}`, { file: dir });
      }
      const snapshot = await importRawDir(dir);
      if (flags.output === '-') io.stdout((await serializeSnapshot(snapshot, { gzip: false })).toString('utf8'));
      else await saveSnapshot(snapshot, flags.output);
      const present = Object.values(snapshot.namespaces[0]!.sources).filter((s) => s.status !== 'not-collected').length;
      io.stderr(`netaudit: imported ${present} source file(s) from ${dir} into ${flags.output === '-' ? 'stdout' : flags.output}\n`);
      for (const note of snapshot.meta.notes) io.stderr(`netaudit: note: ${note}\n`);
      setExitCode(ExitCode.ok);
    });
};
