/**
 * DNAT targets: each distinct address that DNATs reachable from nat PREROUTING or OUTPUT send connections
 * to, per namespace and family, with every DNAT that points at it. Unlike published ports this includes
 * the DNATs behind service VIPs (Kubernetes cluster IPs): the tens of thousands of kube-proxy endpoints of
 * a large node come down to a few thousand pod addresses, each checked once.
 *
 * Finding them reads only the target and the jump of the rules (a Kubernetes nat table has over 100k rules,
 * each parsed only when its criteria are first read): the table's census (see table-census.ts) lists its
 * jumps and DNATs in table order, the addresses of the DNATs are read in that order, then the search from
 * the hooks follows the census's jumps to know which DNATs they reach and in what order. What the DNATs
 * match is read only to describe them.
 */
import { formatAddress, type Cidr } from '../../model/net.js';
import type { Bridge, Namespace, NfChain, NfRule, NfTable } from '../../model/types.js';
import { addressKey, bridgeContaining } from '../topology.js';
import { contextWithRule, namePrefix, pathContext, toDestination, type ChainContext } from './nat-paths.js';
import { isDockerDnat } from './port-checks.js';
import { formatPortRange } from './ports.js';
import { findPublishedPorts, type PublishedPort } from './published-ports.js';
import { natTargetV4, parseNatAddress } from './rule-fields.js';
import { dnatAt, natJumpGraph, numberOf, type JumpGraph } from './table-census.js';
import { checkTargetAddress, type TargetReachability } from './target-reachability.js';

export interface DnatTarget {
  /** Subject name: the address as text, "10.244.3.73", "2001:db8::5". */
  readonly name: string;
  readonly namespace: string;
  readonly family: 4 | 6;
  readonly address: Cidr;
  /** How many DNAT rules send connections here. */
  readonly dnatCount: number;
  /** Those DNAT rules, in the order the search met them (their records made when first read). */
  readonly dnats: NfRule[];
  /** The bridge whose subnet holds the address. */
  readonly bridge?: { bridge: Bridge; subnet: string };
  /** How the hooks reach the chains of the nat table: shared by every target of the table. */
  readonly paths: NatPaths;
}

/**
 * A target as the search builds it: the DNATs by their number in the census, their rules made when first
 * read (a Kubernetes node's tens of thousands of DNATs are counted, and a few quoted).
 */
class FoundTarget implements DnatTarget {
  /** The census numbers of the DNATs (see JumpGraph.dnatRule). */
  readonly numbers: number[] = [];
  #dnats: NfRule[] | undefined = undefined;
  bridge?: { bridge: Bridge; subnet: string };

  constructor(
    readonly name: string,
    readonly namespace: string,
    readonly family: 4 | 6,
    readonly address: Cidr,
    readonly paths: NatPaths,
  ) {}

  get dnatCount(): number {
    return this.numbers.length;
  }

