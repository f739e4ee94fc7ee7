/**
 * A published port that the host's INPUT firewall looks to close, yet is open to the world: connections to
 * a published port are destination-NATed in PREROUTING and then cross FORWARD towards the container, never
 * INPUT, so ufw's "deny incoming", firewalld's default zone or a hand-written `-P INPUT DROP` do not apply
 * to them (the most discussed Docker complaint). Two questions to the packet-path engine, with the same
 * outside client arriving on the uplink and the same host address and port:
 *  - the input hook, for a new connection no DNAT takes (what the owner's INPUT rules say of the port): it
 *    must be dropped by the chain's policy or by a rule that drops it whatever its source (a blocklist
 *    naming some sources is not a closed port);
 *  - the whole request, as the kernel runs it: the port's DNAT applies in PREROUTING, and the host lets the
 *    translated connection through the forward and postrouting hooks with every step decided (a container
 *    namespace that was not collected leaves its end open; a drop anywhere means nothing is exposed).
 * Only ports published to a container of this host count: a DNAT to another machine is a port forward; and a
 * port forward of the very firewall that closes INPUT (firewalld's forward-port) is meant to be open.
 */
import type { Namespace } from '../../model/types.js';
import type { Evidence } from '../../parse/common.js';
import { isExternallyReachable } from '../netfilter/port-checks.js';
import type { PublishedPort } from '../netfilter/published-ports.js';
import { uplinkInterface } from '../topology.js';
import { outsideDestination } from './bridge-paths.js';
import type { PathEngine } from './engine.js';
import { askHook } from './hook-question.js';
import { decisionRules, iptablesDecisionOf } from './netfilter-stage.js';
import { nftDecidingRule } from './nft-stage.js';
import type { Leg, Packet, Stage, TraceStep } from './types.js';

const CLIENT_PORT = 40000;

/** The host's own stages: a step here that is undecided leaves the exposure unknown. */
const HOST_STAGES: ReadonlySet<Stage> = new Set(['ingress', 'prerouting', 'conntrack', 'routing', 'sysctl', 'forward', 'postrouting']);

export interface PortExposure {
  /** The interface connections from outside arrive on, the host address they ask for, and the outside client. */
  uplink: string;
  hostAddress: bigint;
  client: bigint;
  packet: Packet;
  /** The input hook's step that drops a new connection to the port that no DNAT takes: the owner's "closed". */
  closedBy: TraceStep;
  /** The real connection: its DNAT step, and the step of the forward hook that accepts it by a rule (if any does). */
  request: Leg;
  dnat: TraceStep;
  acceptedBy?: TraceStep;
}

/** The host address a connection from outside asks for: the DNAT's own (-d) when the uplink holds it, else the uplink's first address. */
function uplinkAddress(engine: PathEngine, ns: Namespace, port: PublishedPort, uplink: string): bigint | undefined {
  const view = engine.view(ns);
  const iface = view.interface(uplink);
  if (port.hostAddress) {
    const own = view.ownAddress(port.family, port.hostAddress.network);
    // Published on another interface's address (a LAN-only address, docker0's): not on the uplink.
    return own && iface?.addresses.includes(own) ? port.hostAddress.network : undefined;
  }
  return view.sourceFor(port.family, uplink, undefined);
}

/**
 * Does the dropping step close the port to anyone: a chain policy, or a rule (and the jumps to it) naming no
 * source it applies to? A rule with `-s 203.0.113.0/24` (or nft `ip saddr 203.0.113.0/24`) is a blocklist.
 */
export function closesToAnyone(step: TraceStep): boolean {
  if (step.rule?.startsWith('policy ')) return true;
  const decision = iptablesDecisionOf(step);
  if (decision) {
    if (decision.by === 'policy') return true;
    return decisionRules(decision).every((r) => !(r.source && !r.source.negated) && !r.matches.some((m) => m.options.some((o) => !o.negated && (o.name === 'src-range' || o.name === 'match-set'))));
  }
  const rule = nftDecidingRule(step);
  return rule !== undefined && !/\bsaddr (?!!=)/.test(rule.text);
}

