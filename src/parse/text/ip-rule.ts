/**
 * `ip rule list`, `ip -4 rule`, `ip -6 rule` as plain text, into the records src/parse/ip-rule.ts makes of
 * `ip -j rule show`: `PRIO:\t[not] from SRC [to DST] [fwmark M[/K]] [iif I] [oif O] ... ACTION`.
 */
import { clip, DROPPED, fail, type ParseInput, type Parsed } from '../common.js';
import { UNMODELLED_SELECTORS, type IpRuleAction, type IpRuleEntry } from '../ip-rule.js';
import { readPaste, words, type PasteLine } from './paste.js';
import { keywordValue } from './record.js';

const EXPECTED = 'expected the output of `ip rule list` (`PRIORITY:<TAB>from SOURCE ... lookup TABLE` lines)';
const RULE = /^(\d{1,10}):\s+(.*)$/;
const REFUSALS = new Set<string>(['blackhole', 'unreachable', 'prohibit']);

/** Selector words with one value, by the key `ip -j rule` prints for them. */
const SELECTOR_KEYS: Record<string, (value: string) => string> = {
  tos: () => 'tos',
  dsfield: () => 'dsfield',
  dscp: () => 'dscp',
  flowlabel: () => 'flowlabel',
  uidrange: () => 'uid_start',
  tun_id: () => 'tun_id',
  ipproto: () => 'ipproto',
  sport: (value) => (value.includes('-') ? 'sport_start' : 'sport'),
  dport: (value) => (value.includes('-') ? 'dport_start' : 'dport'),
  suppress_ifgroup: () => 'suppress_ifgroup',
  realms: () => 'realms',
  proto: () => 'protocol',
};

export function parseIpRuleText(input: ParseInput, family: 4 | 6): Parsed<IpRuleEntry[]> {
  const paste = readPaste(input);
  const value: IpRuleEntry[] = [];
  for (const l of paste.lines) {
    const rule = readRule(input, l, family, paste.notes);
    if (rule) value.push(rule);
  }
  return { value, notes: paste.notes };
}

function readRule(input: ParseInput, l: PasteLine, family: 4 | 6, notes: Parsed<unknown>['notes']): IpRuleEntry | undefined {
  const m = RULE.exec(l.text.trim());
  if (!m) fail(input, `not an \`ip rule\` line: ${clip(l.text)}`, l.line, EXPECTED);
  const w = words(m[2] as string);
  const keys = new Set<string>();
  let action: IpRuleAction | undefined;
  const rule = { priority: Number(m[1]), not: false, line: l.line, text: clip(l.text) } as IpRuleEntry;
  const extra: Partial<IpRuleEntry> = {};
  for (let i = 0; i < w.length; i++) {
    const word = w[i] as string;
    const value = (): string => keywordValue(w, i++, input, l, EXPECTED);
    switch (word) {
      case 'not':
        rule.not = true;
        break;
      case 'from':
        setPrefix(extra, 'from', value(), family);
        break;
      case 'to':
        setPrefix(extra, 'to', value(), family);
        break;
      case 'iif':
      case 'oif':
        extra[word] = value();
        if (w[i + 1] === '[detached]') i++;
        break;
      case 'fwmark': {
        const [mark, mask] = value().split('/');
        const fwmark = markOf(mark);
        const fwmask = mask === undefined ? 0xffffffff : markOf(mask);
        if (fwmark === undefined || fwmask === undefined) fail(input, `fwmark is not a 32-bit mark: ${clip(l.text)}`, l.line, EXPECTED);
        extra.fwmark = fwmark;
        extra.fwmask = fwmask;
        break;
      }
      case 'lookup':
      case 'table':
        action = 'lookup';
        extra.table = value();
        break;
      case 'goto': {
        action = 'goto';
        const target = value();
        if (!/^\d{1,10}$/.test(target)) fail(input, `goto ${JSON.stringify(target)} is not a priority: ${clip(l.text)}`, l.line, EXPECTED);
        extra.goto = Number(target);
        break;
      }
      case 'suppress_prefixlength':
        extra.suppressPrefixLength = Number(value());
        break;
      case 'nop':
        action = 'nop';
        break;
      case 'l3mdev':
        keys.add('l3mdev');
        break;
      case '[unresolved]':
      case 'unresolved':
        break;
      default:
        if (REFUSALS.has(word)) action = word as IpRuleAction;
        else if (Object.hasOwn(SELECTOR_KEYS, word)) keys.add((SELECTOR_KEYS[word] as (v: string) => string)(value()));
        else fail(input, `unknown word ${JSON.stringify(word)} in a rule: ${clip(l.text)}`, l.line, EXPECTED);
    }
  }
  if (action === undefined) {
    notes.push({ source: input.source, line: l.line, message: 'rule without an action (lookup, goto, nop, blackhole, unreachable, prohibit); skipped', ...DROPPED });
    return undefined;
  }
  rule.action = action;
  rule.unmodelled = UNMODELLED_SELECTORS.filter((key) => keys.has(key));
  // The same key order as src/parse/ip-rule.ts, so records of both forms print alike.
  const ordered: IpRuleEntry = { priority: rule.priority, not: rule.not, action, unmodelled: rule.unmodelled, line: rule.line, text: rule.text };
  for (const key of ['from', 'to', 'iif', 'oif', 'fwmark', 'fwmask', 'table', 'goto', 'suppressPrefixLength'] as const) {
    if (extra[key] !== undefined) (ordered as unknown as Record<string, unknown>)[key] = extra[key];
  }
  if (action !== 'lookup') delete ordered.table;
  if (action !== 'goto') delete ordered.goto;
  return ordered;
}

/** "all" selects everything; an address without a length is a host address. */
function setPrefix(target: Partial<IpRuleEntry>, key: 'from' | 'to', text: string, family: 4 | 6): void {
  if (text === 'all') return;
  target[key] = text.includes('/') ? text : `${text}/${text.includes(':') || family === 6 ? 128 : 32}`;
}

function markOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^0x[0-9a-f]{1,8}$/i.test(text) ? Number.parseInt(text.slice(2), 16) : /^\d{1,10}$/.test(text) ? Number(text) : undefined;
  return value === undefined || value > 0xffffffff ? undefined : value;
}
