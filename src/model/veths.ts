/**
 * veth pairs with their peers resolved across the collected namespaces.
 *
 * `ip -d link` names a peer in the same namespace with `link` ("veth1", or "if12" when it cannot
 * resolve it), and a peer elsewhere with `link_index` plus `link_netnsid` (the id this namespace gives
 * the peer's). A pair is resolved when the candidate's own link index points back at this end, so a
 * wrong nsid mapping can never pair two unrelated interfaces.
 */
import { type NetnsRequested, peerNamespaceMissing } from './netns-request.js';
import type { Interface, Namespace, VethEnd, VethPeer } from './types.js';

function peerIndexFromName(name: string | undefined): number | undefined {
  if (!name) return undefined;
  const m = /^if(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function pointsBack(candidate: Interface, end: Interface): boolean {
  if (candidate.kind !== 'veth' && candidate.rawKind !== undefined) return false;
  const back = candidate.link?.index ?? peerIndexFromName(candidate.link?.name);
  if (back !== undefined) return back === end.index;
  return candidate.link?.name === end.name;
}

/** @param requested the namespaces the collector was asked for (meta.netnsRequested), for the wording */
export function resolveVeths(namespaces: Namespace[], requested?: NetnsRequested): void {
  const byNsid = new Map<number, Namespace>();
  for (const ns of namespaces) if (ns.nsid !== undefined) byNsid.set(ns.nsid, ns);
  const host = namespaces[0];

  for (const ns of namespaces) {
    for (const iface of ns.interfaces) {
      if (iface.kind !== 'veth') continue;
      ns.veths.push({ interface: iface, peer: findPeer(ns, iface, namespaces, byNsid, host, requested) });
    }
  }
}

function findPeer(
  ns: Namespace,
  end: Interface,
  namespaces: Namespace[],
  byNsid: Map<number, Namespace>,
  host: Namespace | undefined,
  requested: NetnsRequested,
): VethPeer {
  const link = end.link;
  if (!link) {
    return { resolved: false, reason: 'ip link shows no peer for this veth (collected without -d, or the peer is gone)' };
  }
  const peerIndex = link.index ?? peerIndexFromName(link.name);

  if (link.netnsId === undefined) {
    // Peer in the same namespace.
    const candidate = peerIndex !== undefined ? ns.interfaceByIndex.get(peerIndex) : link.name ? ns.interfaceByName.get(link.name) : undefined;
    // Never the veth itself: `eth0@if2` read from text that names the peer's namespace only by name
    // (`link-netns NAME`) has the peer's index, which may be its own in this namespace.
    if (candidate && candidate !== end && pointsBack(candidate, end)) return { resolved: true, namespace: ns.name, name: candidate.name, interface: candidate };
    const unresolved: VethPeer = { resolved: false, reason: `peer ${link.name ?? `ifindex ${peerIndex}`} not found in namespace ${ns.name}` };
    if (link.name && peerIndexFromName(link.name) === undefined) unresolved.name = link.name;
    if (peerIndex !== undefined) unresolved.index = peerIndex;
    return unresolved;
  }

  // Peer in another namespace. From the host, link_netnsid is the peer namespace's nsid; from a
  // container, it is the container's id for the peer namespace, which we do not know: try every other.
  const preferred = ns === host ? byNsid.get(link.netnsId) : undefined;
  const candidates = preferred ? [preferred, ...namespaces.filter((n) => n !== ns && n !== preferred)] : namespaces.filter((n) => n !== ns);
  for (const other of candidates) {
    const candidate = peerIndex !== undefined ? other.interfaceByIndex.get(peerIndex) : undefined;
    if (candidate && pointsBack(candidate, end)) {
      return { resolved: true, namespace: other.name, name: candidate.name, interface: candidate };
    }
  }
  const collected = namespaces.length > 1 ? `none of the ${namespaces.length - 1} other collected namespaces holds it` : peerNamespaceMissing(requested);
  const unresolved: VethPeer = {
    resolved: false,
    reason: `peer ifindex ${peerIndex ?? '?'} is in namespace id ${link.netnsId}; ${collected}`,
    netnsId: link.netnsId,
  };
  if (peerIndex !== undefined) unresolved.index = peerIndex;
  return unresolved;
}

export type { VethEnd };