  get dnats(): NfRule[] {
    const graph = this.paths.graph;
    return (this.#dnats ??= this.numbers.map((number) => graph.dnatRule(number)));
  }
}

/** How the hooks reach the chains of one nat table: see chainPathContext. */
interface NatPaths {
  table: NfTable;
  family: 4 | 6;
  graph: JumpGraph;
  /** By chain number: the slot of the first jump the search reached the chain through; -1 for the hooks (and chains not reached). */
  firstJumpSlot: Int32Array;
  /** By chain number: the number of the chain that holds that jump. */
  firstJumpFrom: Int32Array;
  docker: DockerDnats;
}

/** The address of each DNAT of a table's census, read in table order. */
interface DnatAddresses {
  /** addressKey of the address of DNAT number i (JumpGraph.dnatDestination); undefined when unreadable or of the other family. */
  keys: (number | string | undefined)[];
  /** The addresses of the DNATs whose target is not plain "a.b.c.d[:port]", by census index. */
  parsed: Map<number, Cidr>;
}

/** What the search of one nat table builds. */
interface TargetScan {
  ns: Namespace;
  paths: NatPaths;
  addresses: DnatAddresses;
  byAddress: Map<number | string, FoundTarget>;
  targets: DnatTarget[];
  /** The number of nat DOCKER; -1 without one. */
  dockerChain: number;
  /** By chain number: 1 once the search has reached it. */
  reached: Uint8Array;
  /** The numbers of the chains reached, in the order reached: queue[0] to queue[queued - 1]. */
  queue: Int32Array;
  queued: number;
}

/**
 * Every DNAT target of a namespace, IPv4 then IPv6. `publishedPorts` gives the namespace's published ports
 * (findPublishedPorts, or the caller's copy of them): asked for on first use, to tell Docker's DNATs.
 */
export function findDnatTargets(ns: Namespace, publishedPorts: () => readonly PublishedPort[] = () => findPublishedPorts(ns)): DnatTarget[] {
  const targets: DnatTarget[] = [];
  const docker = new DockerDnats(publishedPorts);
  for (const ruleset of [ns.netfilter.ipv4, ns.netfilter.ipv6]) {
    const table = ruleset?.tables.get('nat');
    if (!ruleset || !table) continue;
    const family = ruleset.family === 'ipv6' ? 6 : 4;
    const graph = natJumpGraph(table);
    const count = graph.chains.length;
    const paths: NatPaths = { table, family, graph, firstJumpSlot: new Int32Array(count).fill(-1), firstJumpFrom: new Int32Array(count), docker };
    searchTable({
      ns,
      paths,
      addresses: dnatAddresses(graph, family),
      byAddress: new Map(),
      targets,
      dockerChain: chainNumber(graph, table.chains.get('DOCKER')),
      reached: new Uint8Array(count),
      queue: new Int32Array(count),
      queued: 0,
    });
  }
  return targets;
}

/**
 * Which targets Docker's DNATs point at: those of its nat DOCKER chain, and those of published ports that
 * exclude a Docker bridge as input (the published port's own test, isDockerDnat). A DNAT behind a service VIP
 * outside DOCKER is not Docker's: telling would mean reading what every kube-proxy endpoint matches.
 */
class DockerDnats {
  /** Targets of the DNATs in nat DOCKER, noted by the search. */
  readonly ofDockerChain = new Set<DnatTarget>();
  /** addressKey of the targets of the Docker-excluding published ports. */
  #excluding: Set<number | string> | undefined = undefined;

  constructor(private readonly publishedPorts: () => readonly PublishedPort[]) {}

