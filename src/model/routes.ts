import type { IpRouteEntry } from '../parse/types.js';
import { canonicalCidr, parseCidr } from './net.js';
import type { Route } from './types.js';

export function buildRoutes(entries: IpRouteEntry[] | undefined, label: string): Route[] {
  const routes: Route[] = [];
  for (const e of entries ?? []) {
    const isDefault = e.dst === 'default';
    const dst = isDefault ? (e.family === 4 ? '0.0.0.0/0' : '::/0') : (canonicalCidr(e.dst, e.family) ?? e.dst);
    const route: Route = {
      family: e.family,
      dst,
      isDefault,
      prefixLen: isDefault ? 0 : (parseCidr(dst, e.family)?.prefixLen ?? 0),
      type: e.type,
      table: e.table,
      nexthops: e.nexthops,
      evidence: { source: label, line: e.line, text: e.text },
    };
    if (e.gateway !== undefined) route.gateway = e.gateway;
    if (e.dev !== undefined) route.dev = e.dev;
    if (e.protocol !== undefined) route.protocol = e.protocol;
    if (e.scope !== undefined) route.scope = e.scope;
    if (e.metric !== undefined) route.metric = e.metric;
    if (e.prefsrc !== undefined) route.prefsrc = e.prefsrc;
    if (e.expires !== undefined) route.expires = e.expires;
    routes.push(route);
  }
  return routes;
}
