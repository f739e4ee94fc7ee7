/**
 * Subject kind `veth`: every veth end of every collected namespace, with its peer resolved by the model.
 *
 * A veth's carrier is its peer's state: LOWER_UP on one end means the other end is up. So a host end
 * that is up without carrier has a peer that is down (or whose namespace is being torn down).
 */
import type { Namespace, VethEnd } from '../../model/types.js';
import { mergeEvidence } from './lib/evidence.js';
import { configuredRoutesVia, usableAddresses } from './lib/topology.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const subjects = defineSubjects<VethEnd>({
  kind: 'veth',
  description: 'Every veth end of every collected namespace (name of this end)',
  namespaces: 'all',
  enumerate: ({ namespace }) => namespace.veths.map((v) => ({ name: v.interface.name, value: v })),
});

function peerInOtherNamespace(end: VethEnd, ns: Namespace): boolean {
  if (end.peer.resolved) return end.peer.namespace !== ns.name;
  return end.interface.link?.netnsId !== undefined || end.interface.link?.netnsName !== undefined;
}

/** Plumbed into something: a bridge or other master, an address, or routes through it. */
function attached(end: VethEnd, env: FactEnv, ns: Namespace): boolean {
  const iface = end.interface;
  return Boolean(iface.master) || usableAddresses(iface).length > 0 || configuredRoutesVia(env, ns, iface.name).length > 0;
}

/** Cilium attaches BPF programs to its lxc* veths instead of a bridge, address or route. */
function bpfDatapath(ns: Namespace): boolean {
  return ns.interfaceByName.has('cilium_host');
}

function orphanReason(end: VethEnd, env: FactEnv): string {
  const ns = env.namespace;
  const iface = end.interface;
  const peer = end.peer;
  if (peer.resolved && peer.namespace === ns.name) {
    const other = peer.interface;
    const otherEnd: VethEnd = { interface: other, peer: { resolved: true, namespace: ns.name, name: iface.name, interface: iface } };
    if (!attached(end, env, ns) && !attached(otherEnd, env, ns)) {
      // One finding per pair: on the end with the lower ifindex.
      if (iface.index > other.index) return '';
      return `both ends of the pair (${iface.name}, ${other.name}) are in namespace ${ns.name} with no master, no address and no route: a leftover of a container or CNI setup that was never finished or torn down`;
    }
    return '';
  }
  if (iface.adminUp && !iface.carrier) {
    if (peer.resolved) {
      const state = peer.interface.adminUp ? 'has no carrier' : 'is admin down';
      return `its peer ${peer.name} in namespace ${peer.namespace} ${state}: nothing can pass (${iface.name} shows NO-CARRIER)`;
    }
    return `its peer is down or its namespace is gone (${iface.name} shows NO-CARRIER; ${peer.reason})`;
  }
  return '';
}

const facts = defineFacts<VethEnd>('veth', [
  { name: 'name', type: 'string', description: 'Name of this end', example: 'veth1a2b3c4', compute: (v) => v.interface.name },
  {
    name: 'side',
    type: 'string',
    description: '"host" for ends in the host namespace, "namespace" for ends inside other namespaces (containers, named netns)',
    example: 'host',
    compute: (_v, env) => (env.namespace.kind === 'host' ? 'host' : 'namespace'),
  },
  { name: 'peerResolved', type: 'boolean', description: 'The peer was found in a collected namespace (its link index points back at this end)', example: true, compute: (v) => v.peer.resolved },
  {
    name: 'peerNamespace',
    type: 'string | undefined',
    description: 'Namespace of the peer, when resolved',
    example: 'pid:4242',
    compute: (v) => (v.peer.resolved ? v.peer.namespace : undefined),
  },
  { name: 'peerName', type: 'string | undefined', description: 'Name of the peer, when known', example: 'eth0', compute: (v) => v.peer.name },
  {
    name: 'peerUnresolvedReason',
    type: 'string',
    description: 'Why the peer could not be resolved (empty when it was)',
    example: 'peer ifindex 12 is in namespace id 3; no other namespace was collected (collect with --netns all)',
    compute: (v) => (v.peer.resolved ? '' : v.peer.reason),
  },
  {
    name: 'peerInOtherNamespace',
    type: 'boolean',
    description: 'The peer lives in another namespace (resolved there, or ip link shows a link-netnsid)',
    example: true,
    compute: (v, env) => peerInOtherNamespace(v, env.namespace),
  },
  { name: 'master', type: 'string | undefined', description: 'The bridge (or other master) this end is enslaved to', example: 'docker0', compute: (v) => v.interface.master },
  { name: 'hasMaster', type: 'boolean', description: 'This end is enslaved to a bridge, bond or VRF', example: true, compute: (v) => v.interface.master !== undefined },
  {
    name: 'peerDescription',
    type: 'string',
    description: 'Where the peer is, for messages: "eth0 in namespace pid:4242", or what ip link tells of it when unresolved',
    example: 'eth0 in namespace pid:4242',
    compute: (v) =>
      v.peer.resolved
        ? `${v.peer.name} in namespace ${v.peer.namespace}`
        : `peer${v.peer.index !== undefined ? ` ifindex ${v.peer.index}` : ''}${v.peer.netnsId !== undefined ? ` in namespace id ${v.peer.netnsId}` : v.peer.netnsName !== undefined ? ` in namespace ${v.peer.netnsName}` : ''}, not collected`,
  },
  { name: 'hasAddress', type: 'boolean', description: 'This end has an address other than link-local', example: false, compute: (v) => usableAddresses(v.interface).length > 0 },
  {
    name: 'routeCount',
    type: 'number',
    description: 'Routes configured through this end (Calico-style /32 routes to a pod), kernel connected routes excluded',
    example: 0,
    compute: (v, env) => configuredRoutesVia(env, env.namespace, v.interface.name).length,
  },
  { name: 'adminUp', type: 'boolean', description: 'This end is set up', example: true, compute: (v) => v.interface.adminUp },
  { name: 'carrier', type: 'boolean', description: 'This end has carrier, i.e. its peer is up', example: true, compute: (v) => v.interface.carrier },
  {
    name: 'bpfDatapath',
    type: 'boolean',
    description: 'The namespace runs Cilium (cilium_host exists): its lxc* veths are wired by BPF programs, not by a bridge, address or route',
    example: false,
    compute: (_v, env) => bpfDatapath(env.namespace),
  },
  {
    name: 'orphaned',
    type: 'boolean',
    description:
      'Broken plumbing: this end is up but its peer is down or gone (NO-CARRIER), or both ends of the pair sit in the same namespace with no master, address or route (reported once per pair, on the end with the lower ifindex)',
    example: false,
    compute: (v, env) => orphanReason(v, env) !== '',
  },
  { name: 'orphanReason', type: 'string', description: 'Why the veth is orphaned (empty when it is not)', compute: (v, env) => orphanReason(v, env) },
  { name: 'vethEvidence', type: EVIDENCE_TYPE, description: 'The ip link line of this end', compute: (v) => [v.interface.evidence] },
  {
    name: 'peerEvidence',
    type: EVIDENCE_TYPE,
    description: 'The ip link line of the peer, when resolved',
    compute: (v) => (v.peer.resolved ? [v.peer.interface.evidence] : []),
  },
  {
    name: 'addressEvidence',
    type: EVIDENCE_TYPE,
    description: 'The ip addr lines of this end',
    compute: (v) => mergeEvidence(...v.interface.addresses.map((a) => a.evidence)),
  },
]);

export const vethModule: FactModule<VethEnd> = { subjects, facts };
