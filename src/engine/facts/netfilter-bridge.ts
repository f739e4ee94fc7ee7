/**
 * Netfilter facts about bridges (subject kind `bridge`, enumerated by bridge.ts): does filter FORWARD
 * let the bridge's traffic out and its replies back, are Docker's chains in place for a Docker bridge,
 * can containers reach services of the host. The analyses live in src/analysis/netfilter.
 */
import {
  bridgeSubnets,
  checkBridgeForwarding,
  checkDockerChains,
  checkInputFromBridge,
  type BridgeForwardCheck,
  type DockerChainsCheck,
  type InputCheck,
} from '../../analysis/netfilter/index.js';
import { decisionEvidence, describeDecision } from '../../analysis/evidence.js';
import { isDockerBridgeName, uplinkInterface } from '../../analysis/topology.js';
import { sourceUsable } from '../../model/sources.js';
import type { Bridge, Evidence } from '../../model/types.js';
import { mergeEvidence, summarise } from './lib/evidence.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

/** The table Docker's nftables firewall backend keeps its bridge networks' rules in. */
const DOCKER_NFT_TABLE = 'docker-bridges';

const KEY = 'netfilter-bridge:';

/** Routed traffic crosses the bridge: it has ports, an address, and the uplink is another interface. */
function routesEgress(env: FactEnv, bridge: Bridge, family: 4 | 6): boolean {
  if (bridge.ports.length === 0) return false;
  const uplink = uplinkInterface(env.namespace, family);
  return uplink !== undefined && uplink !== bridge.name;
}

function forwardChecks(env: FactEnv, bridge: Bridge): BridgeForwardCheck[] {
  return env.cache.perNamespace(env.namespace, `${KEY}forward:${bridge.name}`, () =>
    bridgeSubnets(bridge)
      .filter((s) => routesEgress(env, bridge, s.family))
      .map((s) => checkBridgeForwarding(env.namespace, s))
      .filter((c): c is BridgeForwardCheck => c !== undefined),
  );
}

function blocked(env: FactEnv, bridge: Bridge): BridgeForwardCheck | undefined {
  return forwardChecks(env, bridge).find((c) => c.outboundBlocked);
}

