/**
 * Subject kind `published-port`: the ports published on this host, i.e. every DNAT reachable from nat
 * PREROUTING or OUTPUT (iptables) or from a native nftables nat chain, for connections addressed to this host (Docker's published ports, kube-proxy node
 * ports, hand-written port forwards), and every Docker-style per-port filter accept that no DNAT points at.
 * DNATs behind service VIPs (Kubernetes cluster IPs) are not published ports: their targets are
 * `dnat-target` subjects (dnat-target.ts). The analysis lives in src/analysis/netfilter; these facts expose it to rules.
 */
import {
  bridgeSubnets,
  checkDnatTarget,
  checkPortForwarding,
  checkRouteLocalnet,
  findPublishedPorts,
  isExternallyReachable,
  type LocalnetCheck,
  type PortForwardCheck,
  type PortStage,
  type PublishedPort,
  type TargetReachability,
} from '../../analysis/netfilter/index.js';
import { decisionEvidence, describeDecision, packetCount, ruleText } from '../../analysis/evidence.js';
import { formatAddress } from '../../model/net.js';
import type { Evidence, Namespace } from '../../model/types.js';
import { sourceUsable } from '../../model/sources.js';
import { mergeEvidence, primaryEvidence, secondaryEvidence, summarise } from './lib/evidence.js';
import { natAnswer } from './lib/bridge-flows.js';
import { pathEngineOf } from './lib/path-engine.js';
import { describeStep, stepEvidence } from '../../analysis/path/hook-question.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const PORTS_KEY = 'published-port:ports';
const MEMO_KEY = 'published-port:memo';

/** The published ports of a namespace, once per audit (dnat-target.ts asks for them too). */
export function portsOf(env: FactEnv, ns: Namespace): PublishedPort[] {
  return env.cache.perNamespace(ns, PORTS_KEY, () => findPublishedPorts(ns));
}

const subjects = defineSubjects<PublishedPort>({
  kind: 'published-port',
  description:
    'Every port published on this host: each DNAT reachable from nat PREROUTING or OUTPUT (iptables), or from a native nftables nat base chain at the prerouting or output hook through jumps, gotos and verdict maps (Docker 29, netavark, firewalld forward ports, kube-proxy node ports), by connections addressed to this host, named "tcp/8080->172.17.0.2:80" ("tcp/192.0.2.10:8080->…" when bound to one host address), and every Docker-style per-port filter accept no DNAT points at ("tcp/none->172.17.0.3:5432"), in IPv4 and IPv6. DNATs behind a service VIP (a jump or DNAT requiring as destination one address this host does not hold: Kubernetes cluster IPs, load-balancer addresses held elsewhere) are not published ports; their targets are dnat-target subjects',
  namespaces: 'all',
  enumerate: (env) => portsOf(env, env.namespace).map((p) => ({ name: p.name, value: p })),
});

/* ---------- shared per-port analyses, once per audit ---------- */

/** The analyses of one port that several facts share. */
interface PortMemo {
  forwarding?: PortForwardCheck;
  target?: TargetReachability;
  localnet?: LocalnetCheck;
  publish?: PublishProblem;
}

/** The memo of the port being audited. */
interface MemoSlot {
  port: PublishedPort | undefined;
  memo: PortMemo;
}

/**
 * The audit runs every rule on one subject before the next, so the analyses of the current port are all
 * that need keeping: kept for every port, tens of thousands of packet classes and walk results would outlive
 * their use and weigh on every garbage collection. A fact asked about another port is computed again (facts are pure).
 */
function memoOf(env: FactEnv, port: PublishedPort): PortMemo {
  const slot = env.cache.perNamespace(env.namespace, MEMO_KEY, (): MemoSlot => ({ port: undefined, memo: {} }));
  if (slot.port !== port) {
    slot.port = port;
    slot.memo = {};
  }
  return slot.memo;
}

function forwarding(env: FactEnv, port: PublishedPort): PortForwardCheck {
  const memo = memoOf(env, port);
  return (memo.forwarding ??= checkPortForwarding(env.namespace, port, pathEngineOf(env)));
}

