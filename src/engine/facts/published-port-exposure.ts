/**
 * Facts of kind `published-port` (enumerated by published-port.ts): is the port open to the world while the
 * host's INPUT firewall looks to close it? The packet-path engine answers (src/analysis/path/exposure.ts):
 * the input hook for a connection to the port that no DNAT takes, and the real connection through
 * PREROUTING's DNAT and the forward hook.
 */
import type { PublishedPort } from '../../analysis/netfilter/index.js';
import { portExposure, type PortExposure } from '../../analysis/path/exposure.js';
import { describeStep, stepEvidence } from '../../analysis/path/hook-question.js';
import { formatEndpoint } from '../../analysis/path/packet.js';
import type { Evidence } from '../../model/types.js';
import { mergeEvidence, primaryEvidence, secondaryEvidence } from './lib/evidence.js';
import { pathEngineOf } from './lib/path-engine.js';
import { subjectMemo } from './lib/subject-memo.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const KEY = 'published-port-exposure:';

function exposure(env: FactEnv, port: PublishedPort): PortExposure | undefined {
  return subjectMemo(env, KEY, port, () => portExposure(pathEngineOf(env), env.namespace, port));
}

/** The jumps and the DNAT (the line that opens the port, primary), the INPUT line that looks to close it, the FORWARD accept. */
function exposureEvidence(port: PublishedPort, e: PortExposure): Evidence[] {
  const dnat = port.dnat ? [...port.via.map((r) => r.evidence), primaryEvidence(port.dnat.evidence)] : [];
  const accept = e.acceptedBy ? secondaryEvidence(stepEvidence(e.acceptedBy).slice(-1)) : [];
  return mergeEvidence(dnat, secondaryEvidence(stepEvidence(e.closedBy)), accept);
}

const facts = defineFacts<PublishedPort>('published-port', [
  {
    name: 'exposedPastInput',
    type: 'boolean',
    description:
      'The port is open to the world although INPUT closes it: a new connection from an outside address arriving on the uplink to the uplink address at the port is dropped by the input hook when no DNAT takes it (by the chain policy, or by a rule that names no source: ufw\'s deny incoming, firewalld\'s default zone, `-P INPUT DROP`), yet the port\'s DNAT takes the real connection and the host lets it through the forward and postrouting hooks, every step decided (packet-path engine, every ruleset by priority)',
    example: false,
    compute: (p, env) => exposure(env, p) !== undefined,
  },
  {
    name: 'exposedAt',
    type: 'string',
    description: 'The uplink address and port the world reaches the container by (empty when not exposed past INPUT)',
    example: '192.0.2.10:8080',
    compute: (p, env) => {
      const e = exposure(env, p);
      return e ? formatEndpoint(e.packet.family, e.hostAddress, e.packet.dport) : '';
    },
  },
  {
    name: 'exposedOn',
    type: 'string',
    description: 'The uplink interface the connections arrive on (empty when not exposed past INPUT)',
    example: 'eth0',
    compute: (p, env) => exposure(env, p)?.uplink ?? '',
  },
  {
    name: 'inputClosedBy',
    type: 'string',
    description: 'The INPUT policy or rule that drops a connection to the port when no DNAT takes it: what makes the owner believe the port is closed (empty when not exposed past INPUT)',
    example: 'the DROP policy of filter/INPUT',
    compute: (p, env) => {
      const e = exposure(env, p);
      return e ? describeStep(e.closedBy) : '';
    },
  },
  {
    name: 'forwardAcceptedBy',
    type: 'string',
    description: 'The FORWARD rule that accepts the translated connection, when a rule does (empty otherwise)',
    example: 'rule DOCKER:1 of filter/DOCKER (-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT)',
    compute: (p, env) => {
      const accepted = exposure(env, p)?.acceptedBy;
      return accepted ? describeStep(accepted) : '';
    },
  },
  {
    name: 'exposureEvidence',
    type: EVIDENCE_TYPE,
    description: 'The DNAT (and the jumps to it), the INPUT line that looks to close the port, and the FORWARD accept that lets it through',
    compute: (p, env) => {
      const e = exposure(env, p);
      return e ? exposureEvidence(p, e) : [];
    },
  },
]);

export const publishedPortExposureModule: FactModule<PublishedPort> = { facts };
