/**
 * Published ports: the ports published on this host, i.e. every DNAT that nat PREROUTING or OUTPUT reach
 * for connections addressed to this host (Docker's DOCKER chain, kube-proxy's node ports, hand-written
 * port forwards), described by what it matches (protocol, host port, host address, inbound interface and
 * its exclusions such as `! -i docker0`) and where it sends the connection, paired with the filter rules
 * that accept the translated connection (Docker's `-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT`).
 *
 * The search does not follow a jump, and takes no DNAT, that requires a service VIP as destination (one
 * address this host does not hold: Kubernetes cluster IPs, load-balancer addresses held elsewhere). A
 * Kubernetes node has tens of thousands of those; their targets are covered by dnat-targets.ts.
 *
 * Filter accepts towards a container address and port that no DNAT points at are reported too
 * (`dnat` absent): the other half of a half-removed publication.
 */
import { formatAddress, type Cidr } from '../../model/net.js';
import type { Bridge, Evidence, Namespace, NfChain, NfRule, NfTable, Ruleset } from '../../model/types.js';
import { addressKey, bridgeContaining } from '../topology.js';
import {
  chainContext,
  contextWithRule,
  namePrefix,
  reachFromHooks,
  serviceVipTest,
  type ChainContext,
  type ChainReach,
  type DestinationTest,
  type NatHook,
  type NatReach,
} from './nat-paths.js';
import { formatPortRange, type PortRange } from './ports.js';
import { parseNatAddress, requiredInterface, ruleAddress, ruleDport, ruleProtocol, type NatAddress } from './rule-fields.js';
import { forEachDnat, holdsDnat } from './table-census.js';
import { nftPublishedPorts } from './nft-published-ports.js';

/** What a port needs of a rule that publishes it or leads there: an iptables rule, or an nftables one. */
export interface PublishingRule {
  text: string;
  evidence: Evidence;
  /** The chain holding it ("DOCKER", "nat-prerouting-and-output"). */
  chain: string;
  /** "nat" for iptables; "nftables ip docker-bridges" for a native nftables table. */
  table: string;
  counters?: { packets: number; bytes: number };
}

export interface PublishedPort {
  /** Subject name: "tcp/8080->172.17.0.2:80", "tcp/192.0.2.10:8080->172.17.0.2:80", "tcp/none->172.17.0.2:80". */
  name: string;
  namespace: string;
  family: 4 | 6;
  /** The iptables ruleset of the DNAT; absent for a native nftables DNAT. */
  ruleset?: Ruleset;
  /** The DNAT rule; absent for a filter accept that no DNAT points at. */
  dnat?: PublishingRule;
  /** Jump rules from the nat hook down to the DNAT, outermost first. */
  via: PublishingRule[];
  /** nat hooks the DNAT is reachable from: PREROUTING for traffic from elsewhere, OUTPUT for the host's own. */
  hooks: NatHook[];
  protocol?: string;
  hostPorts?: PortRange;
  /** The host address the DNAT is restricted to (-d), e.g. Docker's `-p 192.0.2.10:8080:80`. */
  hostAddress?: Cidr;
  /** A required inbound interface (-i eth0). */
  inInterface?: string;
  /** Inbound interfaces excluded (`! -i docker0`). */
  excludedIn: string[];
  target: NatAddress;
  /** The target port of the first host port (the host port itself when the DNAT keeps it). */
  targetPort?: number;
  /** Filter ACCEPT rules towards the target address and port. */
  accepts: NfRule[];
  /** The bridge whose subnet holds the target address. */
  bridge?: { bridge: Bridge; subnet: string };
}

/** Every published port of a namespace, IPv4 then IPv6, in rule order. */
export function findPublishedPorts(ns: Namespace): PublishedPort[] {
  const ports: PublishedPort[] = [];
  for (const ruleset of [ns.netfilter.ipv4, ns.netfilter.ipv6]) {
    // A loop, not push(...list): tens of thousands of arguments would go through the stack.
    if (ruleset) for (const port of publishedPortsOf(ns, ruleset)) ports.push(port);
  }
  if (ns.nftables) {
    const vip = serviceVipTest(ns);
    const isServiceVip = (address: Cidr): boolean => vip?.({ value: `${formatAddress(address.family, address.network)}/${address.prefixLen}`, negated: false }) ?? false;
    for (const port of nftPublishedPorts(ns, isServiceVip)) ports.push(port);
  }
  const seen = new Map<string, number>();
  for (const port of ports) {
    const count = (seen.get(port.name) ?? 0) + 1;
    seen.set(port.name, count);
    // Duplicated rules (seen in real dumps) give distinct subjects.
    if (count > 1) port.name = `${port.name}#${count}`;
  }
  return ports;
}

