/**
 * Router Advertisements an interface depends on, and whether the kernel still accepts them.
 *
 * The kernel accepts an RA on an interface when `net.ipv6.conf.<if>.accept_ra` is 1 and the interface's
 * own `forwarding` is 0, or when accept_ra is 2 (ip-sysctl: "1 Accept Router Advertisements if forwarding
 * is disabled. 2 Overrule forwarding behaviour. Accept Router Advertisements even if forwarding is
 * enabled."). `net.ipv6.conf.all.forwarding` writes every interface's `forwarding`, so the per-interface
 * value is the one the kernel reads; it is taken from conf.all only when sysctl -a lacks the interface's key.
 * Turning forwarding on also purges the default routes learned from RAs on every interface whose
 * accept_ra is not 2 (rt6_purge_dflt_routers): the SLAAC addresses stay until their valid lifetime ends.
 *
 * What shows that the interface was configured by RAs: a route of protocol `ra` through it (the default
 * route, or a route-information option), a SLAAC address (`dynamic` and `mngtmpaddr`, as the kernel makes
 * it), or a `dynamic` address whose on-link prefix route expires (the prefix information option's route).
 */
import { interfaceKey, lookupSysctl } from '../model/sysctl.js';
import type { Address, EffectiveSysctl, Evidence, Interface, Namespace, Route } from '../model/types.js';

export interface RaDependency {
  /** The effective forwarding switch of the interface (its own key, or conf.all where sysctl -a lacks it). */
  forwarding: EffectiveSysctl;
  acceptRa: EffectiveSysctl;
  /** Routes through the interface the kernel learned from RAs (protocol ra). */
  raRoutes: Route[];
  /** Addresses made from an RA's prefix (SLAAC), or dynamic addresses whose prefix route came from one. */
  slaacAddresses: Address[];
  /** The kernel ignores RAs on the interface while it depends on them. */
  ignored: boolean;
  /** What depends on RAs, for messages: "SLAAC address 2001:db8:1::5/64 (valid 3599 s more)". */
  description: string;
  /** What the host loses, for messages. */
  consequence: string;
  evidence: Evidence[];
}

function isGlobal6(a: Address): boolean {
  return a.family === 6 && a.scope !== 'link' && a.scope !== 'host';
}

function isIPv6(r: Route): boolean {
  return r.family === 6 || r.dst.includes(':') || Boolean(r.gateway?.includes(':'));
}

function lifetime(seconds: number | undefined): string {
  return seconds === undefined ? '' : ` (valid ${seconds} s more)`;
}

function expiry(route: Route): string {
  return route.expires === undefined ? '' : ` (expires in ${route.expires} s)`;
}

function describeRoute(route: Route): string {
  const via = route.gateway ? ` via ${route.gateway}` : '';
  return `${route.isDefault ? 'default' : route.dst}${via} proto ra${expiry(route)}`;
}

/**
 * @param routesViaDevice the namespace's routes through the interface (its dev or a next hop's), indexed by
 *   the caller: asked for every interface of a node, a scan of every route each time would be quadratic.
 */
export function raDependency(ns: Namespace, iface: Interface, routesViaDevice: readonly Route[]): RaDependency {
  const own = iface.forwarding6;
  const forwarding = own.value !== undefined ? own : lookupSysctl(ns.sysctl, interfaceKey(6, 'all', 'forwarding'));
  const acceptRa = lookupSysctl(ns.sysctl, interfaceKey(6, iface.name, 'accept_ra'));
  const routes = routesViaDevice.filter(isIPv6);
  const raRoutes = routes.filter((r) => r.protocol === 'ra' && r.table !== 'local');
  const expiringPrefixes = new Set(routes.filter((r) => r.expires !== undefined && !r.isDefault && r.protocol !== 'ra').map((r) => r.dst));
  const slaacAddresses = iface.addresses.filter((a) => isGlobal6(a) && a.dynamic === true && (a.mngtmpaddr === true || expiringPrefixes.has(a.network)));

  const parts = [
    ...raRoutes.map((r) => `route ${describeRoute(r)}`),
    ...slaacAddresses.map((a) => `${a.mngtmpaddr ? 'SLAAC address' : 'address'} ${a.address}/${a.prefixLen}${lifetime(a.validLifetime)}`),
  ];
  const dependent = parts.length > 0;
  const ignored = dependent && forwarding.value !== undefined && forwarding.value !== 0 && acceptRa.value === 1;
  const defaultRa = raRoutes.find((r) => r.isDefault);
  const consequence = !ignored
    ? ''
    : defaultRa
      ? `its IPv6 default route${expiry(defaultRa)} is not renewed and disappears when its lifetime ends`
      : `the kernel already dropped the IPv6 default route it learned from RAs${slaacAddresses.length > 0 ? ', and the SLAAC addresses go when their valid lifetime ends' : ''}`;
  const evidence: Evidence[] = [];
  if (forwarding.evidence) evidence.push(forwarding.evidence);
  if (acceptRa.evidence) evidence.push(acceptRa.evidence);
  evidence.push(...raRoutes.map((r) => r.evidence), ...slaacAddresses.map((a) => a.evidence));
  return { forwarding, acceptRa, raRoutes, slaacAddresses, ignored, description: parts.join(', '), consequence, evidence };
}
