/**
 * The packet-path engine's vocabulary: the packet (one concrete flow's packet, not a class), the steps of
 * its path (each with what decided it and the snapshot lines that prove it), and the outcome of a walk.
 */
import type { Evidence } from '../../parse/common.js';

export type Protocol = 'tcp' | 'udp' | 'icmp';

export interface Packet {
  family: 4 | 6;
  src: bigint;
  dst: bigint;
  protocol: Protocol;
  sport?: number;
  dport?: number;
  /** ICMP: 8 echo request, 0 echo reply (ICMPv6: 128, 129). */
  icmpType?: number;
  /** The packet's mark; undefined once a rule the snapshot cannot follow may have set it. */
  mark: number | undefined;
}

/** Where in a namespace's path a step sits: netfilter hooks, and the decisions between them. */
export type Stage =
  | 'ingress'
  | 'prerouting'
  | 'conntrack'
  | 'routing'
  | 'sysctl'
  | 'input'
  | 'forward'
  | 'output'
  | 'postrouting'
  | 'neighbour'
  | 'bridge'
  | 'veth'
  | 'egress'
  | 'local-delivery';

/**
 * What a step did: let the packet on (accept, continue), changed it (dnat, snat, route), ended its walk
 * (deliver, leave, drop, refused), or could not be decided from the snapshot (maybe).
 */
export type StepVerdict = 'accept' | 'continue' | 'dnat' | 'snat' | 'route' | 'deliver' | 'leave' | 'drop' | 'refused' | 'maybe';

export interface TraceStep {
  namespace: string;
  stage: Stage;
  /** Netfilter steps: the backend and table ("iptables-nft nat"), the base chain, and the deciding rule. */
  table?: string;
  chain?: string;
  /** "DOCKER:2" (chain:position) or "policy DROP". */
  rule?: string;
  verdict: StepVerdict;
  /** The packet as it leaves this step, e.g. "tcp 203.0.113.7:40000 > 172.17.0.2:80". */
  packet: string;
  note: string;
  evidence: Evidence[];
}

export type TraceVerdict = 'delivered' | 'dropped' | 'unknown';

/** One direction of a connection: the steps until the packet was delivered, left the snapshot, or died. */
export interface Leg {
  verdict: TraceVerdict;
  /** How the leg ended: delivered to a socket, left the host through an interface, or why it died or is unknown. */
  reason: string;
  steps: TraceStep[];
  /** The packet as it started the leg (with the source address a sending namespace chose). */
  sent: Packet;
  /** The packet as it arrived (delivered) or left (left the snapshot). */
  final: Packet;
  /** Where it ended: the namespace, and for a packet that left, the interface. */
  endNamespace: string;
  leftThrough?: string;
  /** True when the leg ends outside the snapshot (the rest of the world is assumed to answer). */
  leftSnapshot: boolean;
}
