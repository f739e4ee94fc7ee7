/**
 * The pod network configuration of a node: which subnet each CNI bridge was given, from the CNI network
 * configurations (/etc/cni/net.d), flannel's lease (/run/flannel/subnet.env) and the host-local IPAM store
 * (/var/lib/cni/networks/<network>/).
 *
 * - A bridge plugin (`"type": "bridge"`) with host-local IPAM assigns its bridge (`bridge`, default cni0) the
 *   `subnet` / `ranges` it lists.
 * - The flannel plugin builds that configuration at run time from subnet.env: its bridge (`delegate.bridge`,
 *   default cni0) gets FLANNEL_SUBNET (the address there is the bridge's gateway address). Where subnet.env was
 *   not collected the assignment is unknown, never guessed.
 */
import type { Evidence, ParseNote } from '../parse/common.js';
import { parseCniConf, readIpamFile, type CniNetworkConf, type IpamAllocation } from '../parse/cni-conf.js';
import { parseFlannelSubnetEnv, type FlannelSubnetEnv } from '../parse/flannel-subnet-env.js';
import type { Namespace as SnapshotNamespace } from '../snapshot/schema.js';
import { readFileSource } from './file-sources.js';
import type { SourceInfo } from './types.js';
import { canonicalCidr } from './net.js';

export interface CniNetwork {
  file: string;
  label: string;
  conf: CniNetworkConf;
}

/** A subnet a configuration gives a bridge, with the lines that say so. */
export interface BridgeAssignment {
  bridge: string;
  /** Canonical network, e.g. 10.244.2.0/24. */
  subnet: string;
  family: 4 | 6;
  /** "flannel (subnet.env)" or "CNI host-local IPAM". */
  via: string;
  /** The CNI network's name (its host-local directory). */
  network?: string;
  evidence: Evidence[];
}

/** A bridge a configuration names whose subnet the snapshot cannot tell (flannel without subnet.env). */
export interface UnknownAssignment {
  bridge: string;
  reason: string;
  evidence: Evidence[];
}

export interface Allocation extends IpamAllocation {
  evidence: Evidence;
}

export interface CniState {
  /** Parsed configurations, in file-name order; undefined when cni-conf was not collected. */
  networks?: CniNetwork[];
  flannel?: FlannelSubnetEnv & { label: string };
  /** host-local allocations by network name; undefined when cni-ipam was not collected. */
  allocations?: Map<string, Allocation[]>;
  assignments: BridgeAssignment[];
  unknown: UnknownAssignment[];
}

export function buildCni(ns: SnapshotNamespace, infos: Map<string, SourceInfo>, notes: ParseNote[]): CniState {
  const state: CniState = { assignments: [], unknown: [] };
  // A file its parser refuses marks its source unreadable (rules needing it are skipped, saying why).
  const env = readFileSource(ns, 'flannel-subnet-env', infos, notes, parseFlannelSubnetEnv);
  const lease = env?.[0];
  if (lease) state.flannel = { ...lease.value, label: lease.file.label };

  const confs = readFileSource(ns, 'cni-conf', infos, notes, parseCniConf);
  if (confs) {
    const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
    state.networks = confs
      .map(({ file, value }) => ({ file: file.path, label: file.label, conf: value }))
      .sort((a, b) => (base(a.file) < base(b.file) ? -1 : base(a.file) > base(b.file) ? 1 : 0));
    for (const network of state.networks) assign(state, network, env !== undefined);
  }

  const ipam = readFileSource(ns, 'cni-ipam', infos, notes, (input, file) => ({ value: readIpamFile(file.path, input.text), notes: [] }));
  if (ipam) {
    state.allocations = new Map();
    for (const { file, value } of ipam) {
      if (!value) continue;
      const list = state.allocations.get(value.network) ?? [];
      list.push({ ...value, evidence: { source: file.label, line: 1, text: value.text === '' ? `(allocation file ${value.address})` : value.text } });
      state.allocations.set(value.network, list);
    }
  }
  return state;
}

function assign(state: CniState, network: CniNetwork, subnetEnvCollected: boolean): void {
  const name = network.conf.name?.value;
  for (const plugin of network.conf.plugins) {
    if (!plugin.bridge) continue;
    const bridge = plugin.bridge.name;
    const bridgeEvidence: Evidence = { source: network.label, line: plugin.bridge.line, text: plugin.bridge.text };
    if (plugin.type.value === 'flannel') {
      const typeEvidence: Evidence = { source: network.label, line: plugin.type.line, text: plugin.type.text };
      const pluginEvidence = bridgeEvidence.line === typeEvidence.line ? [typeEvidence] : [typeEvidence, bridgeEvidence];
      const flannel = state.flannel;
      const entries = flannel ? (['FLANNEL_SUBNET', 'FLANNEL_IPV6_SUBNET'] as const).map((k) => [k, flannel.values.get(k)] as const) : [];
      const given = entries.filter(([, v]) => v !== undefined);
      if (!flannel || given.length === 0) {
        const reason = !subnetEnvCollected
          ? 'flannel subnet.env was not collected'
          : flannel
            ? `${flannel.label} holds no FLANNEL_SUBNET`
            : 'no /run/flannel/subnet.env on the host (flanneld has not leased a subnet)';
        state.unknown.push({ bridge, reason, evidence: pluginEvidence });
        continue;
      }
      for (const [, v] of given) {
        const subnet = canonicalCidr(v!.value);
        if (!subnet) continue;
        state.assignments.push({
          bridge,
          subnet,
          family: subnet.includes(':') ? 6 : 4,
          via: 'flannel (subnet.env)',
          ...(name !== undefined ? { network: name } : {}),
          evidence: [...pluginEvidence, { source: flannel.label, line: v!.line, text: v!.text }],
        });
      }
      continue;
    }
    for (const s of plugin.ipam?.subnets ?? []) {
      const subnet = canonicalCidr(s.subnet.value);
      if (!subnet) continue;
      state.assignments.push({
        bridge,
        subnet,
        family: subnet.includes(':') ? 6 : 4,
        via: `CNI ${plugin.ipam?.type || 'IPAM'}`,
        ...(name !== undefined ? { network: name } : {}),
        evidence: [bridgeEvidence, { source: network.label, line: s.subnet.line, text: s.subnet.text }],
      });
    }
  }
}
