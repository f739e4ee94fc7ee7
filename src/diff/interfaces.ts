/** Interfaces of one namespace before and after: added, removed, and their state, MTU, master and addresses. */
import type { Address, Interface, Namespace } from '../model/types.js';
import { byKey, compareKeyed, type ChangeList, type Pair } from './change-list.js';

/** "veth, up, mtu 1500, master docker0, 172.17.0.1/16". */
function describeInterface(i: Interface): string {
  const parts = [i.rawKind ?? i.kind, interfaceState(i)];
  if (i.mtu !== undefined) parts.push(`mtu ${i.mtu}`);
  if (i.master !== undefined) parts.push(`master ${i.master}`);
  parts.push(...i.addresses.map(addressText));
  return parts.join(', ');
}

/** "up", "up, no carrier", "down": what traffic sees, not the operstate ip reports (UNKNOWN on many devices). */
export function interfaceState(i: Interface): string {
  if (!i.adminUp) return 'down';
  return i.carrier ? 'up' : 'up, no carrier';
}

function addressText(a: Address): string {
  return `${a.address}/${a.prefixLen}`;
}

export interface InterfaceChanges {
  /** Interface names only the before, or only the after namespace has: their sysctls are not listed one by one. */
  gone: Set<string>;
  appeared: Set<string>;
}

export function diffInterfaces(pair: Pair<Namespace>, changes: ChangeList): InterfaceChanges {
  const ns = pair.after.name;
  const result: InterfaceChanges = { gone: new Set(), appeared: new Set() };
  compareKeyed(byKey(pair.before.interfaces, (i) => i.name), byKey(pair.after.interfaces, (i) => i.name), {
    removed: (name, i) => {
      result.gone.add(name);
      changes.add('interface', ns, name, describeInterface(i), null, { before: i.evidence });
    },
    added: (name, i) => {
      result.appeared.add(name);
      changes.add('interface', ns, name, null, describeInterface(i), { after: i.evidence });
    },
    both: (name, { before, after }) => {
      const evidence = { before: before.evidence, after: after.evidence };
      const [stateBefore, stateAfter] = [interfaceState(before), interfaceState(after)];
      if (stateBefore !== stateAfter) changes.add('interface.state', ns, name, stateBefore, stateAfter, evidence);
      if (before.mtu !== after.mtu) changes.add('interface.mtu', ns, name, before.mtu ?? null, after.mtu ?? null, evidence);
      if (before.master !== after.master) changes.add('interface.master', ns, name, before.master ?? null, after.master ?? null, evidence);
      compareKeyed(byKey(before.addresses, addressText), byKey(after.addresses, addressText), {
        removed: (text, a) => changes.add('interface.address', ns, name, text, null, { before: a.evidence }),
        added: (text, a) => changes.add('interface.address', ns, name, null, text, { after: a.evidence }),
      });
    },
  });
  return result;
}
