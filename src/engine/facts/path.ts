/**
 * Facts the packet-path engine answers (src/analysis/path), for the path rules:
 * - bridge-subnet: a new TCP connection from an address of the subnet, arriving on the bridge, to an address
 *   outside the host that leaves by the default route, and its reply;
 * - namespace: a new TCP connection a container namespace opens to an outside address by its own default
 *   route, through the host, and its reply;
 * - published-port: a new connection from outside, arriving on the uplink, to the published host port, and
 *   its reply.
 * A path the engine cannot decide (unknown) is no finding; only `dropped` is.
 */
import type { BridgeSubnet } from '../../analysis/netfilter/index.js';
import type { PublishedPort } from '../../analysis/netfilter/index.js';
import { bridgeFlow, outsideDestination } from '../../analysis/path/bridge-paths.js';
import { dropStep } from '../../analysis/path/cause.js';
import { followConnection, type Origin, type TraceResult } from '../../analysis/path/trace.js';
import type { Packet, TraceStep } from '../../analysis/path/types.js';
import { uplinkInterface } from '../../analysis/topology.js';
import { formatAddress, parseAddress } from '../../model/net.js';
import type { Evidence, Namespace } from '../../model/types.js';
import { mergeEvidence, primaryEvidence } from './lib/evidence.js';
import { pathEngineOf } from './lib/path-engine.js';
import { subjectMemo } from './lib/subject-memo.js';
import { defineFacts, EVIDENCE_TYPE, type FactDef, type FactEnv, type FactModule } from './registry.js';

const KEY = 'path:';
const CLIENT_PORT = 40000;
const EGRESS_PORT = 443;
/** The path's answer for one subject, with what the message and evidence show. */
interface PathAnswer {
  result: TraceResult;
  from: string;
  to: string;
  drop?: TraceStep;
}

function answer(env: FactEnv, origin: Origin, packet: Packet): PathAnswer {
  const result = followConnection(pathEngineOf(env), origin, packet, false);
  const drop = result.verdict === 'dropped' ? dropStep(result.reply ?? result.request) : undefined;
  const out: PathAnswer = { result, from: origin.described, to: `${formatAddress(packet.family, packet.dst)}:${packet.dport ?? ''}` };
  if (drop) out.drop = drop;
  return out;
}

/* ---------- bridge-subnet: egress ---------- */

function egress(env: FactEnv, s: BridgeSubnet): PathAnswer | undefined {
  return subjectMemo(env, `${KEY}egress`, s, (): PathAnswer | undefined => {
    const flow = bridgeFlow(pathEngineOf(env), env.namespace, s);
    if (!flow) return undefined;
    const origin: Origin = { namespace: env.namespace.name, iface: s.bridge.name, address: flow.client, described: `${formatAddress(s.family, flow.client)} on ${s.bridge.name}` };
    return answer(env, origin, { family: s.family, src: flow.client, dst: flow.outside, protocol: 'tcp', sport: CLIENT_PORT, dport: EGRESS_PORT, mark: 0 });
  });
}

/* ---------- namespace: a container's own connection out ---------- */

/** A new TCP connection the container namespace opens to an outside address by its default route, and its reply. */
function containerEgress(env: FactEnv, ns: Namespace): PathAnswer | undefined {
  return subjectMemo(env, `${KEY}container`, ns, (): PathAnswer | undefined => {
    const engine = pathEngineOf(env);
    const outside = outsideDestination(engine.view(ns), 4, 'lo');
    if (!outside) return undefined;
    const origin: Origin = { namespace: ns.name, described: `namespace ${ns.name}` };
    return answer(env, origin, { family: 4, src: 0n, dst: outside.address, protocol: 'tcp', sport: CLIENT_PORT, dport: EGRESS_PORT, mark: 0 });
  });
}

/* ---------- published-port: ingress ---------- */

function ingress(env: FactEnv, port: PublishedPort): PathAnswer | undefined {
  return subjectMemo(env, `${KEY}ingress`, port, (): PathAnswer | undefined => {
    if (!port.dnat || !port.hooks.includes('PREROUTING') || (port.protocol !== 'tcp' && port.protocol !== undefined) || !port.hostPorts) return undefined;
    const ns = env.namespace;
    // The end of the path must be in the snapshot: a target in a namespace that was not collected (a pod of a
    // node collected without --netns) could only be unknown, and tracing every such port would cost the audit
    // its speed. Those ports are left to the narrow published-port rules.
    const target = port.target.address;
    const engine = pathEngineOf(env);
    if (!env.host.namespaces.some((other) => engine.view(other).ownAddress(target.family, target.network))) return undefined;
    const uplink = port.inInterface ?? uplinkInterface(ns, port.family);
    if (!uplink || port.excludedIn.includes(uplink)) return undefined;
    const view = engine.view(ns);
    const dst = port.hostAddress ? port.hostAddress.network : view.sourceFor(port.family, uplink, undefined);
    const client = outsideDestination(view, port.family, 'lo')?.address;
    if (dst === undefined || client === undefined) return undefined;
    const origin: Origin = { namespace: ns.name, iface: uplink, address: client, described: `${formatAddress(port.family, client)} outside, arriving on ${uplink}` };
    return answer(env, origin, { family: port.family, src: client, dst, protocol: 'tcp', sport: CLIENT_PORT, dport: port.hostPorts.from, mark: 0 });
  });
}

