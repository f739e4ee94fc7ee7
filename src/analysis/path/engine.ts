/**
 * The packet-path engine: where a packet goes through the collected host, and where and why it dies.
 *
 * A leg starts as a packet sent by a namespace (OUTPUT path) or arriving on an interface (PREROUTING path)
 * and follows the kernel: netfilter hooks by priority, the routing decision (policy rules, tables), the
 * forwarding, rp_filter and route_localnet sysctls, the FORWARD or INPUT hooks, POSTROUTING with its source
 * NAT, then the output device: a veth carries it into its peer namespace, a bridge to the port whose peer
 * holds the next hop (or up to the bridge's own stack), any other device out of the snapshot after its
 * neighbour entry is checked. Conntrack is per namespace: the request records each namespace's NAT, the
 * reply is derived from the delivered request and walked back with that NAT reversed.
 */
import { formatAddress, parseAddress } from '../../model/net.js';
import type { BridgePort, Interface, Namespace, Host } from '../../model/types.js';
import type { Evidence } from '../../parse/common.js';
import type { SsListener } from '../../parse/types.js';
import { sourceUsable } from '../../model/sources.js';
import { isPrivateCidr } from '../netfilter/addresses.js';
import { bridgeCallsNetfilter, bridgedFrame } from './bridged-frames.js';
import { lookupError, type FibDecision } from './fib.js';
import { NamespaceView } from './namespace-view.js';
import { runHook, type HookOutcome, type NatAction } from './netfilter-stage.js';
import { describePacket, formatEndpoint, type ChainContext, type ConnectionView } from './packet.js';
import type { Leg, Packet, Stage, StepVerdict, TraceStep, TraceVerdict } from './types.js';

/** Namespaces a packet may cross before the walk gives up (a routing loop between namespaces). */
const MAX_HOPS = 32;

/** What one namespace's conntrack recorded of the connection. */
interface NatRecord {
  seen: boolean;
  /** Destination NAT: the original destination and the one it became. */
  dnat?: { dst: bigint; dport?: number };
  /** The lines of the rule that made the destination NAT: a reply that misses its reversal quotes them. */
  dnatEvidence?: Evidence[];
  /** Source NAT: the original source. */
  snat?: { src: bigint; sport?: number };
  /**
   * The source-NAT chains (nat POSTROUTING, or nat INPUT for a local delivery) ran for the connection: the
   * kernel consults each kind of NAT chain once per connection (a DNAT in PREROUTING does not stop
   * POSTROUTING's MASQUERADE of the same connection: the hairpin MASQUERADE is exactly that).
   */
  srcNatRan?: boolean;
}

type Direction = 'ORIGINAL' | 'REPLY';

/** The request's destination as its sender addressed it: the reply must come from there, or the sender drops it. */
export interface ReplyPeer {
  address: bigint;
  port?: number;
}

/** Where a leg ends when it is a reply: back at the sender, or out of the interface the request came in by. */
export type LegGoal = { namespace: string; address: bigint; peer?: ReplyPeer } | { namespace: string; interface: string; peer?: ReplyPeer } | undefined;

type Next =
  | { kind: 'transmit'; view: NamespaceView; dev: string; nexthop: bigint; from?: string }
  | { kind: 'arrive'; view: NamespaceView; iface: string; nexthop: bigint }
  | { kind: 'end'; verdict: TraceVerdict; reason: string; view: NamespaceView; leftThrough?: string; leftSnapshot?: boolean };

export class PathEngine {
  private readonly views = new Map<string, NamespaceView>();

  constructor(readonly host: Host) {}

  view(ns: Namespace): NamespaceView {
    let view = this.views.get(ns.name);
    if (!view) {
      view = new NamespaceView(ns);
      this.views.set(ns.name, view);
    }
    return view;
  }

  viewByName(name: string): NamespaceView | undefined {
    const ns = this.host.namespaceByName.get(name);
    return ns ? this.view(ns) : undefined;
  }

  /** A fresh walk for one connection: conntrack state lives as long as the walker. */
  connection(): ConnectionWalk {
    return new ConnectionWalk(this);
  }
}

export class ConnectionWalk {
  private readonly conntrack = new Map<string, NatRecord>();

  constructor(private readonly engine: PathEngine) {}

  /** Walk one packet from its start until it is delivered, leaves the snapshot or dies. */
  walk(start: { namespace: string; iface?: string; nexthop?: bigint }, packet: Packet, direction: Direction, goal: LegGoal): Leg {
    const leg = new LegWalk(this.engine, this.conntrack, direction, goal, { ...packet });
    return leg.run(start);
  }
}

class LegWalk {
  private readonly steps: TraceStep[] = [];
  private firstMaybe: TraceStep | undefined;
  private sent: Packet;
  /** The last route chosen, with its namespace: a packet leaving the snapshot left by it. */
  private lastRoute: { namespace: string; dst: string } | undefined;
  /**
   * A frame a bridge passed up to its namespace's stack, and through which port: when PREROUTING rewrites its
   * destination and br_netfilter handles the bridge, the kernel bridges the translated frame (hairpin.ts).
   */
  private upFrom: { namespace: string; bridge: string; port: Interface; rewritten: boolean } | undefined;

  constructor(
    private readonly engine: PathEngine,
    private readonly conntrack: Map<string, NatRecord>,
    private readonly direction: Direction,
    private readonly goal: LegGoal,
    private packet: Packet,
  ) {
    this.sent = { ...packet };
  }

  run(start: { namespace: string; iface?: string; nexthop?: bigint }): Leg {
    const first = this.engine.viewByName(start.namespace);
    if (!first) return this.finish({ kind: 'end', verdict: 'unknown', reason: `namespace ${start.namespace} was not collected`, view: this.placeholder(start.namespace) });
    let next: Next =
      start.iface === undefined ? this.originate(first) : { kind: 'arrive', view: first, iface: start.iface, nexthop: start.nexthop ?? this.packet.dst };
    for (let hops = 0; hops < MAX_HOPS; hops++) {
      if (next.kind === 'end') return this.finish(next);
      next = next.kind === 'transmit' ? this.transmit(next.view, next.dev, next.nexthop) : this.arrive(next.view, next.iface, next.nexthop);
    }
    return this.finish({ kind: 'end', verdict: 'unknown', reason: `the packet crossed ${MAX_HOPS} namespaces: a loop between them`, view: first });
  }

