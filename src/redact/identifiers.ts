/**
 * Names that identify the host wherever they appear: the hostname (full, short, and its domain), domain
 * names from sysctl, the collecting user. Each is replaced by its token as a whole word, case-insensitively,
 * the longest first (web01.corp.example.com before web01).
 */
import type { TokenKind, Tokens } from './tokens.js';

/** Too short or too common to be told apart from other words: never replaced as free text. */
const NOT_IDENTIFYING = new Set(['localhost', 'localdomain', 'localhost.localdomain', '(none)', 'none', 'root', 'ubuntu', 'debian']);
const MIN_LENGTH = 3;

export class IdentifierNames {
  private readonly names = new Map<string, string>();
  private pattern: RegExp | undefined;

  constructor(private readonly tokens: Tokens) {}

  /** Registers a value (and for a hostname its short name and domain); returns its token. */
  add(kind: TokenKind, value: string): string {
    const token = this.tokens.token(kind, value);
    this.remember(value, token);
    if (kind === 'host' && value.includes('.')) {
      const dot = value.indexOf('.');
      this.remember(value.slice(0, dot), this.tokens.token('host', value.slice(0, dot)));
      const domain = value.slice(dot + 1);
      this.remember(domain, this.tokens.token('domain', domain));
    }
    return token;
  }

  /** Every registered value, for tests and the leak check. */
  values(): string[] {
    return [...this.names.keys()];
  }

  replaceIn(text: string): string {
    if (this.names.size === 0) return text;
    this.pattern ??= new RegExp(
      `(?<![A-Za-z0-9])(?:${[...this.names.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|')})(?![A-Za-z0-9])`,
      'gi',
    );
    return text.replace(this.pattern, (found) => this.names.get(found.toLowerCase()) ?? found);
  }

  private remember(value: string, token: string): void {
    const key = value.toLowerCase();
    if (key.length < MIN_LENGTH || NOT_IDENTIFYING.has(key)) return;
    this.names.set(key, token);
    this.pattern = undefined;
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