/* ---------- facts ---------- */

function where(a: PathAnswer | undefined): string {
  if (!a?.drop) return '';
  const leg = a.result.reply ? 'the reply' : 'the request';
  const at = [a.drop.namespace === 'host' ? undefined : `namespace ${a.drop.namespace}`, a.drop.stage, a.drop.table, a.drop.chain, a.drop.rule].filter(Boolean).join(' ');
  return `${leg} dies at ${at}: ${a.drop.note}`;
}

function evidenceOf(a: PathAnswer | undefined): Evidence[] {
  if (!a?.drop) return [];
  // An absence proves the drop (no socket on the port): the DNAT that sends the connection there is the line to show.
  const lines = a.drop.evidence.length > 0 ? a.drop.evidence : a.result.request.steps.filter((s) => s.verdict === 'dnat').flatMap((s) => s.evidence.slice(-1));
  // The jumps lead to the deciding line, which comes last and proves the drop.
  const deciding = lines.at(-1);
  return mergeEvidence(lines.slice(0, -1), deciding ? primaryEvidence(deciding) : undefined);
}

/** The five facts of one path question, named `<prefix>Path`, `<prefix>From`, `<prefix>To`, `<prefix>Drop`, `<prefix>Evidence`. */
function pathFacts<S>(prefix: 'egress' | 'ingress', ask: (subject: S, env: FactEnv) => PathAnswer | undefined, question: string, example: { from: string; to: string }): FactDef<S>[] {
  return [
    {
      name: `${prefix}Path`,
      type: 'string',
      description: `What the packet-path engine says of ${question}, and its reply: "delivered", "dropped", "unknown" (the snapshot cannot decide a step), or "" when it does not apply`,
      example: 'delivered',
      compute: (s, env) => ask(s, env)?.result.verdict ?? '',
    },
    { name: `${prefix}From`, type: 'string', description: 'Where that connection starts', example: example.from, compute: (s, env) => ask(s, env)?.from ?? '' },
    { name: `${prefix}To`, type: 'string', description: 'Its destination, address:port', example: example.to, compute: (s, env) => ask(s, env)?.to ?? '' },
    { name: `${prefix}Drop`, type: 'string', description: 'Where and why it is dropped (the leg, the step, the reason)', compute: (s, env) => where(ask(s, env)) },
    { name: `${prefix}Evidence`, type: EVIDENCE_TYPE, description: 'The lines of the step that drops it', compute: (s, env) => evidenceOf(ask(s, env)) },
  ];
}

const subnetFacts = defineFacts<BridgeSubnet>(
  'bridge-subnet',
  pathFacts<BridgeSubnet>('egress', (s, env) => egress(env, s), 'a new TCP connection from an address of the subnet, arriving on the bridge, to an outside address by the default route (not applicable: no port on the bridge, no default route)', { from: '172.17.0.2 on docker0', to: '198.51.100.1:443' }),
);

const portFacts = defineFacts<PublishedPort>(
  'published-port',
  pathFacts<PublishedPort>('ingress', (p, env) => ingress(env, p), 'a new TCP connection from outside, arriving on the uplink (or the DNAT\'s -i), to the published host port (not applicable: no DNAT from PREROUTING, not TCP, no uplink, or a target in no collected namespace)', { from: '198.51.100.1 outside, arriving on eth0', to: '192.0.2.10:8080' }),
);

const namespaceFacts = defineFacts<Namespace>(
  'namespace',
  pathFacts<Namespace>('egress', (ns, env) => containerEgress(env, ns), 'a new TCP connection the namespace opens to an outside address by its own default route (not applicable: no default route)', { from: 'namespace pid:4242', to: '198.51.100.1:443' }),
);

export const egressPathModule: FactModule<BridgeSubnet> = { facts: subnetFacts };
export const containerEgressPathModule: FactModule<Namespace> = { facts: namespaceFacts };
export const ingressPathModule: FactModule<PublishedPort> = { facts: portFacts };
