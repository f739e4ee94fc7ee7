/**
 * Sources with no free text of their own beyond names and addresses (brctl show, iptables -V, the plain-text
 * forms of ip), and stderr, reasons and command lines: addresses and MACs mapped, the hostname and the other
 * identifying names replaced. In `ip addr` / `ip link` text an `alias` line is free text: a token.
 */
import type { RedactContext } from '../context.js';
import { redactText } from '../text-scan.js';

const ALIAS = /^(\s+alias )(.+)$/gm;

export function redactPlainText(text: string, ctx: RedactContext): string {
  return redactText(text.replace(ALIAS, (_w, head: string, alias: string) => `${head}${ctx.tokens.token('alias', alias)}`), ctx);
}