function target(env: FactEnv, port: PublishedPort): TargetReachability {
  const memo = memoOf(env, port);
  return (memo.target ??= port.dnat
    ? checkDnatTarget(env.namespace, port, sourceUsable(env.namespace.sources.get('ip-route')))
    : { status: 'unknown', evidence: [] });
}

function localnet(env: FactEnv, port: PublishedPort): LocalnetCheck {
  const memo = memoOf(env, port);
  return (memo.localnet ??= checkRouteLocalnet(env.namespace, port));
}

/** The jumps from the nat hook, then the DNAT: the line that publishes the port, marked primary. */
function dnatEvidence(port: PublishedPort): Evidence[] {
  return port.dnat ? [...port.via.map((r) => r.evidence), primaryEvidence(port.dnat.evidence)] : [];
}

function describeDnat(port: PublishedPort): string {
  if (!port.dnat) return '';
  const count = packetCount(port.dnat.counters);
  return `${ruleText(port.dnat.text)}${count ? ` (${count} translated)` : ''}`;
}

/** A per-port accept without DNAT matters only on a NAT-mode network (its subnet is masqueraded): routed-mode networks have no DNAT by design. */
function orphanAcceptOnNatNetwork(env: FactEnv, port: PublishedPort): boolean {
  if (port.dnat || !port.bridge) return false;
  const subnet = bridgeSubnets(port.bridge.bridge).find((s) => s.subnet === port.bridge?.subnet);
  return Boolean(subnet && natAnswer(env, subnet)?.covered === 'yes');
}

interface PublishProblem {
  incomplete: boolean;
  text: string;
  evidence: Evidence[];
}

function publishProblem(env: FactEnv, port: PublishedPort): PublishProblem {
  const memo = memoOf(env, port);
  return (memo.publish ??= findPublishProblem(env, port));
}

function findPublishProblem(env: FactEnv, port: PublishedPort): PublishProblem {
  if (orphanAcceptOnNatNetwork(env, port)) {
    const accept = port.accepts[0];
    return {
      incomplete: true,
      text: `filter accepts ${port.protocol ?? 'traffic'} to ${port.target.text} but no DNAT in nat PREROUTING points there: the port is half unpublished (the container was removed or re-created, or the nat rules were reloaded)`,
      evidence: accept ? [accept.evidence] : [],
    };
  }
  const check = forwarding(env, port);
  if (check.status !== 'no-accept' || !check.decidedAt) return { incomplete: false, text: '', evidence: [] };
  const stage = check.decidedAt;
  const unreachableAccepts = check.matchingAccepts;
  const ends = stage.walk ? `FORWARD ends in ${describeStage(stage)}` : `the forward hook ends in ${describeStage(stage)}`;
  const why =
    unreachableAccepts.length > 0
      ? `the accept in ${unreachableAccepts[0]?.table}/${unreachableAccepts[0]?.chain} is never reached: filter ${ends}`
      : `no filter rule accepts it: ${ends}`;
  return {
    incomplete: true,
    text: `${describeDnat(port)} sends connections to ${port.target.text}, but ${why}`,
    evidence: mergeEvidence(dnatEvidence(port), stageEvidence(stage), unreachableAccepts.slice(0, 1).map((r) => r.evidence)),
  };
}

/** The deciding chain in words: an iptables rule or policy, or a native nftables chain's step. */
function describeStage(stage: PortStage): string {
  if (stage.walk) return describeDecision(stage.walk.decision);
  return stage.step ? describeStep(stage.step) : `${stage.table}/${stage.chain}`;
}

function stageEvidence(stage: PortStage): Evidence[] {
  if (stage.walk) return decisionEvidence(stage.walk.decision);
  return stage.step ? stepEvidence(stage.step) : [];
}

function formatHostAddress(port: PublishedPort): string | undefined {
  return port.hostAddress ? formatAddress(port.hostAddress.family, port.hostAddress.network) : undefined;
}