  /* ---------- the paths through one namespace ---------- */

  /** A packet this namespace sends: route, OUTPUT, POSTROUTING. */
  private originate(view: NamespaceView): Next {
    let decision = this.route(view, 'lo');
    if (decision.outcome !== 'route') return this.routeFailed(view, decision);
    if (this.packet.src === 0n || this.packet.src === undefined) {
      const src = view.sourceFor(this.packet.family, decision.route.dev ?? decision.route.nexthops[0]?.dev, decision.route.prefsrc);
      if (src === undefined) return this.end(view, 'unknown', `namespace ${view.name} has no address to send from`);
      this.packet.src = src;
    }
    this.sent = { ...this.packet };
    const nat = this.record(view);
    const isNew = !nat.seen && this.direction === 'ORIGINAL';
    nat.seen = true;
    let out = decision.route.type === 'local' ? 'lo' : (decision.route.dev ?? decision.route.nexthops[0]?.dev);
    const output = runHook(view, 'output', this.packet, this.context(view, undefined, out, nat), isNew);
    if (this.absorb(output, view, nat, undefined)) return this.end(view, 'dropped', this.lastNote());
    if (output.nat || output.markChanged) {
      // A destination or mark rewritten in OUTPUT is routed again (ip_route_me_harder).
      decision = this.route(view, 'lo');
      if (decision.outcome !== 'route') return this.routeFailed(view, decision);
      out = decision.route.type === 'local' ? 'lo' : (decision.route.dev ?? decision.route.nexthops[0]?.dev);
    }
    if (decision.route.type === 'local') return this.deliver(view, 'lo', nat);
    if (decision.route.type !== 'unicast') return this.end(view, 'unknown', `a ${decision.route.type} route: the engine follows unicast traffic only`);
    if (out !== undefined && !this.loopbackSourceRoutable(view, out, output.nat !== undefined)) return this.end(view, this.steps.at(-1)?.verdict === 'maybe' ? 'unknown' : 'dropped', this.lastNote());
    return this.postrouting(view, undefined, out, decision, nat);
  }

  /** A packet arriving on `iface`: PREROUTING, routing, then INPUT or FORWARD and POSTROUTING. */
  private receive(view: NamespaceView, iface: Interface): Next {
    const nat = this.record(view);
    const isNew = !nat.seen && this.direction === 'ORIGINAL';
    nat.seen = true;
    const addressedTo = this.packet.dst;
    const prerouting = runHook(view, 'prerouting', this.packet, this.context(view, iface.name, undefined, nat), isNew);
    if (this.absorb(prerouting, view, nat, iface.name)) return this.end(view, 'dropped', this.lastNote());
    if (this.direction === 'REPLY' && nat.snat) this.unSnat(view, nat);
    const up = this.upFrom;
    if (up && up.namespace === view.name && up.bridge === iface.name && this.packet.dst !== addressedTo) up.rewritten = true;

    if (this.packet.family === 4 && (isLoopbackV4(this.packet.dst) || isLoopbackV4(this.packet.src))) {
      const which = isLoopbackV4(this.packet.dst) ? `destination ${formatAddress(4, this.packet.dst)}` : `source ${formatAddress(4, this.packet.src)}`;
      const localnet = view.sysctlNumber(`net.ipv4.conf.${iface.name}.route_localnet`);
      const all = view.sysctlNumber('net.ipv4.conf.all.route_localnet');
      if (localnet.value !== 1 && all.value !== 1) {
        this.step(view, 'sysctl', localnet.value === undefined && all.value === undefined ? 'maybe' : 'drop',
          `${which} is a loopback address arriving on ${iface.name}, which the kernel drops as martian unless route_localnet is 1`, [...localnet.evidence, ...all.evidence]);
        if (localnet.value !== undefined || all.value !== undefined) return this.end(view, 'dropped', this.lastNote());
      }
    }

    const decision = this.route(view, iface.name);
    if (decision.outcome !== 'route') return this.routeFailed(view, decision);
    if (!this.reversePathOk(view, iface)) return this.end(view, this.firstMaybe === this.steps.at(-1) ? 'unknown' : 'dropped', this.lastNote());
    if (decision.route.type === 'local') return this.deliver(view, iface.name, nat);
    if (decision.route.type !== 'unicast') return this.end(view, 'unknown', `a ${decision.route.type} route: the engine follows unicast traffic only`);

    const out = decision.route.dev ?? decision.route.nexthops[0]?.dev;
    if (!this.forwardingEnabled(view, iface)) return this.end(view, this.steps.at(-1)?.verdict === 'maybe' ? 'unknown' : 'dropped', this.lastNote());
    const forward = runHook(view, 'forward', this.packet, this.context(view, iface.name, out, nat), isNew);
    if (this.absorb(forward, view, nat, iface.name)) return this.end(view, 'dropped', this.lastNote());
    return this.postrouting(view, iface.name, out, decision, nat);
  }

  private postrouting(view: NamespaceView, inIface: string | undefined, out: string | undefined, decision: FibDecision & { outcome: 'route' }, nat: NatRecord): Next {
    if (out === undefined) return this.end(view, 'unknown', `route ${decision.route.dst} names no output device`);
    const isNew = this.direction === 'ORIGINAL' && !nat.srcNatRan;
    const post = runHook(view, 'postrouting', this.packet, this.context(view, inIface, out, nat), isNew);
    if (isNew) nat.srcNatRan = true;
    if (this.absorb(post, view, nat, out)) return this.end(view, 'dropped', this.lastNote());
    if (this.direction === 'REPLY' && nat.dnat) this.unDnat(view, nat);
    const gateway = decision.route.gateway ?? decision.route.nexthops[0]?.gateway;
    const nexthop = gateway === undefined ? this.packet.dst : parseHost(gateway, this.packet.family);
    if (nexthop === undefined) return this.end(view, 'unknown', `gateway ${gateway} is not an address`);
    return { kind: 'transmit', view, dev: out, nexthop };
  }

