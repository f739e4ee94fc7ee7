/**
 * Why a bridge subnet's connection to the internet leaves un-NATed (whether the postrouting hook source-NATs
 * it is the packet-path engine's answer): Docker writes `-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE`; a rule
 * for another subnet (the bridge was re-addressed) or restricted to another output interface does not cover
 * it, and those near misses are the evidence.
 */
import { cidrOverlaps, parseCidr } from '../../model/net.js';
import type { NfChain, NfRule, Ruleset } from '../../model/types.js';
import { ruleNamesBridge, type BridgeSubnet } from './bridge-traffic.js';
import { interfaceNameMatches, matchRule } from './match.js';
import type { PacketClass } from './packet.js';

const SOURCE_NAT = new Set(['MASQUERADE', 'SNAT', 'NETMAP']);

/** Names the bridge or its subnet, but is not about traffic into the bridge (hairpin NAT towards containers). */
function aimsAtEgress(rule: NfRule, subnet: BridgeSubnet): boolean {
  if (!ruleNamesBridge(rule, subnet)) return false;
  const out = rule.outInterface;
  if (out && !out.negated && interfaceNameMatches(out.value, subnet.bridge.name)) return false;
  const dst = rule.destination && !rule.destination.negated ? parseCidr(rule.destination.value) : undefined;
  return !(dst && dst.prefixLen > 0 && dst.family === subnet.family && cidrOverlaps(dst, subnet.cidr));
}

/**
 * Source-NAT rules of nat POSTROUTING (and the chains it jumps to) that name the bridge or its subnet but do
 * not apply to `packet`, the subnet's outbound connection: the evidence of why it leaves un-NATed.
 */
export function sourceNatNearMisses(ruleset: Ruleset, packet: PacketClass, subnet: BridgeSubnet): NfRule[] {
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
