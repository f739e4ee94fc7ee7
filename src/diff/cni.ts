/**
 * The pod network of the host: flannel's lease (subnet.env, key by key), the CNI network configurations
 * (by file: network name, plugins, bridges and subnets) and the subnet each bridge is given by them, or why
 * it cannot be told. Each part only where its source was read on both sides. The host-local allocations
 * (/var/lib/cni/networks) are pods' addresses, which come and go with the pods: not configuration, not compared.
 */
import type { Evidence } from '../parse/common.js';
import type { CniNetwork, CniState } from '../model/cni.js';
import type { Namespace } from '../model/types.js';
import type { ChangeList, Pair, Shown } from './change-list.js';
import { sourceRead } from './sources.js';

export function diffCni(pair: Pair<Namespace>, changes: ChangeList): void {
  const [before, after] = [pair.before.cni, pair.after.cni];
  if (!before || !after) return;
  const ns = pair.after.name;
  const readBoth = (id: string) => sourceRead(pair.before, id) && sourceRead(pair.after, id);
  if (readBoth('flannel-subnet-env')) changes.addKeyed('flannel.lease', ns, lease(before), lease(after));
  if (readBoth('cni-conf') && before.networks && after.networks) {
    changes.addKeyed('cni.network', ns, networks(before.networks), networks(after.networks));
    changes.addKeyed('cni.subnet', ns, subnets(before), subnets(after), (bridge) => `bridge ${bridge}`);
  }
}

function lease(state: CniState): Map<string, Shown> {
  const flannel = state.flannel;
  if (!flannel) return new Map();
  return new Map([...flannel.values].map(([key, v]) => [key, { value: v.value, evidence: { source: flannel.label, line: v.line, text: v.text } }]));
}

/** "network cbr0: flannel (bridge cni0), portmap", with the lines of its name and plugins. */
function networks(list: readonly CniNetwork[]): Map<string, Shown> {
  return new Map(
    list.map((n) => {
      const plugins = n.conf.plugins.map((p) => {
        const detail = [p.bridge ? `bridge ${p.bridge.name}` : '', ...(p.ipam?.subnets ?? []).map((s) => `${p.ipam?.type || 'IPAM'} ${s.subnet.value}`)].filter(Boolean);
        return `${p.type.value}${detail.length > 0 ? ` (${detail.join(', ')})` : ''}`;
      });
      const at = (line: number, text: string): Evidence => ({ source: n.label, line, text });
      const evidence = [...(n.conf.name ? [at(n.conf.name.line, n.conf.name.text)] : []), ...n.conf.plugins.map((p) => at(p.type.line, p.type.text))];
      return [n.file, { value: `network ${n.conf.name?.value ?? '(unnamed)'}: ${plugins.join(', ') || 'no plugins'}`, evidence }];
    }),
  );
}

/** By bridge: "10.244.1.0/24 by flannel (subnet.env), network cbr0", or "unknown: <why>". */
function subnets(state: CniState): Map<string, Shown> {
  const out = new Map<string, { values: string[]; evidence: Evidence[] }>();
  const entry = (bridge: string) => {
    let e = out.get(bridge);
    if (!e) out.set(bridge, (e = { values: [], evidence: [] }));
    return e;
  };
  for (const a of state.assignments) {
    const e = entry(a.bridge);
    e.values.push(`${a.subnet} by ${a.via}${a.network !== undefined ? `, network ${a.network}` : ''}`);
    e.evidence.push(...a.evidence);
  }
  for (const u of state.unknown) {
    const e = entry(u.bridge);
    e.values.push(`unknown: ${u.reason}`);
    e.evidence.push(...u.evidence);
  }
  return new Map([...out].map(([bridge, e]) => [bridge, { value: e.values.join('; '), evidence: e.evidence }]));
}