  /** INPUT, then the socket: a listener from ss, an ICMP echo, or the sender of a reply. */
  private deliver(view: NamespaceView, iif: string, nat: NatRecord): Next {
    const isNew = this.direction === 'ORIGINAL' && !nat.srcNatRan;
    const input = runHook(view, 'input', this.packet, this.context(view, iif, undefined, nat), isNew);
    if (isNew) nat.srcNatRan = true;
    if (this.absorb(input, view, nat, iif)) return this.end(view, 'dropped', this.lastNote());
    if (this.direction === 'REPLY' && nat.dnat) this.unDnat(view, nat);
    if (this.direction === 'REPLY') return this.replyArrived(view);
    return this.socket(view);
  }

  private socket(view: NamespaceView): Next {
    const p = this.packet;
    if (p.protocol === 'icmp') {
      const key = p.family === 4 ? 'net.ipv4.icmp_echo_ignore_all' : 'net.ipv6.icmp.echo_ignore_all';
      const ignore = view.sysctlNumber(key);
      if (ignore.value === 1) {
        this.step(view, 'local-delivery', 'drop', `${key} = 1: the kernel answers no echo request`, ignore.evidence);
        return this.end(view, 'dropped', this.lastNote());
      }
      this.step(view, 'local-delivery', 'deliver', `delivered to namespace ${view.name}, whose kernel answers the echo request`, []);
      return this.end(view, 'delivered', `delivered to namespace ${view.name}`);
    }
    // TCP from ss -Htlnp, UDP from ss -Hulnp: a socket bound to the address (or every address) and port.
    const udp = p.protocol === 'udp';
    const sourceId = udp ? 'ss-ulnp' : 'ss-tlnp';
    const ss = view.source(sourceId);
    if (!ss || (ss.status !== 'ok' && ss.status !== 'empty') || ss.parseError) {
      const what = udp ? `its UDP sockets were not collected (ss -Hulnp), so whether a program listens on port ${p.dport}` : `its listening sockets were not collected (ss -Htlnp), so whether port ${p.dport} is open`;
      this.step(view, 'local-delivery', 'maybe', `delivered to namespace ${view.name}; ${what} is not known`, []);
      return this.end(view, 'unknown', this.lastNote());
    }
    const listeners = udp ? view.ns.udpListeners : view.ns.listeners;
    const bindv6only = view.sysctlNumber('net.ipv6.bindv6only');
    const onPort = listeners.filter((l) => l.localPort === p.dport).map((l) => ({ l, takes: listensOn(l, p, bindv6only) }));
    const taken = onPort.find((o) => o.takes.accepts);
    if (!taken) {
      // A program bound to another address on the port (127.0.0.1 inside a container), or of the other family.
      const bound = onPort.length > 0 ? `; port ${p.dport} is listened on only at ${onPort.map(({ l, takes }) => `${l.localAddress}:${l.localPort}${takes.note ? ` (${takes.note})` : ''}`).join(', ')}` : '';
      const answer = udp ? 'the kernel answers with ICMP port unreachable' : 'the kernel answers with a reset (connection refused)';
      const evidence = onPort.flatMap(({ l, takes }) => [view.evidence(sourceId, l.line, l.text), ...takes.evidence]);
      this.step(view, 'local-delivery', 'refused', `no socket listens on ${udp ? 'UDP' : 'TCP'} ${formatAddress(p.family, p.dst)}:${p.dport} in namespace ${view.name}${bound}: ${answer}`, dedupe(evidence));
      return this.end(view, 'dropped', this.lastNote());
    }
    const { l: listener, takes } = taken;
    const program = listener.processes[0]?.name;
    // A UDP socket without a process is the kernel's own (VXLAN, WireGuard), or ss ran without root.
    const owner = program ? `${program}, ` : udp ? 'a UDP socket with no process shown, ' : '';
    const assumed = takes.note ? `; ${takes.note}` : '';
    this.step(view, 'local-delivery', 'deliver', `delivered to ${owner}listening on ${listener.localAddress}:${listener.localPort}${assumed}`, [view.evidence(sourceId, listener.line, listener.text), ...takes.evidence]);
    return this.end(view, 'delivered', `delivered to ${program ?? 'a socket'} in namespace ${view.name}`);
  }

  private replyArrived(view: NamespaceView): Next {
    const goal = this.goal;
    if (goal && 'address' in goal && (goal.namespace !== view.name || goal.address !== this.packet.dst)) {
      this.step(view, 'local-delivery', 'maybe', `the reply is delivered in namespace ${view.name}, not to the sender in ${goal.namespace}`, []);
      return this.end(view, 'unknown', this.lastNote());
    }
    if (this.replyFromElsewhere(view)) return this.end(view, 'dropped', this.lastNote());
    this.step(view, 'local-delivery', 'deliver', `the reply reaches the sender in namespace ${view.name}`, []);
    return this.end(view, 'delivered', `the reply reaches the sender in namespace ${view.name}`);
  }

  /**
   * A reply whose source is not the address and port the sender connected to: a destination NAT of the
   * request was not reversed, because the reply did not pass back through the namespace that made it (a
   * hairpin connection without source NAT, a target that routes its replies another way). The sender's
   * socket does not match it: TCP answers a reset, a connected UDP socket or a resolver drops it.
   */
  private replyFromElsewhere(view: NamespaceView): boolean {
    const peer = this.goal?.peer;
    const p = this.packet;
    if (!peer || p.protocol === 'icmp') return false;
    if (p.src === peer.address && (peer.port === undefined || p.sport === peer.port)) return false;
    const got = formatEndpoint(p.family, p.src, p.sport);
    const asked = formatEndpoint(p.family, peer.address, peer.port);
    const nat = [...this.conntrack].find(([, record]) => record.dnat?.dst === peer.address);
    const where = nat ? `the destination NAT of namespace ${nat[0]}` : 'a destination NAT of the request';
    const outcome = p.protocol === 'tcp' ? 'its kernel knows no connection from there and answers with a reset' : 'the socket (or resolver) ignores a reply from an unexpected source';
    this.step(view, 'local-delivery', 'drop', `the reply comes from ${got}, but the sender sent to ${asked}: ${where} was not reversed, because the reply did not pass back through it (no source NAT there made the target answer by that way); ${outcome}`, nat?.[1].dnatEvidence ?? []);
    return true;
  }

