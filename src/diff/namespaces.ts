/**
 * Which namespace of the after snapshot is which of the before one. The host and named namespaces by name; a
 * container's namespace by what runs in it (its "pid:<pid>" name changes whenever it restarts: the identity
 * baselines use, src/gate/identity.ts), replicas of one image paired in the order the snapshots list them.
 */
import { namespaceIdentity } from '../gate/identity.js';
import type { Host, Namespace } from '../model/types.js';
import type { ChangeList, Pair } from './change-list.js';

export interface NamespacePairs {
  pairs: Pair<Namespace>[];
}

function byIdentity(host: Host): Map<string, Namespace[]> {
  const map = new Map<string, Namespace[]>();
  for (const ns of host.namespaces) {
    const id = namespaceIdentity(ns);
    const list = map.get(id);
    if (list) list.push(ns);
    else map.set(id, [ns]);
  }
  return map;
}

function describeNamespace(ns: Namespace): string {
  const processes = ns.processes?.length ? ` (${[...new Set(ns.processes)].sort().join(', ')})` : '';
  return `${ns.kind}${processes}`;
}

/** The namespaces both snapshots hold, paired; those only one holds are changes. */
export function pairNamespaces(before: Host, after: Host, changes: ChangeList): Pair<Namespace>[] {
  const pairs: Pair<Namespace>[] = [];
  const afterById = byIdentity(after);
  const taken = new Set<Namespace>();
  for (const [id, list] of byIdentity(before)) {
    const candidates = afterById.get(id) ?? [];
    list.forEach((ns, i) => {
      const twin = candidates[i];
      if (twin) {
        pairs.push({ before: ns, after: twin });
        taken.add(twin);
      } else {
        changes.add('namespace', ns.name, ns.name, describeNamespace(ns), null);
      }
    });
  }
  for (const ns of after.namespaces) if (!taken.has(ns)) changes.add('namespace', ns.name, ns.name, null, describeNamespace(ns));
  return pairs;
}
