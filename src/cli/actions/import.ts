/**
 * What `netaudit import DIR [-o FILE]` does: turn a folder of pasted command outputs into a snapshot, on
 * stdout unless -o names a file. A file its parser refuses (`iptables -L` saved as iptables-save.txt) is
 * refused here as audit and show refuse it: one message naming the file and what to run, exit 2, nothing written.
 */
import { ExitCode } from '../../errors.js';
import { buildHost } from '../../model/build.js';
import { parseEveryRule } from '../../model/unreadable.js';
import { printableLine } from '../../report/escape.js';
import { snapshotToImport } from '../../snapshot/sosreport/index.js';
import { saveSnapshot, serializeSnapshot } from '../../snapshot/save.js';
import type { CliIo } from '../program.js';
import { unreadableSources } from '../unreadable.js';

export async function runImportCommand(dir: string, output: string | undefined, io: CliIo): Promise<number> {
  // A sosreport (its directory or archive) or a raw-output directory.
  const { snapshot, sosreport } = await snapshotToImport(dir);
  const host = buildHost(snapshot);
  parseEveryRule(host);
  const unreadable = unreadableSources(host, { label: dir, rawDirectory: !sosreport });
  if (unreadable.length > 0) {
    for (const message of unreadable) io.stderr(`netaudit: unreadable source, nothing imported: ${printableLine(message)}\n`);
    return ExitCode.badInput;
  }
  const toStdout = output === undefined || output === '-';
  if (toStdout) io.stdout((await serializeSnapshot(snapshot, { gzip: false })).toString('utf8'));
  else await saveSnapshot(snapshot, output);
  const present = Object.values(snapshot.namespaces[0]!.sources).filter((s) => s.status !== 'not-collected').length;
  io.stderr(`netaudit: imported ${present} source file(s) from ${dir} into ${toStdout ? 'stdout' : output}\n`);
  for (const note of snapshot.meta.notes) io.stderr(`netaudit: note: ${note}\n`);
  return ExitCode.ok;
}
