/**
 * Policy routing rules of one namespace (`ip rule`), per family: a rule that was added or deleted. A rule is
 * its priority, selector and action together; the same rule twice counts twice.
 */
import type { PolicyRule } from '../model/policy-rules.js';
import { formatCidr } from '../model/net.js';
import type { Namespace } from '../model/types.js';
import { compareMultiset, type ChangeList, type Pair } from './change-list.js';

/** "100: from 172.17.0.0/16 fwmark 0x1/0xffffffff lookup 100", as `ip rule` prints it. */
export function policyRuleText(r: PolicyRule): string {
  const parts = [`${r.priority}:`];
  if (r.invert) parts.push('not');
  parts.push(`from ${r.from ? formatCidr(r.from) : 'all'}`);
  if (r.to) parts.push(`to ${formatCidr(r.to)}`);
  if (r.fwmark !== undefined) parts.push(`fwmark 0x${r.fwmark.toString(16)}${r.fwmask !== undefined && r.fwmask !== 0xffffffff ? `/0x${r.fwmask.toString(16)}` : ''}`);
  if (r.iif !== undefined) parts.push(`iif ${r.iif}`);
  if (r.oif !== undefined) parts.push(`oif ${r.oif}`);
  parts.push(...r.unmodelled);
  if (r.action === 'lookup') parts.push(`lookup ${r.table ?? 'main'}`);
  else if (r.action === 'goto') parts.push(`goto ${r.gotoPriority ?? ''}`);
  else parts.push(r.action);
  if (r.suppressPrefixLength !== undefined) parts.push(`suppress_prefixlength ${r.suppressPrefixLength}`);
  return parts.join(' ');
}

export function diffPolicyRules(pair: Pair<Namespace>, changes: ChangeList): void {
  const ns = pair.after.name;
  for (const family of [4, 6] as const) {
    const before = pair.before.policyRules?.[family];
    const after = pair.after.policyRules?.[family];
    // Not collected on one side: the source change says so, rule by rule would only repeat it.
    if (before === undefined || after === undefined) continue;
    const { removed, added } = compareMultiset(before, after, policyRuleText);
    const name = family === 4 ? 'ip rule' : 'ip -6 rule';
    for (const r of removed) changes.add('policy-rule', ns, name, policyRuleText(r), null, { before: r.evidence });
    for (const r of added) changes.add('policy-rule', ns, name, null, policyRuleText(r), { after: r.evidence });
  }
}
