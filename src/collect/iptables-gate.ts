/**
 * When the collectors run the iptables dump commands. Both collectors (Node and sh) follow these rules.
 *
 * Dumping can load kernel modules: iptables-legacy-save asks the kernel for tables, and the kernel
 * autoloads iptable_<name> / ip_tables for a table it does not have; iptables-nft-save opens an
 * nfnetlink socket, which autoloads nfnetlink and nf_tables. A read-only audit must not change the
 * kernel, so:
 * - no module support (no /proc/modules): nothing can be loaded, every dump runs;
 * - a legacy dump (iptables-legacy-save, or iptables-save when `iptables -V` says legacy or
 *   prints no backend) runs only when /proc/net/ip_tables_names (ip6_tables_names for IPv6), read in
 *   the namespace itself, lists tables: it then dumps only those, which exist already;
 * - an nf_tables dump (iptables-nft-save, or iptables-save when `iptables -V` says nf_tables)
 *   runs only when nf_tables is loaded (listed in /proc/modules, or /sys/module/nf_tables exists);
 * - when `iptables -V` failed, iptables-save runs if either condition holds;
 * - `nft list ruleset` (NFT_SOURCE_IDS) runs only when nf_tables is loaded, as an nf_tables dump: nft
 *   opens a NETLINK_NETFILTER socket (the kernel autoloads nfnetlink for it, net-pf-16-proto-12) and
 *   asks the nf_tables subsystem for its tables, which nfnetlink_rcv_msg answers for an unregistered
 *   subsystem with request_module("nfnetlink-subsys-10"): nf_tables itself is loaded (for root).
 * What is not run is recorded as not-collected with the reason; a split between backends (rules in
 * both) shows up because both the -legacy- and -nft- variants are recorded where they exist.
 */
import type { SourceId } from '../snapshot/sources.js';

export type IptablesBackend = 'nf_tables' | 'legacy' | 'unknown';

export interface IptablesProbe {
  /** /proc/modules exists: the kernel can load modules. */
  modulesLoadable: boolean;
  /** nf_tables is loaded (or built in and visible in /sys/module). */
  nfTablesLoaded: boolean;
  /** /proc/net/ip_tables_names lists at least one table in this namespace. */
  legacyTables4: boolean;
  /** /proc/net/ip6_tables_names lists at least one table in this namespace. */
  legacyTables6: boolean;
  /** From `iptables -V`. */
  backend: IptablesBackend;
}

export const IPTABLES_DUMP_IDS = [
  'iptables-save',
  'ip6tables-save',
  'iptables-legacy-save',
  'iptables-nft-save',
  'ip6tables-legacy-save',
  'ip6tables-nft-save',
] as const satisfies readonly SourceId[];
export type IptablesDumpId = (typeof IPTABLES_DUMP_IDS)[number];

export const REASON_NO_LEGACY_TABLES4 =
  'not run: no legacy iptables tables loaded (/proc/net/ip_tables_names is empty or missing); running it could load kernel modules';
export const REASON_NO_LEGACY_TABLES6 =
  'not run: no legacy ip6tables tables loaded (/proc/net/ip6_tables_names is empty or missing); running it could load kernel modules';
export const REASON_NO_NFTABLES =
  'not run: nf_tables is not loaded (not in /proc/modules); running it could load kernel modules';
export const REASON_NO_BACKEND =
  'not run: neither legacy iptables tables nor nf_tables are loaded; running it could load kernel modules';

/** Sources read by `nft` over nf_tables netlink; a missing nft is "not installed", as for -nft-save. */
export const NFT_SOURCE_IDS = ['nft-ruleset'] as const satisfies readonly SourceId[];
export type NftSourceId = (typeof NFT_SOURCE_IDS)[number];

export function isNftSource(id: string): id is NftSourceId {
  return (NFT_SOURCE_IDS as readonly string[]).includes(id);
}

/** null: run it; a string: the reason `nft list ruleset` is not run (it could load nf_tables). */
export function nftGate(probe: Pick<IptablesProbe, 'modulesLoadable' | 'nfTablesLoaded'>): string | null {
  if (!probe.modulesLoadable) return null;
  return probe.nfTablesLoaded ? null : REASON_NO_NFTABLES;
}

/** Which backend `iptables -V` reports: "iptables v1.8.9 (nf_tables)"; no suffix before 1.8 means legacy. */
export function backendFromVersion(versionOutput: string | undefined): IptablesBackend {
  if (versionOutput === undefined || !/^ip6?tables v\d/m.test(versionOutput)) return 'unknown';
  if (versionOutput.includes('(nf_tables)')) return 'nf_tables';
  return 'legacy';
}

/** null: run it; a string: the reason it is not run. */
export function iptablesGate(id: IptablesDumpId, probe: IptablesProbe): string | null {
  if (!probe.modulesLoadable) return null;
  const v6 = id.startsWith('ip6');
  const legacyOk = v6 ? probe.legacyTables6 : probe.legacyTables4;
  const legacyReason = v6 ? REASON_NO_LEGACY_TABLES6 : REASON_NO_LEGACY_TABLES4;
  if (id.endsWith('-legacy-save')) return legacyOk ? null : legacyReason;
  if (id.endsWith('-nft-save')) return probe.nfTablesLoaded ? null : REASON_NO_NFTABLES;
  switch (probe.backend) {
    case 'legacy':
      return legacyOk ? null : legacyReason;
    case 'nf_tables':
      return probe.nfTablesLoaded ? null : REASON_NO_NFTABLES;
    case 'unknown':
      return legacyOk || probe.nfTablesLoaded ? null : REASON_NO_BACKEND;
  }
}

/** Lines of /proc/net/ip_tables_names name the tables; whitespace only means none. */
export function listsTables(content: string | undefined): boolean {
  return content !== undefined && content.trim().length > 0;
}

/** A line "nf_tables <size> ..." in /proc/modules. */
export function modulesListNfTables(procModules: string): boolean {
  return /^nf_tables /m.test(procModules);
}
