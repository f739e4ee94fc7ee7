/**
 * Does an iptables rule match a packet class? Every criterion of the rule (built-in -s/-d/-i/-o/-p/-f
 * and each match module's options) is compiled once per rule into a three-valued test; the rule
 * matches when all of them do. Modules whose state the snapshot cannot show (ipset contents, marks,
 * rate limits, recent lists) answer "maybe".
 */
import { parseCidr } from '../../model/net.js';
import type { IptMatch, IptOption, IptRule, IptValue } from '../../parse/types.js';
import { cidrMatcher, matchAddressRange, parseAddressRange } from './addresses.js';
import type { AddressSpec, ConnState, InterfaceSpec, PacketClass } from './packet.js';
import { parsePortList, parsePortRange, portInRanges, type PortRange } from './ports.js';
import { triAnd, triNegate, triOf, type Tri } from './tri.js';

type Criterion = (p: PacketClass) => Tri;

const MAYBE: Criterion = () => 'maybe';

const compiled = new WeakMap<IptRule, Criterion[]>();

export function matchRule(rule: IptRule, packet: PacketClass): Tri {
  let criteria = compiled.get(rule);
  if (!criteria) {
    criteria = compileRule(rule);
    compiled.set(rule, criteria);
  }
  let result: Tri = 'yes';
  for (const criterion of criteria) {
    result = triAnd(result, criterion(packet));
    if (result === 'no') return 'no';
  }
  return result;
}

function compileRule(rule: IptRule): Criterion[] {
  const criteria: Criterion[] = [];
  if (rule.protocol) criteria.push(protocolCriterion(rule.protocol));
  if (rule.source) criteria.push(addressCriterion(rule.source, (p) => p.src));
  if (rule.destination) criteria.push(addressCriterion(rule.destination, (p) => p.dst));
  if (rule.inInterface) criteria.push(interfaceCriterion(rule.inInterface, (p) => p.in));
  if (rule.outInterface) criteria.push(interfaceCriterion(rule.outInterface, (p) => p.out));
  if (rule.fragment) {
    const negated = rule.fragment.negated;
    criteria.push((p) => triNegate(triOf(p.fragment ?? false), negated));
  }
  for (const match of rule.matches) criteria.push(...compileMatch(match));
  return criteria;
}

/* ---------- built-in criteria ---------- */

const PROTOCOL_NAMES: Record<string, string> = {
  '1': 'icmp',
  '6': 'tcp',
  '17': 'udp',
  '58': 'ipv6-icmp',
  '132': 'sctp',
  '33': 'dccp',
  '136': 'udplite',
  icmpv6: 'ipv6-icmp',
  'ipv6-icmp': 'ipv6-icmp',
};

export function normaliseProtocol(name: string): string {
  const lower = name.toLowerCase();
  return Object.hasOwn(PROTOCOL_NAMES, lower) ? (PROTOCOL_NAMES[lower] as string) : lower;
}

function protocolCriterion(value: IptValue): Criterion {
  const proto = normaliseProtocol(value.value);
  if (proto === 'all' || proto === '0') return (_p) => triNegate('yes', value.negated);
  return (p) => triNegate(p.protocol === undefined ? 'maybe' : triOf(normaliseProtocol(p.protocol) === proto), value.negated);
}

function addressCriterion(value: IptValue, pick: (p: PacketClass) => AddressSpec | undefined): Criterion {
  const cidr = parseCidr(value.value);
  if (!cidr) return MAYBE;
  const test = cidrMatcher(cidr);
  return (p) => (cidr.family !== p.family ? 'maybe' : triNegate(test(pick(p)), value.negated));
}

/** iptables interface names: exact, or a prefix when ending in "+" ("veth+"). */
export function interfaceNameMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

export function matchInterface(pattern: string, spec: InterfaceSpec | undefined): Tri {
  if (pattern === '+') return 'yes';
  if (!spec) return 'maybe';
  if ('name' in spec) return triOf(interfaceNameMatches(pattern, spec.name));
  // "any interface but X": an exact name among the exclusions cannot match; anything else may.
  return !pattern.endsWith('+') && spec.except.includes(pattern) ? 'no' : 'maybe';
}

