/**
 * Bridges and their ports, merged from what each source tells: ip link (kind bridge, `master`),
 * brctl show (ports by name) and bridge -j link (port STP state).
 */
import type { Evidence } from '../parse/common.js';
import type { BrctlBridge, BridgeLinkEntry } from '../parse/types.js';
import { isUsableSubnet } from './interfaces.js';
import type { Bridge, BridgePort, Interface } from './types.js';

export interface BridgeInputs {
  namespace: string;
  interfaces: Interface[];
  interfaceByName: Map<string, Interface>;
  brctl?: BrctlBridge[];
  brctlLabel: string;
  bridgeLinks?: BridgeLinkEntry[];
  bridgeLinkLabel: string;
}

export function buildBridges(inputs: BridgeInputs): Bridge[] {
  const byName = new Map<string, Bridge>();
  const portMaps = new Map<string, Map<string, BridgePort>>();

  const ensureBridge = (name: string): Bridge => {
    let bridge = byName.get(name);
    if (!bridge) {
      const iface = inputs.interfaceByName.get(name);
      bridge = { name, namespace: inputs.namespace, ports: [], subnets: [], evidence: [] };
      if (iface) {
        bridge.interface = iface;
        bridge.evidence.push(iface.evidence);
        bridge.subnets = [...new Set(iface.addresses.filter(isUsableSubnet).map((a) => a.network))];
      }
      byName.set(name, bridge);
      portMaps.set(name, new Map());
    }
    return bridge;
  };
  const ensurePort = (bridge: Bridge, name: string, evidence: Evidence): BridgePort => {
    const ports = portMaps.get(bridge.name) as Map<string, BridgePort>;
    let port = ports.get(name);
    if (!port) {
      port = { name, evidence: [] };
      const iface = inputs.interfaceByName.get(name);
      if (iface) port.interface = iface;
      ports.set(name, port);
      bridge.ports.push(port);
    }
    port.evidence.push(evidence);
    return port;
  };

  for (const iface of inputs.interfaces) if (iface.kind === 'bridge') ensureBridge(iface.name);
  for (const iface of inputs.interfaces) {
    if (!iface.master) continue;
    const master = inputs.interfaceByName.get(iface.master);
    if (master && master.kind !== 'bridge') continue; // bond or vrf member
    ensurePort(ensureBridge(iface.master), iface.name, iface.evidence);
  }
  for (const b of inputs.brctl ?? []) {
    const bridge = ensureBridge(b.name);
    bridge.stp = b.stp;
    const headerEvidence = { source: inputs.brctlLabel, line: b.line, text: b.text };
    bridge.evidence.push(headerEvidence);
    for (const port of b.interfaces) {
      ensurePort(bridge, port.name, port.line === b.line ? headerEvidence : { source: inputs.brctlLabel, line: port.line, text: port.name });
    }
  }
  for (const entry of inputs.bridgeLinks ?? []) {
    if (!entry.master) continue;
    const port = ensurePort(ensureBridge(entry.master), entry.ifname, { source: inputs.bridgeLinkLabel, line: entry.line, text: entry.text });
    if (entry.state !== undefined) port.state = entry.state;
  }
  return [...byName.values()];
}
