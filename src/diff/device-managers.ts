/**
 * Who manages the host's devices: NetworkManager's merged `[keyfile] unmanaged-devices`, whether nmcli shows
 * a device managed or left alone, whether systemd-networkd runs and has taken a link, and its .network files
 * ([Match] and Unmanaged=) in the order it tries them. Each part only where its source was read on both sides.
 *
 * A device's state within "managed" (connecting, activated, disconnected) is the moment, not the
 * configuration: only managed ↔ unmanaged is a change. A device that came or went with its interface is the
 * interface's change (interfaces.ts), not listed again here.
 */
import type { NetworkFile, NetworkManagers } from '../model/network-managers.js';
import type { Namespace } from '../model/types.js';
import type { ChangeList, Pair, Shown } from './change-list.js';
import type { InterfaceChanges } from './interfaces.js';

export function diffDeviceManagers(pair: Pair<Namespace>, interfaces: InterfaceChanges, changes: ChangeList): void {
  const [before, after] = [pair.before.networkManagers, pair.after.networkManagers];
  if (!before || !after) return;
  const ns = pair.after.name;
  const folded = (device: string) => interfaces.gone.has(device) || interfaces.appeared.has(device);
  if (before.unmanagedDevices && after.unmanagedDevices) {
    changes.addIfChanged('nm.unmanaged-devices', ns, 'NetworkManager [keyfile] unmanaged-devices', unmanagedList(before), unmanagedList(after));
  }
  if (before.nmcli && after.nmcli) changes.addKeyed('nm.device', ns, unfolded(nmDevices(before), folded), unfolded(nmDevices(after), folded));
  if (before.networkd && after.networkd) {
    changes.addIfChanged('networkd.state', ns, 'systemd-networkd', networkdState(before), networkdState(after));
    changes.addKeyed('networkd.link', ns, unfolded(networkdLinks(before), folded), unfolded(networkdLinks(after), folded));
  }
  if (before.networkFiles && after.networkFiles) changes.addKeyed('networkd.file', ns, networkFiles(before.networkFiles), networkFiles(after.networkFiles));
}

function unfolded(map: Map<string, Shown>, folded: (device: string) => boolean): Map<string, Shown> {
  return new Map([...map].filter(([device]) => !folded(device)));
}

/** The specs as NetworkManager joins them ("interface-name:veth*;except:interface-name:veth0"); "(empty)" when the lines leave none. */
function unmanagedList(m: NetworkManagers): Shown {
  const list = m.unmanagedDevices!;
  return { value: list.specs.map((s) => s.spec.text).join(';') || '(empty)', evidence: list.evidence };
}

function nmDevices(m: NetworkManagers): Map<string, Shown> {
  return new Map([...m.nmcli!].map(([name, d]) => [name, { value: `${d.management} (${d.state})`, evidence: d.evidence, compareAs: d.management }]));
}

function networkdLinks(m: NetworkManagers): Map<string, Shown> {
  return new Map([...m.networkd!].map(([name, l]) => [name, { value: `${l.managed ? 'managed' : 'unmanaged'} (${l.setup})`, evidence: l.evidence, compareAs: String(l.managed) }]));
}

/** "not running" with networkctl's warning, else "running". */
function networkdState(m: NetworkManagers): Shown {
  return m.networkdNotRunning ? { value: 'not running', evidence: m.networkdNotRunning } : { value: 'running' };
}

/** "[Match] Name=veth* Type=ether; Unmanaged=yes", with the lines that say so. */
function networkFiles(files: readonly NetworkFile[]): Map<string, Shown> {
  return new Map(
    files.map((f) => {
      const conditions = [...f.match.values()];
      const match = conditions.map((c) => `${c.key}=${c.inverted ? '!' : ''}${c.values.join(' ')}`).join(' ');
      const value = `[Match] ${match || '(none: every link)'}${f.unmanaged ? `; Unmanaged=${f.unmanaged.value ? 'yes' : 'no'}` : ''}`;
      const evidence = [...conditions.map((c) => ({ source: f.label, line: c.line, text: c.text })), ...(f.unmanaged ? [{ source: f.label, line: f.unmanaged.line, text: f.unmanaged.text }] : [])];
      return [f.path, { value, evidence }];
    }),
  );
}