function interfaceCriterion(value: IptValue, pick: (p: PacketClass) => InterfaceSpec | undefined): Criterion {
  return (p) => triNegate(matchInterface(value.value, pick(p)), value.negated);
}

/* ---------- match modules ---------- */

type OptionCompiler = (option: IptOption) => Criterion;

function compileMatch(match: IptMatch): Criterion[] {
  const name = match.module.toLowerCase();
  // Names come from the input: look up own properties only ("constructor" is not a module).
  const module = Object.hasOwn(MODULES, name) ? MODULES[name] : undefined;
  if (!module) return [MAYBE];
  return match.options.map((option) => {
    const compile = Object.hasOwn(module, option.name) ? module[option.name] : undefined;
    if (!compile) return MAYBE;
    const criterion = compile(option);
    return option.negated ? (p: PacketClass) => triNegate(criterion(p), true) : criterion;
  });
}

function arg(option: IptOption, index = 0): string {
  return option.args[index] ?? '';
}

function portCriterion(pick: (p: PacketClass) => number | undefined, parse: (text: string) => PortRange[] | undefined): OptionCompiler {
  return (option) => {
    const ranges = parse(arg(option));
    if (!ranges) return MAYBE;
    return (p) => {
      const port = pick(p);
      return port === undefined ? 'maybe' : triOf(portInRanges(port, ranges));
    };
  };
}

const singleRange = (text: string): PortRange[] | undefined => {
  const range = parsePortRange(text);
  return range ? [range] : undefined;
};

const dport = portCriterion((p) => p.dport, singleRange);
const sport = portCriterion((p) => p.sport, singleRange);

const PORT_MODULE: Record<string, OptionCompiler> = {
  dport,
  'destination-port': dport,
  dports: dport,
  sport,
  'source-port': sport,
  sports: sport,
};

const TCP_MODULE: Record<string, OptionCompiler> = {
  ...PORT_MODULE,
  // A bare SYN opens a connection: never part of an established one.
  syn: () => (p) => (p.state === undefined || p.state === 'NEW' ? 'maybe' : 'no'),
};

const multiDport = portCriterion((p) => p.dport, parsePortList);
const multiSport = portCriterion((p) => p.sport, parsePortList);
const multiEither: OptionCompiler = (option) => {
  const ranges = parsePortList(arg(option));
  if (!ranges) return MAYBE;
  return (p) => {
    const hits = [p.sport, p.dport].map((port) => (port === undefined ? 'maybe' : triOf(portInRanges(port, ranges))));
    if (hits.includes('yes')) return 'yes';
    return hits.includes('maybe') ? 'maybe' : 'no';
  };
};

const CONN_STATES = new Set<string>(['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED']);

function stateCriterion(option: IptOption): Criterion {
  const wanted = arg(option).toUpperCase().split(',');
  return (p) => {
    let result: Tri = 'no';
    for (const state of wanted) {
      let hit: Tri;
      if (CONN_STATES.has(state)) hit = p.state === undefined ? 'maybe' : triOf(p.state === (state as ConnState));
      else if (state === 'DNAT') hit = triOf(p.dnat);
      else if (state === 'SNAT') hit = triOf(p.snat);
      else hit = 'maybe';
      if (hit === 'yes') return 'yes';
      if (hit === 'maybe') result = 'maybe';
    }
    return result;
  };
}

function addressOption(pick: (p: PacketClass) => AddressSpec | undefined): OptionCompiler {
  return (option) => {
    const cidr = parseCidr(arg(option));
    if (!cidr) return MAYBE;
    const test = cidrMatcher(cidr);
    return (p) => (cidr.family !== p.family ? 'maybe' : test(pick(p)));
  };
}

function rangeOption(pick: (p: PacketClass) => AddressSpec | undefined): OptionCompiler {
  return (option) => {
    const range = parseAddressRange(arg(option));
    if (!range) return MAYBE;
    return (p) => (range.family !== p.family ? 'maybe' : matchAddressRange(range, pick(p)));
  };
}

function addrTypeOption(pick: (p: PacketClass) => boolean | undefined): OptionCompiler {
  return (option) => {
    const types = arg(option).toUpperCase().split(',');
    return (p) => {
      const local = pick(p);
      if (local === undefined) return 'maybe';
      // The kernel classifies an address of this host as LOCAL, a routable one elsewhere as UNICAST.
      return triOf(types.includes(local ? 'LOCAL' : 'UNICAST'));
    };
  };
}

