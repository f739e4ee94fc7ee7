/**
 * Which sos outputs feed which netaudit source, best first: sos 4.0 and current sos write different
 * names (`ip -4 rule` then `ip -4 rule list`; namespaces' `ip address show` then `ip -d address show`),
 * and `ip -d address` also describes the links where no `ip link` was collected (the namespaces).
 * Every name here is the mangled command line (commands.ts).
 */
import type { SourceFormat, SourceId } from '../sources.js';

export interface SosForm {
  /** Mangled command names, best first. */
  names: readonly string[];
  format: SourceFormat;
  /** Names whose output is in another form than `format`. */
  formatOf?: Readonly<Record<string, SourceFormat>>;
}

/**
 * sos's socket listings: `ss -peaonmi`, else net-tools' `netstat -W -neopa` (sos 3.x and 4.x run both where they
 * can). Each is every socket: the same output is stored for ss-tlnp (its listening TCP sockets are read) and for
 * ss-ulnp (its bound UDP ones), as a collector stores `ss -Htlnp` and `ss -Hulnp`.
 */
const SOCKETS: SosForm = { names: ['ss_-peaonmi', 'netstat_-W_-neopa', 'netstat_-neopa'], format: 'ss-peaonmi', formatOf: { 'netstat_-W_-neopa': 'netstat', 'netstat_-neopa': 'netstat' } };

/** The host's outputs (sos_commands/networking, firewall_tables, kernel, bridge). */
export const HOST_SOURCES: Partial<Record<SourceId, SosForm>> = {
  sysctl: { names: ['sysctl_-a'], format: 'text' },
  'ip-link': { names: ['ip_-s_-d_link', 'ip_-d_link', 'ip_-s_link', 'ip_link', 'ip_-o_link', 'ip_-d_address', 'ip_address'], format: 'text' },
  'ip-addr': { names: ['ip_-d_address', 'ip_address', 'ip_addr', 'ip_-o_addr', 'ip_addr_show', 'ip_address_show'], format: 'text' },
  'ip-route': { names: ['ip_route_show_table_all', 'ip_-4_route_show_table_all', 'ip_route_show', 'ip_route'], format: 'text' },
  'ip6-route': { names: ['ip_-6_route_show_table_all', 'ip_-6_route_show', 'ip_-6_route'], format: 'text' },
  'ip-rule': { names: ['ip_-4_rule_list', 'ip_-4_rule', 'ip_rule_list', 'ip_rule'], format: 'text' },
  'ip6-rule': { names: ['ip_-6_rule_list', 'ip_-6_rule'], format: 'text' },
  'ip-neigh': { names: ['ip_-s_-s_neigh_show', 'ip_neigh_show', 'ip_neigh'], format: 'text' },
  'bridge-link': { names: ['bridge_-s_-s_-d_link_show', 'bridge_-d_link_show', 'bridge_link_show', 'bridge_link'], format: 'text' },
  'brctl-show': { names: ['brctl_show'], format: 'text' },
  'nft-ruleset': { names: ['nft_-a_list_ruleset', 'nft_list_ruleset'], format: 'text' },
  'iptables-save': { names: ['iptables-save'], format: 'text' },
  'ip6tables-save': { names: ['ip6tables-save'], format: 'text' },
  'ss-tlnp': SOCKETS,
  'ss-ulnp': SOCKETS,
};

/** A named namespace's outputs: `ip netns exec NAME <command>`, mangled. */
export const NAMESPACE_SOURCES: Partial<Record<SourceId, SosForm>> = {
  sysctl: { names: ['sysctl_-a'], format: 'text' },
  'ip-link': { names: ['ip_-d_link_show', 'ip_-d_link', 'ip_link_show', 'ip_-d_address_show', 'ip_address_show'], format: 'text' },
  'ip-addr': { names: ['ip_-d_address_show', 'ip_address_show', 'ip_addr'], format: 'text' },
  'ip-route': { names: ['ip_route_show_table_all', 'ip_route'], format: 'text' },
  'ip6-route': { names: ['ip_-6_route_show_table_all'], format: 'text' },
  'ip-rule': { names: ['ip_-4_rule_list', 'ip_-4_rule', 'ip_rule_list'], format: 'text' },
  'ip6-rule': { names: ['ip_-6_rule_list', 'ip_-6_rule'], format: 'text' },
  'ip-neigh': { names: ['ip_-s_-s_neigh_show', 'ip_neigh_show'], format: 'text' },
  'iptables-save': { names: ['iptables-save'], format: 'text' },
  'ip6tables-save': { names: ['ip6tables-save'], format: 'text' },
  'nft-ruleset': { names: ['nft_-a_list_ruleset', 'nft_list_ruleset'], format: 'text' },
  'ss-tlnp': SOCKETS,
  'ss-ulnp': SOCKETS,
};

/** `iptables -vnxL` (the filter table, exact counters) and `iptables -t TABLE -nvL`, per table. */
export function listingTable(program: 'iptables' | 'ip6tables', name: string): { table: string; exact: boolean } | undefined {
  if (name === `${program}_-vnxL` || name === `${program}_-nvxL`) return { table: 'filter', exact: true };
  if (name === `${program}_-vnL` || name === `${program}_-nvL` || name === `${program}_-L_-n_-v`) return { table: 'filter', exact: false };
  const m = new RegExp(`^${program}_-t_([A-Za-z0-9_]{1,32})_(-nvL|-vnL|-nvxL|-vnxL|-L_-n_-v)$`).exec(name);
  return m ? { table: m[1] as string, exact: m[2]!.includes('x') } : undefined;
}
