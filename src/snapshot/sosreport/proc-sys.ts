/**
 * The files under /proc/sys a sosreport copied, as the host's `sysctl` source where sos kept no `sysctl -a`
 * output (its kernel plugin not run, the command failed or was skipped): stored joined, each file after a
 * header naming it (parse/text/proc-sys.ts), so evidence names the file and its line.
 */
import { joinProcSysFiles, PROC_SYS_DIR, procSysKey, type ProcSysFile } from '../../parse/text/proc-sys.js';
import type { Source } from '../schema.js';
import { joinPath, type SosTree } from './tree.js';

/** Directories below proc/sys walked at most (proc/sys/net/ipv4/conf/eth0/...: 5 deep). */
const MAX_DEPTH = 8;

export async function procSysSource(tree: SosTree, why: string): Promise<Source | undefined> {
  const files: ProcSysFile[] = [];
  await walk(tree, PROC_SYS_DIR, 0, files);
  const readable = files.filter((f) => procSysKey(f.path) !== undefined);
  if (readable.length === 0) return undefined;
  return {
    status: 'ok',
    command: `the files under /proc/sys the sosreport copied (${why})`,
    exitCode: null,
    stdout: joinProcSysFiles(readable),
    stdoutEncoding: 'utf8',
    stderr: '',
    stderrEncoding: 'utf8',
    durationMs: 0,
    truncated: false,
    format: 'proc-sys',
  };
}

async function walk(tree: SosTree, dir: string, depth: number, out: ProcSysFile[]): Promise<void> {
  const names = await tree.list(dir);
  if (names === undefined || depth > MAX_DEPTH) return;
  for (const name of names) {
    const path = joinPath(dir, name);
    const bytes = await tree.read(path);
    if (bytes !== undefined) {
      // A value is text; bytes that are not UTF-8 are read as the parser will see them.
      out.push({ path, text: bytes.toString('utf8') });
    } else {
      await walk(tree, path, depth + 1, out);
    }
  }
}