function publishedPortsOf(ns: Namespace, ruleset: Ruleset): PublishedPort[] {
  const family = ruleset.family === 'ipv6' ? 6 : 4;
  const nat = ruleset.tables.get('nat');
  const ports: PublishedPort[] = [];
  const acceptIndex = indexAccepts(ruleset);
  const claimed = new Set<NfRule>();
  const isServiceVip = serviceVipTest(ns);

  if (nat) {
    const reach = reachFromHooks(nat, isServiceVip);
    const scan: DnatScan = { ns, ruleset, family, reach, isServiceVip, names: { hostTexts: new Map(), prefixes: new Map() }, acceptIndex, claimed, ports };
    for (const chain of reachedDnatChains(reach)) addDnatPorts(scan, chain, (reach.at(chain) as ChainReach).hookList);
  }
  let leftOver = unclaimedContainerAccepts(acceptIndex, claimed);
  if (leftOver.length > 0 && nat && isServiceVip) {
    claimForServiceVipDnats(nat, family, acceptIndex, claimed);
    leftOver = leftOver.filter((rule) => !claimed.has(rule));
  }
  for (const rule of leftOver) ports.push(acceptOnlyPort(ns, ruleset, family, rule));
  return ports;
}

/** The numbers of the chains the hooks reach that hold DNATs, in table order (the order ports are listed in). */
function reachedDnatChains(reach: NatReach): number[] {
  const graph = reach.graph;
  const numbers: number[] = [];
  reach.forEach((state, _chain, number) => {
    if (state.hooks !== 0 && holdsDnat(graph, number)) numbers.push(number);
  });
  return numbers.sort((a, b) => a - b);
}

/** Docker-style per-port accepts that no published port's DNAT uses, in index order. */
function unclaimedContainerAccepts(acceptIndex: Map<number | string, NfRule[]>, claimed: Set<NfRule>): NfRule[] {
  const out: NfRule[] = [];
  for (const [, rules] of acceptIndex) {
    for (const rule of rules) if (!claimed.has(rule) && isContainerPortAccept(rule)) out.push(rule);
  }
  return out;
}

/**
 * A DNAT behind a service VIP is no published port, but the accepts for its target are not left over
 * either. Searched only when some accept is unclaimed: it reads every DNAT the nat hooks reach (from the
 * census: no other rule's record is made).
 */
function claimForServiceVipDnats(nat: NfTable, family: 4 | 6, acceptIndex: Map<number | string, NfRule[]>, claimed: Set<NfRule>): void {
  const reach = reachFromHooks(nat);
  const graph = reach.graph;
  reach.forEach((_state, chain, number) => {
    forEachDnat(graph, number, (slot, dnat) => {
      const target = parseNatAddress(graph.dnatDestination(dnat));
      if (!target || target.address.family !== family || !acceptIndex.has(addressKey(target.address))) return;
      const c = contextWithRule(chainContext(chain, reach), graph.ruleAt(number, slot));
      for (const accept of acceptsFor(acceptIndex, target.address, c.protocol, target.ports ? target.ports.from : c.hostPorts?.from)) claimed.add(accept);
    });
  });
}

/** A per-port accept that no DNAT points at: the other half of a half-removed publication. */
function acceptOnlyPort(ns: Namespace, ruleset: Ruleset, family: 4 | 6, rule: NfRule): PublishedPort {
  const address = ruleAddress(rule, 'destination') as Cidr;
  const dport = ruleDport(rule) as PortRange;
  const protocol = ruleProtocol(rule);
  const text = `${family === 6 ? `[${formatAddress(6, address.network)}]` : formatAddress(4, address.network)}:${formatPortRange(dport)}`;
  const port: PublishedPort = {
    name: `${protocol ?? 'all'}/none->${text}`,
    namespace: ns.name,
    family,
    ruleset,
    via: [],
    hooks: [],
    excludedIn: [],
    target: { address, text, range: false, ports: dport },
    targetPort: dport.from,
    accepts: [rule],
  };
  if (protocol) port.protocol = protocol;
  const bridge = bridgeContaining(ns, address);
  if (bridge) port.bridge = bridge;
  return port;
}

/** What the DNATs of one ruleset share while they are described. */
interface DnatScan {
  ns: Namespace;
  ruleset: Ruleset;
  family: 4 | 6;
  reach: NatReach;
  /** Absent when this namespace's addresses are unknown. */
  isServiceVip: DestinationTest | undefined;
  names: NameParts;
  acceptIndex: Map<number | string, NfRule[]>;
  /** Accepts that some DNAT's port uses. */
  claimed: Set<NfRule>;
  ports: PublishedPort[];
}

