/**
 * Policy routing rules (`ip rule`) of one namespace and family, as the kernel walks them: by priority,
 * each rule a selector (from, to, iif, oif, fwmark/mask, negated with `not`) and an action (look up a
 * table, go to a later rule, do nothing, or refuse the packet).
 */
import type { Evidence } from '../parse/common.js';
import type { IpRuleAction, IpRuleEntry } from '../parse/ip-rule.js';
import { parseCidr, type Cidr } from './net.js';

export type PolicyAction = IpRuleAction;

export interface PolicyRule {
  family: 4 | 6;
  priority: number;
  /** `not`: the action applies to packets the selector does NOT match. */
  invert: boolean;
  from?: Cidr;
  to?: Cidr;
  iif?: string;
  oif?: string;
  fwmark?: number;
  /** 0xffffffff when a fwmark is given without a mask. */
  fwmask?: number;
  action: PolicyAction;
  /** Table id as a name ("main", "local", "default") or a number ("100"); for action lookup. */
  table?: string;
  /** The priority a goto continues at. */
  gotoPriority?: number;
  /** `suppress_prefixlength N`: a route found with a prefix of N or less is not taken. */
  suppressPrefixLength?: number;
  /**
   * Selectors the model does not evaluate (ipproto, sport/dport ranges, uidrange, tos, l3mdev, tun_id...):
   * a packet may or may not match such a rule, and the lookup says so instead of guessing.
   */
  unmodelled: string[];
  evidence: Evidence;
}

/** The table names iproute2 prints for the reserved ids, and their ids: routes and rules may use either. */
const RESERVED_TABLES: Record<string, string> = { '255': 'local', '254': 'main', '253': 'default' };

/** One spelling per table: "254" and "main" are the same table. */
export function tableKey(table: string): string {
  return RESERVED_TABLES[table] ?? table;
}

/** What `ip rule` shows on a namespace nobody has touched: the rules the kernel starts with. */
export function defaultPolicyRules(family: 4 | 6): PolicyRule[] {
  const rule = (priority: number, table: string): PolicyRule => ({
    family,
    priority,
    invert: false,
    action: 'lookup',
    table,
    unmodelled: [],
    evidence: { source: 'kernel default', line: 0, text: `${priority}: from all lookup ${table}` },
  });
  return family === 4 ? [rule(0, 'local'), rule(32766, 'main'), rule(32767, 'default')] : [rule(0, 'local'), rule(32766, 'main')];
}

/** The model's rules from `ip -j rule`: the selector's prefixes read, the evidence the element's line. */
export function buildPolicyRules(entries: readonly IpRuleEntry[], family: 4 | 6, label: string): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const e of entries) {
    const rule: PolicyRule = {
      family,
      priority: e.priority,
      invert: e.not,
      action: e.action,
      unmodelled: [...e.unmodelled],
      evidence: { source: label, line: e.line, text: e.text },
    };
    const from = e.from === undefined ? undefined : parseCidr(e.from, family);
    const to = e.to === undefined ? undefined : parseCidr(e.to, family);
    // A prefix the model cannot read is a selector it cannot evaluate: the rule stays, undecidable.
    if (e.from !== undefined && !from) rule.unmodelled.push(`from ${e.from}`);
    if (e.to !== undefined && !to) rule.unmodelled.push(`to ${e.to}`);
    if (from) rule.from = from;
    if (to) rule.to = to;
    if (e.iif !== undefined) rule.iif = e.iif;
    if (e.oif !== undefined) rule.oif = e.oif;
    if (e.fwmark !== undefined) rule.fwmark = e.fwmark;
    if (e.fwmask !== undefined) rule.fwmask = e.fwmask;
    if (e.table !== undefined) rule.table = e.table;
    if (e.goto !== undefined) rule.gotoPriority = e.goto;
    if (e.suppressPrefixLength !== undefined) rule.suppressPrefixLength = e.suppressPrefixLength;
    rules.push(rule);
  }
  return rules;
}
