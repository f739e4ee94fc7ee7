import type { Namespace, Ruleset } from '../../model/types.js';

/** The default iptables view of a family (iptables-save / ip6tables-save). */
export function rulesetFor(ns: Namespace, family: 4 | 6): Ruleset | undefined {
  return family === 4 ? ns.netfilter.ipv4 : ns.netfilter.ipv6;
}
