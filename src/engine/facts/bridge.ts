/**
 * Subject kind `bridge`: every Linux bridge of every collected namespace.
 */
import type { Bridge, Namespace } from '../../model/types.js';
import { mergeEvidence, summarise } from './lib/evidence.js';
import { managedBridgeOwner } from './lib/names.js';
import { defaultRoutes, formatAddress, l2UplinkPorts, namespacesByBridge, usableAddresses, type AttachedNamespace } from './lib/topology.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const subjects = defineSubjects<Bridge>({
  kind: 'bridge',
  description: 'Every bridge of every collected namespace (from ip link, brctl show and bridge link)',
  namespaces: 'all',
  enumerate: ({ namespace }) => namespace.bridges.map((b) => ({ name: b.name, value: b })),
});

function attached(env: FactEnv, bridge: Bridge): AttachedNamespace[] {
  return namespacesByBridge(env, env.namespace).get(bridge.name) ?? [];
}

/** Attached namespaces that route through the segment: they have a default route. */
function gatewayUsers(env: FactEnv, bridge: Bridge): { ns: Namespace; route: ReturnType<typeof defaultRoutes>[number] }[] {
  return attached(env, bridge).flatMap((a) => {
    const route = defaultRoutes(env, a.namespace, 4).find((r) => r.type === 'unicast');
    return route ? [{ ns: a.namespace, route }] : [];
  });
}

