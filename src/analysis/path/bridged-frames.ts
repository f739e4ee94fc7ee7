/**
 * Bridged frames: what br_netfilter does to a frame a bridge forwards from one of its ports to another
 * (layer 2, not routed). With the br_netfilter module loaded, the frame's IP packet crosses the PREROUTING,
 * FORWARD and POSTROUTING hooks of every ruleset when net.bridge.bridge-nf-call-iptables is 1 in the
 * namespace OR the bridge's own nf_call_iptables option is on (`ip -d link`: `nf_call_iptables 1`; set with
 * `ip link set br0 type bridge nf_call_iptables 1`): the kernel takes either (br_netfilter_hooks.c,
 * br_nf_pre_routing). There the bridge is the input and output device (`-i br0 -o br0`) and its ports are
 * the physdev in and out (`-m physdev --physdev-in vnet0 --physdev-out eth0 --physdev-is-bridged`).
 *
 * NAT chains are not run for bridged frames: a destination NAT would make br_netfilter route the frame
 * instead of bridging it, which the engine does not follow.
 */
import { formatAddress } from '../../model/net.js';
import type { Interface } from '../../model/types.js';
import type { Evidence } from '../../parse/common.js';
import type { Hook } from './hooks.js';
import type { NamespaceView } from './namespace-view.js';
import { runHook } from './netfilter-stage.js';
import { describePacket, formatEndpoint, type ChainContext, type ConnectionView } from './packet.js';
import type { Packet, TraceStep } from './types.js';

export interface BridgeNetfilterCall {
  /** yes: the bridge's frames cross the IP hooks; no: they skip them; maybe: the snapshot cannot tell. */
  calls: 'yes' | 'no' | 'maybe';
  note: string;
  evidence: Evidence[];
}

const SYSCTL_KEY: Record<4 | 6, string> = { 4: 'net.bridge.bridge-nf-call-iptables', 6: 'net.bridge.bridge-nf-call-ip6tables' };
const BRIDGE_OPTION: Record<4 | 6, string> = { 4: 'nf_call_iptables', 6: 'nf_call_ip6tables' };

/** The bridge's own nf_call_iptables (ip -d link), when printed: iproute2 gives a number, its text form maybe on/off. */
function bridgeOption(bridge: Interface, family: 4 | 6): number | undefined {
  const value = bridge.infoData?.[BRIDGE_OPTION[family]];
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/** Does br_netfilter hand the frames `bridge` forwards to iptables (ip6tables for family 6)? Per bridge: the namespace's sysctl or the bridge's own option. */
export function bridgeCallsNetfilter(view: NamespaceView, bridge: Interface, family: 4 | 6): BridgeNetfilterCall {
  const key = SYSCTL_KEY[family];
  const option = BRIDGE_OPTION[family];
  const tool = family === 4 ? 'iptables' : 'ip6tables';
  if (!view.ns.sysctl.available) {
    return { calls: 'maybe', note: `sysctl -a of namespace ${view.name} was not collected: whether br_netfilter hands bridged frames to ${tool} is not known`, evidence: [] };
  }
  const global = view.sysctlNumber(key);
  if (global.value === undefined) return { calls: 'no', note: `${key} is not in sysctl -a (br_netfilter not loaded): bridged frames skip ${tool}`, evidence: [] };
  if (global.value === 1) return { calls: 'yes', note: `${key} = 1: ${tool} FORWARD sees the frames ${bridge.name} bridges`, evidence: global.evidence };
  const own = bridgeOption(bridge, family);
  const both = [...global.evidence, bridge.evidence];
  if (own === 1) return { calls: 'yes', note: `${key} = ${global.value}, but ${bridge.name}'s own ${option} is 1: ${tool} FORWARD sees the frames it bridges`, evidence: both };
  if (own !== undefined) return { calls: 'no', note: `${key} = ${global.value} and ${bridge.name}'s own ${option} is ${own}: bridged frames skip ${tool}`, evidence: both };
  return {
    calls: 'no',
    note: `${key} = ${global.value}: bridged frames skip ${tool} (${bridge.name}'s own ${option} is not in ip link, which shows it with -d: the kernel's default 0 assumed)`,
    evidence: global.evidence,
  };
}

export interface BridgedFrame {
  /** The bridge step (does br_netfilter call iptables, and why), then the hooks' steps. */
  steps: TraceStep[];
  /** The step that certainly dropped the frame. */
  drop?: TraceStep;
  /** Every step was decided. */
  certain: boolean;
  call: BridgeNetfilterCall;
}

/**
 * A frame `bridge` forwards from port `inPort` to port `outPort`: the bridge step, then (when br_netfilter
 * calls iptables) the filtering chains of the PREROUTING, FORWARD and POSTROUTING hooks, every ruleset by
 * priority. `packet` is the frame's IP packet; a MARK rule changes its mark in place, as on the routed path.
 */
export function bridgedFrame(view: NamespaceView, bridge: Interface, inPort: string, outPort: string, packet: Packet, connection: ConnectionView): BridgedFrame {
  const call = bridgeCallsNetfilter(view, bridge, packet.family);
  const first: TraceStep = {
    namespace: view.name,
    stage: 'bridge',
    verdict: call.calls === 'maybe' ? 'maybe' : 'continue',
    packet: describePacket(packet),
    note: `bridged from ${inPort} to ${outPort}; ${call.note}`,
    evidence: call.evidence,
  };
  const frame: BridgedFrame = { steps: [first], certain: call.calls !== 'maybe', call };
  if (call.calls !== 'yes') return frame;
  const local = {
    srcLocal: view.ownAddress(packet.family, packet.src) !== undefined,
    dstLocal: view.ownAddress(packet.family, packet.dst) !== undefined,
    connection,
  };
  const hooks: [Hook, ChainContext][] = [
    ['prerouting', { ...local, in: bridge.name, bridged: { physIn: inPort } }],
    ['forward', { ...local, in: bridge.name, out: bridge.name, bridged: { physIn: inPort, physOut: outPort } }],
    ['postrouting', { ...local, out: bridge.name, bridged: { physIn: inPort, physOut: outPort } }],
  ];
  for (const [hook, ctx] of hooks) {
    const outcome = runHook(view, hook, packet, ctx, false);
    frame.steps.push(...outcome.steps);
    if (outcome.steps.some((s) => s.verdict === 'maybe')) frame.certain = false;
    if (outcome.dropped) {
      const drop = outcome.steps.find((s) => s.verdict === 'drop');
      if (drop) frame.drop = drop;
      return frame;
    }
  }
  return frame;
}

/** "tcp 192.0.2.50:40000 > 198.51.100.1:443 bridged from vnet0 to eth0 on br0", for messages. */
export function describeBridgedFrame(bridge: string, inPort: string, outPort: string, packet: Packet): string {
  const to = formatEndpoint(packet.family, packet.dst, packet.dport);
  return `${packet.protocol.toUpperCase()} from ${formatAddress(packet.family, packet.src)} to ${to}, bridged by ${bridge} from ${inPort} to ${outPort}`;
}
