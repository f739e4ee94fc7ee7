/** What `netaudit import DIR -o FILE` does: turn a folder of pasted command outputs into a snapshot. */
import { stat } from 'node:fs/promises';
import { ExitCode, InputError } from '../../errors.js';
import { importRawDir } from '../../snapshot/import.js';
import { systemMessage } from '../../snapshot/read-bytes.js';
import { saveSnapshot, serializeSnapshot } from '../../snapshot/save.js';
import type { CliIo } from '../program.js';

export async function runImportCommand(dir: string, output: string, io: CliIo): Promise<number> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new InputError('not a directory (expected a raw-output directory)', { file: dir });
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read: ${systemMessage(err)}`, { file: dir });
  }
  const snapshot = await importRawDir(dir);
  if (output === '-') io.stdout((await serializeSnapshot(snapshot, { gzip: false })).toString('utf8'));
  else await saveSnapshot(snapshot, output);
  const present = Object.values(snapshot.namespaces[0]!.sources).filter((s) => s.status !== 'not-collected').length;
  io.stderr(`netaudit: imported ${present} source file(s) from ${dir} into ${output === '-' ? 'stdout' : output}\n`);
  for (const note of snapshot.meta.notes) io.stderr(`netaudit: note: ${note}\n`);
  return ExitCode.ok;
}
