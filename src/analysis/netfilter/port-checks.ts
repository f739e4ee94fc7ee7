/**
 * What happens to a connection to a published port, table by table, as the kernel runs them:
 *   raw, mangle, nat PREROUTING   — the packet as the client sent it (to the host's port);
 *   mangle FORWARD, filter FORWARD, mangle and nat POSTROUTING — the packet after DNAT (to the container).
 * A certain DROP/REJECT by a rule on the way is "dropped"; in filter FORWARD a certain drop with no
 * ACCEPT rule for the translated connection anywhere in the filter table (Docker's per-port accept gone,
 * or FORWARD flushed under policy DROP) is "no accept".
 *
 * Only connections from elsewhere cross FORWARD: a DNAT reachable only from nat OUTPUT, or restricted
 * to a loopback address, serves the host's own connections and is "local-only".
 */
import type { Cidr } from '../../model/net.js';
import { isLoopbackAddress as isLoopback } from './addresses.js';
import type { Evidence, Namespace, NfRule, NfTable } from '../../model/types.js';
import { isDockerBridgeName, isOwnAddress, lookupRoute, uplinkInterface } from '../topology.js';
import { interfaceNameMatches, matchRule } from './match.js';
import type { AddressSpec, InterfaceSpec, PacketClass } from './packet.js';
import type { PublishedPort } from './published-ports.js';
import { chainCanDrop, tableCanDrop } from './reach.js';
import type { WalkResult } from './walk.js';
import { walkChainMemo } from './walk-memo.js';
import { outsideDestination } from '../path/bridge-paths.js';
import type { PathEngine } from '../path/engine.js';
import { baseChainsAt, type BaseChain } from '../path/hooks.js';
import type { NamespaceView } from '../path/namespace-view.js';
import { nftChainStep } from '../path/nft-stage.js';
import type { ChainContext } from '../path/packet.js';
import type { Packet, Stage, TraceStep } from '../path/types.js';

/** The client port of the probe packets: any ephemeral port. */
const CLIENT_PORT = 40000;
import { checkTargetAddress, type TargetReachability } from './target-reachability.js';

/** The base chain that decided: an iptables chain with its walk, or a native nftables chain with its trace step. */
export interface PortStage {
  table: string;
  chain: string;
  walk?: WalkResult;
  step?: TraceStep;
}

export type PortForwardStatus = 'accepted' | 'dropped' | 'no-accept' | 'unknown' | 'local-only' | 'no-dnat';

export interface PortForwardCheck {
  status: PortForwardStatus;
  /** The stage whose certain DROP/REJECT decided ('dropped' and 'no-accept'). */
  decidedAt?: PortStage;
  /** filter FORWARD for the translated connection (absent for local-only ports). */
  forward?: PortStage;
  /** ACCEPT rules of the filter table that may match the translated connection, reachable or not. */
  matchingAccepts: NfRule[];
  before: PacketClass;
  after: PacketClass;
}

export function isExternallyReachable(port: PublishedPort): boolean {
  return port.dnat !== undefined && port.hooks.includes('PREROUTING') && !(port.hostAddress && isLoopback(port.hostAddress));
}

/** The source of connections from elsewhere; never modified, so every packet class shares it. */
const FROM_INTERNET: AddressSpec = { internet: true };

const interfaceSpecs = new WeakMap<Namespace, Map<string, InterfaceSpec>>();

/** `{ name }`, one object per interface name and namespace: tens of thousands of ports name the same few. */
function namedInterface(ns: Namespace, name: string): InterfaceSpec {
  let specs = interfaceSpecs.get(ns);
  if (!specs) interfaceSpecs.set(ns, (specs = new Map()));
  let spec = specs.get(name);
  if (!spec) specs.set(name, (spec = { name }));
  return spec;
}

/** The interface a client's connection arrives on: the DNAT's -i, else the uplink unless excluded. */
function inboundInterface(ns: Namespace, port: PublishedPort): InterfaceSpec {
  const uplink = uplinkInterface(ns, port.family);
  if (port.inInterface) {
    if (!port.inInterface.endsWith('+')) return namedInterface(ns, port.inInterface);
    if (uplink && interfaceNameMatches(port.inInterface, uplink)) return namedInterface(ns, uplink);
    return { except: port.excludedIn };
  }
  if (uplink && !port.excludedIn.some((x) => interfaceNameMatches(x, uplink)) && uplink !== port.bridge?.bridge.name) return namedInterface(ns, uplink);
  return { except: port.excludedIn };
}

function destinationIsLocal(ns: Namespace, address: Cidr | undefined): boolean | undefined {
  if (!address) return true;
  if (isLoopback(address) || isOwnAddress(ns, address)) return true;
  return ns.interfaces.length > 0 ? false : undefined;
}

