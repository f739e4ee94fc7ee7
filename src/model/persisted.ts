/**
 * Persisted sysctl settings in the order systemd-sysctl applies them (sysctl.d(5)): the *.conf files of
 * every sysctl.d directory, a file name in an earlier directory (/etc, /run, /usr/local/lib, /usr/lib,
 * /lib) masking the same name in a later one (a symlink to /dev/null is an empty file that masks), the
 * rest sorted by file name across directories, and /etc/sysctl.conf last (`sysctl --system`). The last
 * line of a key wins: an assignment, or a `-key` exclusion that keeps globs off it.
 */
import path from 'node:path';
import { InputError } from '../errors.js';
import type { ParseNote } from '../parse/common.js';
import { parseSysctlConf } from '../parse/sysctl-conf.js';
import type { SysctlConfEntry } from '../parse/types.js';
import { decodeText } from '../snapshot/decode.js';
import type { PersistedFile, PersistedSysctl as SnapshotPersisted } from '../snapshot/schema.js';
import { MAIN_SYSCTL_CONF, SYSCTL_D_DIRS } from '../snapshot/sysctl-dirs.js';
import type { PersistedSysctl } from './types.js';
import { appendAll } from '../util/arrays.js';

/** systemd-sysctl sorts by file name with strcmp: byte order, not the locale's (which also costs an ICU start-up). */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function applyOrder(a: string, b: string): number {
  if (a === MAIN_SYSCTL_CONF) return b === MAIN_SYSCTL_CONF ? 0 : 1;
  if (b === MAIN_SYSCTL_CONF) return -1;
  return byteOrder(path.posix.basename(a), path.posix.basename(b)) || byteOrder(a, b);
}

/** Earlier directories mask later ones; a directory outside the list (an older snapshot's) ranks as /etc. */
function directoryRank(file: string): number {
  const rank = (SYSCTL_D_DIRS as readonly string[]).indexOf(path.posix.dirname(file));
  return rank < 0 ? 0 : rank;
}

/** The files systemd-sysctl reads: per file name, the one in the earliest directory. */
export function effectiveSysctlFiles(files: readonly PersistedFile[]): PersistedFile[] {
  const byName = new Map<string, PersistedFile>();
  const main: PersistedFile[] = [];
  for (const file of files) {
    if (file.path === MAIN_SYSCTL_CONF) {
      main.push(file);
      continue;
    }
    const name = path.posix.basename(file.path);
    const kept = byName.get(name);
    if (!kept || directoryRank(file.path) < directoryRank(kept.path)) byName.set(name, file);
  }
  return [...byName.values(), ...main].sort((a, b) => applyOrder(a.path, b.path));
}

export function buildPersistedSysctl(persisted: SnapshotPersisted, notes: ParseNote[]): PersistedSysctl {
  const result: PersistedSysctl = { status: persisted.status, entries: [], effective: new Map() };
  if (persisted.reason) result.reason = persisted.reason;
  const files = effectiveSysctlFiles(persisted.files);
  for (const file of files) {
    const { text, notes: decodeNotes } = decodeText(file.content, file.encoding, file.path);
    appendAll(notes, decodeNotes);
    try {
      const parsed = parseSysctlConf({ source: file.path, text });
      appendAll(notes, parsed.notes);
      appendAll(result.entries, parsed.value);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      notes.push({ source: file.path, message: `unreadable, ignored: ${err.message}`, dropped: true });
    }
  }
  for (const entry of result.entries) result.effective.set(entry.key, entry);
  return result;
}

export type { SysctlConfEntry };