const MODULES: Record<string, Record<string, OptionCompiler>> = {
  tcp: TCP_MODULE,
  udp: PORT_MODULE,
  udplite: PORT_MODULE,
  sctp: PORT_MODULE,
  dccp: PORT_MODULE,
  multiport: {
    dports: multiDport,
    'destination-ports': multiDport,
    sports: multiSport,
    'source-ports': multiSport,
    ports: multiEither,
  },
  conntrack: {
    ctstate: stateCriterion,
    ctproto: (option) => protocolCriterion({ value: arg(option), negated: false }),
    ctorigsrc: addressOption((p) => (p.direction === 'REPLY' ? undefined : p.src)),
    ctorigdst: addressOption((p) => p.origDst ?? (p.dnat === false && p.direction !== 'REPLY' ? p.dst : undefined)),
    ctorigdstport: portCriterion((p) => p.origDport ?? (p.dnat === false && p.direction !== 'REPLY' ? p.dport : undefined), singleRange),
    ctdir: (option) => {
      const wanted = arg(option).toUpperCase();
      return (p) => (p.direction === undefined ? 'maybe' : triOf(p.direction === wanted));
    },
  },
  state: { state: stateCriterion },
  addrtype: {
    'src-type': addrTypeOption((p) => p.srcLocal),
    'dst-type': addrTypeOption((p) => p.dstLocal),
  },
  iprange: {
    'src-range': rangeOption((p) => p.src),
    'dst-range': rangeOption((p) => p.dst),
  },
  comment: { comment: () => () => 'yes' },
  mark: {
    // --mark VALUE[/MASK]: (nfmark & MASK) == VALUE; unknown without an exact mark.
    mark: (option) => {
      const wanted = parseMark(arg(option));
      if (!wanted) return MAYBE;
      return (p) => (p.mark === undefined ? 'maybe' : triOf(((p.mark & wanted.mask) >>> 0) === wanted.value));
    },
  },
  physdev: {
    // br_netfilter sets these for bridged frames (xt_physdev.c): a routed packet has no bridge ports, so every
    // option fails on it (and matches negated); "bridged" means the bridge sends the frame out of a port.
    'physdev-is-bridged': () => (p) => (p.bridged === undefined ? 'maybe' : triOf(p.bridged && p.physOut !== undefined)),
    'physdev-is-in': () => (p) => (p.bridged === undefined ? 'maybe' : triOf(p.bridged && p.physIn !== undefined)),
    'physdev-is-out': () => (p) => (p.bridged === undefined ? 'maybe' : triOf(p.bridged && p.physOut !== undefined)),
    'physdev-in': physdevOption((p) => p.physIn),
    'physdev-out': physdevOption((p) => p.physOut),
  },
  pkttype: {
    // Packet classes describe unicast traffic.
    'pkt-type': (option) => {
      const type = arg(option).toLowerCase();
      return () => triOf(type === 'unicast');
    },
  },
};

/** --physdev-in/--physdev-out NAME: the bridge port, by iptables interface-name rules ("tap+"). */
function physdevOption(pick: (p: PacketClass) => string | undefined): OptionCompiler {
  return (option) => {
    const pattern = arg(option);
    return (p) => {
      if (p.bridged === undefined) return 'maybe';
      if (!p.bridged) return 'no';
      const port = pick(p);
      return port === undefined ? 'no' : triOf(interfaceNameMatches(pattern, port));
    };
  };
}

/** "0x4000/0x4000", "0x1", "16": a mark value and mask (32 bits; no mask means all bits). */
export function parseMark(text: string): { value: number; mask: number } | undefined {
  const [v, m] = text.split('/');
  const value = v === undefined ? Number.NaN : Number(v);
  const mask = m === undefined ? 0xffffffff : Number(m);
  if (!Number.isInteger(value) || !Number.isInteger(mask) || value < 0 || mask < 0 || value > 0xffffffff || mask > 0xffffffff) return undefined;
  return { value: value >>> 0, mask: mask >>> 0 };
}
