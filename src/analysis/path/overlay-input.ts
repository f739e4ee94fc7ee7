/**
 * The packets an overlay's peers send to this host, asked of the packet-path engine: a VXLAN or Geneve
 * device receives its peers' UDP datagrams on its destination port, a BGP speaker its peers' TCP
 * connections on port 179, both arriving from the underlay. Each endpoint's first packet is walked
 * through the prerouting and input hooks of every ruleset of the namespace (iptables-legacy, iptables-nft,
 * native nftables), as `askHook` answers it.
 *
 * Where each part comes from:
 *  - the port: `ip -d link` info_data `port` (iproute2 prints the kernel's value: 8472 where the device was
 *    made without dstport, 4789 the IANA port); ss for BGP; `wg show all listen-port` for WireGuard, whose
 *    port `ip -d link` does not print (overlay-wireguard.ts);
 *  - the peer: the device's unicast `remote`; else (multicast group, external/collect-metadata devices) an
 *    address of the underlay device's subnet that no interface of the namespace holds;
 *  - the underlay device: info_data `link` (`dev`), else the device the namespace routes the remote by, else
 *    the device holding `local`, else the default route's;
 *  - the local address: info_data `local`, else the underlay device's address.
 */
import { wildcardFamilies } from '../listener-families.js';
import { cidrContains, formatAddress, parseAddress, parseCidr } from '../../model/net.js';
import type { Evidence, Interface, Namespace } from '../../model/types.js';
import type { SsListener } from '../../parse/types.js';
import { uplinkInterface } from '../topology.js';
import type { PathEngine } from './engine.js';
import { askHook, type HookAnswer } from './hook-question.js';
import type { NamespaceView } from './namespace-view.js';
import type { ChainContext } from './packet.js';
import type { Packet, TraceStep } from './types.js';

/** The source port of the peer's packet: any ephemeral one (VXLAN hashes flows over the local port range). */
const PEER_PORT = 40000;
export const BGP_PORT = 179;

export interface OverlayEndpoint {
  /** The interface the finding is about: the overlay device, or for BGP the device its peers arrive on. */
  subject: string;
  /** "VXLAN VNI 42", "Geneve VNI 7", "BGP speaker bird". */
  what: string;
  protocol: 'udp' | 'tcp';
  port: number;
  family: 4 | 6;
  peer: bigint;
  /** "the remote 192.0.2.2", "192.0.2.3 in ul0's subnet 192.0.2.0/24". */
  peerDescribed: string;
  local: bigint;
  underlay: string;
  evidence: Evidence[];
}

/** An overlay device whose endpoint the snapshot cannot give (its port or its peers unknown): not checked, and why. */
export interface OverlayUnknown {
  subject: string;
  what: string;
  reason: string;
}

export interface OverlayAnswer {
  endpoint: OverlayEndpoint;
  /** The peer's first packet, as prerouting and input leave it. */
  packet: Packet;
  steps: TraceStep[];
  /** The step that certainly drops it. */
  drop?: TraceStep;
}

const TUNNEL_KINDS: Record<string, string> = { vxlan: 'VXLAN', geneve: 'Geneve' };

