/**
 * Interface facts about overlay endpoints (src/analysis/path/overlay-input.ts): the UDP port a VXLAN or
 * Geneve device receives its peers on, the TCP port a BGP speaker listens on, and whether the packet-path
 * engine drops the peers' first packet in the prerouting or input hook.
 */
import { bgpEndpoints, overlayInput, tunnelEndpoint, type OverlayAnswer, type OverlayEndpoint } from '../../analysis/path/overlay-input.js';
import { describeStep, stepEvidence } from '../../analysis/path/hook-question.js';
import { describePacket } from '../../analysis/path/packet.js';
import type { Interface } from '../../model/types.js';
import { mergeEvidence } from './lib/evidence.js';
import { namespaceViewOf, pathEngineOf } from './lib/path-engine.js';
import { subjectMemo } from './lib/subject-memo.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const KEY = 'overlay-port:';

/** Every endpoint of the namespace, by the interface it is reported on (computed once per namespace). */
function endpointsBySubject(env: FactEnv): Map<string, OverlayEndpoint[]> {
  return env.cache.perNamespace(env.namespace, `${KEY}endpoints`, () => {
    const view = namespaceViewOf(env);
    const bySubject = new Map<string, OverlayEndpoint[]>();
    const add = (e: OverlayEndpoint): void => {
      const list = bySubject.get(e.subject);
      if (list) list.push(e);
      else bySubject.set(e.subject, [e]);
    };
    for (const iface of env.namespace.interfaces) {
      const endpoint = tunnelEndpoint(view, iface);
      if (endpoint) add(endpoint);
    }
    const ss = env.namespace.sources.get('ss-tlnp');
    if (ss?.status === 'ok' && !ss.parseError) for (const e of bgpEndpoints(view, env.namespace.listeners)) add(e);
    return bySubject;
  });
}

interface OverlayFacts {
  answers: OverlayAnswer[];
  /** The first endpoint whose peers' packets are certainly dropped. */
  blocked?: OverlayAnswer;
}

function overlay(env: FactEnv, iface: Interface): OverlayFacts {
  return subjectMemo(env, `${KEY}answers`, iface, (): OverlayFacts => {
    const endpoints = endpointsBySubject(env).get(iface.name) ?? [];
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
      'The ports overlay peers reach this interface on, as "VXLAN VNI 42: UDP 4789 on eth0" (a VXLAN or Geneve device\'s destination port from ip -d link; a BGP speaker\'s TCP 179 from ss, on the device its peers arrive on). WireGuard\'s port is not in ip -d link: not listed',
    example: ['VXLAN VNI 1: UDP 8472 on eth0'],
    compute: (i, env) => overlay(env, i).answers.map((a) => `${a.endpoint.what}: ${portText(a.endpoint)} on ${a.endpoint.underlay}`),
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
    description: 'The ip link line of the device (and the ss line of a BGP speaker), then the lines of the dropping step, its deciding line marked primary',
    compute: (i, env) => {
      const blocked = overlay(env, i).blocked;
      return blocked?.drop ? mergeEvidence(blocked.endpoint.evidence, stepEvidence(blocked.drop)) : [];
    },
  },
]);

export const overlayPortModule: FactModule<Interface> = { facts };
