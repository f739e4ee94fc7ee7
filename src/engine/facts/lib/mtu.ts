/**
 * MTU checks. A container or VM behind a routed bridge announces a TCP MSS from its own MTU; when the
 * uplink's MTU is smaller (cloud VMs at 1450 or 1460, VPNs, PPPoE at 1492) and the path drops the ICMP
 * "fragmentation needed", large packets vanish: TLS handshakes and downloads hang while ping works.
 * An overlay device must leave room for its encapsulation on the device it sends through.
 */
import type { Interface, Namespace } from '../../../model/types.js';
import type { FactEnv } from '../registry.js';
import { forwardingAnalysis } from './forwarding.js';
import { uplinks } from './topology.js';

/** Encapsulation overhead in bytes over an IPv4 underlay, and over IPv6 where it differs. */
const OVERHEAD: Record<string, { v4: number; v6: number }> = {
  vxlan: { v4: 50, v6: 70 },
  geneve: { v4: 50, v6: 70 },
  ipip: { v4: 20, v6: 20 },
  sit: { v4: 20, v6: 20 },
  gre: { v4: 24, v6: 24 },
  gretap: { v4: 38, v6: 38 },
  ip6tnl: { v4: 40, v6: 40 },
  ip6gre: { v4: 44, v6: 44 },
  wireguard: { v4: 60, v6: 80 },
};

export interface MtuCheck {
  /** The device the traffic leaves by (the uplink, or the overlay's own lower device). */
  lower?: Interface;
  exceedsUplink: boolean;
  encapsulationShort: boolean;
  /** Bytes of encapsulation the overlay needs (0 for plain interfaces). */
  overhead: number;
  problem: string;
}

/** The device an overlay sends through: info_data.link (vxlan, geneve, ipip "dev eth0"), else `link`. */
function lowerDeviceName(iface: Interface): string | undefined {
  const fromInfo = iface.infoData?.link;
  if (typeof fromInfo === 'string') return fromInfo;
  return iface.kind === 'vlan' ? iface.link?.name : undefined;
}

function underlayIsIPv6(iface: Interface): boolean {
  const data = iface.infoData;
  if (!data) return false;
  return ['local6', 'remote6', 'group6'].some((k) => data[k] !== undefined) || [data.local, data.remote].some((v) => typeof v === 'string' && v.includes(':'));
}

export function overlayOverhead(iface: Interface): number {
  const kind = iface.rawKind ?? (iface.kind === 'wireguard' ? 'wireguard' : undefined);
  if (!kind) return 0;
  const o = OVERHEAD[kind];
  if (!o) return 0;
  return underlayIsIPv6(iface) ? o.v6 : o.v4;
}

export function mtuCheck(env: FactEnv, ns: Namespace, iface: Interface): MtuCheck {
  const up = uplinks(env, ns).primary;
  const result: MtuCheck = { exceedsUplink: false, encapsulationShort: false, overhead: 0, problem: '' };
  if (iface.mtu === undefined) return result;

  const overhead = overlayOverhead(iface);
  if (overhead > 0) {
    const lowerName = lowerDeviceName(iface);
    const lower = (lowerName ? ns.interfaceByName.get(lowerName) : undefined) ?? up;
    result.overhead = overhead;
    if (lower) result.lower = lower;
    if (lower?.mtu !== undefined && lower !== iface && iface.mtu + overhead > lower.mtu) {
      result.encapsulationShort = true;
      result.problem = `${iface.rawKind ?? iface.kind} ${iface.name} has MTU ${iface.mtu} but needs ${overhead} bytes of encapsulation on ${lower.name} (MTU ${lower.mtu}): at most ${lower.mtu - overhead}`;
    }
    return result;
  }

  if (!up || up === iface || up.mtu === undefined) return result;
  result.lower = up;
  const carriesForwarded = forwardingAnalysis(env, ns).carriers.has(iface.name);
  if ((iface.kind === 'bridge' || iface.kind === 'veth') && carriesForwarded && iface.mtu > up.mtu) {
    result.exceedsUplink = true;
    result.problem = `${iface.kind} ${iface.name} has MTU ${iface.mtu}, above the ${up.mtu} of the uplink ${up.name}: what lies behind it announces a TCP MSS the path cannot carry`;
  }
  return result;
}

/** A TCPMSS rule (--clamp-mss-to-pmtu or --set-mss) in the IPv4 mangle table works around an MTU mismatch for TCP. */
export function mssClampRules(ns: Namespace) {
  const mangle = ns.netfilter.ipv4?.tables.get('mangle');
  if (!mangle) return [];
  return [...mangle.chains.values()].flatMap((c) => c.rules.filter((r) => r.target?.name === 'TCPMSS'));
}
