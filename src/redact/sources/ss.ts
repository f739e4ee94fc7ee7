/**
 * `ss -Htlnp` and `ss -Hulnp`: the process names in `users:(("nginx",pid=12,fd=6),...)` become tokens;
 * addresses (with their port, in brackets, with a %interface) are mapped. A quote outside those process names:
 * refused.
 */
import { UnredactableSource, type RedactContext } from '../context.js';
import { redactText } from '../text-scan.js';

const PROCESS = /\("((?:[^"\\]|\\.)*)",/g;

export function redactSs(text: string, ctx: RedactContext): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes('"')) continue;
    let tokens = 0;
    const replaced = line.replace(PROCESS, (_whole, name: string) => {
      tokens++;
      return `("${ctx.tokens.token('process', name)}",`;
    });
    if (countQuotes(replaced) !== tokens * 2) throw new UnredactableSource('a quoted field that is not a process name', i + 1);
    lines[i] = replaced;
  }
  return redactText(lines.join('\n'), ctx);
}

function countQuotes(line: string): number {
  let count = 0;
  for (const ch of line) if (ch === '"') count++;
  return count;
}
