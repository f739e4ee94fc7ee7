/**
 * iptables-save and ip6tables-save (every backend): the text of `-m comment --comment`, and of LOG and NFLOG
 * prefixes and string matches, becomes a token; addresses and MACs anywhere are mapped. A quote the
 * redactor cannot account for (a quoted argument of another kind, an unbalanced quote) means it does not
 * understand the line: the source is refused rather than passed through.
 */
import { UnredactableSource, type RedactContext } from '../context.js';
import { redactText } from '../text-scan.js';
import type { TokenKind } from '../tokens.js';

const QUOTED_ARGUMENTS: Record<string, TokenKind> = {
  '--comment': 'comment',
  '--log-prefix': 'text',
  '--nflog-prefix': 'text',
  '--string': 'text',
};
const ARGUMENT = /(--comment|--log-prefix|--nflog-prefix|--string) (?:"((?:[^"\\]|\\.)*)"|([^\s"]+))/g;

export function redactIptablesSave(text: string, ctx: RedactContext): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes('"') && !line.includes('--comment') && !line.includes('prefix') && !line.includes('--string')) continue;
    const replaced = line.replace(ARGUMENT, (_whole, flag: string, quoted: string | undefined, bare: string | undefined) => {
      const token = ctx.tokens.token(QUOTED_ARGUMENTS[flag]!, quoted ?? bare ?? '');
      return `${flag} ${token}`;
    });
    if (replaced.includes('"')) throw new UnredactableSource('a quoted argument the redactor does not know', i + 1);
    lines[i] = replaced;
  }
  return redactText(lines.join('\n'), ctx);
}
