/**
 * What each parser returns. Every record keeps the 1-based `line` it came from in its source and,
 * for evidence, the `text` of that line (JSON sources: a compact rendering of the element).
 * Parsers are pure: text in, these records out, notes for what they tolerated, ParseError for what they cannot.
 */

/* ---------- sysctl -a ---------- */

export interface SysctlEntry {
  /** As printed by sysctl -a: dots separate levels, a dot inside an interface name is printed as "/" (eth0/100). */
  key: string;
  value: string;
  line: number;
  text: string;
}

export interface SysctlDump {
  entries: SysctlEntry[];
}

/* ---------- /etc/sysctl.conf, /etc/sysctl.d/*.conf ---------- */

export interface SysctlConfEntry {
  /** Normalised to the sysctl -a form (see sysctl.d(5): a leading "/" separator style is converted). */
  key: string;
  value: string;
  /** Path of the file on the collected host. */
  file: string;
  line: number;
  text: string;
  /** "-key = value": errors setting it are ignored by systemd-sysctl. */
  ignoreErrors: boolean;
  /**
   * "-key" with no "=" (systemd 245+, sysctl.d(5)): the key is excluded from the glob assignments that
   * match it, and an earlier assignment of the key is dropped; `value` is then empty and nothing is written.
   */
  excluded: boolean;
}

/* ---------- iptables-save ---------- */

export interface IptCounters {
  packets: number;
  bytes: number;
}

/** A negatable value of a built-in match: -s, -d, -i, -o, -p. */
export interface IptValue {
  value: string;
  negated: boolean;
}

/** One option of a match module or a target: "--dport 80" → { name: "dport", args: ["80"] }. */
export interface IptOption {
  name: string;
  args: string[];
  negated: boolean;
}

/** A match module ("-m conntrack --ctstate RELATED,ESTABLISHED"), or the implicit protocol match of "-p tcp --dport 80". */
export interface IptMatch {
  module: string;
  /** True when the options follow -p without an explicit -m (old iptables-save output). */
  implicit: boolean;
  options: IptOption[];
}

export interface IptTarget {
  name: string;
  /** -g (goto) rather than -j (jump). */
  goto: boolean;
  options: IptOption[];
}

export interface IptRule {
  table: string;
  chain: string;
  /** 1-based position within its chain, as `iptables -L --line-numbers` counts. */
  position: number;
  line: number;
  text: string;
  counters?: IptCounters;
  protocol?: IptValue;
  source?: IptValue;
  destination?: IptValue;
  inInterface?: IptValue;
  outInterface?: IptValue;
  /** -f / ! -f */
  fragment?: { negated: boolean };
  matches: IptMatch[];
  /** Absent for a rule without -j/-g (it only counts packets). */
  target?: IptTarget;
  /** The text of -m comment --comment, when present. */
  comment?: string;
  /**
   * Records of the lazy scan (scanIptablesSave) only: the argument of the rule's one destination-port
   * option (--dport, --dports, --destination-port, --destination-ports; not negated) read off its line
   * without parsing the rule; undefined when the line has none; null when only its matches can tell.
   */
  plainDport?(): string | undefined | null;
}

export interface IptChainDecl {
  name: string;
  builtin: boolean;
  /** ACCEPT / DROP for built-in chains; null for user chains ("-"). */
  policy: string | null;
  counters?: IptCounters;
  /**
   * True when the dump has rules for this chain but never declares it (hand-edited or truncated files):
   * `line`/`text` are then those of its first rule, and `policy` is null because it is unknown.
   */
  implicit?: boolean;
  line: number;
  text: string;
}

export interface IptTable {
  name: string;
  line: number;
  chains: IptChainDecl[];
  /** All rules of the table in file order (each names its chain). */
  rules: IptRule[];
  /** Line of COMMIT; absent when the dump was truncated before it. */
  commitLine?: number;
  /**
   * Where each rule sits among the chains, for grouping rules and resolving jumps by position rather than
   * by name. Absent when a chain was declared after the table's first rule (hand-edited dumps).
   */
  index?: IptRuleIndex;
  /**
   * The lazy scan's rules (scanIptablesSave; not enumerable): rules[i] made when asked for, without making
   * the others (reading `rules` makes them all).
   */
  lazy?: LazyRules;
}

export interface LazyRules {
  readonly count: number;
  ruleAt(index: number): IptRule;
  /** rules[index].target, without making the record. */
  targetAt(index: number): IptTarget | undefined;
  /** rules[index].target?.name, without making the target. */
  targetNameAt(index: number): string | undefined;
  /** The first argument of the first option called `option` (`to-destination`) of rules[index].target, without making the target. */
  targetArgumentAt(index: number, option: string): string | undefined;
  /**
   * rules[index].destination (the same value, not always the same object) when the scan can tell it
   * without making the record; null when only the record can.
   */
  destinationAt(index: number): IptValue | undefined | null;
}

