/**
 * Can containers reach the host? A connection from a bridge's subnet to a service of the host
 * (DNS, a proxy, anything listening on the bridge address or on all addresses) crosses filter INPUT
 * arriving on the bridge. ufw-style "default deny incoming" drops it unless something accepts
 * traffic from the bridge.
 *
 * With `ss -tlnp` the probes are the TCP services actually listening there (and UDP 53 beside a DNS
 * server on TCP 53); without it, one probe for "any new connection" that only a blanket drop fails.
 */
import { parseCidr, type Cidr } from '../../model/net.js';
import type { Namespace, Ruleset } from '../../model/types.js';
import type { SsListener } from '../../parse/types.js';
import { toHostClass, type BridgeSubnet } from './bridge-traffic.js';
import { rulesetFor } from './rulesets.js';
import { walkHook, type WalkResult } from './walk.js';

export interface HostProbe {
  protocol?: string;
  port?: number;
  /** The listener the probe is for (absent for the blanket probe and the UDP twin of a DNS server). */
  listener?: SsListener;
  walk: WalkResult;
}

export interface InputCheck {
  subnet: BridgeSubnet;
  ruleset: Ruleset;
  /** The bridge's own address in the subnet: where containers reach the host. */
  hostAddress?: Cidr;
  probes: HostProbe[];
  /** Probes certainly dropped or rejected. */
  dropped: HostProbe[];
}

const WILDCARDS = new Set(['0.0.0.0', '*', '::']);

/**
 * `listeners` undefined means ss was not collected: then one blanket probe is used.
 */
export function checkInputFromBridge(ns: Namespace, subnet: BridgeSubnet, listeners: SsListener[] | undefined): InputCheck | undefined {
  const ruleset = rulesetFor(ns, subnet.family);
  if (!ruleset) return undefined;
  const own = subnet.bridge.interface?.addresses.find((a) => a.family === subnet.family && a.network === subnet.subnet);
  const hostAddress = own ? parseCidr(own.address) : undefined;
  const probes: HostProbe[] = [];
  const probe = (protocol?: string, port?: number, listener?: SsListener): void => {
    const walk = walkHook(ruleset, 'filter', 'INPUT', toHostClass(subnet, hostAddress, protocol, port));
    const entry: HostProbe = { walk };
    if (protocol) entry.protocol = protocol;
    if (port !== undefined) entry.port = port;
    if (listener) entry.listener = listener;
    probes.push(entry);
  };

  if (listeners === undefined) probe();
  else {
    const seen = new Set<string>();
    for (const l of listeners) {
      if (!reachableFromBridge(l, subnet, own?.address)) continue;
      for (const protocol of l.localPort === 53 ? ['tcp', 'udp'] : ['tcp']) {
        const key = `${protocol}/${l.localPort}`;
        if (seen.has(key)) continue;
        seen.add(key);
        probe(protocol, l.localPort, protocol === 'tcp' ? l : undefined);
      }
    }
  }
  const check: InputCheck = {
    subnet,
    ruleset,
    probes,
    dropped: probes.filter((p) => p.walk.decision.kind === 'drop' && p.walk.certain),
  };
  if (hostAddress) check.hostAddress = hostAddress;
  return check;
}

/** Bound to every address (of the family), or to the bridge's own address, and not to one interface only. */
function reachableFromBridge(listener: SsListener, subnet: BridgeSubnet, bridgeAddress: string | undefined): boolean {
  if (listener.localInterface && listener.localInterface !== subnet.bridge.name) return false;
  const address = listener.localAddress;
  if (address === bridgeAddress) return true;
  if (!WILDCARDS.has(address)) return false;
  // An IPv6 wildcard socket also takes IPv4 unless bindv6only; an IPv4 one never takes IPv6.
  return subnet.family === 4 || address !== '0.0.0.0';
}
