/**
 * Interface facts about overlay endpoints (src/analysis/path/overlay-input.ts): the UDP port a VXLAN or
 * Geneve device receives its peers on, a WireGuard device's listen port, the TCP port a BGP speaker listens
 * on, and whether the packet-path engine drops the peers' first packet in the prerouting or input hook. A
 * device whose port or peers the snapshot does not show is not checked; overlayPortsUnknown says why.
 */
import { bgpEndpoints, overlayInput, tunnelEndpoint, type OverlayAnswer, type OverlayEndpoint, type OverlayUnknown } from '../../analysis/path/overlay-input.js';
import { wireguardEndpoints } from '../../analysis/path/overlay-wireguard.js';
import { describeStep, stepEvidence } from '../../analysis/path/hook-question.js';
import { describePacket } from '../../analysis/path/packet.js';
import type { Interface } from '../../model/types.js';
import { mergeEvidence } from './lib/evidence.js';
import { namespaceViewOf, pathEngineOf } from './lib/path-engine.js';
import { subjectMemo } from './lib/subject-memo.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const KEY = 'overlay-port:';

interface NamespaceEndpoints {
  /** Every endpoint, by the interface it is reported on. */
  bySubject: Map<string, OverlayEndpoint[]>;
  /** The devices left unchecked, by interface. */
  unknown: Map<string, OverlayUnknown[]>;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Every endpoint of the namespace (computed once per namespace). */
function namespaceEndpoints(env: FactEnv): NamespaceEndpoints {
  return env.cache.perNamespace(env.namespace, `${KEY}endpoints`, () => {
    const view = namespaceViewOf(env);
    const found: NamespaceEndpoints = { bySubject: new Map(), unknown: new Map() };
    for (const iface of env.namespace.interfaces) {
      const endpoint = tunnelEndpoint(view, iface);
      if (endpoint) push(found.bySubject, endpoint.subject, endpoint);
    }
    const wireguard = wireguardEndpoints(view, env.namespace);
    for (const e of wireguard.endpoints) push(found.bySubject, e.subject, e);
    for (const u of wireguard.unknown) push(found.unknown, u.subject, u);
    const ss = env.namespace.sources.get('ss-tlnp');
    if (ss?.status === 'ok' && !ss.parseError) for (const e of bgpEndpoints(view, env.namespace.listeners)) push(found.bySubject, e.subject, e);
    return found;
  });
}

interface OverlayFacts {
  answers: OverlayAnswer[];
  /** The first endpoint whose peers' packets are certainly dropped. */
  blocked?: OverlayAnswer;
}

function overlay(env: FactEnv, iface: Interface): OverlayFacts {
  return subjectMemo(env, `${KEY}answers`, iface, (): OverlayFacts => {
    const endpoints = namespaceEndpoints(env).bySubject.get(iface.name) ?? [];
    const answers = endpoints.map((e) => overlayInput(pathEngineOf(env), env.namespace, e));
    const blocked = answers.find((a) => a.drop !== undefined);
    return blocked ? { answers, blocked } : { answers };
  });
}

function portText(e: OverlayEndpoint): string {
  return `${e.protocol.toUpperCase()} ${e.port}`;
}

const facts = defineFacts<Interface>('interface', [
  {
    name: 'overlayPorts',
    type: 'string[]',
    description:
      'The ports overlay peers reach this interface on, as "VXLAN VNI 42: UDP 4789 on eth0" (a VXLAN or Geneve device\'s destination port from ip -d link; a WireGuard device\'s listen port from wg show all listen-port, on the uplink of each family; a BGP speaker\'s TCP 179 from ss, on the device its peers arrive on)',
    example: ['VXLAN VNI 1: UDP 8472 on eth0'],
    compute: (i, env) => overlay(env, i).answers.map((a) => `${a.endpoint.what}: ${portText(a.endpoint)} on ${a.endpoint.underlay}`),
  },
  {
    name: 'overlayPortsUnknown',
    type: 'string[]',
    description:
      'Why an overlay device of this interface is not checked: a WireGuard device whose port the snapshot does not give (wg-listen-port not collected, failed or unreadable, the device not in it, port 0), or for which no uplink gives a peer to ask about. A UDP socket with no process in ss -Hulnp is never taken as WireGuard\'s port',
    example: ['WireGuard: its UDP port is unknown: wg-listen-port not collected (wg is not installed)'],
    compute: (i, env) => (namespaceEndpoints(env).unknown.get(i.name) ?? []).map((u) => `${u.what}: ${u.reason}`),
  },
  {
    name: 'overlayPortBlocked',
    type: 'boolean',
    description:
      'The packet-path engine certainly drops an overlay peer\'s first packet to one of those ports (from the remote, or an address of the underlay subnet, arriving on the underlay device) in the prerouting or input hook of some ruleset',
    example: false,
    compute: (i, env) => overlay(env, i).blocked !== undefined,
  },
  {
    name: 'overlayPortProblem',
    type: 'string',
    description: 'The blocked endpoint in one sentence: device, port, peer packet and the dropping step (empty when none is blocked)',
    example: 'VXLAN VNI 42 receives its peers on UDP 4789 through ul0, but the DROP policy of filter/INPUT drops udp 192.0.2.2:40000 > 192.0.2.1:4789 (from the remote 192.0.2.2)',
    compute: (i, env) => {
      const blocked = overlay(env, i).blocked;
      if (!blocked?.drop) return '';
      const e = blocked.endpoint;
      return `${e.what} receives its peers on ${portText(e)} through ${e.underlay}, but ${describeStep(blocked.drop)} drops ${describePacket(blocked.packet)} (from ${e.peerDescribed})`;
    },
  },
  {
    name: 'overlayPortEvidence',
    type: EVIDENCE_TYPE,
    description: 'The lines that give the endpoint (the device\'s ip link line and a WireGuard device\'s wg show all listen-port line; a BGP speaker\'s ss line), then the lines of the dropping step, its deciding line marked primary',
    compute: (i, env) => {
      const blocked = overlay(env, i).blocked;
      return blocked?.drop ? mergeEvidence(blocked.endpoint.evidence, stepEvidence(blocked.drop)) : [];
    },
  },
]);

export const overlayPortModule: FactModule<Interface> = { facts };
