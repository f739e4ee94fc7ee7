/**
 * What the packet-path engine says of a bridge subnet's everyday traffic, computed once per subnet for the
 * bridge and bridge-subnet facts: does the forward hook let a container's connection out and its replies
 * back, does the postrouting hook source-NAT it, does the input hook let it reach the host's services.
 * Every ruleset of the namespace answers (iptables-legacy, iptables-nft, native nftables), by priority.
 */
import {
  bridgeFlow,
  containerAddress,
  hostServiceAtInput,
  outboundAt,
  replyAtForward,
  type BridgeFlow,
} from '../../../analysis/path/bridge-paths.js';
import { acceptedElsewhere, type HookAnswer } from '../../../analysis/path/hook-question.js';
import { iptablesDecisionOf } from '../../../analysis/path/netfilter-stage.js';
import { packetClass } from '../../../analysis/path/packet.js';
import type { TraceStep } from '../../../analysis/path/types.js';
import { ruleNamesBridge, sourceNatNearMisses, type BridgeSubnet } from '../../../analysis/netfilter/index.js';
import type { Tri } from '../../../analysis/netfilter/tri.js';
import { parseCidr } from '../../../model/net.js';
import { sourceUsable } from '../../../model/sources.js';
import type { NfRule } from '../../../model/types.js';
import type { SsListener } from '../../../parse/types.js';
import type { FactEnv } from '../registry.js';
import { pathEngineOf } from './path-engine.js';
import { wildcardFamilies } from '../../../analysis/listener-families.js';

const KEY = 'bridge-flows:';

export interface ForwardAnswer {
  flow: BridgeFlow;
  outbound: HookAnswer;
  replies: HookAnswer;
  /** The outbound connection is certainly dropped, by a policy or a rule that does not single out this bridge. */
  outboundBlocked: boolean;
  /** Dropped on purpose by a rule naming the bridge or its subnet (Docker --internal networks, isolation). */
  outboundIsolated: boolean;
  /** Replies are certainly dropped while the outbound connection is not (and no other ruleset accepts them). */
  repliesBlocked: boolean;
  /** One ruleset's chain accepts the connection (or its replies) by a rule, and another ruleset's chain at the same hook drops it. */
  overridden?: Override;
}

export interface Override {
  leg: 'outbound' | 'replies';
  drop: TraceStep;
  accept: TraceStep;
}

function overrideOf(leg: Override['leg'], answer: HookAnswer): Override | undefined {
  const accept = answer.drop ? acceptedElsewhere(answer, answer.drop) : undefined;
  return answer.drop && accept ? { leg, drop: answer.drop, accept } : undefined;
}

function subnetKey(s: BridgeSubnet): string {
  return `${s.bridge.name}:${s.subnet}`;
}

function flowOf(env: FactEnv, s: BridgeSubnet): BridgeFlow | undefined {
  return env.cache.perNamespace(env.namespace, `${KEY}flow:${subnetKey(s)}`, () => bridgeFlow(pathEngineOf(env), env.namespace, s));
}

/** Does the dropping step single out this bridge: an iptables rule by -i/-o/-s/-d, an nft rule by name or subnet? */
function namesBridge(step: TraceStep, s: BridgeSubnet): boolean {
  const rule = iptablesDecisionOf(step)?.rule;
  if (rule) return ruleNamesBridge(rule, s);
  if (step.rule?.startsWith('policy ')) return false;
  return step.note.includes(`"${s.bridge.name}"`) || step.note.includes(s.subnet);
}

export function forwardAnswer(env: FactEnv, s: BridgeSubnet): ForwardAnswer | undefined {
  return env.cache.perNamespace(env.namespace, `${KEY}forward:${subnetKey(s)}`, () => {
    const flow = flowOf(env, s);
    if (!flow) return undefined;
    const engine = pathEngineOf(env);
    const outbound = outboundAt(engine, env.namespace, flow, 'forward');
    const replies = replyAtForward(engine, env.namespace, flow);
    const isolated = outbound.drop !== undefined && namesBridge(outbound.drop, s);
    const overridden = isolated ? undefined : (overrideOf('outbound', outbound) ?? (outbound.drop ? undefined : overrideOf('replies', replies)));
    const answer: ForwardAnswer = {
      flow,
      outbound,
      replies,
      outboundBlocked: outbound.drop !== undefined && !isolated && overridden === undefined,
      outboundIsolated: isolated,
      repliesBlocked: outbound.drop === undefined && replies.drop !== undefined && overridden === undefined,
    };
    if (overridden) answer.overridden = overridden;
    return answer;
  });
}

export interface NatAnswer {
  postrouting: HookAnswer;
  covered: Tri;
  /** The step whose verdict the message names: the iptables nat POSTROUTING chain's, else the hook's last. */
  decisive?: TraceStep;
  /** Source-NAT rules that name the bridge or its subnet but do not apply to its outbound connection. */
  nearMisses: NfRule[];
}

