/**
 * `ip -j rule show` and `ip -j -6 rule show`: the policy routing rules, one element each, e.g.
 * `{"priority":100,"not":null,"src":"172.18.0.0","srclen":16,"fwmark":"0x1","fwmask":"0xff","table":"100"}`,
 * `{"priority":101,"src":"all","action":"blackhole"}`, `{"priority":104,"src":"all","goto":32766}`, `{"nop":null}`.
 * An address printed without its length is a host address (iproute2 leaves out /32 and /128).
 */
import { DROPPED, type ParseInput, type ParseNote, type Parsed } from './common.js';
import { readJsonRecords, type JsonRecord } from './json-source.js';

export type IpRuleAction = 'lookup' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

export interface IpRuleEntry {
  priority: number;
  not: boolean;
  /** CIDR text, or undefined for "all". */
  from?: string;
  to?: string;
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  action: IpRuleAction;
  table?: string;
  goto?: number;
  suppressPrefixLength?: number;
  /** Selectors present that the model does not evaluate, by their iproute2 key. */
  unmodelled: string[];
  line: number;
  text: string;
}

/** Keys that select packets by something the model does not know or does not evaluate. */
export const UNMODELLED_SELECTORS: readonly string[] = ['tos', 'dsfield', 'dscp', 'flowlabel', 'uid_start', 'uidrange', 'tun_id', 'l3mdev', 'ipproto', 'sport', 'sport_start', 'dport', 'dport_start', 'suppress_ifgroup', 'realms'];
const REFUSALS = new Set<IpRuleAction>(['blackhole', 'unreachable', 'prohibit']);

export function parseIpRule(input: ParseInput, family: 4 | 6): Parsed<IpRuleEntry[]> {
  const command = family === 6 ? 'ip -j -6 rule show' : 'ip -j rule show';
  const notes: ParseNote[] = [];
  const value: IpRuleEntry[] = [];
  for (const record of readJsonRecords(input, command, notes)) {
    const rule = readRule(record, family);
    if (rule) value.push(rule);
  }
  return { value, notes };
}

function readRule(r: JsonRecord, family: 4 | 6): IpRuleEntry | undefined {
  // The kernel gives every rule a priority; without one the element is not a rule as iproute2 prints it.
  const priority = r.integer('priority');
  if (priority === undefined) {
    r.note('rule without "priority"; skipped', DROPPED);
    return undefined;
  }
  const action = actionOf(r);
  if (action === undefined) return undefined;
  const rule: IpRuleEntry = {
    priority,
    not: r.has('not') && r.obj['not'] !== false,
    action,
    unmodelled: UNMODELLED_SELECTORS.filter((key) => r.has(key)),
    line: r.line,
    text: r.text,
  };
  const from = prefixOf(r, 'src', 'srclen', family);
  if (from !== undefined) rule.from = from;
  const to = prefixOf(r, 'dst', 'dstlen', family);
  if (to !== undefined) rule.to = to;
  const iif = r.string('iif');
  if (iif !== undefined) rule.iif = iif;
  const oif = r.string('oif');
  if (oif !== undefined) rule.oif = oif;
  const fwmark = markOf(r, 'fwmark');
  if (fwmark !== undefined) {
    rule.fwmark = fwmark;
    rule.fwmask = markOf(r, 'fwmask') ?? 0xffffffff;
  }
  if (action === 'lookup') rule.table = r.label('table');
  if (action === 'goto') rule.goto = r.integer('goto');
  const suppress = r.integer('suppress_prefixlen');
  if (suppress !== undefined) rule.suppressPrefixLength = suppress;
  return rule;
}

function actionOf(r: JsonRecord): IpRuleAction | undefined {
  if (r.has('table')) return 'lookup';
  if (r.has('goto')) return 'goto';
  if (r.has('nop')) return 'nop';
  const action = r.string('action');
  if (action !== undefined && REFUSALS.has(action as IpRuleAction)) return action as IpRuleAction;
  r.note(action === undefined ? 'rule without an action ("table", "goto", "nop" or "action"); skipped' : `rule with the unknown action "${action}"; skipped`, DROPPED);
  return undefined;
}

/** "all" is no selector; an address without a length is a host address. */
function prefixOf(r: JsonRecord, key: string, lengthKey: string, family: 4 | 6): string | undefined {
  const address = r.string(key);
  if (address === undefined || address === 'all') return undefined;
  const length = r.integer(lengthKey) ?? (address.includes(':') || family === 6 ? 128 : 32);
  return `${address}/${length}`;
}

/** Marks print as hex strings ("0x1"); a number is taken as it is. */
function markOf(r: JsonRecord, key: string): number | undefined {
  const text = r.label(key);
  if (text === undefined) return undefined;
  const value = /^0x[0-9a-f]{1,8}$/i.test(text) ? Number.parseInt(text.slice(2), 16) : /^\d{1,10}$/.test(text) ? Number(text) : undefined;
  if (value === undefined || value > 0xffffffff) {
    r.note(`"${key}" is ${JSON.stringify(text)}, not a 32-bit mark; ignored`, DROPPED);
    return undefined;
  }
  return value;
}