function text(data: Record<string, unknown>, key: string): string | undefined {
  const value = data[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function address(textValue: string | undefined): { family: 4 | 6; value: bigint } | undefined {
  return textValue === undefined ? undefined : parseAddress(textValue);
}

function isMulticast(family: 4 | 6, value: bigint): boolean {
  return family === 4 ? value >> 28n === 0xen : value >> 120n === 0xffn;
}

/** An address of `dev`'s subnet (of the family) that no interface of the namespace holds: where a peer on the underlay sends from. */
export function subnetPeer(view: NamespaceView, dev: string, family: 4 | 6): { value: bigint; described: string } | undefined {
  for (const a of view.interface(dev)?.addresses ?? []) {
    if (a.family !== family || a.scope === 'link' || a.scope === 'host') continue;
    const cidr = parseCidr(a.network);
    if (!cidr || cidr.prefixLen >= (family === 4 ? 31 : 127)) continue;
    for (let offset = 1n; offset < 16n; offset++) {
      const candidate = cidr.network + offset;
      if (!cidrContains(cidr, { family, network: candidate, prefixLen: family === 4 ? 32 : 128 })) break;
      if (!view.ownAddress(family, candidate)) return { value: candidate, described: `${formatAddress(family, candidate)} in ${dev}'s subnet ${a.network}` };
    }
  }
  return undefined;
}

function routedDevice(view: NamespaceView, family: 4 | 6, dst: bigint): string | undefined {
  const decision = view.fib(family).decide({ family, dst, iif: 'lo', mark: 0 });
  return decision.outcome === 'route' ? (decision.route.dev ?? decision.route.nexthops[0]?.dev) : undefined;
}

function deviceHolding(view: NamespaceView, family: 4 | 6, value: bigint): string | undefined {
  return view.ownAddress(family, value)?.interface;
}

/** The endpoint of a VXLAN or Geneve device; undefined where the snapshot does not show its port or underlay. */
export function tunnelEndpoint(view: NamespaceView, iface: Interface): OverlayEndpoint | undefined {
  const label = iface.rawKind === undefined ? undefined : TUNNEL_KINDS[iface.rawKind];
  const data = iface.infoData;
  if (label === undefined || data === undefined) return undefined;
  const port = data['port'];
  if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  const remote = address(text(data, 'remote') ?? text(data, 'remote6'));
  const local = address(text(data, 'local') ?? text(data, 'local6'));
  const family: 4 | 6 = remote?.family ?? local?.family ?? (text(data, 'group6') !== undefined ? 6 : 4);
  const unicastRemote = remote && remote.family === family && !isMulticast(family, remote.value) ? remote.value : undefined;
  const underlay =
    text(data, 'link') ??
    (unicastRemote !== undefined ? routedDevice(view, family, unicastRemote) : undefined) ??
    (local ? deviceHolding(view, family, local.value) : undefined) ??
    uplinkInterface(view.ns, family);
  if (underlay === undefined || underlay === iface.name || !view.interface(underlay)) return undefined;
  const localValue = local?.family === family ? local.value : view.sourceFor(family, underlay, undefined);
  if (localValue === undefined) return undefined;
  const peer = unicastRemote !== undefined ? { value: unicastRemote, described: `the remote ${formatAddress(family, unicastRemote)}` } : subnetPeer(view, underlay, family);
  if (!peer) return undefined;
  const id = data['id'];
  return {
    subject: iface.name,
    what: `${label}${typeof id === 'number' ? ` VNI ${id}` : ''}`,
    protocol: 'udp',
    port,
    family,
    peer: peer.value,
    peerDescribed: peer.described,
    local: localValue,
    underlay,
    evidence: [iface.evidence],
  };
}

/** BGP speakers listening on TCP 179, one endpoint per family, on the device their peers arrive on. */
export function bgpEndpoints(view: NamespaceView, listeners: readonly SsListener[]): OverlayEndpoint[] {
  const out: OverlayEndpoint[] = [];
  const seen = new Set<string>();
  for (const l of listeners) {
    if (l.localPort !== BGP_PORT) continue;
    const wildcard = wildcardFamilies(l);
    const bound = wildcard ? undefined : parseAddress(l.localAddress);
    if (!bound && !wildcard) continue;
    const families: (4 | 6)[] = bound ? [bound.family] : (wildcard ?? []);
    for (const family of families) {
      const underlay = l.localInterface ?? (bound ? deviceHolding(view, family, bound.value) : uplinkInterface(view.ns, family));
      if (underlay === undefined || seen.has(`${family}|${underlay}`)) continue;
      const local = bound?.value ?? view.sourceFor(family, underlay, undefined);
      const peer = subnetPeer(view, underlay, family);
      const iface = view.interface(underlay);
      if (local === undefined || !peer || !iface) continue;
      seen.add(`${family}|${underlay}`);
      const program = l.processes[0]?.name;
      out.push({
        subject: underlay,
        what: `BGP speaker${program ? ` ${program}` : ''}`,
        protocol: 'tcp',
        port: BGP_PORT,
        family,
        peer: peer.value,
        peerDescribed: peer.described,
        local,
        underlay,
        evidence: [{ source: view.source('ss-tlnp')?.label ?? 'ss-tlnp', line: l.line, text: l.text }, iface.evidence],
      });
    }
  }
  return out;
}

/** The peer's first packet through prerouting and input: the step that drops it, if one certainly does. */
export function overlayInput(engine: PathEngine, ns: Namespace, endpoint: OverlayEndpoint): OverlayAnswer {
  const view = engine.view(ns);
  const packet: Packet = { family: endpoint.family, src: endpoint.peer, dst: endpoint.local, protocol: endpoint.protocol, sport: PEER_PORT, dport: endpoint.port, mark: 0 };
  const ctx: ChainContext = { in: endpoint.underlay, srcLocal: false, dstLocal: true, connection: { state: 'NEW', direction: 'ORIGINAL', dnat: false, snat: false } };
  const prerouting: HookAnswer = askHook(view, 'prerouting', packet, ctx, true);
  if (prerouting.drop) return { endpoint, packet, steps: prerouting.steps, drop: prerouting.drop };
  const input = askHook(view, 'input', prerouting.packet, ctx, true);
  const answer: OverlayAnswer = { endpoint, packet, steps: [...prerouting.steps, ...input.steps] };
  if (input.drop) answer.drop = input.drop;
  return answer;
}
