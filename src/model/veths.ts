/**
 * veth pairs with their peers resolved across the collected namespaces.
 *
 * `ip -d link` names a peer in the same namespace with `link` ("veth1", or "if12" when it cannot
 * resolve it), and a peer elsewhere with `link_index` plus `link_netnsid` (the id this namespace gives
 * the peer's); ip's text may print `link-netns NAME` instead of the id. A pair is resolved when the candidate's own link index points back at this end, so a
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

interface Lookup {
  namespaces: Namespace[];
  byNsid: Map<number, Namespace>;
  byName: Map<string, Namespace>;
  host: Namespace | undefined;
  requested: NetnsRequested;
}

/** @param requested the namespaces the collector was asked for (meta.netnsRequested), for the wording */
export function resolveVeths(namespaces: Namespace[], requested?: NetnsRequested): void {
  const byNsid = new Map<number, Namespace>();
  for (const ns of namespaces) if (ns.nsid !== undefined) byNsid.set(ns.nsid, ns);
  const lookup: Lookup = { namespaces, byNsid, byName: new Map(namespaces.map((n) => [n.name, n])), host: namespaces[0], requested };

  // A veth's peer is a veth: an end whose kind was only guessed from its name (ip link without -d, as a
  // sosreport holds a namespace's `ip address show`) is one when a veth's peer found it pointing back.
  const peers = new Map<Interface, VethPeer>();
  for (const ns of namespaces) {
    for (const iface of ns.interfaces) {
      if (iface.kind !== 'veth') continue;
      const peer = findPeer(ns, iface, lookup);
      peers.set(iface, peer);
      if (peer.resolved && peer.interface.kind !== 'veth' && peer.interface.rawKind === undefined) peer.interface.kind = 'veth';
    }
  }
  for (const ns of namespaces) {
    for (const iface of ns.interfaces) {
      if (iface.kind !== 'veth') continue;
      ns.veths.push({ interface: iface, peer: peers.get(iface) ?? findPeer(ns, iface, lookup) });
    }
  }
}

function findPeer(ns: Namespace, end: Interface, { namespaces, byNsid, byName, host, requested }: Lookup): VethPeer {
  const link = end.link;
  if (!link) {
    return { resolved: false, reason: 'ip link shows no peer for this veth (collected without -d, or the peer is gone)' };
  }
  const peerIndex = link.index ?? peerIndexFromName(link.name);

  if (link.netnsId === undefined && link.netnsName === undefined) {
    // Peer in the same namespace.
    const candidate = peerIndex !== undefined ? ns.interfaceByIndex.get(peerIndex) : link.name ? ns.interfaceByName.get(link.name) : undefined;
    if (candidate && candidate !== end && pointsBack(candidate, end)) return { resolved: true, namespace: ns.name, name: candidate.name, interface: candidate };
    const unresolved: VethPeer = { resolved: false, reason: `peer ${link.name ?? `ifindex ${peerIndex}`} not found in namespace ${ns.name}` };
    if (link.name && peerIndexFromName(link.name) === undefined) unresolved.name = link.name;
    if (peerIndex !== undefined) unresolved.index = peerIndex;
    return unresolved;
  }

  // Peer in another namespace. From the host, link_netnsid is the peer namespace's nsid; from a
  // container, it is the container's id for the peer namespace, which we do not know: try every other.
  // ip's text may name it instead (`link-netns NAME`): the named namespace first, then every other (the
  // name of the namespace a sosreport was taken in is not the snapshot's: that one is `host`).
  const named = link.netnsName !== undefined ? byName.get(link.netnsName) : undefined;
  const preferred = named !== undefined && named !== ns ? named : ns === host && link.netnsId !== undefined ? byNsid.get(link.netnsId) : undefined;
  const candidates = preferred ? [preferred, ...namespaces.filter((n) => n !== ns && n !== preferred)] : namespaces.filter((n) => n !== ns);
  for (const other of candidates) {
    const candidate = peerIndex !== undefined ? other.interfaceByIndex.get(peerIndex) : undefined;
    if (candidate && pointsBack(candidate, end)) {
      return { resolved: true, namespace: other.name, name: candidate.name, interface: candidate };
    }
  }
  const collected = namespaces.length > 1 ? `none of the ${namespaces.length - 1} other collected namespaces holds it` : peerNamespaceMissing(requested);
  const where = link.netnsId !== undefined ? `namespace id ${link.netnsId}` : `namespace ${link.netnsName}`;
  const unresolved: VethPeer = { resolved: false, reason: `peer ifindex ${peerIndex ?? '?'} is in ${where}; ${collected}` };
  if (link.netnsId !== undefined) unresolved.netnsId = link.netnsId;
  if (link.netnsName !== undefined) unresolved.netnsName = link.netnsName;
  if (peerIndex !== undefined) unresolved.index = peerIndex;
  return unresolved;
}

export type { VethEnd };
