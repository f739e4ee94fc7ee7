/**
 * Facts of kind `bridge` (enumerated by bridge.ts) about a bridge that carries guests onto the LAN: a bridge
 * that enslaves the uplink (KVM and Proxmox `vmbr0`, LXD or Incus bridged to the LAN, a host whose address
 * sits on `br0`). When br_netfilter hands the frames it bridges to iptables (the namespace's
 * bridge-nf-call-iptables, or the bridge's own nf_call_iptables), they cross FORWARD, and Docker's FORWARD
 * policy DROP (or any catch-all drop) cuts the guests off the LAN. The packet-path engine's bridged-frame
 * stage answers (src/analysis/path/bridged-frames.ts), for one new connection of a guest leaving by the uplink port.
 */
import { bridgedFrame, describeBridgedFrame, type BridgedFrame } from '../../analysis/path/bridged-frames.js';
import { describeStep, stepEvidence } from '../../analysis/path/hook-question.js';
import { decisionRules, iptablesDecisionOf } from '../../analysis/path/netfilter-stage.js';
import { nftDecidingRule } from '../../analysis/path/nft-stage.js';
import type { Packet, TraceStep } from '../../analysis/path/types.js';
import { interfaceNameMatches } from '../../analysis/netfilter/match.js';
import { cidrContains, parseAddress, parseCidr, type Cidr } from '../../model/net.js';
import type { Bridge, Evidence, Interface, NfRule } from '../../model/types.js';
import { mergeEvidence, primaryEvidence } from './lib/evidence.js';
import { pathEngineOf } from './lib/path-engine.js';
import { subjectMemo } from './lib/subject-memo.js';
import { l2UplinkPorts, uplinks, usableAddresses, vethByInterface } from './lib/topology.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const KEY = 'bridged-uplink:';
/** Where a guest's connection goes: an address on the internet beyond the LAN (documentation ranges). */
const OUTSIDE: Record<4 | 6, string[]> = { 4: ['198.51.100.1', '203.0.113.1', '192.0.2.1'], 6: ['2001:db8:ffff::1', '2001:db8::1'] };
const CLIENT_PORT = 40000;
const EGRESS_PORT = 443;

interface Guest {
  port: string;
  family: 4 | 6;
  address: bigint;
  /** The collected namespace behind the port, when a veth leads into one. */
  namespace?: string;
  /** Its address line in that namespace, else its port's line. */
  evidence: Evidence;
}

interface BridgedUplink {
  uplink: Interface;
  guest: Guest;
  packet: Packet;
  frame: BridgedFrame;
  /** The frame is certainly dropped, by a policy or a rule that does not single out this bridge, its ports or the guest. */
  blocked: boolean;
}

/**
 * The port that leads to the LAN: a NIC, bond, VLAN or tunnel port; else, when the namespace's default route
 * leaves by this bridge, its one port whose other side is not a collected namespace (the veth or NIC the
 * gateway is behind). None when that is ambiguous.
 */
function uplinkPort(env: FactEnv, bridge: Bridge): Interface | undefined {
  const l2 = l2UplinkPorts(bridge);
  if (l2.length > 0) return l2.find((i) => i.adminUp) ?? l2[0];
  if (!uplinks(env, env.namespace).devices.includes(bridge.name)) return undefined;
  const open = bridge.ports.filter((p) => {
    if (!p.interface) return false;
    if (p.interface.kind !== 'veth') return p.interface.kind !== 'tun';
    return vethByInterface(env, env.namespace).get(p.interface.name)?.peer.resolved !== true;
  });
  return open.length === 1 ? open[0]!.interface : undefined;
}

function subnetsOf(bridge: Bridge, family: 4 | 6): Cidr[] {
  return bridge.subnets.map((s) => parseCidr(s)).filter((c): c is Cidr => c !== undefined && c.family === family);
}

