/**
 * DNAT targets: each distinct address that DNATs reachable from nat PREROUTING or OUTPUT send connections
 * to, per namespace and family, with every DNAT that points at it. Unlike published ports this includes
 * the DNATs behind service VIPs (Kubernetes cluster IPs): the tens of thousands of kube-proxy endpoints of
 * a large node come down to a few thousand pod addresses, each checked once.
 *
 * Finding them reads only the target and the jump of the rules of the reachable chains (a Kubernetes nat
 * table has over 100k rules, each parsed only when its criteria are first read). What the DNATs match is
 * read only to describe them.
 */
import { formatAddress, type Cidr } from '../../model/net.js';
import type { Bridge, Namespace, NfChain, NfRule, NfTable } from '../../model/types.js';
import type { IptTarget } from '../../parse/types.js';
import { addressKey, bridgeContaining } from '../topology.js';
import { contextWithRule, namePrefix, pathContext, toDestination, type ChainContext } from './nat-paths.js';
import { isDockerDnat } from './port-checks.js';
import { formatPortRange } from './ports.js';
import { findPublishedPorts, type PublishedPort } from './published-ports.js';
import { natTargetV4, parseNatAddress } from './rule-fields.js';
import { checkTargetAddress, type TargetReachability } from './target-reachability.js';

export interface DnatTarget {
  /** Subject name: the address as text, "10.244.3.73", "2001:db8::5". */
  name: string;
  namespace: string;
  family: 4 | 6;
  address: Cidr;
  /** The DNAT rules that send connections here, in the order the search met them. */
  dnats: NfRule[];
  /** The bridge whose subnet holds the address. */
  bridge?: { bridge: Bridge; subnet: string };
  /** How the hooks reach the chains of the nat table: shared by every target of the table. */
  paths: NatPaths;
}

/** One nat table's chains reachable from the hooks, each with the first jump that reaches it (none for the hooks). */
interface NatPaths {
  table: NfTable;
  family: 4 | 6;
  firstJumps: Map<NfChain, NfRule | undefined>;
  dockerDnats: DockerDnats;
}

/** What the search of one nat table builds. */
interface TargetScan {
  ns: Namespace;
  paths: NatPaths;
  byAddress: Map<number | string, DnatTarget>;
  targets: DnatTarget[];
}

/**
 * Every DNAT target of a namespace, IPv4 then IPv6. `publishedPorts` gives the namespace's published ports
 * (findPublishedPorts, or the caller's copy of them): asked for on first use, to tell Docker's DNATs.
 */
export function findDnatTargets(ns: Namespace, publishedPorts: () => readonly PublishedPort[] = () => findPublishedPorts(ns)): DnatTarget[] {
  const targets: DnatTarget[] = [];
  const dockerDnats = new DockerDnats(publishedPorts);
  for (const ruleset of [ns.netfilter.ipv4, ns.netfilter.ipv6]) {
    const table = ruleset?.tables.get('nat');
    if (!ruleset || !table) continue;
    const paths: NatPaths = { table, family: ruleset.family === 'ipv6' ? 6 : 4, firstJumps: new Map(), dockerDnats };
    searchTable({ ns, paths, byAddress: new Map(), targets });
  }
  return targets;
}

/**
 * Which DNATs are Docker's: those in its nat DOCKER chain, and those of published ports that exclude a Docker
 * bridge as input (the published port's own test, isDockerDnat). A DNAT behind a service VIP outside DOCKER is
 * not Docker's: telling would mean reading what every kube-proxy endpoint matches.
 */
class DockerDnats {
  #excluding: Set<NfRule> | undefined = undefined;

  constructor(private readonly publishedPorts: () => readonly PublishedPort[]) {}

  has(dnat: NfRule): boolean {
    if (dnat.chain === 'DOCKER') return true;
    this.#excluding ??= new Set(this.publishedPorts().flatMap((p) => (p.dnat && isDockerDnat(p) ? [p.dnat] : [])));
    return this.#excluding.size > 0 && this.#excluding.has(dnat);
  }
}

/**
 * Breadth-first from PREROUTING and OUTPUT through every jump (service VIPs included), gathering the DNATs
 * of each chain as it is reached: one pass over the reachable rules.
 */
function searchTable(scan: TargetScan): void {
  const { table, firstJumps } = scan.paths;
  const queue: NfChain[] = [];
  for (const hook of ['PREROUTING', 'OUTPUT']) {
    const start = table.chains.get(hook);
    if (start && !firstJumps.has(start)) {
      firstJumps.set(start, undefined);
      queue.push(start);
    }
  }
  for (let i = 0; i < queue.length; i++) visitChain(scan, queue[i] as NfChain, queue);
}

/** A function of its own, so that V8 optimises the loop over tens of thousands of chains as a whole. */
function visitChain(scan: TargetScan, chain: NfChain, queue: NfChain[]): void {
  const firstJumps = scan.paths.firstJumps;
  const rules = chain.rules;
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r] as NfRule;
    const next = rule.jumpChain;
    if (next !== undefined) {
      if (firstJumps.has(next)) continue;
      firstJumps.set(next, rule);
      queue.push(next);
    } else if (rule.target?.name === 'DNAT') {
      addDnat(scan, rule, rule.target);
    }
  }
}

function addDnat(scan: TargetScan, rule: NfRule, dnat: IptTarget): void {
  const text = toDestination(dnat);
  // Most targets are "a.b.c.d:port": their key is read without parsing them in full.
  const v4 = natTargetV4(text);
  const address = v4 === undefined ? parseNatAddress(text)?.address : undefined;
  const family = v4 !== undefined ? 4 : address?.family;
  if (family !== scan.paths.family) return;
  const key = v4 ?? addressKey(address as Cidr);
  let target = scan.byAddress.get(key);
  if (!target) {
    target = newTarget(scan, address ?? { family: 4, network: BigInt(key), prefixLen: 32 });
    scan.byAddress.set(key, target);
    scan.targets.push(target);
  }
  target.dnats.push(rule);
}

function newTarget(scan: TargetScan, address: Cidr): DnatTarget {
  const family = scan.paths.family;
  const target: DnatTarget = { name: formatAddress(family, address.network), namespace: scan.ns.name, family, address, dnats: [], paths: scan.paths };
  const bridge = bridgeContaining(scan.ns, address);
  if (bridge) target.bridge = bridge;
  return target;
}

/** What the first jumps from the hooks to the chain require. */
function chainPathContext(paths: NatPaths, chain: NfChain): ChainContext {
  const jumps: NfRule[] = [];
  // The first jumps come from a breadth-first search, so they never loop; the length guard is for safety.
  for (let jump = paths.firstJumps.get(chain); jump !== undefined && jumps.length < 64; ) {
    jumps.push(jump);
    const from = paths.table.chains.get(jump.chain);
    jump = from && paths.firstJumps.get(from);
  }
  return pathContext(jumps.reverse());
}

/** Is the address there at all? Checked once per target, however many DNATs point at it. */
export function checkDnatTargetAddress(ns: Namespace, target: DnatTarget, routesKnown: boolean): TargetReachability {
  return checkTargetAddress(ns, { address: target.address, label: target.name, bridge: target.bridge, fromDocker: () => isDockerTarget(target) }, routesKnown);
}

/** Does a Docker DNAT point at the target? See DockerDnats. */
export function isDockerTarget(target: DnatTarget): boolean {
  return target.dnats.some((dnat) => target.paths.dockerDnats.has(dnat));
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
