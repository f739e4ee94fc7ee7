/**
 * Running sysctls and the per-interface values the kernel enforces.
 *
 * sysctl -a prints a dot inside an interface name as "/" (eth0.100 → net.ipv4.conf.eth0/100.forwarding).
 * net.ipv4.ip_forward=1 writes every interface's conf.<if>.forwarding, so the per-interface value read
 * from sysctl -a is already the effective one. For rp_filter the kernel uses max(all, iface); for
 * route_localnet it uses all OR iface.
 */
import type { Evidence } from '../parse/common.js';
import type { SysctlDump, SysctlEntry } from '../parse/types.js';
import type { EffectiveSysctl, SysctlTable, SysctlValue } from './types.js';

/**
 * A running value; its evidence (the `sysctl -a` line) is made when first asked for: a large node has
 * 30k+ keys and a report quotes a handful.
 */
class RunningSysctl implements SysctlValue {
  declare key: string;
  declare value: string;
  readonly #entry: SysctlEntry;
  readonly #label: string;
  #evidence: Evidence | undefined;

  constructor(entry: SysctlEntry, label: string) {
    this.key = entry.key;
    this.value = entry.value;
    this.#entry = entry;
    this.#label = label;
    this.#evidence = undefined;
  }

  get evidence(): Evidence {
    return (this.#evidence ??= { source: this.#label, line: this.#entry.line, text: this.#entry.text });
  }
}

export function buildSysctlTable(dump: SysctlDump | undefined, label: string): SysctlTable {
  const entries = new Map<string, SysctlValue>();
  if (dump) {
    for (const e of dump.entries) entries.set(e.key, new RunningSysctl(e, label));
  }
  return { available: dump !== undefined, entries };
}

/** The key segment sysctl uses for an interface name. */
export function sysctlIfName(ifname: string): string {
  return ifname.replaceAll('.', '/');
}

export function interfaceKey(family: 4 | 6, ifname: string, leaf: string): string {
  return `net.${family === 4 ? 'ipv4' : 'ipv6'}.conf.${sysctlIfName(ifname)}.${leaf}`;
}

export function numericValue(value: SysctlValue | undefined): number | undefined {
  if (!value) return undefined;
  const n = Number(value.value.trim());
  return value.value.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

function plain(table: SysctlTable, key: string): EffectiveSysctl {
  const v = table.entries.get(key);
  const result: EffectiveSysctl = { key, value: numericValue(v) };
  if (v) result.evidence = v.evidence;
  return result;
}

export function lookupSysctl(table: SysctlTable, key: string): EffectiveSysctl {
  return plain(table, key);
}

export function forwardingOf(table: SysctlTable, family: 4 | 6, ifname: string): EffectiveSysctl {
  return plain(table, interfaceKey(family, ifname, 'forwarding'));
}

/** max(conf.all.rp_filter, conf.<if>.rp_filter); the evidence is the line that gives the max. */
export function rpFilterOf(table: SysctlTable, ifname: string): EffectiveSysctl {
  const all = plain(table, interfaceKey(4, 'all', 'rp_filter'));
  const own = plain(table, interfaceKey(4, ifname, 'rp_filter'));
  if (all.value === undefined) return own;
  if (own.value === undefined || all.value > own.value) return all;
  return own;
}

/** conf.all.route_localnet OR conf.<if>.route_localnet. */
export function routeLocalnetOf(table: SysctlTable, ifname: string): EffectiveSysctl {
  const all = plain(table, interfaceKey(4, 'all', 'route_localnet'));
  const own = plain(table, interfaceKey(4, ifname, 'route_localnet'));
  if (all.value === 1) return all;
  return own.value === undefined ? all : own;
}

export function evidenceOf(value: EffectiveSysctl): Evidence[] {
  return value.evidence ? [value.evidence] : [];
}