/** A guest on another port: the address of the collected namespace behind it, else a free address of the bridge's subnet. */
function guestOf(env: FactEnv, bridge: Bridge, uplink: Interface, family: 4 | 6): Guest | undefined {
  const others = bridge.ports.filter((p) => p.interface && p.interface !== uplink);
  for (const port of others) {
    const peer = port.interface ? vethByInterface(env, env.namespace).get(port.interface.name)?.peer : undefined;
    if (!peer?.resolved) continue;
    const address = usableAddresses(peer.interface, family)[0];
    const value = address ? parseAddress(address.address)?.value : undefined;
    if (address && value !== undefined) return { port: port.name, family, address: value, namespace: peer.namespace, evidence: address.evidence ?? peer.interface.evidence };
  }
  const first = others[0];
  const subnet = subnetsOf(bridge, family)[0];
  if (!first?.interface || !subnet) return undefined;
  const view = pathEngineOf(env).view(env.namespace);
  const size = 1n << BigInt((family === 4 ? 32 : 128) - subnet.prefixLen);
  for (let offset = 2n; offset < size - 1n && offset < 16n; offset++) {
    const candidate = subnet.network + offset;
    if (!view.ownAddress(family, candidate)) return { port: first.name, family, address: candidate, evidence: first.interface.evidence };
  }
  return undefined;
}

/** Does the dropping rule single out this bridge, its ports or the guest (an isolation on purpose), rather than drop what it does not know? */
function singlesOut(step: TraceStep, bridge: Bridge, guest: Guest): boolean {
  const decision = iptablesDecisionOf(step);
  if (decision) {
    if (decision.by === 'policy') return false;
    return decisionRules(decision).some((rule) => namesBridge(rule, bridge, guest));
  }
  if (step.rule?.startsWith('policy ')) return false;
  const text = nftDecidingRule(step)?.text ?? step.note;
  return [bridge.name, ...bridge.ports.map((p) => p.name)].some((name) => text.includes(`"${name}"`)) || /\b[sd]addr (?!!=)/.test(text);
}

function namesBridge(rule: NfRule, bridge: Bridge, guest: Guest): boolean {
  for (const iface of [rule.inInterface, rule.outInterface]) if (iface && !iface.negated && interfaceNameMatches(iface.value, bridge.name) && iface.value !== '+') return true;
  for (const address of [rule.source, rule.destination]) {
    const cidr = address && !address.negated ? parseCidr(address.value) : undefined;
    if (cidr && cidr.family === guest.family && cidr.prefixLen > 0 && cidrContains(cidr, hostCidr(guest.family, guest.address))) return true;
  }
  return rule.matches.some((m) => m.module === 'physdev' && m.options.some((o) => !o.negated && (o.name === 'physdev-in' || o.name === 'physdev-out')));
}

function hostCidr(family: 4 | 6, address: bigint): Cidr {
  return { family, network: address, prefixLen: family === 4 ? 32 : 128 };
}

/** One family's question: a guest's new connection out, bridged from its port to the uplink port. */
function ask(env: FactEnv, bridge: Bridge, iface: Interface, uplink: Interface, family: 4 | 6): BridgedUplink | undefined {
  const guest = guestOf(env, bridge, uplink, family);
  if (!guest) return undefined;
  const subnets = subnetsOf(bridge, family);
  const dst = OUTSIDE[family]
    .map((text) => parseAddress(text))
    .find((a) => a !== undefined && a.family === family && a.value !== guest.address && !subnets.some((s) => cidrContains(s, hostCidr(family, a.value))))?.value;
  if (dst === undefined) return undefined;
  const packet: Packet = { family, src: guest.address, dst, protocol: 'tcp', sport: CLIENT_PORT, dport: EGRESS_PORT, mark: 0 };
  const view = pathEngineOf(env).view(env.namespace);
  const frame = bridgedFrame(view, iface, guest.port, uplink.name, { ...packet }, { state: 'NEW', direction: 'ORIGINAL', dnat: false, snat: false });
  const blocked = frame.drop !== undefined && !singlesOut(frame.drop, bridge, guest);
  return { uplink, guest, packet, frame, blocked };
}

/** IPv4, and IPv6 where a guest has an address of it: the blocked one, else the IPv4 answer. */
function answer(env: FactEnv, bridge: Bridge): BridgedUplink | undefined {
  return subjectMemo(env, KEY, bridge, (): BridgedUplink | undefined => {
    const iface = bridge.interface;
    if (!iface?.adminUp) return undefined;
    const uplink = uplinkPort(env, bridge);
    if (!uplink) return undefined;
    const answers = ([4, 6] as const).map((family) => ask(env, bridge, iface, uplink, family)).filter((a): a is BridgedUplink => a !== undefined);
    return answers.find((a) => a.blocked) ?? answers[0];
  });
}

