/**
 * Routes of one namespace, every table: a route is known by what the kernel knows it by (family, table, type,
 * destination, metric), and what it does (gateway, device, nexthops, source, protocol, scope) is its value.
 */
import type { Namespace, Route } from '../model/types.js';
import { byKey, compareKeyed, type ChangeList, type Pair } from './change-list.js';

function routeKey(r: Route): string {
  const type = r.type === 'unicast' ? '' : `${r.type} `;
  return `${r.table} ${type}${r.dst} metric ${r.metric ?? 0}`;
}

/** "via 192.0.2.1 dev eth0 proto static", as `ip route` words it. */
function routeValue(r: Route): string {
  const parts: string[] = [];
  if (r.gateway !== undefined) parts.push(`via ${r.gateway}`);
  if (r.dev !== undefined) parts.push(`dev ${r.dev}`);
  for (const hop of r.nexthops) parts.push(`nexthop${hop.gateway ? ` via ${hop.gateway}` : ''}${hop.dev ? ` dev ${hop.dev}` : ''}${hop.weight !== undefined ? ` weight ${hop.weight}` : ''}`);
  if (r.prefsrc !== undefined) parts.push(`src ${r.prefsrc}`);
  if (r.protocol !== undefined) parts.push(`proto ${r.protocol}`);
  if (r.scope !== undefined) parts.push(`scope ${r.scope}`);
  if (r.flags?.length) parts.push(...r.flags);
  return parts.join(' ') || r.type;
}

export function diffRoutes(pair: Pair<Namespace>, changes: ChangeList): void {
  const ns = pair.after.name;
  const key = (r: Route): string => `${r.family === 4 ? '' : 'ipv6 '}${routeKey(r)}`;
  compareKeyed(byKey(pair.before.routes, key), byKey(pair.after.routes, key), {
    removed: (name, r) => changes.add('route', ns, name, routeValue(r), null, { before: r.evidence }),
    added: (name, r) => changes.add('route', ns, name, null, routeValue(r), { after: r.evidence }),
    both: (name, { before, after }) => {
      const [was, is] = [routeValue(before), routeValue(after)];
      if (was !== is) changes.add('route', ns, name, was, is, { before: before.evidence, after: after.evidence });
    },
  });
}