/**
 * The ports of the DNATs of chain number `chain`, found from the census (no record made for the other
 * rules). A function of its own rather than the body of the loop over every chain: V8 then optimises it as
 * a whole; the single loop over 40k chains was seen (--trace-deopt) deoptimised mid-way and finished in the interpreter.
 */
function addDnatPorts(scan: DnatScan, chain: number, hooks: NatHook[]): void {
  const graph = scan.reach.graph;
  let context: ChainContext | undefined;
  forEachDnat(graph, chain, (slot, dnat) => {
    const target = parseNatAddress(graph.dnatDestination(dnat));
    if (!target || target.address.family !== scan.family) return;
    if (scan.isServiceVip?.(graph.destinationAt(chain, slot))) return;
    context ??= chainContext(graph.chains[chain] as NfChain, scan.reach);
    const port = describe(scan.ns, scan.ruleset, graph.ruleAt(chain, slot), context, hooks, target, scan.names);
    port.accepts = acceptsFor(scan.acceptIndex, port.target.address, port.protocol, port.targetPort);
    for (const a of port.accepts) scan.claimed.add(a);
    scan.ports.push(port);
  });
}

function describe(
  ns: Namespace,
  ruleset: Ruleset,
  dnat: NfRule,
  chain: ChainContext,
  hooks: NatHook[],
  target: NatAddress,
  names: NameParts,
): PublishedPort {
  const c = contextWithRule(chain, dnat);
  const family = ruleset.family === 'ipv6' ? 6 : 4;
  const port: PublishedPort = {
    name: '',
    namespace: ns.name,
    family,
    ruleset,
    dnat,
    via: chain.via,
    hooks,
    excludedIn: c.excludedIn,
    target,
    accepts: [],
  };
  if (c.protocol) port.protocol = c.protocol;
  if (c.hostPorts) port.hostPorts = c.hostPorts;
  if (c.hostAddress) port.hostAddress = c.hostAddress;
  if (c.inInterface) port.inInterface = c.inInterface;
  const targetPort = target.ports ? target.ports.from : c.hostPorts?.from;
  if (targetPort !== undefined) port.targetPort = targetPort;
  const bridge = bridgeContaining(ns, target.address);
  if (bridge) port.bridge = bridge;

  // The endpoints of one service share their chain's criteria: make the text before the target once per chain.
  const shared = c.protocol === chain.protocol && c.hostPorts === chain.hostPorts && c.hostAddress === chain.hostAddress;
  let prefix = shared ? names.prefixes.get(chain) : undefined;
  if (prefix === undefined) {
    prefix = namePrefix(c, family, names.hostTexts);
    if (shared) names.prefixes.set(chain, prefix);
  }
  port.name = prefix + target.text;
  return port;
}

/** Texts that many ports share, made once per ruleset. */
interface NameParts {
  /** The host address part by address object (many ports share the address of their service's jump). */
  hostTexts: Map<Cidr, string>;
  /** "tcp/10.96.0.10:53->" by the chain context whose criteria it shows. */
  prefixes: Map<ChainContext, string>;
}

/** Filter ACCEPT rules with a single destination address, indexed by that address. */
function indexAccepts(ruleset: Ruleset): Map<number | string, NfRule[]> {
  const index = new Map<number | string, NfRule[]>();
  const filter = ruleset.tables.get('filter');
  if (!filter) return index;
  for (const chain of filter.chains.values()) {
    for (const rule of chain.rules) {
      if (rule.target?.name !== 'ACCEPT') continue;
      const dst = ruleAddress(rule, 'destination');
      if (!dst || dst.prefixLen !== (dst.family === 4 ? 32 : 128)) continue;
      const key = addressKey(dst);
      const list = index.get(key);
      if (list) list.push(rule);
      else index.set(key, [rule]);
    }
  }
  return index;
}

const NO_RULES: NfRule[] = [];

/** The accepts of the index towards `address` that may match the protocol and target port. */
function acceptsFor(index: Map<number | string, NfRule[]>, address: Cidr, protocol: string | undefined, targetPort: number | undefined): NfRule[] {
  if (index.size === 0) return NO_RULES;
  const candidates = index.get(addressKey(address));
  if (!candidates) return NO_RULES;
  return candidates.filter((rule) => {
    const ruleProto = ruleProtocol(rule);
    if (ruleProto && protocol && ruleProto !== protocol) return false;
    const dport = ruleDport(rule);
    if (dport && targetPort !== undefined && (targetPort < dport.from || targetPort > dport.to)) return false;
    return true;
  });
}

/** Docker's shape of a per-port accept: one address, a protocol and port, towards an interface. */
function isContainerPortAccept(rule: NfRule): boolean {
  return ruleProtocol(rule) !== undefined && ruleDport(rule) !== undefined && requiredInterface(rule, 'outInterface') !== undefined;
}