/** Does the postrouting hook source-NAT the subnet's outbound connection? Undefined when it is not routed out. */
export function natAnswer(env: FactEnv, s: BridgeSubnet): NatAnswer | undefined {
  return env.cache.perNamespace(env.namespace, `${KEY}nat:${subnetKey(s)}`, () => {
    const flow = flowOf(env, s);
    if (!flow) return undefined;
    const postrouting = outboundAt(pathEngineOf(env), env.namespace, flow, 'postrouting');
    const natKind = postrouting.nat?.kind;
    let covered: Tri = 'maybe';
    if (natKind === 'snat' || natKind === 'masquerade') covered = 'yes';
    else if (postrouting.certain && postrouting.drop === undefined) covered = 'no';
    const answer: NatAnswer = { postrouting, covered, nearMisses: [] };
    const decisive = [...postrouting.steps].reverse().find((step) => step.table?.endsWith(' nat') && iptablesDecisionOf(step)) ?? postrouting.steps.at(-1);
    if (decisive) answer.decisive = decisive;
    const ruleset = s.family === 4 ? env.namespace.netfilter.ipv4 : env.namespace.netfilter.ipv6;
    if (covered === 'no' && ruleset) {
      const cls = packetClass(postrouting.packet, { in: s.bridge.name, out: flow.uplink, srcLocal: false, dstLocal: false, connection: { state: 'NEW', direction: 'ORIGINAL', dnat: false, snat: false } });
      answer.nearMisses = sourceNatNearMisses(ruleset, cls, s);
    }
    return answer;
  });
}

export interface HostServiceProbe {
  protocol: 'tcp' | 'udp';
  port: number;
  /**
   * The listener the probe is for: a TCP one (ss-tlnp), or for UDP 53 the DNS server's UDP socket (ss-ulnp).
   * Absent for the probes without ss, and for UDP 53 where UDP sockets were not collected (a DNS server on TCP 53 stands for it).
   */
  listener?: SsListener;
  input: HookAnswer;
}

export interface InputAnswer {
  /** The bridge's own address in the subnet: where containers reach the host. */
  hostAddress: bigint;
  probes: HostServiceProbe[];
  dropped: HostServiceProbe[];
  /** ss was not collected: the probes are the services containers most need (DNS, SSH, HTTP, HTTPS). */
  blanket: boolean;
}

const DNS_PORT = 53;
/** Without ss: DNS over both protocols, SSH, HTTP and HTTPS. All dropped means the host is closed to the bridge. */
const BLANKET_PROBES: readonly { protocol: 'tcp' | 'udp'; port: number }[] = [
  { protocol: 'udp', port: DNS_PORT },
  { protocol: 'tcp', port: DNS_PORT },
  { protocol: 'tcp', port: 22 },
  { protocol: 'tcp', port: 80 },
  { protocol: 'tcp', port: 443 },
];

/**
 * New connections from the subnet to the host's services on the bridge address: DNS over UDP where a UDP socket
 * listens on port 53 there or on every address (ss -ulnp), then the TCP services listening there. Where the UDP
 * sockets were not collected, a DNS server on TCP 53 stands for its UDP twin (RFC 7766: a DNS server serves both),
 * as container-dns-unreachable's loopback check does. Without ss, the blanket probes, of which all must be dropped.
 */
export function inputAnswer(env: FactEnv, s: BridgeSubnet, listeners: readonly SsListener[] | undefined): InputAnswer | undefined {
  return env.cache.perNamespace(env.namespace, `${KEY}input:${subnetKey(s)}`, () => {
    if (s.bridge.ports.length === 0) return undefined;
    const own = s.bridge.interface?.addresses.find((a) => a.family === s.family && a.network === s.subnet);
    const hostAddress = own ? parseCidr(own.address)?.network : undefined;
    if (hostAddress === undefined || containerAddress(pathEngineOf(env).view(env.namespace), s, pathEngineOf(env)) === undefined) return undefined;
    const probes: HostServiceProbe[] = [];
    const seen = new Set<string>();
    const probe = (protocol: 'tcp' | 'udp', port: number, listener?: SsListener): void => {
      const key = `${protocol}/${port}`;
      if (seen.has(key)) return;
      seen.add(key);
      const input = hostServiceAtInput(pathEngineOf(env), env.namespace, s, hostAddress, protocol, port);
      if (!input) return;
      const entry: HostServiceProbe = { protocol, port, input };
      if (listener) entry.listener = listener;
      probes.push(entry);
    };
    if (listeners === undefined) for (const p of BLANKET_PROBES) probe(p.protocol, p.port);
    else {
      const udpListeners = sourceUsable(env.namespace.sources.get('ss-ulnp')) ? env.namespace.udpListeners : undefined;
      const reachable = (l: SsListener): boolean => reachableFromBridge(l, s, own?.address);
      const dns = udpListeners?.find((l) => l.localPort === DNS_PORT && reachable(l));
      if (dns) probe('udp', DNS_PORT, dns);
      for (const l of listeners) {
        if (!reachable(l)) continue;
        probe('tcp', l.localPort, l);
        if (udpListeners === undefined && l.localPort === DNS_PORT) probe('udp', DNS_PORT);
      }
    }
    const droppedProbes = probes.filter((p) => p.input.drop !== undefined);
    const blanket = listeners === undefined;
    const dropped = blanket && droppedProbes.length < probes.length ? [] : droppedProbes;
    return { hostAddress, probes, dropped, blanket };
  });
}

/** Bound to every address (of the family), or to the bridge's own address, and not to one interface only. */
function reachableFromBridge(listener: SsListener, s: BridgeSubnet, bridgeAddress: string | undefined): boolean {
  if (listener.localInterface && listener.localInterface !== s.bridge.name) return false;
  if (listener.localAddress === bridgeAddress) return true;
  return wildcardFamilies(listener)?.includes(s.family) ?? false;
}