  /* ---------- devices between namespaces ---------- */

  private transmit(view: NamespaceView, dev: string, nexthop: bigint): Next {
    const iface = view.interface(dev);
    if (!iface) return this.end(view, 'unknown', `output device ${dev} is not in namespace ${view.name}'s ip link`);
    if (!this.deviceUp(view, iface, 'egress')) return this.end(view, 'dropped', this.lastNote());
    const goal = this.goal;
    if (iface.kind === 'bridge' && goal && 'interface' in goal && goal.namespace === view.name && goal.interface === iface.name) {
      // A reply to a sender that came in through this bridge from outside the collected namespaces.
      if (this.replyFromElsewhere(view)) return this.end(view, 'dropped', this.lastNote());
      this.step(view, 'egress', 'leave', `the reply leaves by ${iface.name}, where the request came in`, [iface.evidence]);
      return this.end(view, 'delivered', `the reply leaves by ${iface.name} towards the sender`, iface.name, true);
    }
    if (iface.kind === 'bridge') return this.bridgeOut(view, iface, nexthop, undefined, this.translatedOnBridge(view, iface));
    if (iface.kind === 'veth') return this.crossVeth(view, iface, nexthop);
    return this.leave(view, iface, nexthop);
  }

  /** A frame arriving on `iface`: up the stack, or through the bridge it is a port of. */
  private arrive(view: NamespaceView, ifaceName: string, nexthop: bigint): Next {
    const iface = view.interface(ifaceName);
    this.upFrom = undefined;
    if (!iface) return this.end(view, 'unknown', `interface ${ifaceName} is not in namespace ${view.name}'s ip link`);
    if (!this.deviceUp(view, iface, 'ingress')) return this.end(view, 'dropped', this.lastNote());
    const bridge = iface.master === undefined ? undefined : view.interface(iface.master);
    if (bridge && bridge.kind === 'bridge') {
      if (view.ownAddress(this.packet.family, nexthop)) {
        this.step(view, 'bridge', 'continue', `into bridge ${bridge.name} through port ${iface.name}, addressed to the bridge itself: up to namespace ${view.name}'s stack`, [iface.evidence]);
        if (!this.deviceUp(view, bridge, 'ingress')) return this.end(view, 'dropped', this.lastNote());
        this.upFrom = { namespace: view.name, bridge: bridge.name, port: iface, rewritten: false };
        return this.receive(view, bridge) as Next;
      }
      if (!this.deviceUp(view, bridge, 'bridge')) return this.end(view, 'dropped', this.lastNote());
      return this.bridgeOut(view, bridge, nexthop, iface);
    }
    this.step(view, 'ingress', 'continue', `arrives on ${iface.name} in namespace ${view.name}`, [iface.evidence]);
    return this.receive(view, iface);
  }

  /**
   * Out of a bridge port towards the next hop: the port whose veth peer holds it. `returning` is the port of
   * a frame whose destination PREROUTING rewrote on its way up from this bridge: towards that same port the
   * bridge may need hairpin mode (hairpinThrough).
   */
  private bridgeOut(view: NamespaceView, bridge: Interface, nexthop: bigint, inPort: Interface | undefined, returning?: Interface): Next {
    const target = formatAddress(this.packet.family, nexthop);
    const ports = view.ns.bridgeByName.get(bridge.name)?.ports ?? [];
    for (const port of ports) {
      const portIface = port.interface;
      if (!portIface || portIface === inPort) continue;
      const peer = view.ns.veths.find((v) => v.interface === portIface)?.peer;
      if (!peer?.resolved) continue;
      const peerView = this.engine.viewByName(peer.namespace);
      if (!peerView?.ownAddress(this.packet.family, nexthop)) continue;
      if (inPort) {
        const bridged = this.bridgedFilter(view, bridge, inPort, portIface.name);
        if (bridged === 'drop') return this.end(view, 'dropped', this.lastNote());
      }
      if (portIface === returning && this.hairpinThrough(view, bridge, port) === 'drop') return this.end(view, 'dropped', this.lastNote());
      this.step(view, 'bridge', 'continue', `bridge ${bridge.name} sends it out of port ${portIface.name}, whose peer ${peer.name} in namespace ${peer.namespace} holds ${target}`, [...port.evidence, portIface.evidence]);
      if (!this.deviceUp(view, portIface, 'egress')) return this.end(view, 'dropped', this.lastNote());
      return this.crossVeth(view, portIface, nexthop);
    }
    const bridgeEvidence = [...(view.ns.bridgeByName.get(bridge.name)?.evidence ?? [])];
    if (ports.length === 0 && !sourceUsable(view.source('bridge-link')) && !sourceUsable(view.source('brctl-show'))) {
      this.step(view, 'bridge', 'maybe', `the ports of bridge ${bridge.name} were not collected (bridge -j link, brctl show): which one leads to ${target} is not known`, bridgeEvidence);
      return this.end(view, 'unknown', this.lastNote());
    }
    const open = ports.filter((p) => p.interface !== inPort && (!p.interface || view.ns.veths.find((v) => v.interface === p.interface)?.peer.resolved !== true));
    if (open.length > 0) {
      // A port that is not a veth into a collected namespace (a NIC, a tap, a veth whose peer was not collected) may lead there.
      if (inPort && this.bridgedTowardsOpenPorts(view, bridge, inPort, open.map((p) => p.name)) === 'drop') return this.end(view, 'dropped', this.lastNote());
      const only = open.length === 1 ? open[0] : undefined;
      if (inPort && only?.interface) {
        // A frame from one port, and one way off the bridge: out of that port, onto the segment beyond the snapshot.
        this.step(view, 'bridge', 'continue', `bridge ${bridge.name} sends it out of port ${only.name}, its only port whose other side is not in the snapshot`, [...only.evidence, only.interface.evidence]);
        if (!this.deviceUp(view, only.interface, 'egress')) return this.end(view, 'dropped', this.lastNote());
        return this.leave(view, only.interface, nexthop, bridge);
      }
      this.step(view, 'bridge', 'maybe', `no collected namespace behind bridge ${bridge.name} holds ${target}; it may be behind port ${open.map((p) => p.name).join(', ')}, whose other side is not in the snapshot`, bridgeEvidence);
      return this.end(view, 'unknown', this.lastNote());
    }
    this.step(view, 'bridge', 'drop', `no port of bridge ${bridge.name} leads to ${target}: every port is a veth into a collected namespace and none holds the address, so ${this.packet.family === 4 ? 'ARP' : 'neighbour discovery'} for it goes unanswered`, bridgeEvidence);
    return this.end(view, 'dropped', this.lastNote());
  }

