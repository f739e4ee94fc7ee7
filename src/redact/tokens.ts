/**
 * Stable tokens for names that identify (the hostname, domains, process names and command lines, rule
 * comments): `host-3f9a1c0d2e`, the same for the same value and key, recorded in the key so that
 * `--reveal` can say what a token stood for.
 */
import { createHmac } from 'node:crypto';

export type TokenKind = 'host' | 'domain' | 'user' | 'process' | 'comment' | 'alias' | 'id' | 'text';

const TOKEN_HEX = 10;
export const TOKEN_PATTERN = /^(host|domain|user|process|comment|alias|id|text)-[0-9a-f]{10}$/;

export class Tokens {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly key: Buffer,
    /** Token → value, kept in the key file. */
    readonly issued: Map<string, string>,
  ) {}

  token(kind: TokenKind, value: string): string {
    const cacheKey = `${kind}\u0000${value}`;
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined) return hit;
    const hash = createHmac('sha256', this.key).update(cacheKey).digest('hex').slice(0, TOKEN_HEX);
    const token = `${kind}-${hash}`;
    this.issued.set(token, value);
    this.cache.set(cacheKey, token);
    return token;
  }
}
