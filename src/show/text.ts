/** `netaudit show` as text: sections a person scans top to bottom when reading a bug report. */
import type { HostView, NamespaceView, NftablesView, RulesetView } from './view.js';
import { appendAll } from '../util/arrays.js';
import { resolversText, runtimeText } from './context-view.js';
import { hostContextText } from './host-context-view.js';

function table(rows: string[][], indent = '    '): string[] {
  if (rows.length === 0) return [];
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

const orDash = (v: unknown): string => (v === undefined || v === null || v === '' ? '-' : String(v));

function interfacesSection(ns: NamespaceView): string[] {
  if (ns.interfaces.length === 0) return ['  Interfaces: none known'];
  const rows = [['NAME', 'KIND', 'STATE', 'MTU', 'MASTER', 'FWD', 'RP', 'ADDRESSES']];
  for (const i of ns.interfaces) {
    const state = `${i.state}${i.adminUp ? '' : ' (admin down)'}${i.adminUp && !i.carrier && i.kind !== 'loopback' ? ' (no carrier)' : ''}`;
    rows.push([i.name, i.kind, state, orDash(i.mtu), orDash(i.master), orDash(i.forwarding), orDash(i.rpFilter), i.addresses.join(' ') || '-']);
  }
  return ['  Interfaces', ...table(rows)];
}

function bridgesSection(ns: NamespaceView): string[] {
  if (ns.bridges.length === 0) return [];
  const out = ['  Bridges'];
  for (const b of ns.bridges) {
    const stp = b.stp === undefined ? '' : `, STP ${b.stp ? 'on' : 'off'}`;
    out.push(`    ${b.name} (${b.state}) subnets ${b.subnets.join(' ') || 'none'}${stp}`);
    if (b.ports.length === 0) out.push('      no ports');
    for (const p of b.ports) {
      const details = [p.state, p.up === undefined ? 'not in ip link' : p.up ? 'up' : 'down'].filter(Boolean).join(', ');
      out.push(`      port ${p.name} (${details})`);
    }
  }
  return out;
}

function vethsSection(ns: NamespaceView): string[] {
  if (ns.veths.length === 0) return [];
  const rows = ns.veths.map((v) => [
    v.name,
    v.state,
    v.master ? `master ${v.master}` : 'no master',
    'unresolved' in v.peer ? `peer unresolved: ${v.peer.unresolved}` : `peer ${v.peer.name} in ${v.peer.namespace}`,
  ]);
  return ['  veth pairs', ...table(rows)];
}

function routesSection(ns: NamespaceView): string[] {
  if (ns.routes.length === 0) return ['  Routes: none known'];
  const byTable = new Map<string, NamespaceView['routes']>();
  for (const r of ns.routes) {
    const list = byTable.get(r.table);
    if (list) list.push(r);
    else byTable.set(r.table, [r]);
  }
  const out = ['  Routes'];
  for (const [name, routes] of byTable) {
    out.push(`    table ${name}`);
    for (const r of routes) {
      const parts = [r.type === 'unicast' ? '' : r.type, r.dst, r.via ? `via ${r.via}` : '', r.dev ? `dev ${r.dev}` : '', r.protocol ? `proto ${r.protocol}` : '', r.scope ? `scope ${r.scope}` : '', r.metric !== undefined ? `metric ${r.metric}` : ''];
      out.push(`      ${parts.filter(Boolean).join(' ')}`);
    }
  }
  return out;
}

function counters(p?: number, b?: number): string {
  return p === undefined ? '' : `[${p}:${b ?? 0}]`;
}

function netfilterSection(r: RulesetView): string[] {
  const header = [r.family, r.generator, r.backend, `${r.rules} rules`].filter(Boolean).join(', ');
  const out = [`  Netfilter from ${r.source} (${header})`];
  const rows = [['CHAIN', 'POLICY', 'RULES', 'COUNTERS', 'REFERENCED']];
  for (const c of r.chains) rows.push([`${c.table}/${c.name}`, orDash(c.policy), String(c.rules), counters(c.packets, c.bytes) || '-', String(c.references)]);
  appendAll(out, table(rows));
  if (r.nat.length > 0) {
    out.push('    NAT rules');
    for (const n of r.nat) out.push(`      ${r.source}:${n.line}  ${n.rule}`);
  }
  return out;
}

function nftablesSection(nft: NftablesView): string[] {
  const rules = nft.tables.reduce((n, t) => n + t.rules, 0);
  if (nft.tables.length === 0) return [`  nftables from ${nft.source}: no tables`];
  const out = [`  nftables from ${nft.source} (${nft.tables.length} table(s), ${rules} rule(s))`];
  for (const t of nft.tables) {
    const managed = !t.managedByIptablesNft ? '' : t.evaluatedThroughIptables ? '; managed by iptables-nft, evaluated through the iptables view' : '; managed by iptables-nft, no iptables view holds it: evaluated from this listing';
    out.push(`    table ${t.family} ${t.name} (${nft.source}:${t.line}; ${t.chains} chain(s), ${t.rules} rule(s)${managed})`);
    if (t.baseChains.length === 0) {
      out.push('      no base chains');
      continue;
    }
    const rows = [['BASE CHAIN', 'TYPE', 'HOOK', 'PRIORITY', 'POLICY', 'RULES']];
    for (const c of t.baseChains) rows.push([c.name, c.type, c.device ? `${c.hook} device ${c.device}` : c.hook, String(c.priority), c.policy, String(c.rules)]);
    appendAll(out, table(rows, '      '));
  }
  return out;
}

function namespaceSection(ns: NamespaceView): string[] {
  const title = ns.kind === 'host' ? 'Namespace host' : `Namespace ${ns.name} (${ns.kind}${ns.nsid !== undefined ? `, nsid ${ns.nsid}` : ''}${ns.processes?.length ? `, processes ${ns.processes.join(' ')}` : ''})`;
  const out = [title, `  Forwarding: net.ipv4.ip_forward=${orDash(ns.forwarding.ipv4)}, net.ipv6.conf.all.forwarding=${orDash(ns.forwarding.ipv6)}`];
  for (const section of [interfacesSection(ns), bridgesSection(ns), vethsSection(ns), routesSection(ns), ...ns.netfilter.map(netfilterSection), ns.nftables ? nftablesSection(ns.nftables) : []]) appendAll(out, section);
  if (ns.listeners.length > 0) {
    out.push('  Listening TCP sockets');
    appendAll(out, table(ns.listeners.map((l) => [`${l.address}:${l.port}`, l.processes.join(' ')])));
  }
  if (ns.udpListeners.length > 0) {
    out.push('  UDP sockets (bound, not connected; no process: the kernel\'s own, or ss without root)');
    appendAll(out, table(ns.udpListeners.map((l) => [`${l.address}:${l.port}`, l.processes.join(' ') || '-'])));
  }
  if (ns.wireguard && ns.wireguard.length > 0) {
    out.push('  WireGuard listen ports');
    appendAll(out, table(ns.wireguard.map((w) => [w.interface, w.port === 0 ? '0 (none yet)' : `UDP ${w.port}`])));
  }
  appendAll(out, resolversText(ns.resolvers));
  appendAll(out, hostContextText(ns.deviceManagers, ns.cni));
  return out;
}

/** Per namespace: what was read, and each source that was not, with its reason (grouped when they share one). */
function sourcesSection(view: HostView): string[] {
  const out: string[] = [];
  const byNamespace = new Map<string, HostView['sources']>();
  for (const s of view.sources) {
    const list = byNamespace.get(s.namespace);
    if (list) list.push(s);
    else byNamespace.set(s.namespace, [s]);
  }
  let unavailable = 0;
  for (const [namespace, sources] of byNamespace) {
    const read = sources.filter((s) => (s.status === 'ok' || s.status === 'empty') && !s.parseError);
    out.push(`  ${namespace}: read ${read.map((s) => (s.status === 'empty' ? `${s.source} (empty)` : s.source)).join(', ') || 'nothing'}`);
    const byReason = new Map<string, string[]>();
    for (const s of sources) {
      if (read.includes(s)) continue;
      unavailable++;
      // "no ip-neigh.json in DIR" and "no ss-tlnp.txt in DIR" are one reason: the folder lacked those files.
      const reason = s.parseError ? `unreadable: ${s.parseError}` : `${s.status}${s.reason ? `: ${s.reason.replace(/^no \S+ in /, 'no such file in ')}` : ''}`;
      const ids = byReason.get(reason);
      if (ids) ids.push(s.source);
      else byReason.set(reason, [s.source]);
    }
    for (const [reason, ids] of byReason) out.push(`    ${ids.join(', ')}: ${reason}`);
  }
  if (unavailable > 0) out.push(`  ${unavailable} source(s) missing, failed or unreadable: what depends on them is unknown, not healthy.`);
  return out;
}

export function renderShowText(view: HostView): string {
  const h = view.host;
  const out: string[] = [];
  out.push(`Host ${h.hostname ?? '(unknown hostname)'}${h.kernel ? `, kernel ${h.kernel}` : ''}`);
  out.push(`Collected ${h.collectedAt ?? 'at an unknown time'} by ${h.collector}${h.user ? ` as ${h.user}` : ''}`);
  for (const note of h.notes) out.push(`Collector note: ${note}`);

  out.push('', 'Sources');
  appendAll(out, sourcesSection(view));

  for (const ns of view.namespaces) {
    out.push('');
    appendAll(out, namespaceSection(ns));
  }

  appendAll(out, runtimeText(view.runtime));

  const p = view.persistedSysctl;
  out.push('', `Persisted sysctl (${p.status}${p.reason ? `: ${p.reason}` : ''}): ${p.files.length} file(s)`);
  for (const s of p.settings) {
    out.push(s.excluded ? `  -${s.key}    (excluded from globs; ${s.file}:${s.line})` : `  ${s.key} = ${s.value}    (${s.file}:${s.line})`);
  }

  if (view.notes.length > 0) {
    out.push('', 'Parser notes');
    for (const n of view.notes) out.push(`  ${n.source}${n.line !== undefined ? `:${n.line}` : ''}: ${n.message}`);
  }
  return `${out.join('\n')}\n`;
}
