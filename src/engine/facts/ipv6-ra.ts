/**
 * Interface facts about Router Advertisements (src/analysis/ipv6-ra.ts): does the interface depend on them,
 * and does the kernel still accept them there (forwarding on with accept_ra=1 makes it ignore them).
 */
import { raDependency, type RaDependency } from '../../analysis/ipv6-ra.js';
import type { Interface } from '../../model/types.js';
import { subjectMemo } from './lib/subject-memo.js';
import { routesByDevice } from './lib/topology.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

function ra(env: FactEnv, iface: Interface): RaDependency {
  return subjectMemo(env, 'ipv6-ra:dependency', iface, () => raDependency(env.namespace, iface, routesByDevice(env, env.namespace).get(iface.name) ?? []));
}

const facts = defineFacts<Interface>('interface', [
  {
    name: 'acceptRa',
    type: 'number | undefined',
    description: 'net.ipv6.conf.<if>.accept_ra: 0 never accept Router Advertisements, 1 only while the interface does not forward, 2 even when it forwards',
    example: 1,
    compute: (i, env) => ra(env, i).acceptRa.value,
  },
  {
    name: 'ipv6ForwardingKey',
    type: 'string',
    description: 'The sysctl key of the interface\'s IPv6 forwarding switch the kernel reads (net.ipv6.conf.<if>.forwarding; conf.all where sysctl -a lacks it)',
    example: 'net.ipv6.conf.eth0.forwarding',
    compute: (i, env) => ra(env, i).forwarding.key,
  },
  {
    name: 'ipv6InterfaceForwarding',
    type: 'number | undefined',
    description: 'The interface\'s IPv6 forwarding switch (net.ipv6.conf.<if>.forwarding, which net.ipv6.conf.all.forwarding writes on every interface)',
    example: 1,
    compute: (i, env) => ra(env, i).forwarding.value,
  },
  {
    name: 'raConfigured',
    type: 'boolean',
    description: 'The interface depends on Router Advertisements: a route of protocol ra through it, a SLAAC address (dynamic, mngtmpaddr), or a dynamic address whose prefix route expires',
    example: true,
    compute: (i, env) => ra(env, i).description !== '',
  },
  {
    name: 'raConfiguration',
    type: 'string',
    description: 'What the interface took from Router Advertisements, for messages (empty when nothing)',
    example: 'SLAAC address 2001:db8:1:0:385f:dfff:fe0a:479f/64 (valid 3599 s more)',
    compute: (i, env) => ra(env, i).description,
  },
  {
    name: 'raIgnored',
    type: 'boolean',
    description: 'The interface depends on Router Advertisements, but forwarding is on there and accept_ra is 1: the kernel ignores the RAs that would renew its default route and addresses',
    example: false,
    compute: (i, env) => ra(env, i).ignored,
  },
  {
    name: 'raIgnoredConsequence',
    type: 'string',
    description: 'What the host loses while RAs are ignored (empty when they are not)',
    example: 'the kernel already dropped the IPv6 default route it learned from RAs',
    compute: (i, env) => ra(env, i).consequence,
  },
  {
    name: 'raEvidence',
    type: EVIDENCE_TYPE,
    description: 'The sysctl -a lines of the forwarding switch and accept_ra, and the route and address lines that came from Router Advertisements',
    compute: (i, env) => ra(env, i).evidence,
  },
]);

export const ipv6RaModule: FactModule<Interface> = { facts };
