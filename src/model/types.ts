/**
 * The normalised host: what the rules, `show` and (later) a packet-path simulator read.
 * Built once from a snapshot by src/model/build.ts; lookups the rules need are indexed here
 * (by name, by index, by chain) so that nothing downstream joins lists in loops.
 */
import type { NftNetfilter } from './nftables.js';
import type { CniState } from './cni.js';
import type { NetworkManagers } from './network-managers.js';
import type { PolicyRule } from './policy-rules.js';
import type { NamespaceResolvers } from './resolvers.js';
import type { RuntimeConfig } from './runtime-config.js';
import type { Evidence, ParseNote } from '../parse/common.js';
import type { WgListenPorts } from '../parse/wg-listen-port.js';
import type {
  IptChainDecl,
  IptCounters,
  IptRule,
  IptValue,
  IpNeighEntry,
  SsListener,
  SysctlConfEntry,
} from '../parse/types.js';
import type { Meta, NamespaceKind, SourceStatus } from '../snapshot/schema.js';

export type { Evidence, ParseNote };

export interface SourceInfo {
  namespace: string;
  /** Source id ("iptables-save") */
  id: string;
  /** Label used in evidence ("iptables-save", "netns:blue/iptables-save"). */
  label: string;
  status: SourceStatus;
  /** Why it failed or was not collected; also set when the parser rejected the output. */
  reason?: string;
  command?: string;
  /** The parser could not read it: the source is treated as unavailable for rules. */
  parseError?: string;
  /** A text joined from several files: each file's first line in it (evidence-origin.ts maps lines back). */
  parts?: SourcePart[];
}

export interface SourcePart {
  /** The file as the joined text names it (`iptables-L-nat.txt`, `sos_commands/networking/iptables_-vnxL`). */
  file: string;
  /** 1-based line of the joined text that holds the file's first line. */
  firstLine: number;
  /** Lines of the file in the joined text. */
  lineCount: number;
}

export type InterfaceKind =
  | 'loopback'
  | 'physical'
  | 'veth'
  | 'bridge'
  | 'vlan'
  | 'vxlan'
  | 'bond'
  | 'dummy'
  | 'tun'
  | 'wireguard'
  | 'macvlan'
  | 'ipvlan'
  | 'tunnel'
  | 'other';

export interface Address {
  family: 4 | 6;
  /** The interface's own address, without prefix. */
  address: string;
  prefixLen: number;
  /** The network it sits in, e.g. 172.17.0.0/16 for 172.17.0.1/16. */
  network: string;
  scope?: string;
  /** Not permanent: the address has a lifetime (SLAAC, DHCP). */
  dynamic?: boolean;
  /** mngtmpaddr: the kernel made it by SLAAC from a Router Advertisement's prefix. */
  mngtmpaddr?: boolean;
  /** Seconds it stays valid (valid_lft); undefined when forever or not printed. */
  validLifetime?: number;
  interface: string;
  evidence: Evidence;
}

/** A per-interface sysctl as the kernel applies it, with where its value came from. */
export interface EffectiveSysctl {
  /** Parsed numeric value; undefined when the key is absent from sysctl -a. */
  value: number | undefined;
  key: string;
  evidence?: Evidence;
}

export interface Interface {
  name: string;
  namespace: string;
  index: number;
  kind: InterfaceKind;
  /** linkinfo.info_kind as printed, when any. */
  rawKind?: string;
  /** IFF_UP: ip link set up. */
  adminUp: boolean;
  /** LOWER_UP present and NO-CARRIER absent. */
  carrier: boolean;
  operState: string;
  mtu?: number;
  mac?: string;
  /** Master device (bridge, bond, vrf) by name. */
  master?: string;
  addresses: Address[];
  /** net.ipv4.conf.<if>.forwarding. */
  forwarding: EffectiveSysctl;
  /** net.ipv6.conf.<if>.forwarding. */
  forwarding6: EffectiveSysctl;
  /** max(net.ipv4.conf.all.rp_filter, net.ipv4.conf.<if>.rp_filter): the value the kernel enforces. */
  rpFilter: EffectiveSysctl;
  /** net.ipv4.conf.<if>.route_localnet */
  routeLocalnet: EffectiveSysctl;
  /** Peer or lower device as ip -d link prints it (link / link_index / link_netnsid). */
  link?: { name?: string; index?: number; netnsId?: number; netnsName?: string };
  /** linkinfo.info_data of ip -d link (vxlan lower device `link`, `local`/`local6`, ...), when printed. */
  infoData?: Record<string, unknown>;
  /** linkinfo.info_slave_data of ip -d link: a bridge port's state, hairpin, learning, ... */
  slaveData?: Record<string, unknown>;
  evidence: Evidence;
}

