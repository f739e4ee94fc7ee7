/**
 * For the host-context parsers (nmcli, networkctl, NetworkManager.conf, .network, subnet.env, CNI JSON): the
 * lines a paste added around the content (shell prompts with the command typed at them, a bare prompt after),
 * as readPaste (src/parse/text/paste.ts) finds them, so each parser skips them with a note and keeps its own
 * reading of every other line (values such as nmcli's connection names keep their trailing spaces).
 */
import type { ParseInput, ParseNote } from './common.js';
import { readPaste } from './text/paste.js';

export interface PasteDamage {
  /** 1-based numbers of the non-blank lines that are not content. */
  skipped: Set<number>;
  notes: ParseNote[];
}

/** `comments`: the format has `#` comments, so a line starting with `#` is the parser's (a comment), never a prompt. */
export function pasteDamage(input: ParseInput, options: { comments: boolean }): PasteDamage {
  const paste = readPaste(input);
  const kept = new Set(paste.lines.map((l) => l.line));
  const skipped = new Set<number>();
  const lines = input.text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (text !== '' && !kept.has(i + 1) && !(options.comments && text.startsWith('#'))) skipped.add(i + 1);
  }
  // Only the prompts' notes: line endings and colour escapes are each parser's own business.
  return { skipped, notes: paste.notes.filter((n) => n.line !== undefined && skipped.has(n.line)) };
}

/**
 * The lines of a `#`-commented configuration file that hold something, trimmed, with their numbers: blank
 * lines, comments and what a paste added around the file are left out (the paste's notes go to `notes`);
 * `raw` is the line as it stands, for evidence.
 */
export function configLines(input: ParseInput, notes: ParseNote[]): { line: number; text: string; raw: string }[] {
  const damage = pasteDamage(input, { comments: true });
  notes.push(...damage.notes);
  const out: { line: number; text: string; raw: string }[] = [];
  input.text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const text = raw.trim();
    if (!damage.skipped.has(i + 1) && text !== '' && !text.startsWith('#')) out.push({ line: i + 1, text, raw });
  });
  return out;
}
