/**
 * Subject kind `route`: every IPv4 and IPv6 route of every collected namespace, outside the local table
 * (the kernel's own local/broadcast entries).
 */
import { parseCidr } from '../../model/net.js';
import type { Bridge, Evidence, Route } from '../../model/types.js';
import { mergeEvidence } from './lib/evidence.js';
import { bridgeSubnetIndex, familyOf, routeDevices } from './lib/topology.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

/** "172.17.5.0/24 dev tun0", "0.0.0.0/0 dev eth0 table 100", "blackhole 10.244.1.0/26" */
export function routeName(route: Route): string {
  const parts: string[] = [];
  if (route.type !== 'unicast') parts.push(route.type);
  parts.push(route.dst);
  const devs = routeDevices(route);
  if (devs.length > 0) parts.push(`dev ${devs.join(',')}`);
  if (route.table !== 'main') parts.push(`table ${route.table}`);
  if (route.metric !== undefined && route.metric !== 0) parts.push(`metric ${route.metric}`);
  return parts.join(' ');
}

const subjects = defineSubjects<Route>({
  kind: 'route',
  description: 'Every route of every collected namespace outside the local table, named like "172.17.5.0/24 dev tun0" (type, table and metric added when not unicast/main/0)',
  namespaces: 'all',
  enumerate: ({ namespace }) => namespace.routes.filter((r) => r.table !== 'local').map((r) => ({ name: routeName(r), value: r })),
});

interface BridgeOverlap {
  bridges: Bridge[];
  evidence: Evidence[];
}

/** Bridges (other than the route's own device) whose subnets overlap the route's destination. */
function bridgeOverlap(env: FactEnv, route: Route): BridgeOverlap {
  const none: BridgeOverlap = { bridges: [], evidence: [] };
  if (route.isDefault) return none;
  const cidr = parseCidr(route.dst, familyOf(route));
  if (!cidr) return none;
  const devs = new Set(routeDevices(route));
  const bridges = new Map<string, Bridge>();
  for (const hit of bridgeSubnetIndex(env, env.namespace).overlapping(cidr)) {
    if (!devs.has(hit.payload.name)) bridges.set(hit.payload.name, hit.payload);
  }
  const list = [...bridges.values()];
  return {
    bridges: list,
    evidence: mergeEvidence(...list.map((b) => b.interface?.addresses.find((a) => b.subnets.includes(a.network))?.evidence ?? b.evidence[0])),
  };
}

const facts = defineFacts<Route>('route', [
  { name: 'dst', type: 'string', description: 'Destination in CIDR form (default is 0.0.0.0/0 or ::/0)', example: '172.17.5.0/24', compute: (r) => r.dst },
  { name: 'family', type: 'number', description: 'Address family of the route: 4 or 6 (from its destination and gateway)', example: 4, compute: (r) => familyOf(r) },
  { name: 'isDefault', type: 'boolean', description: 'The route is a default route (0.0.0.0/0 or ::/0)', example: false, compute: (r) => r.isDefault },
  { name: 'prefixLength', type: 'number', description: 'Prefix length of the destination', example: 24, compute: (r) => r.prefixLen },
  { name: 'dev', type: 'string | undefined', description: 'Output device (the first nexthop\'s for multipath routes)', example: 'tun0', compute: (r) => routeDevices(r)[0] },
  { name: 'devices', type: 'string[]', description: 'Every output device, multipath nexthops included', example: ['tun0'], compute: (r) => routeDevices(r) },
  { name: 'gateway', type: 'string | undefined', description: 'Gateway (via), or the first nexthop gateway of a multipath route', example: '192.0.2.1', compute: (r) => r.gateway ?? r.nexthops.find((h) => h.gateway)?.gateway },
  { name: 'table', type: 'string', description: 'Routing table (main unless printed)', example: 'main', compute: (r) => r.table },
  { name: 'type', type: 'string', description: 'unicast, blackhole, unreachable, prohibit, throw, ...', example: 'unicast', compute: (r) => r.type },
  { name: 'protocol', type: 'string | undefined', description: 'Who installed it: kernel, boot, static, dhcp, bird, ...', example: 'static', compute: (r) => r.protocol },
  { name: 'scope', type: 'string | undefined', description: 'link, host, global (absent means global)', example: 'link', compute: (r) => r.scope },
  { name: 'metric', type: 'number | undefined', description: 'Route metric', example: 100, compute: (r) => r.metric },
  {
    name: 'isKernelConnected',
    type: 'boolean',
    description: 'The connected route the kernel adds for an address (proto kernel): address-overlap covers those',
    example: false,
    compute: (r) => r.protocol === 'kernel',
  },
  {
    name: 'overlappingBridges',
    type: 'string[]',
    description: 'Bridges of the namespace, other than the route\'s own device, whose subnet overlaps the route\'s destination (default routes excluded: a more specific connected route always wins over them)',
    example: ['docker0'],
    compute: (r, env) => bridgeOverlap(env, r).bridges.map((b) => b.name),
  },
  {
    name: 'overlapDescription',
    type: 'string',
    description: 'The overlap in one sentence (empty when none)',
    compute: (r, env) =>
      bridgeOverlap(env, r)
        .bridges.map((b) => `${r.dst} via ${routeDevices(r).join(',') || '?'} overlaps ${b.name}'s subnet ${b.subnets.join(', ')}`)
        .join('; '),
  },
  { name: 'routeEvidence', type: EVIDENCE_TYPE, description: 'The ip route line', compute: (r) => [r.evidence] },
  {
    name: 'overlappingBridgeEvidence',
    type: EVIDENCE_TYPE,
    description: 'The ip addr lines of the overlapping bridges\' addresses',
    compute: (r, env) => bridgeOverlap(env, r).evidence,
  },
]);

export const routeModule: FactModule<Route> = { subjects, facts };