const facts = defineFacts<Bridge>('bridge', [
  {
    name: 'lanUplinkPort',
    type: 'string',
    description:
      'The port that bridges the bridge onto the LAN: a NIC, bond, VLAN or tunnel port, or, when the default route leaves by the bridge, its one port whose other side is not a collected namespace (empty when there is none, or no other port to carry guests)',
    example: 'eth0',
    compute: (b, env) => answer(env, b)?.uplink.name ?? '',
  },
  {
    name: 'bridgedFramesFiltered',
    type: 'string',
    description:
      'Whether br_netfilter hands the frames this bridge forwards between its ports to iptables (ip6tables for IPv6): "yes" (net.bridge.bridge-nf-call-iptables = 1 in the namespace, or the bridge\'s own nf_call_iptables = 1: the kernel takes either), "no" (both off, or br_netfilter not loaded), "maybe" (sysctl -a not collected); for the family of bridgedUplinkFrame; empty when the bridge has no LAN uplink port',
    example: 'yes',
    compute: (b, env) => answer(env, b)?.frame.call.calls ?? '',
  },
  {
    name: 'bridgedUplinkBlocked',
    type: 'boolean',
    description:
      'A guest\'s new TCP connection (IPv4, or IPv6 where a guest has an IPv6 address), bridged from its port to the LAN uplink port, is certainly dropped in the PREROUTING, FORWARD or POSTROUTING hook (br_netfilter on for the bridge) by a chain policy or a rule that does not single out the bridge, its ports or the guest (packet-path engine, every ruleset by priority)',
    example: false,
    compute: (b, env) => answer(env, b)?.blocked ?? false,
  },
  {
    name: 'bridgedUplinkFrame',
    type: 'string',
    description: 'The guest connection asked about, for messages',
    example: 'TCP from 192.0.2.50 to 198.51.100.1:443, bridged by br0 from vnet0 to eth0',
    compute: (b, env) => {
      const a = answer(env, b);
      return a ? describeBridgedFrame(b.name, a.guest.port, a.uplink.name, a.packet) : '';
    },
  },
  {
    name: 'bridgedUplinkGuest',
    type: 'string',
    description: 'Where the guest sits: the collected namespace behind the port, or "a guest" when no namespace behind it was collected',
    example: 'namespace vm1',
    compute: (b, env) => {
      const guest = answer(env, b)?.guest;
      return guest ? (guest.namespace ? `namespace ${guest.namespace}` : 'a guest') : '';
    },
  },
  {
    name: 'bridgedUplinkDrop',
    type: 'string',
    description: 'The step that drops the frame, in words (empty when not blocked)',
    example: 'the DROP policy of filter/FORWARD',
    compute: (b, env) => {
      const a = answer(env, b);
      return a?.blocked && a.frame.drop ? describeStep(a.frame.drop) : '';
    },
  },
  {
    name: 'bridgedUplinkWhy',
    type: 'string',
    description: 'Why iptables sees the bridged frames: the sysctl or the bridge option (empty when not blocked)',
    example: 'net.bridge.bridge-nf-call-iptables = 1: iptables FORWARD sees the frames br0 bridges',
    compute: (b, env) => {
      const a = answer(env, b);
      return a?.blocked ? a.frame.call.note : '';
    },
  },
  {
    name: 'bridgedUplinkEvidence',
    type: EVIDENCE_TYPE,
    description: 'The bridge and its uplink port, the guest (its address in the collected namespace, else its port), the sysctl or bridge line that sends the frames through iptables, then the lines of the dropping step (the policy or rule, primary)',
    compute: (b, env) => {
      const a = answer(env, b);
      if (!a?.blocked || !a.frame.drop) return [];
      const drop = stepEvidence(a.frame.drop);
      const deciding = drop.at(-1);
      return mergeEvidence(b.evidence.slice(0, 1), a.uplink.evidence, a.guest.evidence, a.frame.call.evidence, drop.slice(0, -1), deciding ? primaryEvidence(deciding) : undefined);
    },
  },
]);

export const bridgedUplinkModule: FactModule<Bridge> = { facts };
