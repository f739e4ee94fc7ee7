/** A concrete packet: how it reads in a step, and the packet class the iptables matcher asks about. */
import { formatAddress } from '../../model/net.js';
import type { ConnState, PacketClass } from '../netfilter/packet.js';
import type { Packet } from './types.js';

/** "192.0.2.10:8080", "[2001:db8::1]:443", or the bare address without a port. */
export function formatEndpoint(family: 4 | 6, address: bigint, port: number | undefined): string {
  const text = formatAddress(family, address);
  if (port === undefined) return text;
  return family === 6 ? `[${text}]:${port}` : `${text}:${port}`;
}

export function describePacket(p: Packet): string {
  const at = (address: bigint, port: number | undefined): string => formatEndpoint(p.family, address, port);
  const mark = p.mark === undefined ? ' mark ?' : p.mark !== 0 ? ` mark 0x${p.mark.toString(16)}` : '';
  if (p.protocol === 'icmp') return `icmp ${echoName(p)} ${at(p.src, undefined)} > ${at(p.dst, undefined)}${mark}`;
  return `${p.protocol} ${at(p.src, p.sport)} > ${at(p.dst, p.dport)}${mark}`;
}

function echoName(p: Packet): string {
  const request = p.family === 4 ? 8 : 128;
  return p.icmpType === request ? 'echo-request' : 'echo-reply';
}

/** What conntrack knows of the packet's connection where a chain sees it. */
export interface ConnectionView {
  state: ConnState;
  direction: 'ORIGINAL' | 'REPLY';
  dnat: boolean;
  snat: boolean;
  /** The original destination, before a DNAT of this namespace. */
  origDst?: bigint;
  origDport?: number;
}

export interface ChainContext {
  in?: string;
  out?: string;
  /** A frame the bridge forwards between two of its ports (br_netfilter): `in`/`out` are the bridge, these its ports. */
  bridged?: { physIn: string; physOut?: string };
  srcLocal: boolean;
  dstLocal: boolean;
  connection: ConnectionView;
}

/** The class of exactly this packet, as the chain walker matches rules against it. */
export function packetClass(p: Packet, ctx: ChainContext): PacketClass {
  const bits = p.family === 4 ? 32 : 128;
  const host = (address: bigint) => ({ cidr: { family: p.family, network: address, prefixLen: bits } });
  const cls: PacketClass = {
    family: p.family,
    src: host(p.src),
    dst: host(p.dst),
    srcLocal: ctx.srcLocal,
    dstLocal: ctx.dstLocal,
    protocol: p.protocol === 'icmp' && p.family === 6 ? 'ipv6-icmp' : p.protocol,
    state: ctx.connection.state,
    direction: ctx.connection.direction,
    dnat: ctx.connection.dnat,
    snat: ctx.connection.snat,
    bridged: ctx.bridged !== undefined,
    fragment: false,
  };
  if (ctx.bridged) {
    cls.physIn = ctx.bridged.physIn;
    if (ctx.bridged.physOut !== undefined) cls.physOut = ctx.bridged.physOut;
  }
  if (ctx.in !== undefined) cls.in = { name: ctx.in };
  if (ctx.out !== undefined) cls.out = { name: ctx.out };
  if (p.mark !== undefined) cls.mark = p.mark;
  if (p.sport !== undefined) cls.sport = p.sport;
  if (p.dport !== undefined) cls.dport = p.dport;
  if (ctx.connection.origDst !== undefined) cls.origDst = host(ctx.connection.origDst);
  if (ctx.connection.origDport !== undefined) cls.origDport = ctx.connection.origDport;
  return cls;
}
