/**
 * veth pairs of one namespace: a pair that appeared or went away, and an end whose peer changed (moved to
 * another namespace, or left behind when its peer was deleted).
 */
import type { Namespace, VethEnd } from '../model/types.js';
import { byKey, compareKeyed, type ChangeList, type Pair } from './change-list.js';

/**
 * "peer eth0 in container:nginx", or why the peer could not be found. A container's namespace is named by
 * what runs in it, as its pid changes on every restart.
 */
function peerText(end: VethEnd, identities: ReadonlyMap<string, string>): string {
  const { peer } = end;
  if (peer.resolved) return `peer ${peer.name} in ${identities.get(peer.namespace) ?? peer.namespace}`;
  return `peer not found: ${peer.reason}`;
}

export function diffVeths(pair: Pair<Namespace>, identities: Pair<ReadonlyMap<string, string>>, changes: ChangeList): void {
  const ns = pair.after.name;
  compareKeyed(byKey(pair.before.veths, (v) => v.interface.name), byKey(pair.after.veths, (v) => v.interface.name), {
    removed: (name, v) => changes.add('veth', ns, name, peerText(v, identities.before), null, { before: v.interface.evidence }),
    added: (name, v) => changes.add('veth', ns, name, null, peerText(v, identities.after), { after: v.interface.evidence }),
    both: (name, { before, after }) => {
      const [was, is] = [peerText(before, identities.before), peerText(after, identities.after)];
      if (was !== is) changes.add('veth', ns, name, was, is, { before: before.interface.evidence, after: after.interface.evidence });
    },
  });
}
