/**
 * `show` for who manages the host's devices (nmcli, networkctl, NetworkManager's unmanaged-devices) and what
 * the node's CNI configuration assigns (CNI networks, flannel's lease, host-local allocations). view.ts and
 * text.ts call these for the host namespace.
 */
import type { CniState } from '../model/cni.js';
import type { NetworkManagers } from '../model/network-managers.js';

export interface NetworkManagersView {
  /** nmcli's devices; absent when nmcli-device was not usable. */
  networkManager?: { device: string; type: string; state: string; connection: string; line: number }[];
  /** networkctl's links; absent when networkctl-list was not usable. */
  networkd?: { name: string; type: string; operational: string; setup: string; line: number }[];
  /** networkctl warned that systemd-networkd is not running. */
  networkdRunning?: false;
  /** [keyfile] unmanaged-devices as merged from the configuration files. */
  unmanagedDevices?: { specs: string[]; lines: { source: string; line: number }[] };
  /** systemd-networkd's .network files in the order it tries them: their [Match] and Unmanaged=. */
  networkFiles?: { path: string; match: string[]; unmanaged?: boolean }[];
}

export interface CniView {
  networks?: { file: string; name?: string; plugins: { type: string; bridge?: string; subnets: string[] }[] }[];
  flannel?: { source: string; values: Record<string, string> };
  assignments: { bridge: string; subnet: string; via: string; network?: string }[];
  unknown: { bridge: string; reason: string }[];
  allocations?: { network: string; addresses: string[] }[];
}

export function networkManagersView(m: NetworkManagers): NetworkManagersView {
  const view: NetworkManagersView = {};
  if (m.nmcli) view.networkManager = [...m.nmcli.values()].map((d) => ({ device: d.device, type: d.type, state: d.state, connection: d.connection, line: d.line }));
  if (m.networkd) view.networkd = [...m.networkd.values()].map((l) => ({ name: l.name, type: l.type, operational: l.operational, setup: l.setup, line: l.line }));
  if (m.networkdNotRunning) view.networkdRunning = false;
  if (m.networkFiles) {
    view.networkFiles = m.networkFiles.map((f) => ({
      path: f.path,
      match: [...f.match.values()].map((c) => `${c.key}=${c.inverted ? '!' : ''}${c.values.join(' ')}`),
      ...(f.unmanaged ? { unmanaged: f.unmanaged.value } : {}),
    }));
  }
  if (m.unmanagedDevices) view.unmanagedDevices = { specs: m.unmanagedDevices.specs.map((s) => s.spec.text), lines: m.unmanagedDevices.evidence.map((e) => ({ source: e.source, line: e.line })) };
  return view;
}

export function cniView(c: CniState): CniView {
  const view: CniView = {
    assignments: c.assignments.map((a) => ({ bridge: a.bridge, subnet: a.subnet, via: a.via, ...(a.network !== undefined ? { network: a.network } : {}) })),
    unknown: c.unknown.map((u) => ({ bridge: u.bridge, reason: u.reason })),
  };
  if (c.networks) {
    view.networks = c.networks.map((n) => ({
      file: n.file,
      ...(n.conf.name ? { name: n.conf.name.value } : {}),
      plugins: n.conf.plugins.map((p) => ({ type: p.type.value, ...(p.bridge ? { bridge: p.bridge.name } : {}), subnets: p.ipam?.subnets.map((s) => s.subnet.value) ?? [] })),
    }));
  }
  if (c.flannel) view.flannel = { source: c.flannel.label, values: Object.fromEntries([...c.flannel.values].map(([k, v]) => [k, v.value])) };
  if (c.allocations) view.allocations = [...c.allocations].map(([network, list]) => ({ network, addresses: list.map((a) => a.address) }));
  return view;
}

/** The text sections; empty when nothing was collected. */
export function hostContextText(managers: NetworkManagersView | undefined, cni: CniView | undefined): string[] {
  const out: string[] = [];
  if (managers && (managers.networkManager || managers.networkd || managers.unmanagedDevices || managers.networkFiles?.length)) {
    out.push('  Device managers');
    for (const d of managers.networkManager ?? []) out.push(`    NetworkManager  ${d.device}  ${d.type}  ${d.state}${d.connection ? `  (${d.connection})` : ''}`);
    if (managers.networkd) {
      if (managers.networkdRunning === false) out.push('    systemd-networkd is not running (networkctl said so): it manages no link');
      else for (const l of managers.networkd) out.push(`    systemd-networkd  ${l.name}  ${l.type}  ${l.operational}  ${l.setup}`);
    }
    for (const f of managers.networkFiles ?? []) out.push(`    ${f.path}: [Match] ${f.match.join(' ') || '(none: every link)'}${f.unmanaged === undefined ? '' : `, Unmanaged=${f.unmanaged ? 'yes' : 'no'}`}`);
    if (managers.unmanagedDevices) out.push(`    NetworkManager unmanaged-devices: ${managers.unmanagedDevices.specs.join(';') || '(empty)'}`);
  }
  if (cni && (cni.networks?.length || cni.flannel || cni.allocations?.length)) {
    out.push('  CNI');
    for (const n of cni.networks ?? []) out.push(`    ${n.file}: network ${n.name ?? '(unnamed)'}: ${n.plugins.map((p) => `${p.type}${p.bridge ? ` bridge ${p.bridge}` : ''}${p.subnets.length ? ` ${p.subnets.join(' ')}` : ''}`).join(', ')}`);
    if (cni.flannel) out.push(`    ${cni.flannel.source}: ${Object.entries(cni.flannel.values).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    for (const a of cni.assignments) out.push(`    bridge ${a.bridge} is assigned ${a.subnet} by ${a.via}`);
    for (const u of cni.unknown) out.push(`    bridge ${u.bridge}: subnet unknown (${u.reason})`);
    for (const a of cni.allocations ?? []) out.push(`    host-local ${a.network}: ${a.addresses.length} allocated (${a.addresses.slice(0, 5).join(', ')}${a.addresses.length > 5 ? ', …' : ''})`);
  }
  return out;
}
