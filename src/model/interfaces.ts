/**
 * Interfaces from `ip -j -d link` and `ip -j addr` (either alone is enough), with their
 * per-interface sysctls.
 */
import type { ParseNote } from '../parse/common.js';
import type { IpAddrEntry, IpLinkEntry } from '../parse/types.js';
import { isLinkLocal, networkOf, parseCidr } from './net.js';
import { forwardingOf, routeLocalnetOf, rpFilterOf } from './sysctl.js';
import type { Address, Interface, InterfaceKind, SysctlTable } from './types.js';

const KIND_BY_INFO_KIND: Record<string, InterfaceKind> = {
  veth: 'veth',
  bridge: 'bridge',
  vlan: 'vlan',
  vxlan: 'vxlan',
  bond: 'bond',
  dummy: 'dummy',
  tun: 'tun',
  tap: 'tun',
  wireguard: 'wireguard',
  macvlan: 'macvlan',
  macvtap: 'macvlan',
  ipvlan: 'ipvlan',
  ipvtap: 'ipvlan',
  ipip: 'tunnel',
  gre: 'tunnel',
  gretap: 'tunnel',
  ip6gre: 'tunnel',
  ip6gretap: 'tunnel',
  sit: 'tunnel',
  ip6tnl: 'tunnel',
  geneve: 'tunnel',
  vti: 'tunnel',
};

/** Name patterns used only when ip link was collected without -d (no linkinfo at all). */
const KIND_BY_NAME: [RegExp, InterfaceKind][] = [
  [/^veth|^cali|^lxc/, 'veth'],
  [/^(docker\d+|br-[0-9a-f]{12}|virbr\d+|cni\d+|cbr\d+|lxcbr\d+|lxdbr\d+|br\d+)$/, 'bridge'],
  [/^(vxlan|flannel\.)/, 'vxlan'],
  [/^(tun|tap)\d+/, 'tun'],
  [/^wg\d+/, 'wireguard'],
  [/^bond\d+/, 'bond'],
  [/\.\d+$/, 'vlan'],
  [/^(tunl|gre|sit|ip6tnl)\d+/, 'tunnel'],
];

export function kindOf(link: { ifname: string; kind?: string; linkType?: string }, detailed: boolean): InterfaceKind {
  if (link.linkType === 'loopback' || link.ifname === 'lo') return 'loopback';
  if (link.kind) return KIND_BY_INFO_KIND[link.kind] ?? 'other';
  if (link.linkType && link.linkType !== 'ether') {
    if (link.linkType === 'none' || link.linkType.startsWith('tunnel') || link.linkType === 'ipip' || link.linkType === 'sit') return 'tunnel';
    return 'other';
  }
  if (detailed) return 'physical';
  for (const [pattern, kind] of KIND_BY_NAME) if (pattern.test(link.ifname)) return kind;
  return 'physical';
}

function addressesOf(entry: IpAddrEntry, label: string): Address[] {
  const out: Address[] = [];
  for (const a of entry.addrs) {
    const family = a.family === 'inet' ? 4 : 6;
    const network = networkOf(a.local, a.prefixlen) ?? `${a.local}/${a.prefixlen}`;
    const addr: Address = {
      family,
      address: a.local,
      prefixLen: a.prefixlen,
      network,
      interface: entry.ifname,
      evidence: { source: label, line: entry.line, text: entry.text },
    };
    if (a.scope) addr.scope = a.scope;
    if (a.dynamic) addr.dynamic = true;
    if (a.mngtmpaddr) addr.mngtmpaddr = true;
    if (a.validLifetime !== undefined) addr.validLifetime = a.validLifetime;
    out.push(addr);
  }
  return out;
}

export function isUsableSubnet(address: Address): boolean {
  const cidr = parseCidr(address.network);
  return Boolean(cidr && !isLinkLocal(cidr) && address.scope !== 'host');
}

export interface InterfaceInputs {
  namespace: string;
  links?: IpLinkEntry[];
  addrs?: IpAddrEntry[];
  linkLabel: string;
  addrLabel: string;
  sysctl: SysctlTable;
  notes: ParseNote[];
}

