/**
 * udev rules files (udev(7)), for the properties NetworkManager reads from a network device's udev entry
 * (NM_UNMANAGED): one rule per line (a trailing backslash continues it), `#` comments, each rule a comma-separated
 * list of `KEY`, `KEY{attribute}` pairs with an operator (`==`, `!=` match; `=`, `+=`, `-=`, `:=` assign) and a
 * double-quoted value (`\"` and `\\` escaped; `e"…"` with C escapes; `i"…"` matched without regard to case).
 * A line udev cannot read is ignored by udev, with an error in its log: here it is skipped with a note and kept
 * in `skipped`, so an evaluation it could have changed says "unknown".
 */
import { clip, splitLines, type ParseInput, type Parsed, type ParseNote } from './common.js';
import { fnmatchRegExp } from './fnmatch.js';
import { pasteDamage } from './pasted-lines.js';

export type UdevOperator = '==' | '!=' | '=' | '+=' | '-=' | ':=';

export interface UdevPair {
  key: string;
  /** The `{…}` part: ENV{NM_UNMANAGED}, ATTR{address}. */
  attr?: string;
  op: UdevOperator;
  value: string;
  /** `i"…"`: match without regard to case. */
  caseInsensitive: boolean;
}

export interface UdevRule {
  line: number;
  text: string;
  pairs: UdevPair[];
}

export interface UdevRulesFile {
  rules: UdevRule[];
  /** Lines udev would not read (ignored by udev too), continued lines joined, whole. */
  skipped: { line: number; text: string; reason: string }[];
}

const PAIR_START = /^([A-Za-z_][A-Za-z0-9_]*)(?:\{([^}]*)\})?[ \t]*(==|!=|\+=|-=|:=|=)[ \t]*([ei]?)"/;

export function parseUdevRules(input: ParseInput): Parsed<UdevRulesFile> {
  const notes: ParseNote[] = [];
  const file: UdevRulesFile = { rules: [], skipped: [] };
  const lines = splitLines(input.text);
  const damage = pasteDamage(input, { comments: true });
  notes.push(...damage.notes);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    if (damage.skipped.has(lineNo)) continue;
    // A trailing backslash joins the next line; evidence quotes the rule's first line, as the file has it.
    const first = lines[i] ?? '';
    let joined = first;
    while (joined.endsWith('\\') && i + 1 < lines.length) joined = `${joined.slice(0, -1)}${lines[++i] ?? ''}`;
    const text = joined.trim();
    if (text === '' || text.startsWith('#')) continue;
    const pairs = parsePairs(text);
    if (typeof pairs === 'string') {
      file.skipped.push({ line: lineNo, text: joined, reason: pairs });
      notes.push({ source: input.source, line: lineNo, message: `not a udev rule, udev ignores it: ${pairs}` });
    } else file.rules.push({ line: lineNo, text: clip(first), pairs });
  }
  return { value: file, notes };
}

/** The pairs of one rule, or why udev would not read it. */
function parsePairs(text: string): UdevPair[] | string {
  const pairs: UdevPair[] = [];
  let rest = text;
  for (;;) {
    rest = rest.replace(/^[\s,]+/, '');
    if (rest === '') return pairs.length > 0 ? pairs : 'no key=value pair';
    const m = PAIR_START.exec(rest);
    if (!m) return `invalid key/value pair at "${clip(rest, 40)}"`;
    const prefix = m[4] as string;
    const value = quoted(rest.slice(m[0].length), prefix === 'e');
    if (value === undefined) return `unterminated or invalid quoted value at "${clip(rest, 40)}"`;
    pairs.push({ key: m[1] as string, ...(m[2] === undefined ? {} : { attr: m[2] }), op: m[3] as UdevOperator, value: value.value, caseInsensitive: prefix === 'i' });
    rest = rest.slice(m[0].length + value.length);
    if (rest !== '' && !/^[\s,]/.test(rest)) return `no separator after the value of ${m[1] as string}`;
  }
}

const C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\u0007', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** The value up to the closing quote: `\"` and `\\` unescaped (C escapes too for `e"…"`); length counts the closing quote. */
function quoted(text: string, cEscapes: boolean): { value: string; length: number } | undefined {
  let value = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value, length: i + 1 };
    if (c !== '\\' || i + 1 >= text.length) {
      value += c;
      continue;
    }
    const next = text[i + 1]!;
    if (cEscapes) {
      if (next === 'x' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 2, i + 4))) {
        value += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
        i += 3;
        continue;
      }
      const escaped = C_ESCAPES[next];
      if (escaped === undefined) return undefined;
      value += escaped;
    } else value += next === '"' || next === '\\' ? next : `\\${next}`;
    i++;
  }
  return undefined;
}

/** udev's match of a value against a pattern: `|`-separated alternatives, each an fnmatch glob (`*`, `?`, `[…]`). */
export function udevPatternMatches(pattern: string, value: string, caseInsensitive = false): boolean {
  const [p, v] = caseInsensitive ? [pattern.toLowerCase(), value.toLowerCase()] : [pattern, value];
  return p.split('|').some((alternative) => fnmatchRegExp(alternative, { backslashEscapes: false }).test(v));
}