export function packetClasses(ns: Namespace, port: PublishedPort): { before: PacketClass; after: PacketClass } {
  const local = destinationIsLocal(ns, port.hostAddress);
  const before: PacketClass = {
    family: port.family,
    srcLocal: false,
    state: 'NEW',
    direction: 'ORIGINAL',
    dnat: false,
    bridged: false,
  };
  // A DNAT for addresses that are not all the host's (-d 10.0.0.0/8; a service VIP when the host's addresses
  // are unknown) is used by clients this host cannot name (pods, routers): where they come from stays open.
  if (local !== false) {
    before.in = inboundInterface(ns, port);
    before.src = FROM_INTERNET;
  }
  if (local !== undefined) before.dstLocal = local;
  // One object for the host address, shared by `before.dst` and `after.origDst`: a port's classes are kept for the audit.
  const hostSpec: AddressSpec | undefined = port.hostAddress ? { cidr: port.hostAddress } : undefined;
  if (hostSpec) before.dst = hostSpec;
  if (port.protocol) before.protocol = port.protocol;
  if (port.hostPorts) before.dport = port.hostPorts.from;

  // Built field by field rather than spread from `before` and trimmed with delete: a deleted field would
  // leave this object slow to read in every rule it is matched against.
  const after: PacketClass = {
    family: before.family,
    srcLocal: false,
    state: 'NEW',
    direction: 'ORIGINAL',
    dnat: true,
    bridged: false,
    dst: { cidr: port.target.address },
    dstLocal: destinationIsLocal(ns, port.target.address) ?? false,
  };
  if (before.in) after.in = before.in;
  if (before.src) after.src = before.src;
  if (before.protocol) after.protocol = before.protocol;
  if (port.targetPort !== undefined) after.dport = port.targetPort;
  if (hostSpec) after.origDst = hostSpec;
  if (port.hostPorts) after.origDport = port.hostPorts.from;
  const outDev = port.bridge?.bridge.name ?? lookupRoute(ns, port.target.address)?.dev;
  if (outDev) after.out = namedInterface(ns, outDev);
  return { before, after };
}

/** Walk a stage only when its hook chain can drop at all: nat tables of large clusters hold no DROP. */
function walkStage(table: NfTable | undefined, chain: string, packet: PacketClass): WalkResult | undefined {
  const start = table?.chains.get(chain);
  if (!start || !table || !tableCanDrop(table) || !chainCanDrop(start, table)) return undefined;
  return walkChainMemo(table, chain, packet);
}

function certainDrop(walk: WalkResult | undefined): boolean {
  return walk !== undefined && walk.decision.kind === 'drop' && walk.certain;
}

/**
 * The port's connection along the hooks the kernel runs, every ruleset registered there by priority
 * (iptables-legacy, iptables-nft, native nftables: the packet-path engine's hook list): PREROUTING's
 * filtering chains before the DNAT (the DNAT itself is the subject), then FORWARD and POSTROUTING's
 * filtering chains for the translated connection. A native nftables chain is evaluated for a concrete
 * packet when an engine is given (one outside client address), and is "unknown" otherwise.
 */
export function checkPortForwarding(ns: Namespace, port: PublishedPort, engine?: PathEngine): PortForwardCheck {
  const { before, after } = packetClasses(ns, port);
  const result: PortForwardCheck = { status: 'unknown', matchingAccepts: [], before, after };
  if (!port.dnat) {
    result.status = 'no-dnat';
    return result;
  }
  if (!isExternallyReachable(port) || after.dstLocal) {
    result.status = 'local-only';
    return result;
  }
  const nft = engine ? nftProbe(engine, ns, port, before, after) : undefined;
  let undecided = false;
  for (const base of baseChainsAt(ns, port.family, 'prerouting')) {
    if (base.type === 'nat') continue;
    const stage = stageOf(base, before, nft?.before);
    if (!stage) continue;
    if (stage.undecided) undecided = true;
    if (stage.drop && stage.byRule) return decided(result, 'dropped', stage.stage);
  }
  for (const hook of ['forward', 'postrouting'] as const) {
    // Every chain of the hook first: an accept in one ruleset and a drop in another is known whatever their order.
    const stages: { base: BaseChain; answer: StageAnswer }[] = [];
    for (const base of baseChainsAt(ns, port.family, hook)) {
      if (base.type === 'nat') continue;
      const isFilter = base.kind === 'iptables' && base.table.name === 'filter';
      const answer = isFilter ? filterStage(base, after) : stageOf(base, after, nft?.after);
      if (!answer) continue;
      if (isFilter) result.forward = answer.stage;
      if (answer.undecided) undecided = true;
      stages.push({ base, answer });
    }
    const drop = stages.find((s) => s.answer.drop);
    if (!drop) continue;
    const acceptedElsewhere = stages.some((s) => s !== drop && s.answer.acceptedByRule);
    const { base, answer } = drop;
    if (base.kind === 'iptables' && base.table.name === 'filter') {
      result.matchingAccepts = matchingAccepts(port.ruleset?.tables.get('filter'), after);
      const explicit = answer.byRule && result.matchingAccepts.length > 0;
      return decided(result, explicit || acceptedElsewhere ? 'dropped' : 'no-accept', answer.stage);
    }
    // Another ruleset accepted it and this one drops it: dropped before an accept of its own applies.
    if (answer.byRule || acceptedElsewhere) return decided(result, 'dropped', answer.stage);
    if (hook === 'forward') return decided(result, 'no-accept', answer.stage);
  }
  const fwd = result.forward?.walk;
  if (!undecided && (!fwd || (fwd.decision.kind === 'accept' && fwd.certain))) result.status = 'accepted';
  return result;
}

