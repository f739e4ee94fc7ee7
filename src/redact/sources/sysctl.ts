/**
 * `sysctl -a` and the persisted sysctl files: `key = value` lines keep their key and line; the values that
 * identify (kernel.hostname, kernel.domainname, the boot and random UUIDs) become tokens, comments in the
 * persisted files become tokens, and addresses anywhere are mapped.
 */
import type { RedactContext } from '../context.js';
import { redactText } from '../text-scan.js';
import type { TokenKind } from '../tokens.js';

const TOKENISED_KEYS: Record<string, TokenKind> = {
  'kernel.hostname': 'host',
  'kernel.domainname': 'domain',
  'kernel.random.boot_id': 'id',
  'kernel.random.uuid': 'id',
};

const SETTING = /^(\s*-?)([^=#;\s][^=]*?)(\s*=\s*)(.*?)(\s*)$/;
const COMMENT = /^(\s*[#;]\s?)(.*)$/;

export function redactSysctl(text: string, ctx: RedactContext, options: { comments: boolean } = { comments: false }): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const comment = options.comments ? COMMENT.exec(line) : null;
    if (comment) {
      if (comment[2]!.trim() !== '') lines[i] = `${comment[1]}${ctx.tokens.token('comment', comment[2]!)}`;
      continue;
    }
    const setting = SETTING.exec(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (!setting) continue;
    const kind = TOKENISED_KEYS[setting[2]!];
    if (kind !== undefined && setting[4] !== '') {
      const token = ctx.identifiers.add(kind, setting[4]!);
      lines[i] = `${setting[1]}${setting[2]}${setting[3]}${token}${setting[5]}${line.endsWith('\r') ? '\r' : ''}`;
    }
  }
  return redactText(lines.join('\n'), ctx);
}

/** The identifying values of a sysctl text, registered before any source is redacted (they appear elsewhere). */
export function registerSysctlIdentifiers(text: string, ctx: RedactContext): void {
  for (const line of text.split('\n')) {
    const setting = SETTING.exec(line.replace(/\r$/, ''));
    if (!setting) continue;
    const kind = TOKENISED_KEYS[setting[2]!];
    if (kind !== undefined && setting[4] !== '') ctx.identifiers.add(kind, setting[4]!);
  }
}