export interface BridgePort {
  name: string;
  /** The port's interface in the same namespace, when ip link lists it. */
  interface?: Interface;
  /** STP state from bridge -j link (forwarding, disabled, blocking...). */
  state?: string;
  /** Hairpin mode (ip -d link `hairpin on|off`): whether the bridge sends a frame back out of the port it came in by. */
  hairpin?: boolean;
  evidence: Evidence[];
}

export interface Bridge {
  name: string;
  namespace: string;
  interface?: Interface;
  ports: BridgePort[];
  /** Networks of the bridge's own addresses (IPv4 and IPv6, link-local excluded). */
  subnets: string[];
  stp?: boolean;
  evidence: Evidence[];
}

export type VethPeer =
  | { resolved: true; namespace: string; name: string; interface: Interface }
  | {
      resolved: false;
      /** "peer namespace not collected (link-netnsid 3)", "peer ifindex 12 not found in namespace host", ... */
      reason: string;
      name?: string;
      index?: number;
      netnsId?: number;
      /** The peer's namespace by name (`link-netns NAME` in ip's text), where it was not collected. */
      netnsName?: string;
    };

export interface VethEnd {
  interface: Interface;
  peer: VethPeer;
}

export interface Route {
  family: 4 | 6;
  /** "default" is normalised to 0.0.0.0/0 or ::/0. */
  dst: string;
  isDefault: boolean;
  prefixLen: number;
  type: string;
  table: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  metric?: number;
  prefsrc?: string;
  /** Seconds until the kernel removes it (routes learned from Router Advertisements). */
  expires?: number;
  nexthops: { gateway?: string; dev?: string; weight?: number }[];
  /** Route flags as ip prints them (onlink, linkdown, ...), when the model keeps them. */
  flags?: string[];
  evidence: Evidence;
}

export interface SysctlValue {
  key: string;
  value: string;
  evidence: Evidence;
}

export interface SysctlTable {
  /** Whether sysctl -a was available at all; when false every lookup returns undefined. */
  available: boolean;
  /** Keys exactly as sysctl -a prints them. The last occurrence wins. */
  entries: Map<string, SysctlValue>;
}

export type NetfilterFamily = 'ipv4' | 'ipv6';

export interface NfRule extends IptRule {
  evidence: Evidence;
  /** The user chain this rule jumps or goes to, resolved within the table. */
  jumpChain?: NfChain;
}

export interface NfChain {
  name: string;
  table: string;
  builtin: boolean;
  policy: string | null;
  counters?: IptCounters;
  declaration: IptChainDecl;
  evidence: Evidence;
  rules: NfRule[];
  /** Rules (in this table) that jump or go to this chain. */
  referencedBy: NfRule[];
  /** Its place among its table's chains, in declaration order (the number TableLayout uses). */
  number: number;
}

export interface NfTable {
  name: string;
  chains: Map<string, NfChain>;
  committed: boolean;
  evidence: Evidence;
  /** The table's rules by position, when the parser noted where each sits (see TableLayout). */
  layout?: TableLayout;
}

/**
 * A table's rules in file order, with the chain each belongs to and jumps to by number (an index into
 * `chains`): a pass over a 100k-rule table reads these flat arrays instead of every rule object, and a
 * rule's record is made only when asked for. Present only when every chain's rules come in one run, in the
 * order the chains were declared (as iptables-save prints them): then chain number c holds rules
 * ruleStart[c] to ruleStart[c + 1] - 1.
 */
