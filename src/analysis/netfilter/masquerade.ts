/**
 * Masquerade coverage of a bridge subnet: does nat POSTROUTING source-NAT a container's connection
 * to the internet leaving through the uplink? Docker writes `-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE`;
 * a rule for another subnet (the bridge was re-addressed) or restricted to another output interface
 * does not cover it, and those near misses are kept as evidence.
 */
import { cidrOverlaps, parseCidr } from '../../model/net.js';
import type { Namespace, NfChain, NfRule, Ruleset } from '../../model/types.js';
import { outboundClass, ruleNamesBridge, type BridgeSubnet } from './bridge-traffic.js';
import { interfaceNameMatches, matchRule } from './match.js';
import type { PacketClass } from './packet.js';
import { rulesetFor } from './rulesets.js';
import type { Tri } from './tri.js';
import { walkHook, type WalkResult } from './walk.js';

const SOURCE_NAT = new Set(['MASQUERADE', 'SNAT', 'NETMAP']);

export interface MasqueradeCoverage {
  subnet: BridgeSubnet;
  ruleset: Ruleset;
  walk: WalkResult;
  covered: Tri;
  /** Source-NAT rules that mention the bridge or its subnet but do not apply to its outbound traffic. */
  nearMisses: NfRule[];
}

export function masqueradeCoverage(ns: Namespace, subnet: BridgeSubnet): MasqueradeCoverage | undefined {
  const ruleset = rulesetFor(ns, subnet.family);
  if (!ruleset) return undefined;
  const packet = outboundClass(ns, subnet);
  const walk = walkHook(ruleset, 'nat', 'POSTROUTING', packet);
  const { decision, certain } = walk;
  let covered: Tri = 'maybe';
  if (certain && decision.kind === 'nat' && SOURCE_NAT.has(decision.verdict)) covered = 'yes';
  else if (certain && (decision.kind === 'accept' || decision.kind === 'return')) covered = 'no';
  return { subnet, ruleset, walk, covered, nearMisses: covered === 'no' ? nearMisses(ruleset, packet, subnet) : [] };
}

/** Names the bridge or its subnet, but is not about traffic into the bridge (hairpin NAT towards containers). */
function aimsAtEgress(rule: NfRule, subnet: BridgeSubnet): boolean {
  if (!ruleNamesBridge(rule, subnet)) return false;
  const out = rule.outInterface;
  if (out && !out.negated && interfaceNameMatches(out.value, subnet.bridge.name)) return false;
  const dst = rule.destination && !rule.destination.negated ? parseCidr(rule.destination.value) : undefined;
  return !(dst && dst.prefixLen > 0 && dst.family === subnet.family && cidrOverlaps(dst, subnet.cidr));
}

function nearMisses(ruleset: Ruleset, packet: PacketClass, subnet: BridgeSubnet): NfRule[] {
  const nat = ruleset.tables.get('nat');
  const start = nat?.chains.get('POSTROUTING');
  if (!start) return [];
  const misses: NfRule[] = [];
  const queue: NfChain[] = [start];
  const seen = new Set<NfChain>([start]);
  for (let i = 0; i < queue.length; i++) {
    for (const rule of (queue[i] as NfChain).rules) {
      if (rule.jumpChain && !seen.has(rule.jumpChain)) {
        seen.add(rule.jumpChain);
        queue.push(rule.jumpChain);
      }
      if (rule.target && SOURCE_NAT.has(rule.target.name) && aimsAtEgress(rule, subnet) && matchRule(rule, packet) === 'no') misses.push(rule);
    }
  }
  return misses;
}
