/**
 * Netfilter facts about bridges (subject kind `bridge`, enumerated by bridge.ts): does the forward hook let
 * the bridge's traffic out and its replies back, are Docker's chains in place for a Docker bridge, can
 * containers reach services of the host. The packet-path engine answers the hook questions, across every
 * ruleset of the namespace (lib/bridge-flows.ts).
 */
import { describeStep, stepEvidence } from '../../analysis/path/hook-question.js';
import { bridgeSubnets, checkDockerChains, type DockerChainsCheck } from '../../analysis/netfilter/index.js';
import { isDockerBridgeName } from '../../analysis/topology.js';
import { sourceUsable } from '../../model/sources.js';
import type { Bridge, Evidence } from '../../model/types.js';
import { forwardAnswer, inputAnswer, type ForwardAnswer, type HostServiceProbe, type InputAnswer } from './lib/bridge-flows.js';
import { mergeEvidence, summarise } from './lib/evidence.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

/** The table Docker's nftables firewall backend keeps its bridge networks' rules in. */
const DOCKER_NFT_TABLE = 'docker-bridges';

const KEY = 'netfilter-bridge:';

function forwardAnswers(env: FactEnv, bridge: Bridge): ForwardAnswer[] {
  return bridgeSubnets(bridge)
    .map((s) => forwardAnswer(env, s))
    .filter((a): a is ForwardAnswer => a !== undefined);
}

function blocked(env: FactEnv, bridge: Bridge): ForwardAnswer | undefined {
  return forwardAnswers(env, bridge).find((a) => a.outboundBlocked);
}

function repliesBlocked(env: FactEnv, bridge: Bridge): ForwardAnswer | undefined {
  return forwardAnswers(env, bridge).find((a) => a.repliesBlocked);
}

function dockerChains(env: FactEnv, bridge: Bridge): DockerChainsCheck | undefined {
  return env.cache.perNamespace(env.namespace, `${KEY}docker:${bridge.name}`, () => {
    const ruleset = env.namespace.netfilter.ipv4;
    if (!ruleset || !isDockerBridgeName(bridge.name) || !bridge.interface?.adminUp) return undefined;
    // Docker's nftables firewall backend (Docker 29: `table ip docker-bridges`) writes no iptables chains at all.
    if (env.namespace.nftables?.tables.some((t) => t.family === 'ip' && t.name === DOCKER_NFT_TABLE && !t.managedByIptablesNft)) return undefined;
    const subnet = bridgeSubnets(bridge).find((s) => s.family === 4);
    return checkDockerChains(env.namespace, ruleset, bridge.name, subnet);
  });
}

function droppedInput(env: FactEnv, bridge: Bridge): InputAnswer | undefined {
  if (bridge.ports.length === 0) return undefined;
  const listeners = sourceUsable(env.namespace.sources.get('ss-tlnp')) ? env.namespace.listeners : undefined;
  return bridgeSubnets(bridge)
    .map((s) => inputAnswer(env, s, listeners))
    .find((a): a is InputAnswer => a !== undefined && a.dropped.length > 0);
}

function serviceName(p: HostServiceProbe): string {
  const process = p.listener?.processes[0]?.name;
  return `${p.protocol}/${p.port}${process ? ` (${process})` : ''}`;
}

function listenerEvidence(env: FactEnv, check: InputAnswer): Evidence[] {
  const label = (id: 'ss-tlnp' | 'ss-ulnp') => env.namespace.sources.get(id)?.label ?? id;
  return check.dropped.flatMap((p) => (p.listener ? [{ source: label(p.protocol === 'udp' ? 'ss-ulnp' : 'ss-tlnp'), line: p.listener.line, text: p.listener.text }] : [])).slice(0, 3);
}

