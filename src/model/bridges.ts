/**
 * Bridges and their ports, merged from what each source tells: ip link (kind bridge, `master`),
 * brctl show (ports by name) and bridge -j link (port STP state).
 *
 * When ip link of the namespace was read, it decides which devices exist: a bridge or port that only
 * brctl or bridge -j link names is dropped with a note. `brctl show` reads /sys, and a collector that
 * enters a container's namespace with nsenter (which does not remount /sys) gets its own namespace's
 * bridges there: the container must not be given docker0 and its ports.
 */
import type { Evidence, ParseNote } from '../parse/common.js';
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
  /** Whether `interfaces` come from ip link: then a device it does not list does not exist in the namespace. */
  linkListComplete: boolean;
  notes: ParseNote[];
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
      const hairpin = iface?.master === bridge.name ? iface.slaveData?.['hairpin'] : undefined;
      if (typeof hairpin === 'boolean') port.hairpin = hairpin;
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
  const unlisted = new UnlistedDevices(inputs);
  for (const b of inputs.brctl ?? []) {
    const headerEvidence = { source: inputs.brctlLabel, line: b.line, text: b.text };
    if (!unlisted.accepts(b.name, headerEvidence, 'bridge', BRCTL_SEES_SYSFS, b.interfaces.length)) continue;
    const bridge = ensureBridge(b.name);
    bridge.stp = b.stp;
    bridge.evidence.push(headerEvidence);
    for (const port of b.interfaces) {
      const evidence = port.line === b.line ? headerEvidence : { source: inputs.brctlLabel, line: port.line, text: port.name };
      if (unlisted.accepts(port.name, evidence, `port of ${b.name}`, BRCTL_SEES_SYSFS)) ensurePort(bridge, port.name, evidence);
    }
  }
  for (const entry of inputs.bridgeLinks ?? []) {
    if (!entry.master) continue;
    const evidence = { source: inputs.bridgeLinkLabel, line: entry.line, text: entry.text };
    if (!unlisted.accepts(entry.master, evidence, 'bridge', DUMPS_DISAGREE) || !unlisted.accepts(entry.ifname, evidence, `port of ${entry.master}`, DUMPS_DISAGREE)) continue;
    const port = ensurePort(ensureBridge(entry.master), entry.ifname, evidence);
    if (entry.state !== undefined) port.state = entry.state;
  }
  return [...byName.values()];
}

const BRCTL_SEES_SYSFS = 'brctl reads /sys, which a collector entering the namespace with nsenter sees from its own namespace';
const DUMPS_DISAGREE = 'the two dumps were taken at different times or in different namespaces';

/** Devices named by brctl or bridge -j link that ip link does not list: refused, one note per device and source. */
class UnlistedDevices {
  readonly #noted = new Set<string>();

  constructor(private readonly inputs: BridgeInputs) {}

  /** True when `name` may be taken as a device of the namespace; otherwise notes (once) that it is dropped. */
  accepts(name: string, evidence: Evidence, role: string, why: string, ports?: number): boolean {
    if (!this.inputs.linkListComplete || this.inputs.interfaceByName.has(name)) return true;
    const key = `${evidence.source}\u0000${name}`;
    if (this.#noted.has(key)) return false;
    this.#noted.add(key);
    const withPorts = ports ? ` and its ${ports} port${ports === 1 ? '' : 's'}` : '';
    this.inputs.notes.push({
      source: evidence.source,
      line: evidence.line,
      message:
        `${role} ${name}${withPorts} ignored: ip link of namespace ${this.inputs.namespace} does not list ${name} (${why})`,
    });
    return false;
  }
}
