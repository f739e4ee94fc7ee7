/**
 * `nft list ruleset` text: `comment "..."` and `log prefix "..."` become tokens, addresses and MACs are
 * mapped. Other quoted strings (interface names: iifname "docker0") stay; an odd number of quotes on a line
 * means the redactor cannot tell strings apart, and the source is refused.
 */
import { UnredactableSource, type RedactContext } from '../context.js';
import { redactText } from '../text-scan.js';

const TOKENISED = /\b(comment|prefix) "((?:[^"\\]|\\.)*)"/g;

export function redactNftText(text: string, ctx: RedactContext): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes('"')) continue;
    const replaced = line.replace(TOKENISED, (_whole, word: string, value: string) => `${word} "${ctx.tokens.token(word === 'comment' ? 'comment' : 'text', value)}"`);
    if (countUnescapedQuotes(replaced) % 2 !== 0) throw new UnredactableSource('a quoted string that does not end on its line', i + 1);
    lines[i] = replaced;
  }
  return redactText(lines.join('\n'), ctx);
}

function countUnescapedQuotes(line: string): number {
  let count = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '"') count++;
  }
  return count;
}
