/**
 * Published ports: every DNAT reachable from nat PREROUTING or OUTPUT (Docker's DOCKER chain,
 * kube-proxy's KUBE-SEP-* chains, hand-written port forwards), described by what it matches
 * (protocol, host port, host address, inbound interface and its exclusions such as `! -i docker0`)
 * and where it sends the connection, paired with the filter rules that accept the translated
 * connection (Docker's `-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT`).
 *
 * Filter accepts towards a container address and port that no DNAT points at are reported too
 * (`dnat` absent): the other half of a half-removed publication.
 */
import { formatAddress, type Cidr } from '../../model/net.js';
import type { Bridge, Namespace, NfChain, NfRule, Ruleset } from '../../model/types.js';
import type { IptTarget } from '../../parse/types.js';
import { addressKey, bridgeContaining } from '../topology.js';
import { formatPortRange, type PortRange } from './ports.js';
import {
  excludedInterface,
  parseNatAddress,
  requiredInterface,
  ruleAddress,
  ruleDport,
  ruleProtocol,
  type NatAddress,
} from './rule-fields.js';

export type NatHook = 'PREROUTING' | 'OUTPUT';

export interface PublishedPort {
  /** Subject name: "tcp/8080->172.17.0.2:80", "tcp/192.0.2.10:8080->172.17.0.2:80", "tcp/none->172.17.0.2:80". */
  name: string;
  namespace: string;
  family: 4 | 6;
  ruleset: Ruleset;
  /** The DNAT rule; absent for a filter accept that no DNAT points at. */
  dnat?: NfRule;
  /** Jump rules from the nat hook down to the DNAT, outermost first. */
  via: NfRule[];
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

  if (nat) {
    const scan: DnatScan = { ns, ruleset, family, reach: reachFromHooks(nat.chains), names: { hostTexts: new Map(), prefixes: new Map() }, acceptIndex, claimed, ports };
    for (const chain of nat.chains.values()) {
      const state = scan.reach.get(chain);
      if (state && state.hooks !== 0) addDnatPorts(scan, chain, HOOK_LISTS[state.hooks] ?? []);
    }
  }
  for (const [, rules] of acceptIndex) {
    for (const rule of rules) {
      if (claimed.has(rule) || !isContainerPortAccept(rule)) continue;
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
      ports.push(port);
    }
  }
  return ports;
}

/** What the DNATs of one ruleset share while they are described. */
interface DnatScan {
  ns: Namespace;
  ruleset: Ruleset;
  family: 4 | 6;
  reach: Map<NfChain, ChainReach>;
  names: NameParts;
  acceptIndex: Map<number | string, NfRule[]>;
  /** Accepts that some DNAT's port uses. */
  claimed: Set<NfRule>;
  ports: PublishedPort[];
}

/**
 * The ports of one chain's DNATs. A function of its own rather than the body of the loop over every chain:
 * V8 then optimises it as a whole; the single loop over 40k chains was seen (--trace-deopt) deoptimised mid-way
 * and finished in the interpreter.
 */
function addDnatPorts(scan: DnatScan, chain: NfChain, hooks: NatHook[]): void {
  const rules = chain.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as NfRule;
    const ruleTarget = rule.target;
    if (ruleTarget === undefined || ruleTarget.name !== 'DNAT') continue;
    const target = parseNatAddress(toDestination(ruleTarget));
    if (!target || target.address.family !== scan.family) continue;
    const context = chainContext(chain, scan.reach);
    const port = describe(scan.ns, scan.ruleset, rule, context, hooks, target, scan.names);
    port.accepts = acceptsFor(scan.acceptIndex, port);
    for (const a of port.accepts) scan.claimed.add(a);
    scan.ports.push(port);
  }
}

const HOOK_BITS: Record<NatHook, number> = { PREROUTING: 1, OUTPUT: 2 };
/** Shared hook lists by bit mask, so that thousands of ports do not each allocate one. */
const HOOK_LISTS: NatHook[][] = [[], ['PREROUTING'], ['OUTPUT'], ['PREROUTING', 'OUTPUT']];

/**
 * How the nat hooks reach a chain: which of them (bit mask), and the first jump that does, with its chain.
 * A class, so that the tens of thousands of entries of a Kubernetes nat table share one shape.
 */
class ChainReach {
  hooks: number;
  jump: NfRule | undefined = undefined;
  from: NfChain | undefined = undefined;
  /** What the jumps leading here require; filled in on first use. */
  context: ChainContext | undefined = undefined;

  constructor(hooks: number, jump?: NfRule, from?: NfChain) {
    this.hooks = hooks;
    this.jump = jump;
    this.from = from;
  }
}

/**
 * Chains reachable from nat PREROUTING and OUTPUT, breadth-first from each hook in turn. One Map entry per
 * chain holds everything the ports need: a Kubernetes nat table has tens of thousands of chains.
 */
function reachFromHooks(chains: Map<string, NfChain>): Map<NfChain, ChainReach> {
  const reach = new Map<NfChain, ChainReach>();
  const queue: NfChain[] = [];
  for (const hook of ['PREROUTING', 'OUTPUT'] as const) {
    const bit = HOOK_BITS[hook];
    const start = chains.get(hook);
    if (!start) continue;
    const first = reach.get(start);
    if (first) first.hooks |= bit;
    else reach.set(start, new ChainReach(bit));
    queue.length = 0;
    queue.push(start);
    for (let i = 0; i < queue.length; i++) followJumps(queue[i] as NfChain, bit, reach, queue);
  }
  return reach;
}