  /** br_netfilter: a frame bridged between two ports crosses the IP hooks (bridged-frames.ts). */
  private bridgedFilter(view: NamespaceView, bridge: Interface, inPort: Interface, outPort: string): 'drop' | 'pass' {
    const nat = this.record(view);
    const frame = bridgedFrame(view, bridge, inPort.name, outPort, this.packet, this.connectionView(nat));
    for (const step of frame.steps) this.push(step);
    if (frame.drop) return 'drop';
    // Conntrack's NAT applies to the frames br_netfilter hands to the IP hooks: a reply bridged straight
    // from the target to the sender (a hairpin between two ports) gets the request's NAT reversed here.
    if (frame.call.calls === 'yes' && this.direction === 'REPLY') {
      if (nat.snat) this.unSnat(view, nat);
      if (nat.dnat) this.unDnat(view, nat);
    }
    return 'pass';
  }

  /**
   * A frame from a port towards a next hop that may be behind any of `open` (ports whose other side is not in
   * the snapshot): when br_netfilter drops it towards every one of them, it is dropped wherever the next hop is.
   * With one such port, its bridged steps come before the step that says the next hop may be there.
   */
  private bridgedTowardsOpenPorts(view: NamespaceView, bridge: Interface, inPort: Interface, open: readonly string[]): 'drop' | 'pass' {
    const frames = open.map((port) => bridgedFrame(view, bridge, inPort.name, port, { ...this.packet }, this.connectionView(this.record(view))));
    const first = frames[0];
    if (!first || (frames.length > 1 && !frames.every((f) => f.drop))) return 'pass';
    for (const step of first.steps) this.push(step);
    return first.drop ? 'drop' : 'pass';
  }

  /** The port a frame came up from `bridge` by, when PREROUTING has since rewritten its destination. */
  private translatedOnBridge(view: NamespaceView, bridge: Interface): Interface | undefined {
    const up = this.upFrom;
    return up && up.rewritten && up.namespace === view.name && up.bridge === bridge.name ? up.port : undefined;
  }

  /**
   * A translated frame sent back towards the port it came in by. Without br_netfilter the namespace routed
   * it and the bridge transmits it as its own: any port will do. With br_netfilter handling the bridge, a
   * frame whose destination PREROUTING rewrote (a DNAT, or the reversal of a source NAT on a reply) is
   * bridged, not routed (br_nf_pre_routing_finish): the bridge then forwards it from its input port, and
   * sends nothing back out of that port unless the port's hairpin mode is on.
   */
  private hairpinThrough(view: NamespaceView, bridge: Interface, port: BridgePort): 'drop' | 'pass' {
    const call = bridgeCallsNetfilter(view, bridge, this.packet.family);
    if (call.calls === 'no') return 'pass';
    const portEvidence = port.interface ? [port.interface.evidence] : port.evidence;
    const evidence = [...call.evidence, ...portEvidence];
    const bridged = `the destination was rewritten in PREROUTING, so br_netfilter bridges the frame back towards ${port.name}, the port it came in by`;
    if (call.calls === 'maybe') {
      this.step(view, 'bridge', 'maybe', `${call.note}; if it does, ${bridged}, which needs hairpin mode on ${port.name}`, evidence);
      return 'pass';
    }
    if (port.hairpin === true) {
      this.step(view, 'bridge', 'continue', `${call.note}; ${bridged}, and ${port.name} has hairpin mode on`, evidence);
      return 'pass';
    }
    if (port.hairpin === undefined) {
      this.step(view, 'bridge', 'maybe', `${call.note}; ${bridged}; its hairpin mode is not in the snapshot (ip -d link prints it), so whether the bridge sends the frame back out is not known`, evidence);
      return 'pass';
    }
    this.step(view, 'bridge', 'drop', `${call.note}; ${bridged}, whose hairpin mode is off: a bridge never sends a frame out of the port it arrived on without it`, evidence);
    return 'drop';
  }

  private crossVeth(view: NamespaceView, iface: Interface, nexthop: bigint): Next {
    const peer = view.ns.veths.find((v) => v.interface === iface)?.peer;
    if (!peer) return this.leave(view, iface, nexthop);
    // A veth whose other end is in a namespace not collected (an uplink of a lab or a VM) is a way out of the
    // snapshot like any other device: the world beyond it is assumed to answer.
    if (!peer.resolved) return this.leave(view, iface, nexthop);
    const peerView = this.engine.viewByName(peer.namespace);
    if (!peerView) return this.end(view, 'unknown', `namespace ${peer.namespace} was not collected`);
    this.step(view, 'veth', 'continue', `out of veth ${iface.name} into namespace ${peer.namespace} as ${peer.name}`, [iface.evidence, peer.interface.evidence]);
    return { kind: 'arrive', view: peerView, iface: peer.name, nexthop };
  }

