/**
 * Policy routing rules in the model: `ip -j rule` (ip-rule) and `ip -j -6 rule` (ip6-rule) of each
 * namespace built into Namespace.policyRules, each family only where its source was read.
 */
import { describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import { formatCidr } from '../../src/model/net.js';
import type { PolicyRule } from '../../src/model/policy-rules.js';
import type { Namespace } from '../../src/model/types.js';
import { makeSnapshot } from '../helpers/snapshot.js';

/** `ip -j -p rule show` of a namespace with `ip rule add from 172.18.0.0/16 lookup 100 priority 100` (as iproute2 6.1 prints it). */
const RULES_V4 = `[ {
        "priority": 0,
        "src": "all",
        "table": "local"
    },{
        "priority": 100,
        "src": "172.18.0.0",
        "srclen": 16,
        "table": "100"
    },{
        "priority": 32766,
        "src": "all",
        "table": "main"
    },{
        "priority": 32767,
        "src": "all",
        "table": "default"
    } ]
`;

/** `ip -j rule show` (compact) with a mark rule and a refusing rule. */
const RULES_V4_COMPACT =
  '[{"priority":0,"src":"all","table":"local"},{"priority":110,"src":"all","fwmark":"0x1","fwmask":"0xff","table":"200"},' +
  '{"priority":120,"src":"all","dst":"198.18.0.0","dstlen":15,"action":"prohibit"},{"priority":32766,"src":"all","table":"main"}]\n';

/** `ip -j -6 rule show` with `ip -6 rule add from 2001:db8::/32 lookup 200 priority 200`. */
const RULES_V6 =
  '[{"priority":0,"src":"all","table":"local"},{"priority":200,"src":"2001:db8::","srclen":32,"table":"200"},{"priority":32766,"src":"all","table":"main"}]\n';

/** What a person reads in a rule: priority, selector and action. */
function summary(rule: PolicyRule): string {
  return [
    rule.priority,
    rule.invert ? 'not' : '',
    rule.from ? `from ${formatCidr(rule.from)}` : '',
    rule.to ? `to ${formatCidr(rule.to)}` : '',
    rule.fwmark !== undefined ? `fwmark 0x${rule.fwmark.toString(16)}/0x${(rule.fwmask ?? 0).toString(16)}` : '',
    rule.action === 'lookup' ? `lookup ${rule.table ?? '?'}` : rule.action,
  ]
    .filter((part) => part !== '')
    .join(' ');
}

function sourceStatus(ns: Namespace, id: string): [string | undefined, string | undefined] {
  const info = ns.sources.get(id);
  return [info?.status, info?.reason];
}

describe('policy routing rules in the model', () => {
  it('builds both families from ip-rule and ip6-rule, with the element line as evidence', () => {
    const ns = buildHost(makeSnapshot({ 'ip-rule': RULES_V4, 'ip6-rule': RULES_V6 })).host;
    expect(ns.policyRules?.[4]?.map(summary)).toEqual(['0 lookup local', '100 from 172.18.0.0/16 lookup 100', '32766 lookup main', '32767 lookup default']);
    expect(ns.policyRules?.[6]?.map(summary)).toEqual(['0 lookup local', '200 from 2001:db8::/32 lookup 200', '32766 lookup main']);
    const custom = ns.policyRules![4]!.find((r) => r.priority === 100)!;
    expect(custom).toMatchObject({ family: 4, invert: false, action: 'lookup', table: '100', unmodelled: [] });
    expect(custom.from).toEqual({ family: 4, network: 0xac120000n, prefixLen: 16 });
    // Pretty-printed: the evidence is the line of the element's "priority" member.
    expect(custom.evidence).toEqual({ source: 'ip-rule', line: 6, text: '"priority": 100, "src": "172.18.0.0", "srclen": 16, "table": "100"' });
    expect(ns.policyRules![6]!.every((r) => r.family === 6 && r.evidence.source === 'ip6-rule')).toBe(true);
    expect(sourceStatus(ns, 'ip-rule')).toEqual(['ok', undefined]);
    expect(sourceStatus(ns, 'ip6-rule')).toEqual(['ok', undefined]);
  });

  it('keeps marks, masks, destinations and refusing actions', () => {
    const rules = buildHost(makeSnapshot({ 'ip-rule': RULES_V4_COMPACT })).host.policyRules?.[4];
    expect(rules?.map(summary)).toEqual(['0 lookup local', '110 fwmark 0x1/0xff lookup 200', '120 to 198.18.0.0/15 prohibit', '32766 lookup main']);
    expect(rules?.[1]?.evidence).toMatchObject({ source: 'ip-rule', line: 1 });
  });

  it('labels the rules of another namespace with it', () => {
    const host = buildHost(
      makeSnapshot({ 'ip-rule': RULES_V4 }, { namespaces: [{ name: 'blue', kind: 'named', sources: { 'ip-rule': RULES_V4_COMPACT, 'ip6-rule': RULES_V6 } }] }),
    );
    const blue = host.namespaceByName.get('blue')!;
    expect(blue.policyRules?.[4]?.map((r) => r.priority)).toEqual([0, 110, 120, 32766]);
    expect(blue.policyRules?.[4]?.[1]?.evidence.source).toBe('netns:blue/ip-rule');
    expect(blue.policyRules?.[6]?.[1]?.evidence.source).toBe('netns:blue/ip6-rule');
    // The host's own rules are its own.
    expect(host.host.policyRules?.[4]?.map((r) => r.priority)).toEqual([0, 100, 32766, 32767]);
    expect(host.host.policyRules?.[6]).toBeUndefined();
  });

  it('leaves policyRules undefined without the sources, and lists both as not collected', () => {
    const ns = buildHost(makeSnapshot({ 'ip-route': '[]' })).host;
    expect(ns.policyRules).toBeUndefined();
    expect(sourceStatus(ns, 'ip-rule')).toEqual(['not-collected', 'not in the snapshot']);
    expect(sourceStatus(ns, 'ip6-rule')).toEqual(['not-collected', 'not in the snapshot']);
    expect(ns.sources.get('ip6-rule')?.command).toBe('ip -j -6 rule show');
  });

  it('leaves a family undefined when only the other was collected (no defaults assumed)', () => {
    const v6only = buildHost(makeSnapshot({ 'ip6-rule': RULES_V6 })).host;
    expect(v6only.policyRules?.[4]).toBeUndefined();
    expect(v6only.policyRules?.[6]).toHaveLength(3);
    expect(Object.keys(v6only.policyRules ?? {})).toEqual(['6']);
  });

  it('leaves a family undefined when its source failed or was unreadable, and says why', () => {
    const ns = buildHost(
      makeSnapshot({
        'ip-rule': { status: 'failed', reason: 'exit code 2: Error: ipv4: FIB table does not exist.' },
        'ip6-rule': '0:\tfrom all lookup local\n32766:\tfrom all lookup main\n',
        'ip-route': '[]',
      }),
    );
    const host = ns.host;
    expect(host.policyRules).toBeUndefined();
    expect(sourceStatus(host, 'ip-rule')).toEqual(['failed', 'exit code 2: Error: ipv4: FIB table does not exist.']);
    expect(host.sources.get('ip6-rule')?.parseError).toMatch(/JSON/);
    expect(ns.notes.some((n) => n.source === 'ip6-rule' && /unreadable/.test(n.message))).toBe(true);
  });

  it('reads an empty source as no rules at all (every rule deleted), not as missing', () => {
    const ns = buildHost(makeSnapshot({ 'ip-rule': '' })).host;
    expect(ns.policyRules).toEqual({ 4: [] });
    expect(sourceStatus(ns, 'ip-rule')).toEqual(['empty', undefined]);
  });
});
