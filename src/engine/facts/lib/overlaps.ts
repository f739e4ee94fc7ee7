/**
 * Interfaces of one namespace whose IPv4 subnets overlap, found through a CIDR index (no pairwise scan).
 *
 * Not counted: the same interface twice (secondary addresses), /32 host addresses (VIPs, kube-ipvs0
 * service addresses, anycast loopbacks: they add a host route, not a connected subnet), link-local
 * addresses, and interfaces in different VRFs (separate routing tables by design).
 */
import type { Address, Interface, Namespace } from '../../../model/types.js';
import { parseCidr } from '../../../model/net.js';
import type { FactEnv } from '../registry.js';
import { CidrIndex } from './cidr-index.js';
import { usableAddresses } from './topology.js';

export interface AddressOverlap {
  address: Address;
  other: Address;
}

function vrfOf(ns: Namespace, iface: Interface): string | undefined {
  if (!iface.master) return undefined;
  return ns.interfaceByName.get(iface.master)?.rawKind === 'vrf' ? iface.master : undefined;
}

/**
 * By interface name, the overlaps reported on that interface. Each overlapping pair is reported once,
 * on the more specific side (or, for equal prefixes, on the interface with the higher index).
 */
export function addressOverlaps(env: FactEnv, ns: Namespace): Map<string, AddressOverlap[]> {
  return env.cache.perNamespace(ns, 'overlaps:ipv4', () => {
    const index = new CidrIndex<Address>();
    const candidates: Address[] = [];
    for (const iface of ns.interfaces) {
      for (const a of usableAddresses(iface, 4)) {
        if (a.prefixLen >= 32) continue;
        candidates.push(a);
        index.add(a.network, a);
      }
    }
    const result = new Map<string, AddressOverlap[]>();
    const seenPairs = new Set<string>();
    for (const a of candidates) {
      const cidr = parseCidr(a.network);
      if (!cidr) continue;
      const aIface = ns.interfaceByName.get(a.interface);
      for (const hit of index.overlapping(cidr)) {
        const b = hit.payload;
        if (b.interface === a.interface) continue;
        const bIface = ns.interfaceByName.get(b.interface);
        if (aIface && bIface && vrfOf(ns, aIface) !== vrfOf(ns, bIface)) continue;
        const aIndex = aIface?.index ?? 0;
        const bIndex = bIface?.index ?? 0;
        const aOwns = a.prefixLen > b.prefixLen || (a.prefixLen === b.prefixLen && (aIndex > bIndex || (aIndex === bIndex && a.interface > b.interface)));
        if (!aOwns) continue;
        const key = `${a.interface}/${a.address}/${a.prefixLen}|${b.interface}/${b.address}/${b.prefixLen}`;
        if (seenPairs.has(key)) continue;
        seenPairs.add(key);
        const list = result.get(a.interface);
        if (list) list.push({ address: a, other: b });
        else result.set(a.interface, [{ address: a, other: b }]);
      }
    }
    return result;
  });
}
