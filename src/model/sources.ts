/**
 * Reading one source of one namespace: its status, its decoded text, and the parser's verdict.
 * A parser error does not stop the model: the source is marked unreadable (rules needing it are
 * skipped with the parser's message) and everything else is still built.
 */
import { InputError } from '../errors.js';
import type { ParseInput, ParseNote, Parsed } from '../parse/common.js';
import type { Namespace as SnapshotNamespace } from '../snapshot/schema.js';
import { sourceText } from '../snapshot/decode.js';
import { SOURCE_BY_ID, sourceLabel, type SourceId } from '../snapshot/sources.js';
import { originOf, sourceParts } from './evidence-origin.js';
import type { SourceInfo } from './types.js';
import { appendAll } from '../util/arrays.js';

export class SourceReader {
  readonly infos = new Map<string, SourceInfo>();

  constructor(
    private readonly ns: SnapshotNamespace,
    private readonly notes: ParseNote[],
  ) {
    for (const [id, source] of Object.entries(ns.sources)) {
      this.infos.set(id, {
        namespace: ns.name,
        id,
        label: sourceLabel(ns.name, id),
        status: source.status,
        command: source.command,
        ...(source.reason ? { reason: source.reason } : {}),
      });
    }
  }

  label(id: string): string {
    return sourceLabel(this.ns.name, id);
  }

  /** Info for a source, creating a not-collected entry for sources the snapshot does not mention. */
  info(id: SourceId): SourceInfo {
    let info = this.infos.get(id);
    if (!info) {
      info = {
        namespace: this.ns.name,
        id,
        label: this.label(id),
        status: 'not-collected',
        reason: 'not in the snapshot',
        command: SOURCE_BY_ID.get(id)?.argv.join(' '),
      };
      this.infos.set(id, info);
    }
    return info;
  }

  /**
   * Parse a source with `parser`. Returns undefined when the source is unavailable (not collected or failed)
   * or unreadable (the parser refused it; recorded on its SourceInfo). An `empty` source is parsed as empty text.
   */
  read<T>(id: SourceId, parser: (input: ParseInput) => Parsed<T>): T | undefined {
    const info = this.info(id);
    const source = this.ns.sources[id];
    if (!source || (info.status !== 'ok' && info.status !== 'empty')) return undefined;
    const label = this.label(id);
    const decoded = sourceText(source, label);
    appendAll(this.notes, decoded.notes);
    // A text joined from several files: where each starts, so evidence can name the file and its line.
    if (source.format !== undefined) {
      const parts = sourceParts(source.format, decoded.text);
      if (parts) info.parts = parts;
    }
    try {
      const parsed = parser({ source: label, text: decoded.text });
      appendAll(this.notes, parsed.notes);
      return parsed.value;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      markUnreadable(info, err, this.notes);
      return undefined;
    }
  }
}

/** A source its parser refused: the error on its info, and a note naming the line. */
export function markUnreadable(info: SourceInfo, err: InputError, notes: ParseNote[]): void {
  const line = err.location.line;
  // A line of a text joined from several files: which file, and its line there.
  const origin = info.parts && line !== undefined ? originOf(info.parts, line) : undefined;
  info.parseError = `${err.describe()}${origin ? ` [line ${origin.line} of ${origin.file}]` : ''}`;
  notes.push({ source: info.label, ...(line !== undefined ? { line } : {}), message: `unreadable, ignored: ${err.message}${err.hint ? ` (${err.hint})` : ''}` });
}

/** A source rules can rely on: collected, parsed, and not refused. */
export function sourceUsable(info: SourceInfo | undefined): boolean {
  return Boolean(info && (info.status === 'ok' || info.status === 'empty') && !info.parseError);
}