function decided(result: PortForwardCheck, status: PortForwardStatus, stage: PortStage): PortForwardCheck {
  result.status = status;
  result.decidedAt = stage;
  return result;
}

interface StageAnswer {
  stage: PortStage;
  /** Certainly dropped or rejected. */
  drop: boolean;
  /** By a rule (not a chain policy). */
  byRule: boolean;
  acceptedByRule: boolean;
  /** The chain's verdict could not be decided. */
  undecided: boolean;
}

/** filter FORWARD, walked for every port (memoised: thousands of ports share a few packet classes). */
function filterStage(base: BaseChain & { kind: 'iptables' }, packet: PacketClass): StageAnswer {
  const walk = walkChainMemo(base.table, base.chain, packet);
  return walkAnswer(base, walk);
}

function walkAnswer(base: BaseChain & { kind: 'iptables' }, walk: WalkResult): StageAnswer {
  const drop = certainDrop(walk);
  return {
    stage: { table: base.table.name, chain: base.chain, walk },
    drop,
    byRule: walk.decision.by === 'rule',
    acceptedByRule: walk.certain && walk.decision.kind === 'accept' && walk.decision.by === 'rule',
    undecided: !walk.certain && !drop,
  };
}

/** Another base chain: walked only when it can drop at all (nat and mangle tables of large clusters hold no DROP). */
function stageOf(base: BaseChain, packet: PacketClass, nftProbe: NftProbe | undefined): StageAnswer | undefined {
  if (base.kind === 'iptables') {
    const walk = walkStage(base.table, base.chain, packet);
    // Only a certain drop counts here: these chains do not accept the port, filter FORWARD does.
    return walk ? { ...walkAnswer(base, walk), undecided: false } : undefined;
  }
  const where = { table: `nftables ${base.table.family} ${base.table.name}`, chain: base.chain.chain.name };
  if (!nftProbe) return { stage: where, drop: false, byRule: false, acceptedByRule: false, undecided: true };
  const step = nftChainStep(nftProbe.view, base, { ...nftProbe.packet }, nftProbe.ctx, nftProbe.stage).step;
  const byRule = step.rule !== undefined && !step.rule.startsWith('policy ');
  return {
    stage: { ...where, step },
    drop: step.verdict === 'drop',
    byRule,
    acceptedByRule: step.verdict === 'accept' && byRule,
    undecided: step.verdict === 'maybe',
  };
}

/** The concrete packets a native nftables chain is evaluated with: one client outside, the port's addresses. */
interface NftProbe {
  view: NamespaceView;
  packet: Packet;
  ctx: ChainContext;
  stage: Stage;
}

function nftProbe(engine: PathEngine, ns: Namespace, port: PublishedPort, before: PacketClass, after: PacketClass): { before?: NftProbe; after?: NftProbe } {
  const view = engine.view(ns);
  const client = outsideDestination(view, port.family, 'lo')?.address;
  const uplink = before.in && 'name' in before.in ? before.in.name : undefined;
  const hostAddress = port.hostAddress?.network ?? view.sourceFor(port.family, uplink, undefined);
  const target = port.target.address;
  const hostBits = port.family === 4 ? 32 : 128;
  if (client === undefined || hostAddress === undefined || target.prefixLen !== hostBits || !port.hostPorts) return {};
  const protocol = port.protocol === 'udp' ? 'udp' : 'tcp';
  const connection = { state: 'NEW' as const, direction: 'ORIGINAL' as const, dnat: false, snat: false };
  const beforeCtx: ChainContext = { srcLocal: false, dstLocal: true, connection };
  if (uplink) beforeCtx.in = uplink;
  const out = after.out && 'name' in after.out ? after.out.name : undefined;
  const afterCtx: ChainContext = { ...beforeCtx, dstLocal: false, connection: { ...connection, dnat: true, origDst: hostAddress, origDport: port.hostPorts.from } };
  if (out) afterCtx.out = out;
  const sent: Packet = { family: port.family, src: client, dst: hostAddress, protocol, sport: CLIENT_PORT, dport: port.hostPorts.from, mark: 0 };
  const translated: Packet = { ...sent, dst: target.network, dport: port.targetPort ?? port.hostPorts.from };
  return {
    before: { view, packet: sent, ctx: beforeCtx, stage: 'prerouting' },
    after: { view, packet: translated, ctx: afterCtx, stage: 'forward' },
  };
}

