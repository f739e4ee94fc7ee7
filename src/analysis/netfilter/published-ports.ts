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
import { bridgeContaining } from '../topology.js';
import { formatPortRange, type PortRange } from './ports.js';
import {
  excludedInterface,
  parseNatAddress,
  requiredInterface,
  ruleAddress,
  ruleDport,
  ruleProtocol,
  targetOption,
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
    if (ruleset) ports.push(...publishedPortsOf(ns, ruleset));
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
    const reach = reachFromHooks(nat.chains);
    const hostTexts = new Map<Cidr, string>();
    for (const chain of nat.chains.values()) {
      const state = reach.get(chain);
      if (!state) continue;
      const hooks = HOOK_LISTS[state.hooks] ?? [];
      if (hooks.length === 0) continue;
      for (const rule of chain.rules) {
        if (rule.target?.name !== 'DNAT') continue;
        const target = parseNatAddress(targetOption(rule.target, 'to-destination') ?? '');
        if (!target || target.address.family !== family) continue;
        const context = chainContext(chain, reach);
        const port = describe(ns, ruleset, rule, context, hooks, target, hostTexts);
        port.accepts = acceptsFor(acceptIndex, port);
        for (const a of port.accepts) claimed.add(a);
        ports.push(port);
      }
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

const HOOK_BITS: Record<NatHook, number> = { PREROUTING: 1, OUTPUT: 2 };
/** Shared hook lists by bit mask, so that thousands of ports do not each allocate one. */
const HOOK_LISTS: NatHook[][] = [[], ['PREROUTING'], ['OUTPUT'], ['PREROUTING', 'OUTPUT']];

/** How the nat hooks reach a chain: which of them (bit mask), and the first jump that does, with its chain. */
interface ChainReach {
  hooks: number;
  jump?: NfRule;
  from?: NfChain;
  /** What the jumps leading here require; filled in on first use. */
  context?: ChainContext;
}

/**
 * Chains reachable from nat PREROUTING and OUTPUT, breadth-first from each hook in turn. One Map entry per
 * chain holds everything the ports need: a Kubernetes nat table has tens of thousands of chains.
 */
function reachFromHooks(chains: Map<string, NfChain>): Map<NfChain, ChainReach> {
  const reach = new Map<NfChain, ChainReach>();
  for (const hook of ['PREROUTING', 'OUTPUT'] as const) {
    const bit = HOOK_BITS[hook];
    const start = chains.get(hook);
    if (!start) continue;
    const first = reach.get(start);
    if (first) first.hooks |= bit;
    else reach.set(start, { hooks: bit });
    const queue: NfChain[] = [start];
    for (let i = 0; i < queue.length; i++) {
      const chain = queue[i] as NfChain;
      for (const rule of chain.rules) {
        const next = rule.jumpChain;
        if (!next) continue;
        const known = reach.get(next);
        if (!known) reach.set(next, { hooks: bit, jump: rule, from: chain });
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
  }
  return reach;
}

/** What the jumps leading into a chain require, nearest jump first; shared by every DNAT of the chain. */
interface ChainContext {
  via: NfRule[];
  protocol?: string;
  hostPorts?: PortRange;
  hostAddress?: Cidr;
  inInterface?: string;
  excludedIn: string[];
}

function chainContext(chain: NfChain, reach: Map<NfChain, ChainReach>, depth = 0): ChainContext {
  const state = reach.get(chain);
  if (state?.context) return state.context;
  const jump = state?.jump;
  const up = state?.from;
  // The first jumps come from a breadth-first search, so they never loop; the depth guard is for safety.
  const outer: ChainContext = jump && up && up !== chain && depth < 64 ? chainContext(up, reach, depth + 1) : { via: [], excludedIn: [] };
  const context: ChainContext = jump ? withRule(outer, jump) : outer;
  if (jump) {
    context.via = outer.via.slice();
    context.via.push(jump);
  }
  if (state) state.context = context;
  return context;
}

/** The context seen from a rule: its own criteria win over those of the jumps before it. */
function withRule(outer: ChainContext, rule: NfRule): ChainContext {
  const context: ChainContext = { via: outer.via, excludedIn: outer.excludedIn };
  const protocol = ruleProtocol(rule) ?? outer.protocol;
  const hostPorts = ruleDport(rule) ?? outer.hostPorts;
  const hostAddress = ruleAddress(rule, 'destination') ?? outer.hostAddress;
  const inInterface = requiredInterface(rule, 'inInterface') ?? outer.inInterface;
  const excluded = excludedInterface(rule, 'inInterface');
  if (protocol) context.protocol = protocol;
  if (hostPorts) context.hostPorts = hostPorts;
  if (hostAddress) context.hostAddress = hostAddress;
  if (inInterface) context.inInterface = inInterface;
  if (excluded && !outer.excludedIn.includes(excluded)) context.excludedIn = [excluded, ...outer.excludedIn];
  return context;
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
  hostTexts: Map<Cidr, string>,
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

  // Many ports share the address of their service's jump: format each address once.
  let host = '';
  if (c.hostAddress) {
    const known = hostTexts.get(c.hostAddress);
    host = known ?? hostText(c.hostAddress, family);
    if (known === undefined) hostTexts.set(c.hostAddress, host);
  }
  port.name = `${c.protocol ?? 'all'}/${host}${c.hostPorts ? formatPortRange(c.hostPorts) : '*'}->${target.text}`;
  return port;
}

/** Filter ACCEPT rules with a single destination address, indexed by that address. */
function indexAccepts(ruleset: Ruleset): Map<string, NfRule[]> {
  const index = new Map<string, NfRule[]>();
  const filter = ruleset.tables.get('filter');
  if (!filter) return index;
  for (const chain of filter.chains.values()) {
    for (const rule of chain.rules) {
      if (rule.target?.name !== 'ACCEPT') continue;
      const dst = ruleAddress(rule, 'destination');
      if (!dst || dst.prefixLen !== (dst.family === 4 ? 32 : 128)) continue;
      const key = `${dst.family}|${dst.network}`;
      const list = index.get(key);
      if (list) list.push(rule);
      else index.set(key, [rule]);
    }
  }
  return index;
}

const NO_RULES: NfRule[] = [];

function acceptsFor(index: Map<string, NfRule[]>, port: PublishedPort): NfRule[] {
  if (index.size === 0) return NO_RULES;
  const candidates = index.get(`${port.target.address.family}|${port.target.address.network}`);
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
