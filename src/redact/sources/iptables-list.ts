/**
 * `iptables -vnxL` listings: comments are printed as `/* text *\/` in the rule's options: tokens. Addresses
 * and MACs mapped. A comment that does not close on its line: refused.
 */
import { UnredactableSource, type RedactContext } from '../context.js';
import { redactText } from '../text-scan.js';

const COMMENT = /\/\* (.*?) \*\//g;

export function redactIptablesList(text: string, ctx: RedactContext): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes('/*')) continue;
    const replaced = line.replace(COMMENT, (_w, comment: string) => `/* ${ctx.tokens.token('comment', comment)} */`);
    if ((replaced.match(/\/\*/g) ?? []).length !== (replaced.match(/\*\//g) ?? []).length) {
      throw new UnredactableSource('a comment that does not close on its line', i + 1);
    }
    lines[i] = replaced;
  }
  return redactText(lines.join('\n'), ctx);
}
