/**
 * The JSON sources (`ip -j`, `bridge -j`, `nft -j`), rewritten in place so that every line keeps its number
 * (evidence quotes lines): each string literal is read with the key it belongs to; the values of keys that
 * hold free text (an interface alias, an nft comment or log prefix) become tokens, and addresses and MACs
 * in any string are mapped. Text outside string literals that holds a quote means the redactor could not
 * follow the strings: the source is refused.
 */
import { UnredactableSource, type RedactContext } from '../context.js';
import { redactText } from '../text-scan.js';
import type { TokenKind } from '../tokens.js';

const TOKENISED_KEYS: Record<string, TokenKind> = {
  ifalias: 'alias',
  comment: 'comment',
  prefix: 'text',
};
const TOKENISED_MEMBER = /"(ifalias|comment|prefix)"(\s*:\s*)"((?:[^"\\\n]|\\.)*)"/g;

export function redactJson(text: string, ctx: RedactContext): string {
  checkStrings(text);
  const tokenised = text.replace(TOKENISED_MEMBER, (whole, key: string, colon: string, value: string) =>
    value === '' ? whole : `"${key}"${colon}"${ctx.tokens.token(TOKENISED_KEYS[key]!, value)}"`,
  );
  return redactText(tokenised, ctx);
}

/** Every string literal ends on its line: otherwise the redactor cannot tell keys, values and text apart. */
function checkStrings(text: string): void {
  let inString = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      if (inString) throw new UnredactableSource('a string the redactor could not follow', line);
      line++;
    } else if (inString && c === 92) {
      i++;
    } else if (c === 34) {
      inString = !inString;
    }
  }
  if (inString) throw new UnredactableSource('a string the redactor could not follow', line);
}