const facts = defineFacts<Bridge>('bridge', [
  { name: 'name', type: 'string', description: 'Bridge name', example: 'docker0', compute: (b) => b.name },
  { name: 'portCount', type: 'number', description: 'Ports attached (from ip link master, brctl show and bridge link)', example: 2, compute: (b) => b.ports.length },
  { name: 'ports', type: 'string[]', description: 'Names of the ports', example: ['veth1a2b3c4'], compute: (b) => b.ports.map((p) => p.name) },
  {
    name: 'portsWithCarrier',
    type: 'number',
    description: 'Ports whose link is up (LOWER_UP): for a veth port, its peer is up',
    example: 2,
    compute: (b) => b.ports.filter((p) => p.interface?.carrier).length,
  },
  {
    name: 'portStatesKnown',
    type: 'boolean',
    description: 'bridge link printed an STP state for at least one port',
    example: true,
    compute: (b) => b.ports.some((p) => p.state !== undefined),
  },
  {
    name: 'forwardingPortCount',
    type: 'number',
    description: 'Ports in STP state "forwarding" (from bridge -j link)',
    example: 2,
    compute: (b) => b.ports.filter((p) => p.state === 'forwarding').length,
  },
  { name: 'adminUp', type: 'boolean', description: 'The bridge device is set up', example: true, compute: (b) => b.interface?.adminUp ?? false },
  { name: 'carrier', type: 'boolean', description: 'The bridge has carrier (at least one port forwards with its link up)', example: true, compute: (b) => b.interface?.carrier ?? false },
  {
    name: 'hasIPv4Address',
    type: 'boolean',
    description: 'The bridge has an IPv4 address of its own (link-local excluded)',
    example: true,
    compute: (b) => (b.interface ? usableAddresses(b.interface, 4).length > 0 : false),
  },
  {
    name: 'ipv4Addresses',
    type: 'string[]',
    description: 'The bridge\'s IPv4 addresses with prefix length',
    example: ['172.17.0.1/16'],
    compute: (b) => (b.interface ? usableAddresses(b.interface, 4).map(formatAddress) : []),
  },
  { name: 'subnets', type: 'string[]', description: 'Networks of the bridge\'s addresses (IPv4 and IPv6, link-local excluded)', example: ['172.17.0.0/16'], compute: (b) => b.subnets },
  {
    name: 'l2UplinkPorts',
    type: 'string[]',
    description: 'Ports that extend the bridge onto another network (NIC, bond, VLAN, VXLAN, tunnel): the gateway may then live there',
    example: ['eth0'],
    compute: (b) => l2UplinkPorts(b).map((i) => i.name),
  },
  {
    name: 'managedBy',
    type: 'string',
    description: 'The manager its name suggests (Docker for docker0 and br-<12 hex>, Kubernetes CNI for cni0/cbr0, libvirt for virbrN, LXC/LXD, Podman); empty otherwise. These managers always give the bridge the gateway address.',
    example: 'Docker',
    compute: (b) => managedBridgeOwner(b.name) ?? '',
  },
  {
    name: 'attachedNamespaces',
    type: 'string[]',
    description: 'Collected namespaces with a veth whose peer is a port of this bridge',
    example: ['pid:4242'],
    compute: (b, env) => attached(env, b).map((a) => a.namespace.name),
  },
  {
    name: 'gatewayUserCount',
    type: 'number',
    description: 'Attached namespaces that have an IPv4 default route (they expect a gateway on this segment)',
    example: 1,
    compute: (b, env) => gatewayUsers(env, b).length,
  },
  {
    name: 'gatewayUserEvidence',
    type: EVIDENCE_TYPE,
    description: 'The default route lines of the attached namespaces (at most 3)',
    compute: (b, env) => gatewayUsers(env, b).slice(0, 3).map((u) => u.route.evidence),
  },
  {
    name: 'stateProblem',
    type: 'string',
    description: 'Why the bridge passes no traffic, for messages: admin down with ports, or up with no port in STP forwarding state (empty when neither)',
    compute: (b) => {
      const iface = b.interface;
      const ports = b.ports.map((p) => p.name);
      const addrs = iface ? usableAddresses(iface, 4).map(formatAddress) : [];
      if (iface && !iface.adminUp && ports.length > 0) {
        const what = [ports.length > 0 ? `${ports.length} port${ports.length === 1 ? '' : 's'} (${summarise(ports)})` : '', addrs.length > 0 ? `address ${summarise(addrs)}` : '']
          .filter(Boolean)
          .join(' and ');
        return `bridge ${b.name} is admin down with ${what}: nothing crosses it and nothing reaches its address`;
      }
      const live = b.ports.filter((p) => p.interface?.carrier);
      if (iface?.adminUp && live.length > 0 && b.ports.some((p) => p.state !== undefined) && !b.ports.some((p) => p.state === 'forwarding')) {
        return `bridge ${b.name} is up but none of its ports forwards (STP states: ${summarise(b.ports.map((p) => `${p.name} ${p.state ?? 'unknown'}`))})`;
      }
      return '';
    },
  },
  {
    name: 'addressExpectation',
    type: 'string',
    description: 'Why the bridge should have an IPv4 address, for messages: the manager that gives it one, the attached namespaces that route through it',
    compute: (b, env) => {
      const parts: string[] = [];
      const owner = managedBridgeOwner(b.name);
      if (owner) parts.push(`${owner} gives this bridge the gateway address of its network`);
      const users = gatewayUsers(env, b);
      if (users.length > 0) parts.push(`${users.length} attached namespace${users.length === 1 ? '' : 's'} route${users.length === 1 ? 's' : ''} through a gateway on it (${summarise(users.map((u) => `${u.ns.name} via ${u.route.gateway ?? '?'}`), 2)})`);
      return parts.join('; ');
    },
  },
  {
    name: 'bridgeEvidence',
    type: EVIDENCE_TYPE,
    description: 'The lines that show the bridge (ip link, brctl show)',
    compute: (b) => b.evidence,
  },
  {
    name: 'portEvidence',
    type: EVIDENCE_TYPE,
    description: 'The lines that show its ports (at most 3)',
    compute: (b) => mergeEvidence(...b.ports.slice(0, 3).map((p) => (p.interface ? [p.interface.evidence] : p.evidence.slice(0, 1)))),
  },
]);

export const bridgeModule: FactModule<Bridge> = { subjects, facts };
