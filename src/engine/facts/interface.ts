/**
 * Subject kind `interface`: every interface of every collected namespace.
 */
import type { Evidence, Interface, Namespace, Route } from '../../model/types.js';
import { mergeEvidence, summarise } from './lib/evidence.js';
import { forwardingAnalysis } from './lib/forwarding.js';
import { overlayCniOwner } from './lib/names.js';
import { mssClampRules, mtuCheck } from './lib/mtu.js';
import { addressOverlaps } from './lib/overlaps.js';
import { configuredRoutesVia, defaultRoutes, familyOf, formatAddress, isForwardingRoute, routeDevices, routesByDevice, uplinks, usableAddresses, vethByInterface } from './lib/topology.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const subjects = defineSubjects<Interface>({
  kind: 'interface',
  description: 'Every network interface of every collected namespace (name as ip link prints it)',
  namespaces: 'all',
  enumerate: ({ namespace }) => namespace.interfaces.map((i) => ({ name: i.name, value: i })),
});

function ns(env: FactEnv): Namespace {
  return env.namespace;
}

function isBridgePort(env: FactEnv, iface: Interface): boolean {
  return Boolean(iface.master && ns(env).bridgeByName.has(iface.master));
}

/** The interface has a layer-3 role: an address, routes configured through it, or a default route. */
function hasL3Role(env: FactEnv, iface: Interface): boolean {
  return usableAddresses(iface).length > 0 || configuredRoutesVia(env, ns(env), iface.name).length > 0;
}

const MAIN_TABLES = new Set(['main', 'local', 'default']);

interface Asymmetry {
  asymmetric: boolean;
  reason: string;
  evidence: Evidence[];
}

/**
 * Routes are asymmetric for an interface when replies to what arrives on it may leave by another one:
 * it carries one of several IPv4 default routes through different devices (any table), or it is used by
 * a policy-routing table while the default route leaves elsewhere.
 */
function asymmetry(env: FactEnv, iface: Interface): Asymmetry {
  const namespace = ns(env);
  const defaults = defaultRoutes(env, namespace, 4).filter(isForwardingRoute);
  const defaultDevices = new Set(defaults.flatMap(routeDevices));
  const none: Asymmetry = { asymmetric: false, reason: '', evidence: [] };
  if (defaultDevices.has(iface.name) && defaultDevices.size >= 2) {
    const others = [...defaultDevices].filter((d) => d !== iface.name);
    return {
      asymmetric: true,
      reason: `default routes leave through ${iface.name} and ${summarise(others)}: replies to traffic arriving on one may be routed out of another`,
      evidence: defaults.slice(0, 3).map((r) => r.evidence),
    };
  }
  const policy = (routesByDevice(env, namespace).get(iface.name) ?? []).filter((r) => familyOf(r) === 4 && !MAIN_TABLES.has(r.table) && isForwardingRoute(r));
  const elsewhere = defaults.filter((r) => !routeDevices(r).includes(iface.name));
  if (policy.length > 0 && elsewhere.length > 0) {
    const first = policy[0] as Route;
    return {
      asymmetric: true,
      reason: `policy routing table ${first.table} sends traffic through ${iface.name} while the default route leaves through ${summarise(elsewhere.flatMap(routeDevices))}`,
      evidence: [first.evidence, (elsewhere[0] as Route).evidence],
    };
  }
  return none;
}