  pointAt(target: DnatTarget): boolean {
    if (this.ofDockerChain.size > 0 && this.ofDockerChain.has(target)) return true;
    // A published port's DNAT is among the DNATs of a target exactly when it sends connections to the target's address.
    this.#excluding ??= new Set(this.publishedPorts().flatMap((p) => (p.dnat && isDockerDnat(p) ? [addressKey(p.target.address)] : [])));
    return this.#excluding.size > 0 && this.#excluding.has(addressKey(target.address));
  }
}

/** The address of every DNAT of the census, read in table order (the order their target objects were made in). */
function dnatAddresses(graph: JumpGraph, family: 4 | 6): DnatAddresses {
  const count = graph.dnatCount;
  const addresses: DnatAddresses = { keys: new Array<number | string | undefined>(count), parsed: new Map() };
  for (let i = 0; i < count; i++) {
    const text = graph.dnatDestination(i);
    // Most targets are "a.b.c.d:port": their key is read without parsing them in full.
    const v4 = natTargetV4(text);
    if (v4 !== undefined) {
      addresses.keys[i] = family === 4 ? v4 : undefined;
    } else {
      const address = parseNatAddress(text)?.address;
      if (address?.family === family) {
        addresses.keys[i] = addressKey(address);
        addresses.parsed.set(i, address);
      }
    }
  }
  return addresses;
}

/** The number of a chain of the graph; -1 for none. */
function chainNumber(graph: JumpGraph, chain: NfChain | undefined): number {
  const number = chain === undefined ? undefined : numberOf(graph, chain);
  return number ?? -1;
}

/**
 * Breadth-first from PREROUTING and OUTPUT through every jump (service VIPs included), gathering the DNATs
 * of each chain as it is reached: one pass over the census's slots of the reachable chains.
 */
function searchTable(scan: TargetScan): void {
  for (const hook of ['PREROUTING', 'OUTPUT']) {
    const start = chainNumber(scan.paths.graph, scan.paths.table.chains.get(hook));
    if (start !== -1 && scan.reached[start] === 0) {
      scan.reached[start] = 1;
      scan.queue[scan.queued++] = start;
    }
  }
  for (let i = 0; i < scan.queued; i++) visitChain(scan, scan.queue[i] as number);
}

/** A function of its own, so that V8 optimises the loop over tens of thousands of chains as a whole. */
function visitChain(scan: TargetScan, chain: number): void {
  const { graph, firstJumpSlot, firstJumpFrom } = scan.paths;
  const { slots, ruleSlots } = graph;
  const { reached, queue } = scan;
  const end = ruleSlots[chain + 1] as number;
  for (let slot = ruleSlots[chain] as number; slot < end; slot++) {
    const next = slots[slot] as number;
    if (next < 0) {
      const dnat = dnatAt(next);
      if (dnat !== -1) addDnat(scan, dnat, chain);
    } else if (reached[next] === 0) {
      reached[next] = 1;
      firstJumpSlot[next] = slot;
      firstJumpFrom[next] = chain;
      queue[scan.queued++] = next;
    }
  }
}

/** DNAT number `index` of the census, met in chain number `chain`: added to the target of its address. */
function addDnat(scan: TargetScan, index: number, chain: number): void {
  const key = scan.addresses.keys[index];
  if (key === undefined) return;
  let target = scan.byAddress.get(key);
  if (!target) {
    target = newTarget(scan, index, key);
    scan.byAddress.set(key, target);
    scan.targets.push(target);
  }
  target.numbers.push(index);
  if (chain === scan.dockerChain) scan.paths.docker.ofDockerChain.add(target);
}

/** formatAddress(4, BigInt(value)), without the BigInt and the array. */
function formatV4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** The target of the address of census DNAT `index`, whose key is `key`. */
function newTarget(scan: TargetScan, index: number, key: number | string): FoundTarget {
  const family = scan.paths.family;
  const parsed = scan.addresses.parsed.get(index);
  const address = parsed ?? { family: 4, network: BigInt(key), prefixLen: 32 };
  const name = parsed ? formatAddress(family, parsed.network) : formatV4(key as number);
  const target = new FoundTarget(name, scan.ns.name, family, address, scan.paths);
  const bridge = bridgeContaining(scan.ns, address);
  if (bridge) target.bridge = bridge;
  return target;
}

/** What the first jumps from the hooks to the chain require. */
function chainPathContext(paths: NatPaths, chain: NfChain): ChainContext {
  const jumps: NfRule[] = [];
  // The first jumps come from a breadth-first search, so they never loop; the length guard is for safety.
  for (let c = chainNumber(paths.graph, chain); c !== -1 && paths.firstJumpSlot[c] !== -1 && jumps.length < 64; ) {
    const from = paths.firstJumpFrom[c] as number;
    jumps.push(paths.graph.ruleAt(from, paths.firstJumpSlot[c] as number));
    c = from;
  }
  return pathContext(jumps.reverse());
}

/** Is the address there at all? Checked once per target, however many DNATs point at it. */
export function checkDnatTargetAddress(ns: Namespace, target: DnatTarget, routesKnown: boolean): TargetReachability {
  return checkTargetAddress(ns, { address: target.address, label: target.name, bridge: target.bridge, fromDocker: () => isDockerTarget(target) }, routesKnown);
}

/** Does a Docker DNAT point at the target? See DockerDnats. */
export function isDockerTarget(target: DnatTarget): boolean {
  return target.paths.docker.pointAt(target);
}

/**
 * What the DNATs to the target catch, distinct, in the order met: "tcp/10.96.15.222:8080->:3000" (a
 * service's cluster IP and port, then the target port), "tcp/8080->:80", "udp/53" (the DNAT keeps the port).
 */
export function describeDnatSources(target: DnatTarget): string[] {
  const seen = new Set<string>();
  for (const dnat of target.dnats) seen.add(dnatSource(target.paths, dnat));
  return [...seen];
}

function dnatSource(paths: NatPaths, dnat: NfRule): string {
  const chain = paths.table.chains.get(dnat.chain);
  const c = contextWithRule(chain ? chainPathContext(paths, chain) : pathContext([]), dnat);
  const head = namePrefix(c, paths.family);
  const ports = dnat.target ? parseNatAddress(toDestination(dnat.target))?.ports : undefined;
  return ports ? `${head}:${formatPortRange(ports)}` : head.slice(0, -'->'.length);
}
