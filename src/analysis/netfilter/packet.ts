/**
 * A packet class: the set of packets a question is about ("a NEW TCP connection from the internet
 * to 172.17.0.2:80 arriving on eth0, leaving through docker0"). Every field left undefined means
 * "unknown": rules that test it answer "maybe".
 */
import type { Cidr } from '../../model/net.js';

/** One interface, or any interface except these (e.g. "not the bridge"). */
export type InterfaceSpec = { name: string } | { except: string[] };

/**
 * A set of addresses: a CIDR block, or "the internet": a typical public address that the ruleset
 * does not name (a rule naming a specific public subnet does not match it; 0.0.0.0/0 does).
 */
export type AddressSpec = { cidr: Cidr } | { internet: true };

export type ConnState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

export interface PacketClass {
  family: 4 | 6;
  in?: InterfaceSpec;
  out?: InterfaceSpec;
  src?: AddressSpec;
  dst?: AddressSpec;
  /** addrtype: the source / destination is an address of this host (type LOCAL) or a unicast address elsewhere. */
  srcLocal?: boolean;
  dstLocal?: boolean;
  /** Lower-case protocol name: tcp, udp, icmp, ipv6-icmp, sctp... */
  protocol?: string;
  sport?: number;
  dport?: number;
  state?: ConnState;
  /** The connection was destination-NATed (conntrack status DNAT). */
  dnat?: boolean;
  snat?: boolean;
  /** The destination and port before DNAT (conntrack --ctorigdst / --ctorigdstport). */
  origDst?: AddressSpec;
  origDport?: number;
  /** Direction of the packet within its connection (conntrack --ctdir). */
  direction?: 'ORIGINAL' | 'REPLY';
  /** Bridged at layer 2 (br_netfilter) rather than routed. Our classes describe routed traffic. */
  bridged?: boolean;
  /** A bridged frame's bridge ports (physdev in/out): where it came in, and where the bridge sends it (FORWARD, POSTROUTING). */
  physIn?: string;
  physOut?: string;
  /** A non-first fragment (matched by -f). Undefined is read as "not a fragment". */
  fragment?: boolean;
  /** The packet's mark (nfmark), when known exactly: the packet-path engine follows concrete packets. */
  mark?: number;
}
