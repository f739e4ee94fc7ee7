/**
 * Persisted sysctl settings (/etc/sysctl.conf, /etc/sysctl.d/*.conf) in the order systemd-sysctl and
 * `sysctl --system` apply them: sysctl.d files sorted by file name, /etc/sysctl.conf last. The last
 * line of a key wins: an assignment, or a `-key` exclusion that keeps globs off it.
 */
import path from 'node:path';
import { InputError } from '../errors.js';
import type { ParseNote } from '../parse/common.js';
import { parseSysctlConf } from '../parse/sysctl-conf.js';
import type { SysctlConfEntry } from '../parse/types.js';
import { decodeText } from '../snapshot/decode.js';
import type { PersistedSysctl as SnapshotPersisted } from '../snapshot/schema.js';
import type { PersistedSysctl } from './types.js';
import { appendAll } from '../util/arrays.js';

const MAIN_CONF = '/etc/sysctl.conf';

/** systemd-sysctl sorts by file name with strcmp: byte order, not the locale's (which also costs an ICU start-up). */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function applyOrder(a: string, b: string): number {
  if (a === MAIN_CONF) return b === MAIN_CONF ? 0 : 1;
  if (b === MAIN_CONF) return -1;
  return byteOrder(path.posix.basename(a), path.posix.basename(b)) || byteOrder(a, b);
}

export function buildPersistedSysctl(persisted: SnapshotPersisted, notes: ParseNote[]): PersistedSysctl {
  const result: PersistedSysctl = { status: persisted.status, entries: [], effective: new Map() };
  if (persisted.reason) result.reason = persisted.reason;
  const files = [...persisted.files].sort((a, b) => applyOrder(a.path, b.path));
  for (const file of files) {
    const { text, notes: decodeNotes } = decodeText(file.content, file.encoding, file.path);
    appendAll(notes, decodeNotes);
    try {
      const parsed = parseSysctlConf({ source: file.path, text });
      appendAll(notes, parsed.notes);
      appendAll(result.entries, parsed.value);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      notes.push({ source: file.path, message: `unreadable, ignored: ${err.message}` });
    }
  }
  for (const entry of result.entries) result.effective.set(entry.key, entry);
  return result;
}

export type { SysctlConfEntry };
