/**
 * What every plain-text parser does first to a paste: CRLF and lone CR line endings, a BOM, ANSI colour
 * escapes (`ip -c`), shell prompts with the command typed at them before (and a bare prompt after) the
 * output, and blank lines. What is left are the content lines, each with its 1-based line number in the
 * original text, so evidence and errors point at the line the user pasted.
 */
import { ANSI_ESCAPE, splitLines, type ParseInput, type ParseNote } from '../common.js';

export interface PasteLine {
  /** 1-based line number in the original text. */
  line: number;
  /** The line without colour escapes and trailing whitespace (leading whitespace is kept: it is structure). */
  text: string;
}

export interface Paste {
  lines: PasteLine[];
  notes: ParseNote[];
}

/**
 * `root@web-01:~# ip addr`, `[root@node1 ~]# ip -4 route`, `user@host $ ip neigh`, `$ ip link`, `# ip rule`,
 * `PS C:\> ...` is not Linux. A prompt is only recognised around the output, never inside it.
 */
const SHELL_PROMPT = /^(\[[^\]]*\]\s?[#$%>]|[\w.-]+@[\w.-]+(:[^\s#$%>]*)?\s?[#$%>]|[#$%>])(\s|$)/;

export function isShellPrompt(line: string): boolean {
  return SHELL_PROMPT.test(line);
}

/**
 * The lines of a pasted output that holds nothing but shell prompts (an empty output pasted with the prompt and
 * command above it and a prompt below), or undefined when any other line is in it.
 */
export function promptOnlyLines(text: string): number[] | undefined {
  const prompts: number[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/^\ufeff/, '').trim();
    if (line === '') continue;
    if (!isShellPrompt(line)) return undefined;
    prompts.push(i + 1);
  }
  return prompts;
}

/** `ip -all netns exec ip addr` heads each namespace's output with `netns: NAME`. */
const NETNS_HEADER = /^netns: (\S+)$/;

export function readPaste(input: ParseInput): Paste {
  const notes: ParseNote[] = [];
  const note = (message: string, line?: number): void => {
    notes.push(line === undefined ? { source: input.source, message } : { source: input.source, line, message });
  };
  const text = input.text;
  if (text.includes('\r\n')) note('CRLF (Windows) line endings read as line breaks');
  else if (text.includes('\r')) note('carriage returns read as line breaks: the line endings were damaged');
  const raw = splitLines(text);
  let escapes = 0;
  const lines: PasteLine[] = [];
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i] as string;
    if (line.includes('\u001b')) {
      escapes += line.match(ANSI_ESCAPE)?.length ?? 0;
      line = line.replace(ANSI_ESCAPE, '');
    }
    line = line.trimEnd();
    if (line.trim() === '') continue;
    lines.push({ line: i + 1, text: line });
  }
  if (escapes > 0) note(`${escapes} ANSI colour escape sequences removed (terminal capture, \`ip -c\`?)`);
  let start = 0;
  while (start < lines.length && isShellPrompt((lines[start] as PasteLine).text)) {
    note(`shell prompt skipped: ${(lines[start] as PasteLine).text.slice(0, 80)}`, (lines[start] as PasteLine).line);
    start++;
  }
  let end = lines.length;
  while (end > start && isShellPrompt((lines[end - 1] as PasteLine).text)) {
    note(`shell prompt after the output skipped`, (lines[end - 1] as PasteLine).line);
    end--;
  }
  const body = lines.slice(start, end);
  const first = body[0];
  const header = first ? NETNS_HEADER.exec(first.text) : null;
  if (first && header) {
    note(`output of namespace ${header[1]} (\`ip -all netns exec\` header skipped)`, first.line);
    body.shift();
  }
  return { lines: body, notes };
}

/** Whitespace-separated words of a line. */
export function words(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

/**
 * `ip -o` prints each interface (or address) on one line, its inner line breaks as a backslash: turn it
 * back into the multi-line form, every piece keeping the line number of the line it came from.
 */
export function expandOneLine(lines: PasteLine[]): PasteLine[] {
  if (!lines.some((l) => l.text.includes('\\'))) return lines;
  const out: PasteLine[] = [];
  for (const l of lines) {
    const pieces = l.text.split(/\\(?=\s)/);
    out.push({ line: l.line, text: (pieces[0] as string).trimEnd() });
    for (const piece of pieces.slice(1)) if (piece.trim() !== '') out.push({ line: l.line, text: `    ${piece.trim()}` });
  }
  return out;
}

/**
 * iproute2's own error line (`Error: Peer netns reference is invalid.`, the kernel's extended ack) is stderr,
 * which a sosreport keeps with the output: a note where it stood, since ip stops a dump at an error and the
 * listing may be incomplete from there. Undefined for any other line.
 */
export function iprouteErrorNote(source: string, line: PasteLine): ParseNote | undefined {
  if (!/^Error: \S/.test(line.text)) return undefined;
  const text = line.text.trim();
  return { source, line: line.line, message: `ip's error message skipped (its stderr, kept with the output): ${text.length > 100 ? `${text.slice(0, 99)}…` : text}; the listing may be incomplete from here` };
}

export function isIndented(text: string): boolean {
  return text.charCodeAt(0) === 0x20 || text.charCodeAt(0) === 0x09;
}
