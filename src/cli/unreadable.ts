/**
 * The one message each unreadable source gets (a source its parser refused: `iptables -L` saved as
 * iptables-save.txt, `ip addr` text where JSON belongs), the same from audit, show and import: the file it
 * came from (in a raw-output directory) or the input and source (in a snapshot), the line, and what to run.
 */
import type { Host } from '../model/types.js';
import type { ParseNote } from '../parse/common.js';
import { rawDirectoryArtifact } from '../report/raw-artifacts.js';

export interface InputName {
  /** The input as the user named it. */
  label: string;
  /** A raw-output directory: each source is a file of it. */
  rawDirectory: boolean;
}

export function unreadableSources(host: Host, input: InputName): string[] {
  const messages: string[] = [];
  for (const info of host.sources) {
    if (info.parseError === undefined) continue;
    const where = input.rawDirectory ? (rawDirectoryArtifact(input.label, info.label) ?? input.label) : `${input.label}: ${info.label}`;
    const own = `${info.label}: `;
    messages.push(`${where}: ${info.parseError.startsWith(own) ? info.parseError.slice(own.length) : info.parseError}`);
  }
  return messages;
}

/** The notes worth printing: those of an unreadable source are moot, its one message says what matters. */
export function notesOfReadableSources(host: Host): ParseNote[] {
  const unreadable = new Set(host.sources.filter((s) => s.parseError !== undefined).map((s) => s.label));
  return unreadable.size === 0 ? host.notes : host.notes.filter((n) => !unreadable.has(n.source));
}
