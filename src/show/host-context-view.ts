/**
 * `show` for who manages the host's devices (nmcli, networkctl, NetworkManager's unmanaged-devices) and what
 * the node's CNI configuration assigns (CNI networks, flannel's lease, host-local allocations). view.ts and
 * text.ts call these for the host namespace.
 */
import type { CniState } from '../model/cni.js';
import type { NetworkManagers, NmConfiguredManagement } from '../model/network-managers.js';
import { decisionText, udevAside } from '../report/nm-configured-text.js';
import { lineRef, nmConfiguredView, type LineRef, type NmConfiguredView } from './nm-configured.js';

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
  /**
   * Each interface of the host with what NetworkManager's configuration makes of it (unmanaged-devices, [device*]
   * managed=, udev's NM_UNMANAGED, combined as NetworkManager does) and the file and line that decide it; absent
   * when NetworkManager's configuration was not collected or could not be read.
   */
  configured?: NmConfiguredView[];
}

export interface CniView {
  /** Each file's network: `nameLine` is the line of its "name", a plugin's `line` that of its "type", `bridgeLine` that of its "bridge" (absent for the default cni0), `subnetLines` those of its `subnets`. */
  networks?: { file: string; name?: string; nameLine?: number; plugins: { type: string; line: number; bridge?: string; bridgeLine?: number; subnets: string[]; subnetLines: number[] }[] }[];
  /** flannel's lease: each key's value, and its line. */
  flannel?: { source: string; values: Record<string, string>; lines: Record<string, number> };
  assignments: { bridge: string; subnet: string; via: string; network?: string; lines: LineRef[] }[];
  unknown: { bridge: string; reason: string; lines: LineRef[] }[];
  allocations?: { network: string; addresses: string[] }[];
}

/** `configured`: configuredManagements() of the namespace. */
export function networkManagersView(m: NetworkManagers, configured?: ReadonlyMap<string, NmConfiguredManagement>): NetworkManagersView {
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
  if (configured) view.configured = [...configured].map(([device, cfg]) => nmConfiguredView(device, cfg));
  return view;
}

export function cniView(c: CniState): CniView {
  const view: CniView = {
    assignments: c.assignments.map((a) => ({ bridge: a.bridge, subnet: a.subnet, via: a.via, ...(a.network !== undefined ? { network: a.network } : {}), lines: a.evidence.map(lineRef) })),
    unknown: c.unknown.map((u) => ({ bridge: u.bridge, reason: u.reason, lines: u.evidence.map(lineRef) })),
  };
  if (c.networks) {
    view.networks = c.networks.map((n) => ({
      file: n.file,
      ...(n.conf.name ? { name: n.conf.name.value, nameLine: n.conf.name.line } : {}),
      plugins: n.conf.plugins.map((p) => {
        const subnets = p.ipam?.subnets ?? [];
        return {
          type: p.type.value,
          line: p.type.line,
          ...(p.bridge ? { bridge: p.bridge.name, ...(p.bridge.defaulted ? {} : { bridgeLine: p.bridge.line }) } : {}),
          subnets: subnets.map((s) => s.subnet.value),
          subnetLines: subnets.map((s) => s.subnet.line),
        };
      }),
    }));
  }
  if (c.flannel) {
    const entries = [...c.flannel.values];
    view.flannel = { source: c.flannel.label, values: Object.fromEntries(entries.map(([k, v]) => [k, v.value])), lines: Object.fromEntries(entries.map(([k, v]) => [k, v.line])) };
  }
  if (c.allocations) view.allocations = [...c.allocations].map(([network, list]) => ({ network, addresses: list.map((a) => a.address) }));
  return view;
}

/** "    veth3c5a6e1  unmanaged  udev's NM_UNMANAGED=1 (…85-nm-unmanaged.rules line 9)", names and results in columns. */
function configuredText(list: readonly NmConfiguredView[]): string[] {
  if (list.length === 0) return [];
  const width = list.reduce((w, c) => Math.max(w, c.device.length), 0);
  const out = ["    NetworkManager's configuration per device (nmcli's state says whether NetworkManager applied it):"];
  for (const c of list) {
    const udev = udevAside(c);
    out.push(`      ${c.device.padEnd(width)}  ${c.management.padEnd(9)}  ${decisionText(c)}${udev === undefined ? '' : `; udev: ${udev}`}`);
  }
  return out;
}

/** The text sections; empty when nothing was collected. */
export function hostContextText(managers: NetworkManagersView | undefined, cni: CniView | undefined): string[] {
  const out: string[] = [];
  if (managers && (managers.networkManager || managers.networkd || managers.unmanagedDevices || managers.networkFiles?.length || managers.configured?.length)) {
    out.push('  Device managers');
    for (const d of managers.networkManager ?? []) out.push(`    NetworkManager  ${d.device}  ${d.type}  ${d.state}${d.connection ? `  (${d.connection})` : ''}`);
    if (managers.networkd) {
      if (managers.networkdRunning === false) out.push('    systemd-networkd is not running (networkctl said so): it manages no link');
      else for (const l of managers.networkd) out.push(`    systemd-networkd  ${l.name}  ${l.type}  ${l.operational}  ${l.setup}`);
    }
    for (const f of managers.networkFiles ?? []) out.push(`    ${f.path}: [Match] ${f.match.join(' ') || '(none: every link)'}${f.unmanaged === undefined ? '' : `, Unmanaged=${f.unmanaged ? 'yes' : 'no'}`}`);
    if (managers.unmanagedDevices) out.push(`    NetworkManager unmanaged-devices: ${managers.unmanagedDevices.specs.join(';') || '(empty)'}`);
    out.push(...configuredText(managers.configured ?? []));
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