export interface IptRuleIndex {
  /** The chain of rules[i], as an index into `chains`. */
  chain: number[];
  /** The chain that rules[i]'s target names, as an index into `chains`; -1 when it names none (a built-in target, or no target). */
  jump: number[];
}

export interface IptablesSave {
  /** From the header comment or the addresses used; 'unknown' when neither tells. */
  family: 'ipv4' | 'ipv6' | 'unknown';
  generator?: {
    program: string;
    version: string;
    /** "(nf_tables)" or "(legacy)" after the version, when printed. */
    backend?: 'nf_tables' | 'legacy';
    line: number;
  };
  tables: IptTable[];
  /** "# Warning: iptables-legacy tables present, use iptables-legacy-save to see them". */
  warnings: { line: number; text: string }[];
}

/* ---------- ip -j link / addr / route / neigh ---------- */

export interface IpLinkEntry {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu?: number;
  operstate?: string;
  /** Name of the master device (bridge, bond, vrf). */
  master?: string;
  /** Peer or lower device name, as printed ("veth1" or "if12" when unresolved, absent when in another netns). */
  link?: string;
  linkIndex?: number;
  /** Present when the peer (or lower device) lives in another namespace: that namespace's id as seen from here. */
  linkNetnsId?: number;
  /** `link-netns NAME` in ip's text: the peer's namespace by its name where ip prints no id (JSON never does this). */
  linkNetnsName?: string;
  address?: string;
  linkType?: string;
  /** linkinfo.info_kind: veth, bridge, vxlan, vlan, bond, dummy, tun, wireguard, ... (absent for physical NICs). */
  kind?: string;
  /** linkinfo.info_slave_kind: bridge, bond, ... */
  slaveKind?: string;
  /** linkinfo.info_data as printed (vxlan id, vlan id, bridge stp_state, ...). */
  infoData?: Record<string, unknown>;
  /** linkinfo.info_slave_data as printed (bridge port state, ...). */
  slaveData?: Record<string, unknown>;
  alias?: string;
  line: number;
  text: string;
}

export interface IpAddrInfo {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  address?: string;
  scope?: string;
  broadcast?: string;
  label?: string;
  dynamic?: boolean;
  /** IFA_F_MANAGETEMPADDR: set by the kernel on addresses it made by SLAAC from a Router Advertisement. */
  mngtmpaddr?: boolean;
  /** Seconds the address stays valid (valid_lft); absent when forever or not printed. */
  validLifetime?: number;
  /** Peer address of point-to-point links. */
  peer?: string;
}

export interface IpAddrEntry {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu?: number;
  operstate?: string;
  master?: string;
  addrs: IpAddrInfo[];
  line: number;
  text: string;
}

export interface IpNextHop {
  gateway?: string;
  dev?: string;
  weight?: number;
}

export interface IpRouteEntry {
  family: 4 | 6;
  /** "default" or a CIDR; a bare address is normalised to /32 or /128. */
  dst: string;
  type: string;
  table: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  metric?: number;
  prefsrc?: string;
  /** Seconds until the kernel removes the route (`expires`: routes learned from Router Advertisements). */
  expires?: number;
  flags: string[];
  nexthops: IpNextHop[];
  line: number;
  text: string;
}

export interface IpNeighEntry {
  dst: string;
  dev?: string;
  lladdr?: string;
  state: string[];
  router: boolean;
  line: number;
  text: string;
}

/* ---------- brctl show, bridge -j link ---------- */

export interface BrctlBridge {
  name: string;
  id: string;
  stp: boolean;
  interfaces: { name: string; line: number }[];
  line: number;
  text: string;
}

export interface BridgeLinkEntry {
  ifindex: number;
  ifname: string;
  master?: string;
  /** forwarding, disabled, blocking, listening, learning. */
  state?: string;
  flags: string[];
  mtu?: number;
  line: number;
  text: string;
}

/* ---------- ss -Htlnp ---------- */

/**
 * Which families a socket bound to every address takes, where its printed address alone does not say:
 * ss prints an IPv6 socket's `::` as `*` without IPV6_V6ONLY (dual-stack) and as `[::]` with it; the ss
 * that printed IPv6 addresses bare (`:::22`), and netstat, print `::` for both (`unknown`); that older ss
 * printed IPv4's 0.0.0.0 as `*` (`ipv4-only`).
 */
export type SsWildcard = 'dual-stack' | 'ipv6-only' | 'ipv4-only' | 'unknown';

export interface SsListener {
  state: string;
  recvQ: number;
  sendQ: number;
  localAddress: string;
  localPort: number;
  /** "%eth0" scope of the local address, when printed. */
  localInterface?: string;
  /** Set where the local address is a wildcard printed as `*`, `[::]` or `::` (not 0.0.0.0, which says its family). */
  wildcard?: SsWildcard;
  peer: string;
  processes: { name: string; pid: number; fd?: number }[];
  line: number;
  text: string;
}
