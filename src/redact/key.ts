/**
 * The redaction key: 32 random bytes in a file only its owner can read (0600), made on the first run and
 * reused when given again, so that two snapshots redacted with one key use the same addresses and tokens.
 * The file also keeps what each token stands for (a token is a keyed hash, not reversible by itself):
 * `netaudit redact --reveal` reads it back. It never leaves the reporter.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { systemMessage } from '../snapshot/read-bytes.js';
import type { AddressKeys } from './addresses.js';

export const KEY_SCHEMA_ID = 'netaudit/redact-key@1';
const KEY_BYTES = 32;

export interface RedactKey {
  secret: Buffer;
  /** Token → the value it replaced. */
  tokens: Map<string, string>;
}

export function newKey(): RedactKey {
  return { secret: randomBytes(KEY_BYTES), tokens: new Map() };
}

/** Independent keys for each use, derived from the one secret. */
export function derive(key: RedactKey, purpose: string, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let block = 0, at = 0; at < bytes; block++) {
    const chunk = createHmac('sha256', key.secret).update(`netaudit-redact:${purpose}:${block}`).digest();
    at += chunk.copy(out, at);
  }
  return out;
}

export function addressKeys(key: RedactKey): AddressKeys {
  return { prefix: derive(key, 'crypto-pan', 32), mac: derive(key, 'mac', 16) };
}

export async function readKeyFile(file: string): Promise<RedactKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the key file: ${systemMessage(err)}`, { file });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError('not a netaudit redaction key file (not JSON)', { file });
  }
  const record = parsed as { schema?: unknown; key?: unknown; tokens?: unknown };
  if (typeof parsed !== 'object' || parsed === null || record.schema !== KEY_SCHEMA_ID) {
    throw new InputError(`not a netaudit redaction key file (expected "schema": "${KEY_SCHEMA_ID}")`, { file });
  }
  const secret = typeof record.key === 'string' ? Buffer.from(record.key, 'base64') : Buffer.alloc(0);
  if (secret.length !== KEY_BYTES) throw new InputError(`the key must be ${KEY_BYTES} bytes in base64`, { file, path: '/key' });
  const tokens = new Map<string, string>();
  if (record.tokens !== undefined) {
    if (typeof record.tokens !== 'object' || record.tokens === null || Array.isArray(record.tokens)) {
      throw new InputError('tokens must be an object of token → value', { file, path: '/tokens' });
    }
    for (const [token, value] of Object.entries(record.tokens)) {
      if (typeof value !== 'string') throw new InputError('each token must map to a string', { file, path: `/tokens/${token}` });
      tokens.set(token, value);
    }
  }
  return { secret, tokens };
}

export async function writeKeyFile(file: string, key: RedactKey): Promise<void> {
  const body = {
    schema: KEY_SCHEMA_ID,
    key: key.secret.toString('base64'),
    tokens: Object.fromEntries([...key.tokens].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  const temp = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(temp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw new InputError(`cannot write the key file: ${systemMessage(err)}`, { file });
  }
}
