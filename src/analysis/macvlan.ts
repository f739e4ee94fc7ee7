/**
 * A macvlan or ipvlan child in a container namespace whose parent is an interface of the host namespace:
 * the parent does not see its children's traffic (frames the parent sends leave by the wire and never come
 * back to its own children; ipvlan slaves cannot talk to their master), so the host cannot reach the
 * container by the parent. It can through a macvlan of its own on the same parent (the "shim").
 *
 * `ip -d link` in the container names the parent by `link_index` and `link_netnsid`, the container's own id
 * for the parent's namespace, which the snapshot cannot map. The parent is taken as the host's:
 *  - for certain where a veth of the container with the same link_netnsid has its peer in the host;
 *  - not where such a veth has its peer in another namespace;
 *  - otherwise the host interface with that index, where it exists, can carry macvlans (not loopback,
 *    not itself a macvlan or ipvlan) and its MTU is at least the child's (the kernel keeps a child's MTU at or
 *    below its parent's). Its line is quoted.
 * The host is cut off from the container when its routing decision for the child's address leaves by the
 * parent itself; a route by a host-side macvlan on the same parent reaches it.
 */
import { parseAddress } from '../model/net.js';
import type { Address, Evidence, Interface, Namespace, Route } from '../model/types.js';
import type { PathEngine } from './path/engine.js';

export interface HostIsolation {
  child: Interface;
  parent: Interface;
  /** How the parent was found: "confirmed by veth eth1" or "the host's ifindex 2". */
  parentBy: string;
  mode?: string;
  address: Address;
  /** The host's route to the child's address (it leaves by the parent). */
  route: Route;
  /** Host-side macvlans/ipvlans on the same parent (a shim without a route to the container). */
  shims: Interface[];
  evidence: Evidence[];
}

const CHILD_KINDS = new Set(['macvlan', 'ipvlan']);
const NO_PARENT_KINDS = new Set(['loopback', 'macvlan', 'ipvlan']);

function parentInHost(host: Namespace, ns: Namespace, child: Interface): { parent: Interface; by: string } | undefined {
  const link = child.link;
  if (link?.netnsId === undefined || link.index === undefined) return undefined;
  const sibling = ns.veths.find((v) => v.interface.link?.netnsId === link.netnsId && v.peer.resolved);
  if (sibling?.peer.resolved && sibling.peer.namespace !== host.name) return undefined;
  const parent = host.interfaceByIndex.get(link.index);
  if (!parent || NO_PARENT_KINDS.has(parent.kind)) return undefined;
  if (sibling) return { parent, by: `the host, as veth ${sibling.interface.name}'s peer shows for link-netnsid ${link.netnsId}` };
  if (parent.mtu !== undefined && child.mtu !== undefined && parent.mtu < child.mtu) return undefined;
  return { parent, by: `the host's ifindex ${link.index}` };
}

function usable(a: Address): boolean {
  return a.scope !== 'link' && a.scope !== 'host';
}

/** Undefined unless the host's own traffic to the child leaves by the child's parent. */
export function hostIsolation(engine: PathEngine, host: Namespace, ns: Namespace, child: Interface): HostIsolation | undefined {
  if (ns === host || !CHILD_KINDS.has(child.kind)) return undefined;
  const found = parentInHost(host, ns, child);
  if (!found) return undefined;
  const view = engine.view(host);
  for (const address of child.addresses.filter(usable).sort((a, b) => a.family - b.family)) {
    const value = parseAddress(address.address);
    if (!value) continue;
    const decision = view.fib(value.family).decide({ family: value.family, dst: value.value, iif: 'lo', mark: 0 });
    if (decision.outcome !== 'route') continue;
    const dev = decision.route.dev ?? decision.route.nexthops[0]?.dev;
    if (dev !== found.parent.name) continue;
    const shims = host.interfaces.filter((i) => CHILD_KINDS.has(i.kind) && i.link?.netnsId === undefined && (i.link?.index === found.parent.index || i.link?.name === found.parent.name));
    const mode = child.infoData?.['mode'];
    const result: HostIsolation = {
      child,
      parent: found.parent,
      parentBy: found.by,
      address,
      route: decision.route,
      shims,
      evidence: [child.evidence, address.evidence, found.parent.evidence, decision.route.evidence, ...shims.map((s) => s.evidence)],
    };
    if (typeof mode === 'string') result.mode = mode;
    return result;
  }
  return undefined;
}