const facts = defineFacts<PublishedPort>('published-port', [
  { name: 'name', type: 'string', description: 'The subject name: protocol, host port (and address), target', example: 'tcp/8080->172.17.0.2:80', compute: (p) => p.name },
  { name: 'protocol', type: 'string', description: 'tcp, udp, sctp, or "all" when the DNAT does not restrict it', example: 'tcp', compute: (p) => p.protocol ?? 'all' },
  { name: 'hostPort', type: 'number | undefined', description: 'The (first) destination port the DNAT matches on the host', example: 8080, compute: (p) => p.hostPorts?.from },
  { name: 'hostAddress', type: 'string | undefined', description: 'The host address the DNAT is restricted to (-d), e.g. Docker\'s `-p 192.0.2.10:8080:80`', example: '192.0.2.10', compute: (p) => formatHostAddress(p) },
  { name: 'targetAddress', type: 'string', description: 'The address connections are sent to (--to-destination)', example: '172.17.0.2', compute: (p) => formatAddress(p.target.address.family, p.target.address.network) },
  { name: 'targetPort', type: 'number | undefined', description: 'The port connections are sent to (the host port when the DNAT keeps it)', example: 80, compute: (p) => p.targetPort },
  { name: 'target', type: 'string', description: 'The target as printed, address and port', example: '172.17.0.2:80', compute: (p) => p.target.text },
  { name: 'family', type: 'number', description: '4 (iptables) or 6 (ip6tables)', example: 4, compute: (p) => p.family },
  { name: 'hasDnat', type: 'boolean', description: 'A DNAT rule publishes it (false for a filter accept with no DNAT)', example: true, compute: (p) => p.dnat !== undefined },
  { name: 'dnatChain', type: 'string | undefined', description: 'The nat chain holding the DNAT: DOCKER, KUBE-SEP-…, PREROUTING', example: 'DOCKER', compute: (p) => p.dnat?.chain },
  { name: 'targetBridge', type: 'string | undefined', description: 'The bridge whose subnet holds the target address', example: 'docker0', compute: (p) => p.bridge?.bridge.name },
  {
    name: 'externallyReachable',
    type: 'boolean',
    description: 'The DNAT applies to connections from other hosts (reached from nat PREROUTING, not bound to a loopback address); those cross filter FORWARD',
    example: true,
    compute: (p) => isExternallyReachable(p),
  },
  {
    name: 'forwardStatus',
    type: 'string',
    description:
      'What happens to a NEW connection from the internet through the uplink, in every ruleset at the prerouting, forward and postrouting hooks (iptables and native nftables, by priority): "accepted", "dropped" (a DROP/REJECT rule decides before any accept, or one ruleset drops what another accepted), "no-accept" (the forward hook drops it and no accept for the translated connection is reached), "unknown" (ipsets, marks or rate limits decide), "local-only", "no-dnat"',
    example: 'accepted',
    compute: (p, env) => forwarding(env, p).status,
  },
  {
    name: 'publishIncomplete',
    type: 'boolean',
    description:
      'Half a publication: the DNAT has no reachable filter accept for the translated connection (filter FORWARD certainly drops it), or a Docker-style accept towards a container port on a masqueraded bridge network has no DNAT',
    example: false,
    compute: (p, env) => publishProblem(env, p).incomplete,
  },
  { name: 'publishProblem', type: 'string', description: 'The incomplete publication in one sentence (empty when complete)', compute: (p, env) => publishProblem(env, p).text },
  {
    name: 'publishEvidence',
    type: EVIDENCE_TYPE,
    description: 'The DNAT (and the jumps to it), the rule or policy that drops the translated connection, the unreachable accept or the accept without DNAT',
    compute: (p, env) => publishProblem(env, p).evidence,
  },
  {
    name: 'portDropped',
    type: 'boolean',
    description: 'A DROP or REJECT rule in raw, mangle, nat or filter certainly matches connections to the port before they are accepted (while an accept for them exists)',
    example: false,
    compute: (p, env) => forwarding(env, p).status === 'dropped',
  },
  {
    name: 'dropDescription',
    type: 'string',
    description: 'The dropping rule, its table/chain, position and packet counter (empty when not dropped)',
    example: 'rule 1 of filter/DOCKER-USER (-A DOCKER-USER -i eth0 -j DROP, 812 packets matched)',
    compute: (p, env) => {
      const c = forwarding(env, p);
      return c.status === 'dropped' && c.decidedAt ? describeStage(c.decidedAt) : '';
    },
  },
  {
    name: 'dropEvidence',
    type: EVIDENCE_TYPE,
    description: 'The DNAT, the jumps and the dropping rule, then the accept it comes before',
    compute: (p, env) => {
      const c = forwarding(env, p);
      if (c.status !== 'dropped' || !c.decidedAt) return [];
      // The dropping rule proves this one, not the DNAT before it.
      return mergeEvidence(secondaryEvidence(dnatEvidence(p)), stageEvidence(c.decidedAt), (c.matchingAccepts.length > 0 ? c.matchingAccepts : p.accepts).slice(0, 1).map((r) => r.evidence));
    },
  },
  {
    name: 'targetUnreachable',
    type: 'boolean',
    description:
      'The DNAT target cannot be reached: a Docker DNAT to an address in no bridge subnet, a bridge subnet with no live port and no live neighbour, a FAILED/INCOMPLETE neighbour entry, no route, or a blackhole/unreachable/prohibit route (the built-in dnat-target-unreachable rule asks the same of each dnat-target subject instead, once per address)',
    example: false,
    compute: (p, env) => target(env, p).status === 'unreachable',
  },
  { name: 'targetProblem', type: 'string', description: 'Why the target is unreachable (empty when it is not)', compute: (p, env) => target(env, p).reason ?? '' },
  {
    name: 'targetEvidence',
    type: EVIDENCE_TYPE,
    description: 'The DNAT rule, then the neighbour entry, route or bridge lines that show the target is gone',
    compute: (p, env) => {
      const t = target(env, p);
      return t.status === 'unreachable' ? mergeEvidence(p.dnat ? [p.dnat.evidence] : [], t.evidence) : [];
    },
  },
  {
    name: 'routeLocalnetMissing',
    type: 'boolean',
    description:
      'An IPv4 DNAT from nat PREROUTING to 127.0.0.0/8 whose input interface (the -i of the rule, else the uplink) has effective route_localnet (conf.all OR conf.<if>) other than 1: the kernel drops the translated packets as martians',
    example: false,
    compute: (p, env) => localnet(env, p).missing.length > 0,
  },
  {
    name: 'routeLocalnetInterfaces',
    type: 'string[]',
    description: 'Input interfaces of a DNAT to 127.0.0.0/8 whose route_localnet is not 1',
    example: ['eth0'],
    compute: (p, env) => localnet(env, p).missing.map((m) => m.name),
  },
  {
    name: 'routeLocalnetSummary',
    type: 'string',
    description: 'Those interfaces with their values, for messages: "eth0 (route_localnet = 0)"',
    compute: (p, env) => summarise(localnet(env, p).missing.map((m) => `${m.name} (route_localnet = ${m.value ?? 'absent'})`)),
  },
  {
    name: 'routeLocalnetEvidence',
    type: EVIDENCE_TYPE,
    description: 'The DNAT rule and the sysctl -a lines of route_localnet for those interfaces',
    compute: (p, env) => {
      const missing = localnet(env, p).missing;
      if (missing.length === 0) return [];
      return mergeEvidence(dnatEvidence(p), ...missing.map((m) => m.evidence));
    },
  },
  { name: 'dnatEvidence', type: EVIDENCE_TYPE, description: 'The jumps from the nat hook and the DNAT rule', compute: (p) => dnatEvidence(p) },
  { name: 'acceptEvidence', type: EVIDENCE_TYPE, description: 'Filter ACCEPT rules towards the target address and port', compute: (p) => p.accepts.map((r) => r.evidence) },
  { name: 'dnatDescription', type: 'string', description: 'The DNAT rule without counters, and how many connections it translated', example: '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80 (37 packets translated)', compute: (p) => describeDnat(p) },
]);

export const publishedPortModule: FactModule<PublishedPort> = { subjects, facts };
