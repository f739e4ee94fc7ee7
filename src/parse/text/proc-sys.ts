/**
 * The files under /proc/sys a sosreport copied, as the `sysctl` source where the report holds no `sysctl -a`
 * output: each file's path is the key (`proc/sys/net/ipv4/conf/eth0.100/forwarding` is
 * `net.ipv4.conf.eth0/100.forwarding`, as sysctl prints it), its content the value. A snapshot stores them
 * as one text, each file after a header line naming it (the header `head` prints between files):
 *
 *     ==> proc/sys/net/ipv4/ip_forward <==
 *     1
 *     ==> proc/sys/net/ipv4/conf/all/forwarding <==
 *     1
 *
 * so evidence quotes the line of the stored text, and names the file and its line (SourcePart).
 */
import { clip, fail, splitLines, type ParseInput, type ParseNote, type Parsed } from '../common.js';
import type { SysctlDump, SysctlEntry } from '../types.js';

export const PROC_SYS_DIR = 'proc/sys';

export interface ProcSysFile {
  /** The file's path in the report, `proc/sys/...`. */
  path: string;
  text: string;
}

/** One file of a stored text: its path and the line (1-based) its first line has in the stored text. */
export interface StoredProcSysFile {
  path: string;
  firstLine: number;
  lines: string[];
}

const HEADER = /^==> (proc\/sys\/\S+) <==$/;

/** The stored text of the files, each after its header; a file's trailing newline is not kept. */
export function joinProcSysFiles(files: readonly ProcSysFile[]): string {
  return files.map((f) => `==> ${f.path} <==\n${f.text.replace(/\r?\n$/, '')}\n`).join('');
}

/** The sysctl key of a file under proc/sys: its path's levels joined by dots, a dot inside a level printed as `/`. */
export function procSysKey(path: string): string | undefined {
  if (!path.startsWith(`${PROC_SYS_DIR}/`)) return undefined;
  const levels = path.slice(PROC_SYS_DIR.length + 1).split('/');
  if (levels.length < 2 || levels.some((l) => l === '' || l === '.' || l === '..' || /\s/.test(l))) return undefined;
  return levels.map((l) => l.replace(/\./g, '/')).join('.');
}

export class ProcSysSplitError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** The files of a stored text; text before the first header is refused. */
export function splitProcSysFiles(text: string): StoredProcSysFile[] {
  const lines = splitLines(text);
  const files: StoredProcSysFile[] = [];
  let current: StoredProcSysFile | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const header = HEADER.exec(line);
    if (header) {
      current = { path: header[1] as string, firstLine: i + 2, lines: [] };
      files.push(current);
    } else if (current) {
      current.lines.push(line);
    } else if (line.trim() !== '') {
      throw new ProcSysSplitError('text before the first `==> proc/sys/... <==` header', i + 1);
    }
  }
  return files;
}

/** The stored files as a `sysctl -a` dump: one entry per line of each file, at its line of the stored text. */
export function parseProcSysFiles(input: ParseInput): Parsed<SysctlDump> {
  const notes: ParseNote[] = [];
  let files: StoredProcSysFile[];
  try {
    files = splitProcSysFiles(input.text);
  } catch (err) {
    if (err instanceof ProcSysSplitError) fail(input, err.message, err.line, 'expected the files under /proc/sys, each after a line `==> proc/sys/PATH <==`');
    throw err;
  }
  const entries: SysctlEntry[] = [];
  for (const file of files) {
    const key = procSysKey(file.path);
    if (key === undefined) fail(input, `"${clip(file.path, 120)}" is no file under proc/sys that sysctl reads`, file.firstLine - 1);
    // A file's content ends at the next header: its last lines may be blank ones that separated the files.
    let count = file.lines.length;
    while (count > 1 && (file.lines[count - 1] as string).trim() === '') count--;
    for (let i = 0; i < count; i++) {
      const value = (file.lines[i] as string).replace(/\r$/, '');
      entries.push({ key, value, line: file.firstLine + i, text: clip(`${key} = ${value}`) });
    }
  }
  return { value: { entries }, notes };
}
