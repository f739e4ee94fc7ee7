/**
 * Facts of kind `published-port` (enumerated by published-port.ts): can the port's own container (through
 * the host's address) and the host itself (through 127.0.0.1) connect to it? The packet-path engine follows
 * each connection, request and reply (src/analysis/path/hairpin.ts); dockerd's userland-proxy setting says
 * which of Docker's two ways was meant to serve them.
 */
import type { PublishedPort } from '../../analysis/netfilter/index.js';
import { brokenHairpins, type HairpinConnection } from '../../analysis/path/hairpin.js';
import { stepEvidence } from '../../analysis/path/hook-question.js';
import { formatEndpoint } from '../../analysis/path/packet.js';
import type { Evidence } from '../../model/types.js';
import { mergeEvidence, primaryEvidence, secondaryEvidence } from './lib/evidence.js';
import { pathEngineOf } from './lib/path-engine.js';
import { subjectMemo } from './lib/subject-memo.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const KEY = 'published-port-hairpin:';
const WALKS_KEY = 'published-port-hairpin:walks';

function broken(env: FactEnv, port: PublishedPort): HairpinConnection[] {
  const walks = env.cache.perNamespace(env.namespace, WALKS_KEY, () => new Map<string, HairpinConnection>());
  return subjectMemo(env, KEY, port, () => brokenHairpins(pathEngineOf(env), env.namespace, port, walks));
}

/** The step that ended the connection: the last one of the leg that failed. */
function failedStep(c: HairpinConnection) {
  const leg = c.result.reply ?? c.result.request;
  return leg.steps.at(-1);
}

function describeFailure(c: HairpinConnection): string {
  const who = c.kind === 'container' ? `the container itself (namespace ${c.from})` : `the host (namespace ${c.from})`;
  const leg = c.result.reply ? 'its reply' : 'the connection';
  return `${who} connecting to ${formatEndpoint(c.packet.family, c.packet.dst, c.packet.dport)}: ${leg} ${c.result.reply ? 'is lost' : 'fails'} (${failedStep(c)?.note ?? c.result.reason})`;
}

/** Whether Docker publishes the port: its DNAT sits in Docker's chain or table. */
function publishedByDocker(port: PublishedPort): boolean {
  const dnat = port.dnat;
  if (!dnat) return false;
  return dnat.table.startsWith('nftables ') ? /docker/i.test(dnat.table) : dnat.chain === 'DOCKER' || dnat.chain.startsWith('DOCKER-');
}

function servedBy(env: FactEnv, port: PublishedPort): string {
  const docker = env.host.runtime?.docker;
  if (!docker || !publishedByDocker(port)) return '';
  const setting = docker.userlandProxy;
  const where = setting.origin === 'default' ? 'dockerd\'s default' : setting.origin === 'flag' ? 'dockerd\'s command line' : 'daemon.json';
  return setting.value
    ? `dockerd runs with its userland proxy (userland-proxy true, ${where}): a docker-proxy process listening on the host port serves connections from the host and from containers, through INPUT`
    : `dockerd runs without its userland proxy (userland-proxy false, ${where}): connections from the host and from containers go through the DNAT alone, which needs hairpin mode on the container's bridge port, the MASQUERADE of hairpin traffic, and route_localnet=1 on the bridge for 127.0.0.1`;
}

function hairpinEvidence(env: FactEnv, port: PublishedPort, failures: HairpinConnection[]): Evidence[] {
  const dnat = port.dnat ? [...port.via.map((r) => r.evidence), port.dnat.evidence] : [];
  const steps = failures.map((c) => {
    const step = failedStep(c);
    return step ? stepEvidence(step).map(primaryEvidence) : [];
  });
  const setting = env.host.runtime?.docker?.userlandProxy.evidence;
  return mergeEvidence(...steps, secondaryEvidence(dnat), setting && publishedByDocker(port) ? secondaryEvidence([setting]) : []);
}

const facts = defineFacts<PublishedPort>('published-port', [
  {
    name: 'hairpinBroken',
    type: 'boolean',
    description:
      'A connection to the published port from this host itself fails for certain: from the container the port leads to (when its namespace was collected), connecting to the host\'s address and the port, or from the host to 127.0.0.1 and the port (IPv4, when the DNAT is reachable from nat OUTPUT). The packet-path engine follows request and reply: a docker-proxy listener or none, INPUT, hairpin mode of the bridge port under br_netfilter, the MASQUERADE that brings the reply back, route_localnet for a loopback source',
    example: false,
    compute: (p, env) => broken(env, p).length > 0,
  },
  {
    name: 'hairpinFailures',
    type: 'string',
    description: 'Each failing connection, who makes it, to which address, and the step that ends it (empty when none fails)',
    example: 'the container itself (namespace c1) connecting to 192.0.2.10:8080: the connection fails (… whose hairpin mode is off …)',
    compute: (p, env) => broken(env, p).map(describeFailure).join('; '),
  },
  {
    name: 'hairpinServedBy',
    type: 'string',
    description: 'For a port Docker publishes: how dockerd means to serve connections from the host and its containers, from its userland-proxy setting and where that came from (empty when Docker\'s configuration is not known or another manager publishes the port)',
    example: 'dockerd runs without its userland proxy (userland-proxy false, daemon.json): …',
    compute: (p, env) => servedBy(env, p),
  },
  {
    name: 'hairpinSummary',
    type: 'string',
    description: 'hairpinFailures, then (for a port Docker publishes) hairpinServedBy: the finding\'s message',
    compute: (p, env) => {
      const failures = broken(env, p).map(describeFailure).join('; ');
      const served = servedBy(env, p);
      return served && failures ? `${failures}. ${served}` : failures;
    },
  },
  {
    name: 'hairpinEvidence',
    type: EVIDENCE_TYPE,
    description: 'The lines of the step that ends each failing connection, then the DNAT (and the jumps to it) and dockerd\'s userland-proxy setting',
    compute: (p, env) => {
      const failures = broken(env, p);
      return failures.length > 0 ? hairpinEvidence(env, p, failures) : [];
    },
  },
]);

export const publishedPortHairpinModule: FactModule<PublishedPort> = { facts };
