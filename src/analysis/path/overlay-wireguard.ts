/**
 * WireGuard's endpoints for the overlay question (overlay-input.ts). `ip -d link` prints a WireGuard device's
 * kind and nothing of its port, so the port comes from `wg show all listen-port` alone. Without that source the
 * port stays unknown: a UDP socket with no process in `ss -Hulnp` looks the same whether WireGuard, a VXLAN or
 * Geneve device, an in-kernel service or any program seen by a non-root ss owns it, so it is named as a
 * possibility in the reason and never taken as the port.
 *
 * The device's sockets are bound to every address (IPv4 and IPv6): its peers are taken to arrive on the uplink
 * of each family (the default route's device), from an address of the uplink's subnet, to the uplink's address.
 */
import { sourceUsable } from '../../model/sources.js';
import type { Interface, Namespace, SourceInfo } from '../../model/types.js';
import type { WgListenPort } from '../../parse/wg-listen-port.js';
import { uplinkInterface } from '../topology.js';
import type { NamespaceView } from './namespace-view.js';
import { subnetPeer, type OverlayEndpoint, type OverlayUnknown } from './overlay-input.js';

export interface WireguardEndpoints {
  endpoints: OverlayEndpoint[];
  unknown: OverlayUnknown[];
}

const WHAT = 'WireGuard';

/** The devices the namespace's ip link shows as WireGuard, and those wg lists (userspace WireGuard runs on a tun device). */
function wireguardDevices(ns: Namespace): Interface[] {
  const listed = new Set((ns.wireguard?.ports ?? []).map((p) => p.interface));
  return ns.interfaces.filter((i) => i.kind === 'wireguard' || listed.has(i.name));
}

function unusable(info: SourceInfo | undefined, label: string): string {
  if (!info) return `${label} not in the snapshot`;
  if (info.parseError) return `${info.label} unreadable (${info.parseError})`;
  return `${info.label} ${info.status === 'failed' ? 'failed' : 'not collected'}${info.reason ? ` (${info.reason})` : ''}`;
}

/** UDP ports with a socket of no process that no VXLAN or Geneve device of the namespace holds: what the port may be. */
function unexplainedKernelPorts(view: NamespaceView, ns: Namespace): number[] {
  if (!sourceUsable(view.source('ss-ulnp'))) return [];
  const tunnelPorts = new Set(ns.interfaces.flatMap((i) => (i.infoData && typeof i.infoData['port'] === 'number' ? [i.infoData['port']] : [])));
  const ports = new Set<number>();
  for (const l of ns.udpListeners) if (l.processes.length === 0 && !tunnelPorts.has(l.localPort)) ports.add(l.localPort);
  return [...ports].sort((a, b) => a - b);
}

function unknownPort(view: NamespaceView, ns: Namespace, iface: Interface): OverlayUnknown {
  const source = view.source('wg-listen-port');
  const why = unusable(source, 'wg-listen-port');
  const candidates = unexplainedKernelPorts(view, ns);
  const maybe =
    candidates.length === 0
      ? ''
      : `; ${view.source('ss-ulnp')?.label ?? 'ss-ulnp'} shows UDP sockets with no process on ${candidates.length === 1 ? 'port' : 'ports'} ${candidates.join(', ')}, which may be it: not taken as its port (a non-root ss, an in-kernel service and WireGuard look alike there)`;
  return { subject: iface.name, what: WHAT, reason: `its UDP port is unknown: ${why}${maybe}` };
}

function endpointsOf(view: NamespaceView, iface: Interface, entry: WgListenPort): OverlayEndpoint[] {
  const out: OverlayEndpoint[] = [];
  for (const family of [4, 6] as const) {
    const underlay = uplinkInterface(view.ns, family);
    if (underlay === undefined || underlay === iface.name || !view.interface(underlay)) continue;
    const local = view.sourceFor(family, underlay, undefined);
    const peer = subnetPeer(view, underlay, family);
    if (local === undefined || !peer) continue;
    out.push({
      subject: iface.name,
      what: WHAT,
      protocol: 'udp',
      port: entry.port,
      family,
      peer: peer.value,
      peerDescribed: peer.described,
      local,
      underlay,
      evidence: [iface.evidence, view.evidence('wg-listen-port', entry.line, entry.text)],
    });
  }
  return out;
}

/** Every WireGuard device of the namespace: its endpoints, or why it cannot be checked. */
export function wireguardEndpoints(view: NamespaceView, ns: Namespace): WireguardEndpoints {
  const result: WireguardEndpoints = { endpoints: [], unknown: [] };
  const devices = wireguardDevices(ns);
  if (devices.length === 0) return result;
  const wg = sourceUsable(view.source('wg-listen-port')) ? ns.wireguard : undefined;
  const label = view.source('wg-listen-port')?.label ?? 'wg-listen-port';
  for (const iface of devices) {
    if (!wg) {
      result.unknown.push(unknownPort(view, ns, iface));
      continue;
    }
    const entry = wg.ports.find((p) => p.interface === iface.name);
    if (!entry) {
      const denied = wg.unreadable.get(iface.name);
      const reason = denied ? `wg could not read it (${denied}): its UDP port is unknown` : `${label} does not list it: its UDP port is unknown`;
      result.unknown.push({ subject: iface.name, what: WHAT, reason });
      continue;
    }
    if (entry.port === 0) {
      result.unknown.push({ subject: iface.name, what: WHAT, reason: `${label}:${entry.line} gives port 0: it has no port yet (down, or made without one: the kernel picks one when it comes up)` });
      continue;
    }
    const endpoints = endpointsOf(view, iface, entry);
    if (endpoints.length === 0) {
      result.unknown.push({ subject: iface.name, what: WHAT, reason: `UDP ${entry.port}, but no uplink (a default route's device with an address and a subnet a peer could send from) to receive its peers on` });
      continue;
    }
    result.endpoints.push(...endpoints);
  }
  return result;
}