/** The port as an outside client on the uplink reaches it, when INPUT closes it and the host forwards it anyway. */
export function portExposure(engine: PathEngine, ns: Namespace, port: PublishedPort): PortExposure | undefined {
  if (!port.dnat || !isExternallyReachable(port) || !port.hostPorts) return undefined;
  const protocol = port.protocol === undefined || port.protocol === 'tcp' ? 'tcp' : port.protocol === 'udp' ? 'udp' : undefined;
  const uplink = uplinkInterface(ns, port.family);
  if (!protocol || uplink === undefined || !onThisHost(engine, port)) return undefined;
  const view = engine.view(ns);
  const hostAddress = uplinkAddress(engine, ns, port, uplink);
  const outside = outsideDestination(view, port.family, 'lo');
  if (hostAddress === undefined || !outside || outside.dev !== uplink) return undefined;
  const packet: Packet = { family: port.family, src: outside.address, dst: hostAddress, protocol, sport: CLIENT_PORT, dport: port.hostPorts.from, mark: 0 };

  const input = askHook(view, 'input', packet, { in: uplink, srcLocal: false, dstLocal: true, connection: { state: 'NEW', direction: 'ORIGINAL', dnat: false, snat: false } }, true);
  const closedBy = input.drop;
  if (!closedBy || !closesToAnyone(closedBy) || sameManager(port, closedBy)) return undefined;

  const request = engine.connection().walk({ namespace: ns.name, iface: uplink }, packet, 'ORIGINAL', undefined);
  if (request.verdict === 'dropped') return undefined;
  const here = request.steps.filter((s) => s.namespace === ns.name);
  const dnat = here.find((s) => s.stage === 'prerouting' && s.verdict === 'dnat');
  if (!dnat || !dnat.evidence.some((e) => sameLine(e, port.dnat!.evidence))) return undefined;
  if (!here.some((s) => s.stage === 'forward')) return undefined;
  if (here.some((s) => HOST_STAGES.has(s.stage) && (s.verdict === 'maybe' || s.verdict === 'drop' || s.verdict === 'refused'))) return undefined;
  const exposure: PortExposure = { uplink, hostAddress, client: outside.address, packet, closedBy, request, dnat };
  const acceptedBy = here.find((s) => s.stage === 'forward' && s.verdict === 'accept' && s.rule !== undefined && !s.rule.startsWith('policy '));
  if (acceptedBy) exposure.acceptedBy = acceptedBy;
  return exposure;
}

/**
 * The DNAT sends the connection to a container of this host: an address of one of its bridge subnets, or one
 * a collected namespace holds. A DNAT to elsewhere (a pod on another node, a server on the LAN) is a port
 * forward through the host, not a port of its own that INPUT would be expected to close.
 */
function onThisHost(engine: PathEngine, port: PublishedPort): boolean {
  if (port.bridge) return true;
  const target = port.target.address;
  return engine.host.namespaces.some((ns) => ns !== engine.host.host && engine.view(ns).ownAddress(target.family, target.network) !== undefined);
}

/** firewalld's iptables backend: the zone chains of nat PREROUTING that hold its forward ports. */
const FIREWALLD_NAT_CHAIN = /^(PREROUTING_ZONES|PRE_\w+?(_allow|_deny|_log|_pre|_post)?)$/;

/**
 * The port forward is the firewall's own: the DNAT sits in the native nftables table whose rule closes INPUT
 * (firewalld's forward-port, in `inet firewalld`), or in firewalld's zone chains of its iptables backend. The
 * owner configured both in one place: it is meant to be open.
 */
function sameManager(port: PublishedPort, closedBy: TraceStep): boolean {
  const dnat = port.dnat;
  if (!dnat) return false;
  if (dnat.table.startsWith('nftables ') && dnat.table === closedBy.table) return true;
  return [dnat, ...port.via].some((r) => !r.table.startsWith('nftables ') && FIREWALLD_NAT_CHAIN.test(r.chain));
}

function sameLine(a: Evidence, b: Evidence): boolean {
  return a.source === b.source && a.line === b.line;
}
