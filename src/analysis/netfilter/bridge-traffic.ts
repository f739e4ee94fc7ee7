/**
 * A bridge's subnets, the class of a container's connection to the internet (what Docker's chains must let
 * through), and whether a rule singles out the bridge. The concrete packets of the path rules are the
 * packet-path engine's (src/analysis/path/bridge-paths.ts).
 */
import { cidrOverlaps, parseCidr, type Cidr } from '../../model/net.js';
import type { Bridge, Namespace, NfRule } from '../../model/types.js';
import { uplinkInterface } from '../topology.js';
import { interfaceNameMatches } from './match.js';
import type { InterfaceSpec, PacketClass } from './packet.js';

/** A representative HTTPS connection: what containers do most. */
const EGRESS_PORT = 443;

export interface BridgeSubnet {
  bridge: Bridge;
  family: 4 | 6;
  /** Canonical CIDR text, e.g. 172.17.0.0/16. */
  subnet: string;
  cidr: Cidr;
}

export function bridgeSubnets(bridge: Bridge): BridgeSubnet[] {
  const out: BridgeSubnet[] = [];
  for (const subnet of bridge.subnets) {
    const cidr = parseCidr(subnet);
    if (cidr) out.push({ bridge, family: cidr.family, subnet, cidr });
  }
  return out;
}

/** The interface traffic leaves through: the uplink when it is known and not the bridge itself. */
export function uplinkSpec(ns: Namespace, bridgeName: string, family: 4 | 6): InterfaceSpec {
  const uplink = uplinkInterface(ns, family);
  return uplink && uplink !== bridgeName ? { name: uplink } : { except: [bridgeName] };
}

/** A container opening a connection to the internet. */
export function outboundClass(ns: Namespace, s: BridgeSubnet): PacketClass {
  return {
    family: s.family,
    in: { name: s.bridge.name },
    out: uplinkSpec(ns, s.bridge.name, s.family),
    src: { cidr: s.cidr },
    dst: { internet: true },
    srcLocal: false,
    dstLocal: false,
    protocol: 'tcp',
    dport: EGRESS_PORT,
    state: 'NEW',
    direction: 'ORIGINAL',
    dnat: false,
    bridged: false,
  };
}

/** Does a rule single out this bridge or its subnet (by -i/-o, or -s/-d overlapping the subnet)? */
export function ruleNamesBridge(rule: NfRule, s: BridgeSubnet): boolean {
  for (const iface of [rule.inInterface, rule.outInterface]) {
    if (iface && interfaceNameMatches(iface.value, s.bridge.name)) return true;
  }
  for (const address of [rule.source, rule.destination]) {
    if (!address) continue;
    const cidr = parseCidr(address.value);
    if (cidr && cidr.prefixLen > 0 && cidr.family === s.family && cidrOverlaps(cidr, s.cidr)) return true;
  }
  return false;
}