export interface TableLayout {
  /** In declaration order: a chain's number is its index here. */
  chains: NfChain[];
  /** How many rules the table has. */
  ruleCount: number;
  /** rules[i] of the table in file order, its record made (with its jump) when first asked for. */
  ruleAt(index: number): NfRule;
  /** rules[i].target?.name, without making the record or the target. */
  targetNameAt(index: number): string | undefined;
  /** The first argument of the first option called `option` of rules[i].target, without making the record or the target. */
  targetArgumentAt(index: number, option: string): string | undefined;
  /** rules[i].destination (the same value, not always the same object), making the record only when its line does not show it plainly. */
  destinationAt(index: number): IptValue | undefined;
  /** The first rule of each chain, and the rule count last (chains.length + 1 entries). */
  ruleStart: Int32Array;
  /** The number of the chain rules[i] jumps or goes to (its jumpChain); -1 when none. */
  jumpOf: Int32Array;
}

export interface Ruleset {
  /** Source id it came from: iptables-save, ip6tables-save, iptables-legacy-save, iptables-nft-save, ... */
  sourceId: string;
  label: string;
  family: NetfilterFamily;
  backend?: 'nf_tables' | 'legacy';
  generator?: string;
  tables: Map<string, NfTable>;
  ruleCount: number;
  warnings: Evidence[];
  /**
   * Read from `iptables -L` listings, not iptables-save: counters may be missing (abbreviated without -x),
   * and match text the listing cannot show exactly is kept as a `list-text` match, which only "maybe" matches.
   */
  listForm?: boolean;
}

export interface Netfilter {
  /** The ruleset of the default iptables (iptables-save -c). */
  ipv4?: Ruleset;
  ipv6?: Ruleset;
  /** Extra views recorded to detect a legacy/nft split, by source id. */
  backends: Map<string, Ruleset>;
}

export interface Namespace {
  name: string;
  kind: NamespaceKind;
  nsid?: number;
  inode?: number;
  processes?: string[];
  sources: Map<string, SourceInfo>;
  interfaces: Interface[];
  interfaceByName: Map<string, Interface>;
  interfaceByIndex: Map<number, Interface>;
  bridges: Bridge[];
  bridgeByName: Map<string, Bridge>;
  veths: VethEnd[];
  routes: Route[];
  /** Policy routing rules (ip -j rule, ip -j -6 rule) by family; undefined when not collected. */
  policyRules?: { 4?: PolicyRule[]; 6?: PolicyRule[] };
  neighbours: IpNeighEntry[];
  sysctl: SysctlTable;
  netfilter: Netfilter;
  /** nft list ruleset, tables iptables-nft manages flagged; undefined when not collected or unreadable. */
  nftables?: NftNetfilter;
  /** Listening TCP sockets (ss -Htlnp, or the listening TCP sockets of ss -peaonmi / netstat). */
  listeners: SsListener[];
  /** UDP sockets bound and not connected (ss -Hulnp, or the udp lines of ss -peaonmi / netstat), the kernel's own without a process; [] when not collected. */
  udpListeners: SsListener[];
  /** Each WireGuard device's UDP port (wg show all listen-port); undefined when not collected or unreadable. */
  wireguard?: WgListenPorts;
  /** The resolv.conf the namespace reads (file source resolv-conf); undefined when not collected or unreadable. */
  resolvers?: NamespaceResolvers;
  /** Which devices NetworkManager / systemd-networkd manage (host namespace only; src/model/network-managers.ts). */
  networkManagers?: NetworkManagers;
  /** The subnets CNI configurations and flannel give bridges (host namespace only; src/model/cni.ts). */
  cni?: CniState;
}

export interface PersistedSysctl {
  status: SourceStatus;
  reason?: string;
  /** Every assignment in every file, in the order systemd-sysctl applies them. */
  entries: SysctlConfEntry[];
  /** The line that wins for each key (the last applied): an assignment, or a `-key` exclusion (see SysctlConfEntry.excluded). */
  effective: Map<string, SysctlConfEntry>;
}

export interface Host {
  meta: Meta;
  /** host first. */
  namespaces: Namespace[];
  host: Namespace;
  namespaceByName: Map<string, Namespace>;
  persistedSysctl: PersistedSysctl;
  /** Every source of every namespace, with its status. */
  sources: SourceInfo[];
  /** What parsers tolerated, for the user to see. */
  notes: ParseNote[];
  /** daemon.json and the runtimes' command lines (file sources); undefined when neither was collected. */
  runtime?: RuntimeConfig;
}