function repliesBlocked(env: FactEnv, bridge: Bridge): BridgeForwardCheck | undefined {
  return forwardChecks(env, bridge).find((c) => c.repliesBlocked);
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

function inputChecks(env: FactEnv, bridge: Bridge): InputCheck[] {
  return env.cache.perNamespace(env.namespace, `${KEY}input:${bridge.name}`, () => {
    if (bridge.ports.length === 0) return [];
    const listeners = sourceUsable(env.namespace.sources.get('ss-tlnp')) ? env.namespace.listeners : undefined;
    return bridgeSubnets(bridge)
      .map((s) => checkInputFromBridge(env.namespace, s, listeners))
      .filter((c): c is InputCheck => c !== undefined && c.hostAddress !== undefined);
  });
}

function droppedInput(env: FactEnv, bridge: Bridge): InputCheck | undefined {
  return inputChecks(env, bridge).find((c) => c.dropped.length > 0);
}

function serviceName(p: InputCheck['dropped'][number]): string {
  if (!p.protocol) return 'every new connection';
  const process = p.listener?.processes[0]?.name;
  return `${p.protocol}/${p.port}${process ? ` (${process})` : ''}`;
}

function listenerEvidence(env: FactEnv, check: InputCheck): Evidence[] {
  const label = env.namespace.sources.get('ss-tlnp')?.label ?? 'ss-tlnp';
  return check.dropped.flatMap((p) => (p.listener ? [{ source: label, line: p.listener.line, text: p.listener.text }] : [])).slice(0, 3);
}

const facts = defineFacts<Bridge>('bridge', [
  {
    name: 'routedEgress',
    type: 'boolean',
    description: 'The bridge has ports and an address, and the IPv4 (or IPv6) default route leaves through another interface: its traffic is routed out through the uplink',
    example: true,
    compute: (b, env) => forwardChecks(env, b).length > 0,
  },
  {
    name: 'forwardOutboundBlocked',
    type: 'boolean',
    description:
      'filter FORWARD certainly drops a new connection from the bridge\'s subnet to the internet through the uplink, by its DROP policy or by a DROP/REJECT rule that does not single out this bridge (Docker --internal isolation rules naming the bridge do not count)',
    example: false,
    compute: (b, env) => blocked(env, b) !== undefined,
  },
  {
    name: 'forwardOutboundDecision',
    type: 'string',
    description: 'What decides the bridge\'s outbound traffic in filter FORWARD, for messages (empty when not blocked)',
    example: 'the DROP policy of filter/FORWARD (1,234 packets so far)',
    compute: (b, env) => {
      const c = blocked(env, b);
      return c ? describeDecision(c.outbound.decision) : '';
    },
  },
  {
    name: 'forwardOutboundEvidence',
    type: EVIDENCE_TYPE,
    description: 'The FORWARD policy line or the dropping rule (with the jumps to it), then the bridge',
    compute: (b, env) => {
      const c = blocked(env, b);
      return c ? mergeEvidence(decisionEvidence(c.outbound.decision), b.evidence.slice(0, 1)) : [];
    },
  },
  {
    name: 'forwardRepliesBlocked',
    type: 'boolean',
    description:
      'Replies to the bridge\'s outbound connections (conntrack ESTABLISHED, arriving on the uplink) are certainly dropped in filter FORWARD while the outbound connections themselves are not: a DROP on the uplink side placed before any RELATED,ESTABLISHED accept',
    example: false,
    compute: (b, env) => repliesBlocked(env, b) !== undefined,
  },
  {
    name: 'forwardRepliesDecision',
    type: 'string',
    description: 'The rule or policy that drops the replies, for messages (empty when they pass)',
    compute: (b, env) => {
      const c = repliesBlocked(env, b);
      return c ? describeDecision(c.replies.decision) : '';
    },
  },
  {
    name: 'forwardRepliesEvidence',
    type: EVIDENCE_TYPE,
    description: 'The dropping rule with the jumps to it (or the FORWARD policy line), then the bridge',
    compute: (b, env) => {
      const c = repliesBlocked(env, b);
      return c ? mergeEvidence(decisionEvidence(c.replies.decision), b.evidence.slice(0, 1)) : [];
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
      'filter INPUT certainly drops new connections from the bridge\'s subnet to the host: to the services listening on the bridge address or on all addresses (ss -tlnp; UDP 53 beside a DNS server on TCP 53), or, without ss, to anything at all',
    example: false,
    compute: (b, env) => droppedInput(env, b) !== undefined,
  },
  {
    name: 'inputDroppedServices',
    type: 'string[]',
    description: 'The host services containers cannot reach: "udp/53", "tcp/22 (sshd)", or "every new connection" without ss',
    example: ['tcp/53 (dnsmasq)', 'udp/53'],
    compute: (b, env) => droppedInput(env, b)?.dropped.map(serviceName) ?? [],
  },
  {
    name: 'inputDropSummary',
    type: 'string',
    description: 'The dropped services and what drops them, for messages',
    compute: (b, env) => {
      const c = droppedInput(env, b);
      const first = c?.dropped[0];
      if (!c || !first) return '';
      return `${summarise(c.dropped.map(serviceName), 4)} to ${c.hostAddress ? `${b.name}'s address` : 'the host'} ${c.dropped.length === 1 ? 'is' : 'are'} dropped by ${describeDecision(first.walk.decision)}`;
    },
  },
  {
    name: 'inputDropEvidence',
    type: EVIDENCE_TYPE,
    description: 'The INPUT policy line or dropping rule, then the listening sockets (ss) that containers cannot reach',
    compute: (b, env) => {
      const c = droppedInput(env, b);
      const first = c?.dropped[0];
      return c && first ? mergeEvidence(decisionEvidence(first.walk.decision), listenerEvidence(env, c), b.evidence.slice(0, 1)) : [];
    },
  },
]);

export const netfilterBridgeModule: FactModule<Bridge> = { facts };