/** ACCEPT rules of a table that may match the packet, in any chain. Indexed once per table. */
const acceptRules = new WeakMap<NfTable, NfRule[]>();

function matchingAccepts(table: NfTable | undefined, packet: PacketClass): NfRule[] {
  if (!table) return [];
  let rules = acceptRules.get(table);
  if (!rules) {
    rules = [...table.chains.values()].flatMap((c) => c.rules.filter((r) => r.target?.name === 'ACCEPT'));
    acceptRules.set(table, rules);
  }
  return rules.filter((r) => matchRule(r, packet) !== 'no');
}

/* ---------- is the DNAT target there at all? ---------- */

/** Docker's own DNATs: in its nat DOCKER chain, or excluding a Docker bridge as input (in the rule or the jumps to it). */
export function isDockerDnat(port: PublishedPort): boolean {
  if (port.dnat?.chain === 'DOCKER') return true;
  return port.excludedIn.some(isDockerBridgeName);
}

/** Is the port's target there at all? See checkTargetAddress. */
export function checkDnatTarget(ns: Namespace, port: PublishedPort, routesKnown: boolean): TargetReachability {
  return checkTargetAddress(ns, { address: port.target.address, label: port.target.text, bridge: port.bridge, fromDocker: () => isDockerDnat(port) }, routesKnown);
}

/* ---------- DNAT to 127.0.0.0/8 needs route_localnet on the input interface ---------- */

export interface LocalnetCheck {
  applies: boolean;
  /** Interfaces the connections arrive on whose effective route_localnet is not 1. */
  missing: { name: string; value: number | undefined; evidence?: Evidence }[];
}

/**
 * The kernel treats a packet to 127.0.0.0/8 arriving on a non-loopback interface as martian and drops it
 * after PREROUTING's DNAT, unless net.ipv4.conf.<in-if>.route_localnet (or conf.all) is 1. Connections
 * from the host itself (nat OUTPUT) are not affected.
 */
export function checkRouteLocalnet(ns: Namespace, port: PublishedPort): LocalnetCheck {
  const applies = port.family === 4 && port.dnat !== undefined && port.hooks.includes('PREROUTING') && isLoopback(port.target.address);
  if (!applies) return { applies: false, missing: [] };
  const candidates = ns.interfaces.filter((iface) => {
    if (iface.kind === 'loopback') return false;
    if (port.inInterface) return interfaceNameMatches(port.inInterface, iface.name);
    return false;
  });
  if (!port.inInterface) {
    const uplink = uplinkInterface(ns, 4);
    const uplinkIface = uplink ? ns.interfaceByName.get(uplink) : undefined;
    if (uplinkIface && !port.excludedIn.includes(uplinkIface.name)) candidates.push(uplinkIface);
    else {
      for (const iface of ns.interfaces) {
        if (iface.kind !== 'loopback' && iface.adminUp && iface.addresses.some((a) => a.family === 4) && !port.excludedIn.includes(iface.name)) candidates.push(iface);
      }
    }
  }
  const missing: LocalnetCheck['missing'] = [];
  for (const iface of candidates) {
    const value = iface.routeLocalnet.value;
    if (value === 1) continue;
    const entry: LocalnetCheck['missing'][number] = { name: iface.name, value };
    if (iface.routeLocalnet.evidence) entry.evidence = iface.routeLocalnet.evidence;
    missing.push(entry);
  }
  if (candidates.length === 0 && ns.interfaces.length === 0) {
    // No interface list: conf.all is all there is to go on.
    const all = ns.sysctl.entries.get('net.ipv4.conf.all.route_localnet');
    const value = all ? Number(all.value) : undefined;
    if (ns.sysctl.available && value !== 1) missing.push(all ? { name: 'all', value, evidence: all.evidence } : { name: 'all', value });
  }
  return { applies: true, missing };
}