const facts = defineFacts<Bridge>('bridge', [
  {
    name: 'routedEgress',
    type: 'boolean',
    description: 'The bridge has ports and an address, and the IPv4 (or IPv6) default route leaves through another interface: its traffic is routed out through the uplink',
    example: true,
    compute: (b, env) => forwardAnswers(env, b).length > 0,
  },
  {
    name: 'forwardOutboundBlocked',
    type: 'boolean',
    description:
      'The forward hook (filter FORWARD and every other base chain registered there: mangle, iptables-nft, native nftables) certainly drops a new connection from the bridge\'s subnet to the internet through the uplink, by a policy or by a DROP/REJECT rule that does not single out this bridge (Docker --internal isolation rules naming the bridge do not count)',
    example: false,
    compute: (b, env) => blocked(env, b) !== undefined,
  },
  {
    name: 'forwardOutboundDecision',
    type: 'string',
    description: 'What drops the bridge\'s outbound traffic at the forward hook, for messages (empty when not blocked)',
    example: 'the DROP policy of filter/FORWARD (1,234 packets so far)',
    compute: (b, env) => {
      const drop = blocked(env, b)?.outbound.drop;
      return drop ? describeStep(drop) : '';
    },
  },
  {
    name: 'forwardOutboundEvidence',
    type: EVIDENCE_TYPE,
    description: 'The FORWARD policy line or the dropping rule (with the jumps to it), then the bridge',
    compute: (b, env) => {
      const drop = blocked(env, b)?.outbound.drop;
      return drop ? mergeEvidence(stepEvidence(drop), b.evidence.slice(0, 1)) : [];
    },
  },
  {
    name: 'forwardRepliesBlocked',
    type: 'boolean',
    description:
      'Replies to the bridge\'s outbound connections (conntrack ESTABLISHED, arriving on the uplink) are certainly dropped at the forward hook while the outbound connections themselves are not: a DROP on the uplink side placed before any RELATED,ESTABLISHED accept',
    example: false,
    compute: (b, env) => repliesBlocked(env, b) !== undefined,
  },
  {
    name: 'forwardRepliesDecision',
    type: 'string',
    description: 'The rule or policy that drops the replies, for messages (empty when they pass)',
    compute: (b, env) => {
      const drop = repliesBlocked(env, b)?.replies.drop;
      return drop ? describeStep(drop) : '';
    },
  },
  {
    name: 'forwardRepliesEvidence',
    type: EVIDENCE_TYPE,
    description: 'The dropping rule with the jumps to it (or the FORWARD policy line), then the bridge',
    compute: (b, env) => {
      const drop = repliesBlocked(env, b)?.replies.drop;
      return drop ? mergeEvidence(stepEvidence(drop), b.evidence.slice(0, 1)) : [];
    },
  },
  {
    name: 'dockerChainProblems',
    type: 'string[]',
    description:
      'For an up Docker bridge (docker0, br-<12 hex>): Docker\'s iptables chains or the jumps to them that are gone (filter DOCKER reached from FORWARD for traffic to the bridge, nat DOCKER reached from PREROUTING, DOCKER-USER / DOCKER-FORWARD / DOCKER-ISOLATION-STAGE-1 reached from FORWARD when they exist); empty otherwise',
    example: ['nat PREROUTING no longer jumps to DOCKER'],
    compute: (b, env) => dockerChains(env, b)?.problems.map((p) => p.text) ?? [],
  },
  {
    name: 'dockerChainSummary',
    type: 'string',
    description: 'Those problems in one sentence',
    compute: (b, env) => (dockerChains(env, b)?.problems ?? []).map((p) => p.text).join('; '),
  },
  {
    name: 'dockerChainEvidence',
    type: EVIDENCE_TYPE,
    description: 'The bridge, then the chain declarations (FORWARD, PREROUTING, orphaned Docker chains) that show what is missing',
    compute: (b, env) => {
      const problems = dockerChains(env, b)?.problems ?? [];
      return problems.length > 0 ? mergeEvidence(b.evidence.slice(0, 1), ...problems.map((p) => p.evidence)) : [];
    },
  },
  {
    name: 'inputFromBridgeDropped',
    type: 'boolean',
    description:
      'The input hook certainly drops new connections from the bridge\'s subnet to the host\'s address on the bridge: to the services listening there or on all addresses (ss -tlnp, and DNS on UDP 53 from ss -ulnp; where UDP sockets were not collected, UDP 53 beside a DNS server on TCP 53), or, without ss, to DNS (UDP and TCP 53), SSH, HTTP and HTTPS all at once',
    example: false,
    compute: (b, env) => droppedInput(env, b) !== undefined,
  },
  {
    name: 'inputDroppedServices',
    type: 'string[]',
    description: 'The host services containers cannot reach: "udp/53", "tcp/22 (sshd)"',
    example: ['tcp/53 (dnsmasq)', 'udp/53'],
    compute: (b, env) => droppedInput(env, b)?.dropped.map(serviceName) ?? [],
  },
  {
    name: 'inputDropSummary',
    type: 'string',
    description: 'The dropped services and what drops them, for messages',
    compute: (b, env) => {
      const c = droppedInput(env, b);
      const drop = c?.dropped[0]?.input.drop;
      if (!c || !drop) return '';
      const services = c.blanket ? `every new connection (${summarise(c.dropped.map(serviceName), 5)} probed)` : summarise(c.dropped.map(serviceName), 4);
      return `${services} to ${b.name}'s address ${c.dropped.length === 1 ? 'is' : 'are'} dropped by ${describeStep(drop)}`;
    },
  },
  {
    name: 'inputDropEvidence',
    type: EVIDENCE_TYPE,
    description: 'The INPUT policy line or dropping rule, then the listening sockets (ss) that containers cannot reach',
    compute: (b, env) => {
      const c = droppedInput(env, b);
      const drop = c?.dropped[0]?.input.drop;
      return c && drop ? mergeEvidence(stepEvidence(drop), listenerEvidence(env, c), b.evidence.slice(0, 1)) : [];
    },
  },
]);

export const netfilterBridgeModule: FactModule<Bridge> = { facts };