/** One step of the search: the chains `chain` jumps to that hook `bit` had not reached yet join the queue. */
function followJumps(chain: NfChain, bit: number, reach: Map<NfChain, ChainReach>, queue: NfChain[]): void {
  const rules = chain.rules;
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r] as NfRule;
    const next = rule.jumpChain;
    if (!next) continue;
    const known = reach.get(next);
    if (!known) reach.set(next, new ChainReach(bit, rule, chain));
    else if (known.hooks & bit) continue;
    else {
      known.hooks |= bit;
      if (!known.jump) {
        known.jump = rule;
        known.from = chain;
      }
    }
    queue.push(next);
  }
}

/**
 * What the jumps leading into a chain require, nearest jump first; shared by every DNAT of the chain.
 * Every field is always present (possibly undefined): one shape for the tens of thousands made.
 */
interface ChainContext {
  via: NfRule[];
  protocol: string | undefined;
  hostPorts: PortRange | undefined;
  hostAddress: Cidr | undefined;
  inInterface: string | undefined;
  excludedIn: string[];
}

const NO_VIA: NfRule[] = [];
const NO_EXCLUSIONS: string[] = [];
const HOOK_CONTEXT: ChainContext = { via: NO_VIA, protocol: undefined, hostPorts: undefined, hostAddress: undefined, inInterface: undefined, excludedIn: NO_EXCLUSIONS };

function chainContext(chain: NfChain, reach: Map<NfChain, ChainReach>, depth = 0): ChainContext {
  const state = reach.get(chain);
  if (state?.context) return state.context;
  const jump = state?.jump;
  const up = state?.from;
  // The first jumps come from a breadth-first search, so they never loop; the depth guard is for safety.
  const outer: ChainContext = jump && up && up !== chain && depth < 64 ? chainContext(up, reach, depth + 1) : HOOK_CONTEXT;
  let context = outer;
  if (jump) {
    context = withRule(outer, jump);
    const via = new Array<NfRule>(outer.via.length + 1);
    for (let i = 0; i < outer.via.length; i++) via[i] = outer.via[i] as NfRule;
    via[outer.via.length] = jump;
    context.via = via;
  }
  if (state) state.context = context;
  return context;
}

/** The context seen from a rule: its own criteria win over those of the jumps before it. */
function withRule(outer: ChainContext, rule: NfRule): ChainContext {
  const excluded = excludedInterface(rule, 'inInterface');
  // `|| undefined`: an empty value counts as none, as it always has.
  return {
    via: outer.via,
    protocol: (ruleProtocol(rule) ?? outer.protocol) || undefined,
    hostPorts: ruleDport(rule) ?? outer.hostPorts,
    hostAddress: ruleAddress(rule, 'destination') ?? outer.hostAddress,
    inInterface: (requiredInterface(rule, 'inInterface') ?? outer.inInterface) || undefined,
    excludedIn: excluded && !outer.excludedIn.includes(excluded) ? [excluded, ...outer.excludedIn] : outer.excludedIn,
  };
}

/** targetOption(target, 'to-destination') ?? '', without the array and closure it makes: once per DNAT. */
function toDestination(target: IptTarget): string {
  for (const option of target.options) if (option.name === 'to-destination') return option.args[0] ?? '';
  return '';
}

/** "192.0.2.10:", "[2001:db8::1]:", "10.0.0.0/8:": the host address part of a port's name. */
function hostText(address: Cidr, family: 4 | 6): string {
  const text = family === 6 ? `[${formatAddress(6, address.network)}]` : formatAddress(4, address.network);
  return `${text}${address.prefixLen === (family === 6 ? 128 : 32) ? '' : `/${address.prefixLen}`}:`;
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
  const c = withRule(chain, dnat);
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

/** "tcp/192.0.2.10:8080->": the name of a port up to its target. */
function namePrefix(c: ChainContext, family: 4 | 6, hostTexts: Map<Cidr, string>): string {
  let host = '';
  if (c.hostAddress) {
    const known = hostTexts.get(c.hostAddress);
    host = known ?? hostText(c.hostAddress, family);
    if (known === undefined) hostTexts.set(c.hostAddress, host);
  }
  return `${c.protocol ?? 'all'}/${host}${c.hostPorts ? formatPortRange(c.hostPorts) : '*'}->`;
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

function acceptsFor(index: Map<number | string, NfRule[]>, port: PublishedPort): NfRule[] {
  if (index.size === 0) return NO_RULES;
  const candidates = index.get(addressKey(port.target.address));
  if (!candidates) return NO_RULES;
  return candidates.filter((rule) => {
    const protocol = ruleProtocol(rule);
    if (protocol && port.protocol && protocol !== port.protocol) return false;
    const dport = ruleDport(rule);
    if (dport && port.targetPort !== undefined && (port.targetPort < dport.from || port.targetPort > dport.to)) return false;
    return true;
  });
}

/** Docker's shape of a per-port accept: one address, a protocol and port, towards an interface. */
function isContainerPortAccept(rule: NfRule): boolean {
  return ruleProtocol(rule) !== undefined && ruleDport(rule) !== undefined && requiredInterface(rule, 'outInterface') !== undefined;
}