  /**
   * Out of the snapshot through a device with no collected other side, once its neighbour is known not to have
   * failed. A bridge port leaves onto the bridge's segment: the neighbour table knows the next hop on the bridge.
   */
  private leave(view: NamespaceView, iface: Interface, nexthop: bigint, segment: Interface = iface): Next {
    const target = formatAddress(this.packet.family, nexthop);
    const neighbour = view.neighbour(target, segment.name);
    if (neighbour && neighbour.state.some((s) => s === 'FAILED' || s === 'INCOMPLETE')) {
      this.step(view, 'neighbour', 'drop', `the neighbour entry of ${target} on ${segment.name} is ${neighbour.state.join(',')}: it does not answer ${this.packet.family === 4 ? 'ARP' : 'neighbour discovery'}`, [view.evidence('ip-neigh', neighbour.line, neighbour.text)]);
      return this.end(view, 'dropped', this.lastNote());
    }
    const goal = this.goal;
    if (goal && 'interface' in goal && (goal.namespace !== view.name || goal.interface !== iface.name)) {
      this.step(view, 'egress', 'maybe', `the reply leaves by ${iface.name} in namespace ${view.name}, not by ${goal.interface} where the request came in: whether it reaches the sender is outside the snapshot`, [iface.evidence]);
      return this.end(view, 'unknown', this.lastNote(), iface.name, true);
    }
    if (this.unroutableSource(view, iface)) return this.end(view, 'dropped', this.lastNote());
    if (this.direction === 'REPLY' && this.replyFromElsewhere(view)) return this.end(view, 'dropped', this.lastNote());
    if (!neighbour) {
      const neigh = view.source('ip-neigh');
      const known = neigh?.status === 'ok' || neigh?.status === 'empty';
      this.step(view, 'neighbour', 'maybe', known ? `${target} has no neighbour entry on ${segment.name}: whether it answers is not in the snapshot` : `the neighbour table was not collected: whether ${target} answers on ${segment.name} is not known`, [iface.evidence]);
      return this.end(view, 'unknown', this.lastNote(), iface.name, true);
    }
    this.step(view, 'egress', 'leave', `leaves the host through ${iface.name} towards ${target} (neighbour ${neighbour.state.join(',') || 'known'})`, [iface.evidence, view.evidence('ip-neigh', neighbour.line, neighbour.text)]);
    return this.end(view, 'delivered', `left through ${iface.name} towards ${target}`, iface.name, true);
  }

  /* ---------- checks ---------- */

  /**
   * A request leaving by the default route with a private source address that no interface of the namespace
   * holds (a container's, not source-NATed): the networks beyond route replies to such an address nowhere.
   */
  private unroutableSource(view: NamespaceView, iface: Interface): boolean {
    const p = this.packet;
    if (this.direction !== 'ORIGINAL' || this.lastRoute?.namespace !== view.name || !isDefaultRoute(this.lastRoute.dst)) return false;
    if (view.ownAddress(p.family, p.src) || !isPrivateCidr({ family: p.family, network: p.src, prefixLen: p.family === 4 ? 32 : 128 })) return false;
    const source = formatAddress(p.family, p.src);
    this.step(view, 'egress', 'drop', `leaves by the default route through ${iface.name} with source ${source}, a private address of no interface of namespace ${view.name} that no source NAT replaced: the networks beyond have no route back to it, so no reply returns`, [iface.evidence]);
    return true;
  }

  /**
   * A packet with a loopback source sent out of a device that is not loopback: the kernel refuses the route
   * (EINVAL, so a connection's SYN is never sent) unless route_localnet is 1 on that device or on all. It
   * happens when nat OUTPUT translates a connection to 127.0.0.1 (Docker without its userland proxy,
   * kube-proxy's localhost node ports): the source stays 127.0.0.1 until POSTROUTING, after the route.
   */
  private loopbackSourceRoutable(view: NamespaceView, out: string, translated: boolean): boolean {
    const p = this.packet;
    if (p.family !== 4 || !isLoopbackV4(p.src) || out === 'lo') return true;
    const iface = view.interface(out);
    if (!iface || iface.kind === 'loopback') return true;
    const localnet = iface.routeLocalnet;
    if (localnet.value === 1) return true;
    const evidence = localnet.evidence ? [localnet.evidence] : [];
    const why = translated ? ' (the destination NAT in OUTPUT kept the source of a connection to a loopback address)' : '';
    if (localnet.value === undefined) {
      this.step(view, 'sysctl', 'maybe', `the packet leaves by ${out} with the loopback source ${formatAddress(4, p.src)}${why}, which the kernel routes only when route_localnet is 1, and ${localnet.key} is not in the snapshot`, evidence);
      return false;
    }
    this.step(view, 'sysctl', 'drop', `the packet would leave by ${out} with the loopback source ${formatAddress(4, p.src)}${why}: the kernel refuses to route a loopback source out of a device unless route_localnet is 1 there or on all (${localnet.key} = ${localnet.value}), so it is never sent`, evidence);
    return false;
  }

  private route(view: NamespaceView, iif: string): FibDecision {
    const p = this.packet;
    const query = { family: p.family, dst: p.dst, iif, ...(p.src ? { src: p.src } : {}), ...(p.mark === undefined ? {} : { mark: p.mark }) };
    const decision = view.fib(p.family).decide(query);
    const rules = view.policyRules(p.family);
    const evidence: Evidence[] = decision.steps.filter((s) => s.rule.evidence.line > 0).map((s) => s.rule.evidence);
    const assumed = rules.assumed ? ' (ip rule not collected: the kernel\'s default rules assumed)' : '';
    switch (decision.outcome) {
      case 'route': {
        const r = decision.route;
        this.lastRoute = { namespace: view.name, dst: r.dst };
        evidence.push(r.evidence);
        const via = r.gateway ?? r.nexthops[0]?.gateway;
        const dev = r.dev ?? r.nexthops[0]?.dev;
        const what = r.type === 'local' ? `local: ${formatAddress(p.family, p.dst)} is an address of namespace ${view.name}` : `${r.dst}${via ? ` via ${via}` : ''} dev ${dev}`;
        this.step(view, 'routing', 'route', `route ${what} (table ${r.table}, rule ${decision.rule.priority})${assumed}`, evidence);
        break;
      }
      case 'refused':
        if (decision.route) evidence.push(decision.route.evidence);
        else evidence.push(decision.rule.evidence);
        this.step(view, 'routing', 'drop', `${decision.route ? `${decision.refusal} route ${decision.route.dst} in table ${decision.route.table}` : `policy rule ${decision.rule.priority} is ${decision.refusal}`}: ${lookupError(decision)}${assumed}`, dedupe(evidence));
        break;
      case 'no-route':
        this.step(view, 'routing', 'drop', `no route to ${formatAddress(p.family, p.dst)}: ${lookupError(decision)}${assumed}`, evidence);
        break;
      case 'unknown':
        evidence.push(decision.rule.evidence);
        this.step(view, 'routing', 'maybe', decision.reason, dedupe(evidence));
        break;
    }
    return decision;
  }

