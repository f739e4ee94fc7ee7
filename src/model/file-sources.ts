/**
 * The file sources of one namespace (src/snapshot/host-files.ts) as the model reads them: each registered as
 * a SourceInfo (so a rule's `requires` and `show` see its status like a command's), and each file read
 * parsed with its label (`/etc/resolv.conf`, `netns:blue/etc/resolv.conf`). A parser's refusal marks the
 * source unreadable and is noted, as SourceReader does for commands.
 */
import { InputError } from '../errors.js';
import type { ParseInput, ParseNote, Parsed } from '../parse/common.js';
import { decodeText } from '../snapshot/decode.js';
import { fileLabel, FILE_SOURCE_BY_ID } from '../snapshot/host-files.js';
import type { CollectedFile, Namespace as SnapshotNamespace } from '../snapshot/schema.js';
import { sourceLabel } from '../snapshot/sources.js';
import { markUnreadable } from './sources.js';
import type { SourceInfo } from './types.js';
import { appendAll } from '../util/arrays.js';

/** A file as read: where it sits in the namespace's view, and what it says. */
export interface ReadFile {
  path: string;
  /** The label its evidence carries. */
  label: string;
  readFrom?: string;
  linkTarget?: string;
}

/** SourceInfo of every file source the snapshot holds for the namespace (none for older snapshots). */
export function fileSourceInfos(ns: SnapshotNamespace): SourceInfo[] {
  return Object.entries(ns.files ?? {}).map(([id, source]) => ({
    namespace: ns.name,
    id,
    label: sourceLabel(ns.name, id),
    status: source.status,
    command: `read ${FILE_SOURCE_BY_ID.get(id)?.paths.join(' ') ?? id}`,
    ...(source.reason ? { reason: source.reason } : {}),
  }));
}

/** Adds the file sources' infos to a namespace's source map (build.ts). */
export function registerFileSources(infos: Map<string, SourceInfo>, ns: SnapshotNamespace): void {
  for (const info of fileSourceInfos(ns)) infos.set(info.id, info);
}

/**
 * Each file of source `id` that was read, parsed. undefined when the source is not usable (absent from
 * the snapshot, failed, not collected, or refused by the parser); [] when nothing was there.
 */
export function readFileSource<T>(
  ns: SnapshotNamespace,
  id: string,
  infos: Map<string, SourceInfo>,
  notes: ParseNote[],
  parser: (input: ParseInput, file: CollectedFile) => Parsed<T>,
): { file: ReadFile; value: T }[] | undefined {
  const source = ns.files?.[id];
  const info = infos.get(id);
  if (!source || !info || (source.status !== 'ok' && source.status !== 'empty')) return undefined;
  const out: { file: ReadFile; value: T }[] = [];
  for (const file of source.files) {
    if (file.status !== 'ok' || file.content === undefined) continue;
    const label = fileLabel(ns.name, file.path);
    const decoded = decodeText(file.content, file.encoding ?? 'utf8', label);
    appendAll(notes, decoded.notes);
    try {
      const parsed = parser({ source: label, text: decoded.text }, file);
      appendAll(notes, parsed.notes);
      const read: ReadFile = { path: file.path, label };
      if (file.readFrom !== undefined) read.readFrom = file.readFrom;
      if (file.linkTarget !== undefined) read.linkTarget = file.linkTarget;
      out.push({ file: read, value: parsed.value });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      markUnreadable(info, err, notes);
      return undefined;
    }
  }
  return out;
}