export function buildInterfaces(inputs: InterfaceInputs): Interface[] {
  const { links, addrs, sysctl, namespace } = inputs;
  const addrByIndex = new Map<number, IpAddrEntry>();
  for (const a of addrs ?? []) addrByIndex.set(a.ifindex, a);
  const detailed = Boolean(links?.some((l) => l.kind !== undefined || l.infoData !== undefined));
  if (links && links.length > 0 && !detailed) {
    inputs.notes.push({ source: inputs.linkLabel, message: 'ip link was collected without -d: interface kinds and veth peers are guessed from names' });
  }

  const result: Interface[] = [];
  const fromLinks = links ?? [];
  for (const link of fromLinks) {
    const addrEntry = addrByIndex.get(link.ifindex);
    result.push(
      makeInterface({
        namespace,
        name: link.ifname,
        index: link.ifindex,
        flags: link.flags,
        operState: link.operstate,
        mtu: link.mtu,
        mac: link.address,
        master: link.master,
        kind: kindOf(link, detailed),
        rawKind: link.kind,
        infoData: link.infoData,
        slaveData: link.slaveData,
        link: link.link,
        linkIndex: link.linkIndex,
        linkNetnsId: link.linkNetnsId,
        linkNetnsName: link.linkNetnsName,
        addresses: addrEntry ? addressesOf(addrEntry, inputs.addrLabel) : [],
        evidence: { source: inputs.linkLabel, line: link.line, text: link.text },
        sysctl,
      }),
    );
  }
  if (fromLinks.length === 0) {
    for (const a of addrs ?? []) {
      result.push(
        makeInterface({
          namespace,
          name: a.ifname,
          index: a.ifindex,
          flags: a.flags,
          operState: a.operstate,
          mtu: a.mtu,
          master: a.master,
          kind: kindOf({ ifname: a.ifname }, false),
          addresses: addressesOf(a, inputs.addrLabel),
          evidence: { source: inputs.addrLabel, line: a.line, text: a.text },
          sysctl,
        }),
      );
    }
  }
  return result;
}

interface InterfaceFields {
  namespace: string;
  name: string;
  index: number;
  flags: string[];
  operState?: string;
  mtu?: number;
  mac?: string;
  master?: string;
  kind: InterfaceKind;
  rawKind?: string;
  infoData?: Record<string, unknown>;
  slaveData?: Record<string, unknown>;
  link?: string;
  linkIndex?: number;
  linkNetnsId?: number;
  linkNetnsName?: string;
  addresses: Address[];
  evidence: Interface['evidence'];
  sysctl: SysctlTable;
}

function makeInterface(f: InterfaceFields): Interface {
  const flags = new Set(f.flags);
  const iface: Interface = {
    name: f.name,
    namespace: f.namespace,
    index: f.index,
    kind: f.kind,
    adminUp: flags.has('UP'),
    carrier: flags.has('LOWER_UP') && !flags.has('NO-CARRIER'),
    operState: f.operState ?? 'UNKNOWN',
    addresses: f.addresses,
    forwarding: forwardingOf(f.sysctl, 4, f.name),
    forwarding6: forwardingOf(f.sysctl, 6, f.name),
    rpFilter: rpFilterOf(f.sysctl, f.name),
    routeLocalnet: routeLocalnetOf(f.sysctl, f.name),
    evidence: f.evidence,
  };
  if (f.rawKind !== undefined) iface.rawKind = f.rawKind;
  if (f.infoData !== undefined) iface.infoData = f.infoData;
  if (f.slaveData !== undefined) iface.slaveData = f.slaveData;
  if (f.mtu !== undefined) iface.mtu = f.mtu;
  if (f.mac !== undefined) iface.mac = f.mac;
  if (f.master !== undefined) iface.master = f.master;
  if (f.link !== undefined || f.linkIndex !== undefined || f.linkNetnsId !== undefined || f.linkNetnsName !== undefined) {
    iface.link = {};
    if (f.link !== undefined) iface.link.name = f.link;
    if (f.linkIndex !== undefined) iface.link.index = f.linkIndex;
    if (f.linkNetnsId !== undefined) iface.link.netnsId = f.linkNetnsId;
    if (f.linkNetnsName !== undefined) iface.link.netnsName = f.linkNetnsName;
  }
  return iface;
}
