/**
 * Interface facts about macvlan/ipvlan children in container namespaces (src/analysis/macvlan.ts): is the
 * child's parent a host interface by which the host routes to the child, so that the host cannot reach it.
 */
import { hostIsolation, type HostIsolation } from '../../analysis/macvlan.js';
import type { Interface } from '../../model/types.js';
import { summarise } from './lib/evidence.js';
import { pathEngineOf } from './lib/path-engine.js';
import { subjectMemo } from './lib/subject-memo.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

function isolation(env: FactEnv, iface: Interface): HostIsolation | undefined {
  return subjectMemo(env, 'macvlan-host:isolation', iface, () => hostIsolation(pathEngineOf(env), env.host.host, env.namespace, iface));
}

const facts = defineFacts<Interface>('interface', [
  {
    name: 'hostParent',
    type: 'string | undefined',
    description:
      'For a macvlan or ipvlan child in a container namespace: the host interface it sits on, by link_index (link_netnsid is the container\'s own id for the parent\'s namespace: a veth of the container naming the same id confirms the host; else the host interface at that index, if it can carry a macvlan and its MTU is at least the child\'s)',
    example: 'eth0',
    compute: (i, env) => isolation(env, i)?.parent.name,
  },
  {
    name: 'hostCannotReach',
    type: 'boolean',
    description:
      'A macvlan or ipvlan child in a container namespace whose address the host routes by the child\'s own parent interface: the parent never sees its children\'s traffic, so the host cannot reach the container (no shim route)',
    example: false,
    compute: (i, env) => isolation(env, i) !== undefined,
  },
  {
    name: 'hostIsolationReason',
    type: 'string',
    description: 'Why the host cannot reach the child, for messages (empty when it can)',
    example: 'the host routes 192.0.2.20 by eth0 (192.0.2.0/24 dev eth0), the macvlan\'s parent, and has no macvlan of its own on eth0',
    compute: (i, env) => {
      const x = isolation(env, i);
      if (!x) return '';
      const route = x.route.dst;
      const shim =
        x.shims.length === 0
          ? `has no ${x.child.kind} of its own on ${x.parent.name}`
          : `has ${summarise(x.shims.map((s) => s.name))} on ${x.parent.name} but no route to ${x.address.address} through it`;
      return `the host routes ${x.address.address} by ${x.parent.name} (${route} dev ${x.parent.name}), the ${x.child.kind}'s parent (${x.parentBy}), and ${shim}`;
    },
  },
  {
    name: 'childMode',
    type: 'string',
    description: 'The macvlan (bridge, vepa, private, passthru) or ipvlan (l2, l3, l3s) mode from ip -d link info_data (empty when not printed)',
    example: 'bridge',
    compute: (i) => (typeof i.infoData?.['mode'] === 'string' ? i.infoData['mode'] : ''),
  },
  {
    name: 'hostShimCommand',
    type: 'string',
    description: 'The commands that add a host-side shim on the parent and route the child\'s address through it (empty when not isolated)',
    example: 'ip link add mac0 link eth0 type macvlan mode bridge; ip addr add <a free address>/32 dev mac0; ip link set mac0 up; ip route add 192.0.2.20/32 dev mac0',
    compute: (i, env) => {
      const x = isolation(env, i);
      if (!x) return '';
      const host = x.address.family === 4 ? '32' : '128';
      const kind = x.child.kind === 'ipvlan' ? 'ipvlan mode l2' : 'macvlan mode bridge';
      const name = x.child.kind === 'ipvlan' ? 'ipv0' : 'mac0';
      return `ip link add ${name} link ${x.parent.name} type ${kind}; ip addr add <a free address of ${x.address.network}>/${host} dev ${name}; ip link set ${name} up; ip route add ${x.address.address}/${host} dev ${name} (or the containers' whole range)`;
    },
  },
  {
    name: 'hostIsolationEvidence',
    type: EVIDENCE_TYPE,
    description: 'The child\'s ip link and ip addr lines, the host parent\'s ip link line, the host route that leaves by the parent, and any host-side macvlan on it',
    compute: (i, env) => isolation(env, i)?.evidence ?? [],
  },
]);

export const macvlanHostModule: FactModule<Interface> = { facts };