  private routeFailed(view: NamespaceView, decision: FibDecision): Next {
    return this.end(view, decision.outcome === 'unknown' ? 'unknown' : 'dropped', this.lastNote());
  }

  private reversePathOk(view: NamespaceView, iface: Interface): boolean {
    if (this.packet.family !== 4) return true;
    const mode = iface.rpFilter.value;
    if (mode === 0) return true;
    const evidence = iface.rpFilter.evidence ? [iface.rpFilter.evidence] : [];
    if (mode === undefined) return true;
    const back = view.fib(4).decide({ family: 4, dst: this.packet.src, src: this.packet.dst, iif: 'lo', mark: 0 });
    const source = formatAddress(4, this.packet.src);
    if (back.outcome === 'unknown') {
      this.step(view, 'sysctl', 'maybe', `rp_filter ${mode}: the route back to ${source} cannot be decided (${back.reason})`, evidence);
      return false;
    }
    if (back.outcome !== 'route') {
      this.step(view, 'sysctl', 'drop', `rp_filter ${mode}: no route back to ${source}, so the kernel drops the packet as martian`, evidence);
      return false;
    }
    const backDev = back.route.dev ?? back.route.nexthops[0]?.dev;
    if (mode === 1 && backDev !== iface.name && back.route.type !== 'local') {
      this.step(view, 'sysctl', 'drop', `rp_filter 1 (strict): the route back to ${source} leaves by ${backDev}, not by ${iface.name} where the packet came in`, [...evidence, back.route.evidence]);
      return false;
    }
    return true;
  }

  private forwardingEnabled(view: NamespaceView, iface: Interface): boolean {
    if (this.packet.family === 6) {
      const all = view.sysctlNumber('net.ipv6.conf.all.forwarding');
      if (all.value === 1) return true;
      this.step(view, 'sysctl', all.value === undefined ? 'maybe' : 'drop', all.value === undefined ? 'net.ipv6.conf.all.forwarding is not in the snapshot' : 'net.ipv6.conf.all.forwarding = 0: the namespace routes no IPv6 traffic', all.evidence);
      return false;
    }
    const value = iface.forwarding.value;
    if (value === 1) return true;
    const evidence = iface.forwarding.evidence ? [iface.forwarding.evidence] : [];
    this.step(view, 'sysctl', value === undefined ? 'maybe' : 'drop', value === undefined ? `net.ipv4.conf.${iface.name}.forwarding is not in the snapshot` : `net.ipv4.conf.${iface.name}.forwarding = ${value}: packets arriving on ${iface.name} are not forwarded`, evidence);
    return false;
  }

  private deviceUp(view: NamespaceView, iface: Interface, stage: Stage): boolean {
    if (iface.adminUp && (iface.carrier || iface.kind === 'loopback')) return true;
    const why = !iface.adminUp ? 'is down (ip link set up was not run, or it was set down)' : 'has no carrier (its other end is down or unplugged)';
    this.step(view, stage, 'drop', `${iface.name} ${why}`, [iface.evidence]);
    return false;
  }

  /* ---------- conntrack and NAT ---------- */

  private record(view: NamespaceView): NatRecord {
    let record = this.conntrack.get(view.name);
    if (!record) {
      record = { seen: false };
      this.conntrack.set(view.name, record);
    }
    return record;
  }


  private context(view: NamespaceView, inIface: string | undefined, out: string | undefined, nat: NatRecord): ChainContext {
    const p = this.packet;
    const ctx: ChainContext = {
      srcLocal: view.ownAddress(p.family, p.src) !== undefined,
      dstLocal: view.ownAddress(p.family, p.dst) !== undefined,
      connection: this.connectionView(nat),
    };
    if (inIface !== undefined) ctx.in = inIface;
    if (out !== undefined) ctx.out = out;
    return ctx;
  }

  /** What conntrack knows of the connection in this namespace: the state of the leg's direction, and its NAT. */
  private connectionView(nat: NatRecord): ConnectionView {
    const connection: ConnectionView = {
      state: this.direction === 'ORIGINAL' ? 'NEW' : 'ESTABLISHED',
      direction: this.direction,
      dnat: nat.dnat !== undefined,
      snat: nat.snat !== undefined,
    };
    if (nat.dnat) {
      connection.origDst = nat.dnat.dst;
      if (nat.dnat.dport !== undefined) connection.origDport = nat.dnat.dport;
    }
    return connection;
  }

  /** Take a hook's steps; apply its NAT. True when the packet died there. */
  private absorb(outcome: HookOutcome, view: NamespaceView, nat: NatRecord, device: string | undefined): boolean {
    for (const step of outcome.steps) this.push(step);
    if (outcome.dropped) return true;
    if (outcome.nat) this.applyNat(view, outcome.nat, nat, device, outcome.natStep);
    return false;
  }

  private applyNat(view: NamespaceView, action: NatAction, nat: NatRecord, device: string | undefined, step: TraceStep | undefined): void {
    const p = this.packet;
    if (action.kind === 'dnat' || action.kind === 'redirect') {
      nat.dnat = p.dport === undefined ? { dst: p.dst } : { dst: p.dst, dport: p.dport };
      if (step) nat.dnatEvidence = step.evidence;
      if (action.kind === 'redirect') {
        const own = device === undefined || device === 'lo' ? (p.family === 4 ? 0x7f000001n : 1n) : view.sourceFor(p.family, device, undefined);
        if (own !== undefined) p.dst = own;
      } else if (action.address !== undefined) p.dst = action.address;
      if (action.port !== undefined) p.dport = action.port;
    } else {
      nat.snat = p.sport === undefined ? { src: p.src } : { src: p.src, sport: p.sport };
      const address = action.kind === 'snat' ? action.address : view.sourceFor(p.family, device, undefined);
      if (address !== undefined) p.src = address;
      if (action.port !== undefined) p.sport = action.port;
    }
    if (step) step.packet = describePacket(p);
  }

