/**
 * Does filter FORWARD let a bridge's traffic through? Two questions per bridge subnet:
 *  - outbound: a container opening a connection to the internet through the uplink;
 *  - replies: the internet answering, arriving on the uplink (conntrack ESTABLISHED).
 * Under Docker's FORWARD policy DROP both pass only through accept rules; after `iptables -F FORWARD`
 * nothing does, and a DROP placed on the uplink before any RELATED,ESTABLISHED accept breaks replies.
 */
import type { Namespace, Ruleset } from '../../model/types.js';
import { outboundClass, replyClass, ruleNamesBridge, type BridgeSubnet } from './bridge-traffic.js';
import { rulesetFor } from './rulesets.js';
import { walkHook, type WalkResult } from './walk.js';

export interface BridgeForwardCheck {
  subnet: BridgeSubnet;
  ruleset: Ruleset;
  outbound: WalkResult;
  replies: WalkResult;
  /** Nothing accepts the outbound traffic: a certain DROP/REJECT by the FORWARD policy or by a rule that does not single out this bridge. */
  outboundBlocked: boolean;
  /** Outbound traffic is dropped on purpose by a rule naming this bridge or its subnet (Docker --internal networks, isolation). */
  outboundIsolated: boolean;
  /** Replies are certainly dropped while outbound traffic is not certainly dropped. */
  repliesBlocked: boolean;
}

export function checkBridgeForwarding(ns: Namespace, subnet: BridgeSubnet): BridgeForwardCheck | undefined {
  const ruleset = rulesetFor(ns, subnet.family);
  if (!ruleset) return undefined;
  const outbound = walkHook(ruleset, 'filter', 'FORWARD', outboundClass(ns, subnet));
  const replies = walkHook(ruleset, 'filter', 'FORWARD', replyClass(ns, subnet));
  const outDropped = outbound.decision.kind === 'drop' && outbound.certain;
  const deciding = outbound.decision.rule;
  const outboundIsolated = outDropped && deciding !== undefined && ruleNamesBridge(deciding, subnet);
  return {
    subnet,
    ruleset,
    outbound,
    replies,
    outboundBlocked: outDropped && !outboundIsolated,
    outboundIsolated,
    repliesBlocked: !outDropped && replies.decision.kind === 'drop' && replies.certain,
  };
}