const facts = defineFacts<Interface>('interface', [
  { name: 'name', type: 'string', description: 'Interface name', example: 'eth0', compute: (i) => i.name },
  {
    name: 'kind',
    type: 'string',
    description: 'loopback, physical, veth, bridge, vlan, vxlan, bond, dummy, tun, wireguard, macvlan, ipvlan, tunnel or other (from ip -d link linkinfo)',
    example: 'veth',
    compute: (i) => i.kind,
  },
  { name: 'rawKind', type: 'string | undefined', description: 'linkinfo.info_kind as printed (ipip, gre, geneve, vrf, ...)', example: 'ipip', compute: (i) => i.rawKind },
  { name: 'adminUp', type: 'boolean', description: 'The UP flag: the interface was set up (ip link set dev X up)', example: true, compute: (i) => i.adminUp },
  { name: 'carrier', type: 'boolean', description: 'LOWER_UP without NO-CARRIER: the link is physically (or, for a veth, on the peer side) up', example: true, compute: (i) => i.carrier },
  { name: 'operState', type: 'string', description: 'operstate as printed: UP, DOWN, LOWERLAYERDOWN, UNKNOWN, ...', example: 'UP', compute: (i) => i.operState },
  { name: 'mtu', type: 'number | undefined', description: 'MTU in bytes', example: 1500, compute: (i) => i.mtu },
  { name: 'master', type: 'string | undefined', description: 'The bridge, bond or VRF it is enslaved to', example: 'docker0', compute: (i) => i.master },
  { name: 'isBridgePort', type: 'boolean', description: 'Enslaved to a bridge of the same namespace', example: false, compute: (i, env) => isBridgePort(env, i) },
  {
    name: 'ipv4Addresses',
    type: 'string[]',
    description: 'IPv4 addresses with prefix length ("172.17.0.1/16"), link-local and host-scoped excluded',
    example: ['172.17.0.1/16'],
    compute: (i) => usableAddresses(i, 4).map(formatAddress),
  },
  {
    name: 'ipv6Addresses',
    type: 'string[]',
    description: 'IPv6 addresses with prefix length, link-local (fe80::/10) excluded',
    example: ['2001:db8:1::1/64'],
    compute: (i) => usableAddresses(i, 6).map(formatAddress),
  },
  {
    name: 'hasAddress',
    type: 'boolean',
    description: 'Has an IPv4 or IPv6 address other than link-local',
    example: true,
    compute: (i) => usableAddresses(i).length > 0,
  },
  {
    name: 'l3Role',
    type: 'boolean',
    description: 'Has an address (not link-local) or routes configured through it (kernel connected routes aside)',
    example: true,
    compute: (i, env) => hasL3Role(env, i),
  },
  {
    name: 'carrierMatters',
    type: 'boolean',
    description:
      'A missing carrier breaks something here: the interface has an L3 role or is a bridge port, and is neither a bridge (a bridge without ports has no carrier by design) nor a veth (veth-orphan covers those)',
    example: true,
    compute: (i, env) => i.kind !== 'bridge' && i.kind !== 'veth' && i.kind !== 'loopback' && (hasL3Role(env, i) || isBridgePort(env, i)),
  },
  {
    name: 'linkState',
    type: 'string',
    description: '"admin down", "up, no carrier" or "up", for messages',
    example: 'up, no carrier',
    compute: (i) => (!i.adminUp ? 'admin down' : i.carrier ? 'up' : 'up, no carrier'),
  },
  {
    name: 'roleDescription',
    type: 'string',
    description: 'What the interface is used for, for messages: its addresses, its bridge, the routes through it',
    example: 'has 192.0.2.10/24; carries the default route',
    compute: (i, env) => {
      const parts: string[] = [];
      const addrs = usableAddresses(i).map(formatAddress);
      if (addrs.length > 0) parts.push(`has ${summarise(addrs)}`);
      if (isBridgePort(env, i)) parts.push(`is a port of bridge ${i.master ?? ''}`);
      if (uplinks(env, ns(env)).devices.includes(i.name)) parts.push('carries the default route');
      else {
        const routes = configuredRoutesVia(env, ns(env), i.name);
        if (routes.length > 0) parts.push(`carries ${routes.length} route${routes.length === 1 ? '' : 's'} (${summarise(routes.map((r) => r.dst), 2)})`);
      }
      return parts.join('; ');
    },
  },
  {
    name: 'containerSideVeth',
    type: 'boolean',
    description: 'A veth end inside a namespace other than the host\'s whose peer is in the host namespace: its state is reported from the host side (veth-orphan)',
    example: false,
    compute: (i, env) => {
      if (i.kind !== 'veth' || ns(env).kind === 'host') return false;
      const end = vethByInterface(env, ns(env)).get(i.name);
      return Boolean(end?.peer.resolved && end.peer.namespace === env.host.host.name);
    },
  },
  {
    name: 'isUplink',
    type: 'boolean',
    description: 'An IPv4 default route (any table) leaves through it',
    example: true,
    compute: (i, env) => uplinks(env, ns(env)).devices.includes(i.name),
  },
  {
    name: 'interfaceEvidence',
    type: EVIDENCE_TYPE,
    description: 'The ip link line of the interface',
    compute: (i) => [i.evidence],
  },
  {
    name: 'addressEvidence',
    type: EVIDENCE_TYPE,
    description: 'The ip addr lines of its addresses',
    compute: (i) => mergeEvidence(...i.addresses.map((a) => a.evidence)),
  },
  {
    name: 'forwarding',
    type: 'number | undefined',
    description: 'net.ipv4.conf.<if>.forwarding: whether IPv4 packets received on this interface may be forwarded',
    example: 1,
    compute: (i) => i.forwarding.value,
  },
  {
    name: 'forwardingKey',
    type: 'string',
    description: 'The sysctl key of the interface\'s forwarding switch (a dot in the name is written "/")',
    example: 'net.ipv4.conf.eth0.forwarding',
    compute: (i) => i.forwarding.key,
  },
  {
    name: 'forwardingEvidence',
    type: EVIDENCE_TYPE,
    description: 'The sysctl -a line of net.ipv4.conf.<if>.forwarding',
    compute: (i) => (i.forwarding.evidence ? [i.forwarding.evidence] : []),
  },
  {
    name: 'carriesForwardedTraffic',
    type: 'boolean',
    description:
      'IPv4 traffic that must be forwarded arrives on this interface: a routed bridge (its ports enter the IP layer through it), the uplink of a namespace that forwards (replies and published ports come in there), or a routed veth to another namespace. Bridge ports themselves are not: their traffic enters through the bridge.',
    example: true,
    compute: (i, env) => forwardingAnalysis(env, ns(env)).carriers.has(i.name),
  },
  {
    name: 'forwardedTrafficReason',
    type: 'string',
    description: 'Why forwarded traffic arrives on this interface (empty when none does)',
    compute: (i, env) => forwardingAnalysis(env, ns(env)).carriers.get(i.name) ?? '',
  },
  {
    name: 'rpFilter',
    type: 'number | undefined',
    description: 'Effective reverse-path filter: max(net.ipv4.conf.all.rp_filter, net.ipv4.conf.<if>.rp_filter); 0 off, 1 strict, 2 loose',
    example: 1,
    compute: (i) => i.rpFilter.value,
  },
  {
    name: 'rpFilterEvidence',
    type: EVIDENCE_TYPE,
    description: 'The sysctl -a line that gives the effective rp_filter (conf.all or the interface\'s own)',
    compute: (i) => (i.rpFilter.evidence ? [i.rpFilter.evidence] : []),
  },
  {
    name: 'rpFilterKey',
    type: 'string',
    description: 'The sysctl key that gives the effective rp_filter',
    example: 'net.ipv4.conf.all.rp_filter',
    compute: (i) => i.rpFilter.key,
  },
  {
    name: 'asymmetricRouting',
    type: 'boolean',
    description: 'Replies to traffic arriving here may leave by another interface: several IPv4 default routes through different devices, or a policy-routing table using this interface while the default route leaves elsewhere',
    example: false,
    compute: (i, env) => asymmetry(env, i).asymmetric,
  },
  {
    name: 'asymmetricRoutingReason',
    type: 'string',
    description: 'Why routing is asymmetric for this interface (empty when it is not)',
    compute: (i, env) => asymmetry(env, i).reason,
  },
  {
    name: 'asymmetricRoutingEvidence',
    type: EVIDENCE_TYPE,
    description: 'The route lines that make routing asymmetric',
    compute: (i, env) => asymmetry(env, i).evidence,
  },
  {
    name: 'overlayCniInterface',
    type: 'boolean',
    description: 'An overlay or tunnel device of a CNI plugin (flannel.*, vxlan.calico, tunl0, cilium_*, vxlan*): encapsulated traffic from remote pods arrives here',
    example: false,
    compute: (i) => overlayCniOwner(i.name) !== undefined,
  },
  {
    name: 'overlayCniOwner',
    type: 'string',
    description: 'Which plugin the overlay device belongs to (empty when none)',
    example: 'flannel VXLAN',
    compute: (i) => overlayCniOwner(i.name) ?? '',
  },
  {
    name: 'rpFilterConcern',
    type: 'string',
    description: 'Why a strict reverse-path check would drop legitimate traffic here: the asymmetric routes, or the overlay device it is (empty when neither)',
    compute: (i, env) => {
      const a = asymmetry(env, i);
      if (a.asymmetric) return a.reason;
      const owner = overlayCniOwner(i.name);
      return owner ? `${i.name} is a ${owner} device: traffic from remote pods arrives encapsulated here and its reverse route may leave elsewhere` : '';
    },
  },
  {
    name: 'addressOverlapCount',
    type: 'number',
    description:
      'IPv4 subnets of other interfaces in the same namespace that overlap one of this interface\'s subnets (each pair counted once, on the more specific side; /32 host addresses, link-local and other VRFs excluded)',
    example: 1,
    compute: (i, env) => addressOverlaps(env, ns(env)).get(i.name)?.length ?? 0,
  },
  {
    name: 'addressOverlaps',
    type: 'string[]',
    description: 'The overlaps, as "172.17.0.1/16 overlaps 172.17.5.1/24 on tun0"',
    compute: (i, env) =>
      (addressOverlaps(env, ns(env)).get(i.name) ?? []).map((o) => `${formatAddress(o.address)} overlaps ${formatAddress(o.other)} on ${o.other.interface}`),
  },
  {
    name: 'addressOverlapEvidence',
    type: EVIDENCE_TYPE,
    description: 'The ip addr lines of both sides of each overlap',
    compute: (i, env) => mergeEvidence(...(addressOverlaps(env, ns(env)).get(i.name) ?? []).flatMap((o) => [o.address.evidence, o.other.evidence])),
  },
  {
    name: 'uplinkMtu',
    type: 'number | undefined',
    description: 'MTU of the namespace\'s preferred IPv4 uplink (device of the main table default route with the lowest metric)',
    example: 1450,
    compute: (_i, env) => uplinks(env, ns(env)).primary?.mtu,
  },
  {
    name: 'mtuExceedsUplink',
    type: 'boolean',
    description: 'A routed bridge or veth whose MTU is above the uplink\'s: hosts behind it announce a TCP MSS the path cannot carry',
    example: false,
    compute: (i, env) => mtuCheck(env, ns(env), i).exceedsUplink,
  },
  {
    name: 'encapsulationHeadroomShort',
    type: 'boolean',
    description: 'An overlay (vxlan, geneve, ipip, gre, wireguard) whose MTU plus its encapsulation (vxlan: 50 bytes over IPv4, 70 over IPv6) exceeds the MTU of the device it sends through',
    example: false,
    compute: (i, env) => mtuCheck(env, ns(env), i).encapsulationShort,
  },
  {
    name: 'mtuProblem',
    type: 'string',
    description: 'The MTU problem in one sentence (empty when none)',
    compute: (i, env) => mtuCheck(env, ns(env), i).problem,
  },
  {
    name: 'mtuEvidence',
    type: EVIDENCE_TYPE,
    description: 'The ip link lines of the interface and of the device its traffic leaves by',
    compute: (i, env) => mergeEvidence(i.evidence, mtuCheck(env, ns(env), i).lower?.evidence),
  },
  {
    name: 'mssClamped',
    type: 'boolean',
    description: 'The IPv4 mangle table has a TCPMSS rule (--clamp-mss-to-pmtu or --set-mss), which hides MTU mismatches from TCP',
    example: false,
    compute: (_i, env) => mssClampRules(ns(env)).length > 0,
  },
]);

export const interfaceModule: FactModule<Interface> = { subjects, facts };
