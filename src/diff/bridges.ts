/**
 * Bridge ports of one namespace, as the bridge tools list them (`bridge -j link`, `brctl show`): a port that
 * joined or left a bridge both snapshots have, and a port's STP state (a `disabled` or `blocking` port
 * forwards nothing). A bridge that came or went is an interface change (interfaces.ts).
 */
import type { BridgePort, Namespace } from '../model/types.js';
import { byKey, compareKeyed, type ChangeList, type Pair } from './change-list.js';

export function diffBridges(pair: Pair<Namespace>, changes: ChangeList): void {
  const ns = pair.after.name;
  compareKeyed(pair.before.bridgeByName, pair.after.bridgeByName, {
    both: (bridge, { before, after }) => {
      compareKeyed(ports(before.ports), ports(after.ports), {
        removed: (port, p) => changes.add('bridge.port', ns, bridge, port, null, { before: p.evidence[0] }),
        added: (port, p) => changes.add('bridge.port', ns, bridge, null, port, { after: p.evidence[0] }),
        both: (port, p) => {
          if (p.before.state === p.after.state) return;
          changes.add('bridge.port-state', ns, `${bridge} port ${port}`, p.before.state ?? null, p.after.state ?? null, { before: p.before.evidence[0], after: p.after.evidence[0] });
        },
      });
    },
  });
}

function ports(list: readonly BridgePort[]): Map<string, BridgePort> {
  return byKey(list, (p) => p.name);
}
