/**
 * `brctl show` (bridge-utils layout: TAB-separated, ports sorted, continuation lines indented by seven TABs)
 * and `bridge -j link show` (one entry per bridge port).
 */
import type { HostInterface } from './ip.js';

function bridgeId(mac: string): string {
  return `8000.${mac.replaceAll(':', '')}`;
}

export function renderBrctlShow(interfaces: readonly HostInterface[]): { text: string; ports: number } {
  const bridges = interfaces.filter((i) => i.linkinfo?.info_kind === 'bridge').sort((a, b) => (a.name < b.name ? -1 : 1));
  const lines = ['bridge name\tbridge id\t\tSTP enabled\tinterfaces'];
  let ports = 0;
  for (const bridge of bridges) {
    const members = interfaces.filter((i) => i.master === bridge.name).map((i) => i.name).sort();
    ports += members.length;
    lines.push(`${bridge.name}\t\t${bridgeId(bridge.mac)}\tno\t\t${members[0] ?? ''}`);
    for (const member of members.slice(1)) lines.push(`\t\t\t\t\t\t\t${member}`);
  }
  return { text: `${lines.join('\n')}\n`, ports };
}

export function renderBridgeLink(interfaces: readonly HostInterface[]): { text: string; count: number } {
  const ports = interfaces.filter((i) => i.master !== undefined);
  const entries = ports.map((i) => ({
    ifindex: i.index,
    ifname: i.name,
    flags: i.flags,
    mtu: i.mtu,
    master: i.master,
    state: 'forwarding',
    priority: 32,
    cost: 2,
  }));
  return { text: `${JSON.stringify(entries)}\n`, count: entries.length };
}
