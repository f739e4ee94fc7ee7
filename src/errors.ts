/**
 * Errors that reach the user. Anything thrown as an InputError is bad input or bad usage:
 * the CLI prints its one-line message and exits 2. Anything else is a bug in netaudit.
 */

export interface InputLocation {
  /** File on disk (snapshot, raw-output file, rule file), when there is one. */
  file?: string;
  /** Source id within a snapshot, e.g. "iptables-save" or "netns:blue/ip-link". */
  source?: string;
  /** 1-based line within the source or file. */
  line?: number;
  /** JSON path inside a document, e.g. "/namespaces/0/sources/sysctl". */
  path?: string;
}

export class InputError extends Error {
  override readonly name: string = 'InputError';
  constructor(
    message: string,
    readonly location: InputLocation = {},
    readonly hint?: string,
  ) {
    super(message);
  }

  /** One line: "file: source: line 12: message (hint)". */
  describe(): string {
    const where = formatLocation(this.location);
    const hint = this.hint ? ` (${this.hint})` : '';
    return `${where}${this.message}${hint}`;
  }
}

/** A parser's own error: always carries the source and, where it can, the line. */
export class ParseError extends InputError {
  override readonly name: string = 'ParseError';
}

/**
 * A parse error found after the model was built: a rule line the scan only checked for its structure
 * (src/parse/iptables-lazy.ts) turned out malformed when a check first read it. The audit then treats
 * its source as unreadable, as if the parser had refused it up front.
 */
export class DeferredParseError extends ParseError {
  override readonly name: string = 'DeferredParseError';
}

export class UsageError extends InputError {
  override readonly name: string = 'UsageError';
}

export function formatLocation(loc: InputLocation): string {
  const parts: string[] = [];
  if (loc.file) parts.push(loc.file);
  if (loc.source) parts.push(loc.source);
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.path) parts.push(loc.path);
  return parts.length ? `${parts.join(': ')}: ` : '';
}

export const ExitCode = {
  ok: 0,
  findings: 1,
  badInput: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