  private unSnat(view: NamespaceView, nat: NatRecord): void {
    if (!nat.snat) return;
    this.packet.dst = nat.snat.src;
    if (nat.snat.sport !== undefined) this.packet.dport = nat.snat.sport;
    this.step(view, 'conntrack', 'dnat', 'conntrack reverses the source NAT of the request: the reply goes back to the original sender', []);
  }

  private unDnat(view: NamespaceView, nat: NatRecord): void {
    if (!nat.dnat) return;
    this.packet.src = nat.dnat.dst;
    if (nat.dnat.dport !== undefined) this.packet.sport = nat.dnat.dport;
    this.step(view, 'conntrack', 'snat', 'conntrack reverses the destination NAT of the request: the reply comes from the address the sender asked for', []);
  }

  /* ---------- steps ---------- */

  private step(view: NamespaceView, stage: Stage, verdict: StepVerdict, note: string, evidence: Evidence[]): void {
    this.push({ namespace: view.name, stage, verdict, packet: describePacket(this.packet), note, evidence });
  }

  private push(step: TraceStep): void {
    this.steps.push(step);
    if (step.verdict === 'maybe' && !this.firstMaybe) this.firstMaybe = step;
  }

  private lastNote(): string {
    return this.steps.at(-1)?.note ?? '';
  }

  private end(view: NamespaceView, verdict: TraceVerdict, reason: string, leftThrough?: string, leftSnapshot = false): Next {
    const end: Next = { kind: 'end', verdict, reason, view, leftSnapshot };
    if (leftThrough !== undefined) end.leftThrough = leftThrough;
    return end;
  }

  private finish(end: Next & { kind: 'end' }): Leg {
    // A path that passed an undecided step is not a verdict: what follows it is the likely path only.
    let verdict = end.verdict;
    let reason = end.reason;
    if (this.firstMaybe && verdict !== 'unknown') {
      reason = `${verdict === 'dropped' ? `probably dropped (${reason})` : `probably ${reason}`}, but ${this.firstMaybe.note}`;
      verdict = 'unknown';
    }
    const leg: Leg = { verdict, reason, steps: this.steps, sent: this.sent, final: { ...this.packet }, endNamespace: end.view.name, leftSnapshot: end.leftSnapshot ?? false };
    if (end.leftThrough !== undefined) leg.leftThrough = end.leftThrough;
    return leg;
  }

  private placeholder(name: string): NamespaceView {
    const ns = this.engine.host.namespaces[0] as Namespace;
    return { ...this.engine.view(ns), name } as NamespaceView;
  }
}

function isDefaultRoute(dst: string): boolean {
  return dst === 'default' || dst === '0.0.0.0/0' || dst === '::/0';
}

function isLoopbackV4(address: bigint): boolean {
  return address >> 24n === 127n;
}

/** A gateway as the route names it ("172.18.0.1"), as a number of the packet's family. */
function parseHost(text: string, family: 4 | 6): bigint | undefined {
  const parsed = parseAddress(text);
  return parsed?.family === family ? parsed.value : undefined;
}

/** Whether a socket takes the packet; `note` says why not, or what was assumed to say it does, where its family decides. */
interface Acceptance {
  accepts: boolean;
  note?: string;
  evidence: Evidence[];
}

function listensOn(listener: SsListener, p: Packet, bindv6only: { value: number | undefined; evidence: Evidence[] }): Acceptance {
  const yes: Acceptance = { accepts: true, evidence: [] };
  switch (listener.wildcard) {
    case 'dual-stack':
      return yes;
    case 'ipv6-only':
      return p.family === 6 ? yes : { accepts: false, note: 'IPv6 only: the socket has IPV6_V6ONLY set', evidence: [] };
    case 'ipv4-only':
      return p.family === 4 ? yes : { accepts: false, note: 'IPv4 only: this listing prints 0.0.0.0 as *, as an older ss and netstat without -n do', evidence: [] };
    case 'unknown': {
      if (p.family === 6) return yes;
      const printed = '`::` as printed here does not tell an IPv6-only socket from a dual-stack one';
      if (bindv6only.value === 1) {
        return { accepts: false, note: `taken as IPv6 only: ${printed}, and net.ipv6.bindv6only = 1 makes IPv6 sockets IPv6-only unless the program clears IPV6_V6ONLY`, evidence: bindv6only.evidence };
      }
      const sysctl = bindv6only.value === undefined ? 'net.ipv6.bindv6only was not collected, so the kernel\'s default 0 is assumed' : `net.ipv6.bindv6only = ${bindv6only.value}`;
      return { accepts: true, note: `that it takes IPv4 is assumed: ${printed}; ${sysctl}, which makes it dual-stack unless the program set IPV6_V6ONLY`, evidence: bindv6only.evidence };
    }
  }
  const address = listener.localAddress.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (address === '*' || address === '0.0.0.0' || address === '::') return address === '::' || address === '*' || p.family === 4 ? yes : { accepts: false, evidence: [] };
  const parsed = parseAddress(address);
  if (!parsed) return { accepts: false, evidence: [] };
  if (parsed.family === 6 && p.family === 4) {
    // ::ffff:a.b.c.d listens on the IPv4 address.
    return { accepts: parsed.value >> 32n === 0xffffn && (parsed.value & 0xffffffffn) === p.dst, evidence: [] };
  }
  return { accepts: parsed.family === p.family && parsed.value === p.dst, evidence: [] };
}

function dedupe(evidence: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return evidence.filter((e) => {
    const key = `${e.source}:${e.line}:${e.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
