/**
 * What `netaudit diff BEFORE AFTER` finds: the changes between two snapshots of one host at the level of the
 * model, and the findings the change introduced and resolved (the `netaudit/diff@1` contract, schema.ts).
 */
import type { Evidence } from '../parse/common.js';

export const DIFF_SCHEMA_ID = 'netaudit/diff@1';

/** Which snapshot a quoted line is from. */
export type Side = 'before' | 'after';

export interface ChangeEvidence extends Evidence {
  side: Side;
}

/** Every kind of change, in the order reports list them. */
export const CHANGE_KINDS = [
  'source',
  'namespace',
  'interface',
  'interface.state',
  'interface.mtu',
  'interface.master',
  'interface.address',
  'bridge.port',
  'bridge.port-state',
  'veth',
  'route',
  'policy-rule',
  'sysctl',
  'sysctl.persisted',
  'netfilter.chain',
  'netfilter.policy',
  'netfilter.rule',
  'netfilter.order',
  'nft.table',
  'nft.chain',
  'nft.policy',
  'nft.rule',
  'nft.order',
  'nft.set',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** A value as a change shows it; null where the thing did not exist on that side. */
export type ChangeValue = string | number | null;

export interface Change {
  kind: ChangeKind;
  /** The namespace's name in the after snapshot (the before one's, for a namespace that went away). */
  namespace: string;
  /** What changed: "eth0", "net.ipv4.ip_forward", "iptables-save filter/FORWARD", "main 0.0.0.0/0 metric 0". */
  name: string;
  before: ChangeValue;
  after: ChangeValue;
  /** The lines of the before and after snapshots that show it. */
  evidence: ChangeEvidence[];
}
