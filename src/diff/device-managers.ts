/**
 * Who manages the host's devices: NetworkManager's merged `[keyfile] unmanaged-devices`, what its configuration
 * makes of each device (unmanaged-devices, `[device*]` managed=, udev's NM_UNMANAGED: `nm.configured`), whether
 * nmcli shows a device managed or left alone, whether systemd-networkd runs and has taken a link, and its
 * .network files ([Match] and Unmanaged=) in the order it tries them. Each part only where its source was read
 * on both sides.
 *
 * A device's state within "managed" (connecting, activated, disconnected) is the moment, not the
 * configuration: only managed ↔ unmanaged is a change. Likewise a device's configured management is compared
 * by its result alone; which file and line decide it is the value's explanation and the evidence. A device
 * that came or went with its interface is the interface's change (interfaces.ts), not listed again here.
 */
import type { Evidence } from '../parse/common.js';
import type { NetworkFile, NetworkManagers, NmConfiguredManagement } from '../model/network-managers.js';
import type { Namespace } from '../model/types.js';
import { decisionText } from '../report/nm-configured-text.js';
import { configuredManagements, nmConfiguredView } from '../show/nm-configured.js';
import type { ChangeList, Pair, Shown } from './change-list.js';
import type { InterfaceChanges } from './interfaces.js';
import { sourceRead } from './sources.js';

export function diffDeviceManagers(pair: Pair<Namespace>, interfaces: InterfaceChanges, changes: ChangeList): void {
  const [before, after] = [pair.before.networkManagers, pair.after.networkManagers];
  if (!before || !after) return;
  const ns = pair.after.name;
  const folded = (device: string) => interfaces.gone.has(device) || interfaces.appeared.has(device);
  if (before.unmanagedDevices && after.unmanagedDevices) {
    changes.addIfChanged('nm.unmanaged-devices', ns, 'NetworkManager [keyfile] unmanaged-devices', unmanagedList(before), unmanagedList(after));
  }
  diffConfigured(pair, changes);
  if (before.nmcli && after.nmcli) changes.addKeyed('nm.device', ns, unfolded(nmDevices(before), folded), unfolded(nmDevices(after), folded));
  if (before.networkd && after.networkd) {
    changes.addIfChanged('networkd.state', ns, 'systemd-networkd', networkdState(before), networkdState(after));
    changes.addKeyed('networkd.link', ns, unfolded(networkdLinks(before), folded), unfolded(networkdLinks(after), folded));
  }
  if (before.networkFiles && after.networkFiles) changes.addKeyed('networkd.file', ns, networkFiles(before.networkFiles), networkFiles(after.networkFiles));
}

/**
 * What NetworkManager's configuration makes of each device both sides have. Only where the configuration was
 * read on both sides, and udev's rules on both or neither (read on one side only, udev's verdict would change
 * with the collection, not the host); nmcli's TYPE, which type: specs match, only where both sides list it.
 */
function diffConfigured(pair: Pair<Namespace>, changes: ChangeList): void {
  const readBoth = (id: string) => sourceRead(pair.before, id) && sourceRead(pair.after, id);
  if (!readBoth('nm-conf') || sourceRead(pair.before, 'udev-rules') !== sourceRead(pair.after, 'udev-rules')) return;
  const withType = pair.before.networkManagers?.nmcli !== undefined && pair.after.networkManagers?.nmcli !== undefined;
  const [before, after] = [configuredManagements(pair.before, withType), configuredManagements(pair.after, withType)];
  if (!before || !after) return;
  const ns = pair.after.name;
  for (const [device, was] of before) {
    const is = after.get(device);
    if (is) changes.addIfChanged('nm.configured', ns, device, configuredShown(device, was), configuredShown(device, is));
  }
}

/** "unmanaged by udev's NM_UNMANAGED=1 (… line 9)", "default: nothing configured (…)", "unknown: why"; compared by the result alone. */
function configuredShown(device: string, cfg: NmConfiguredManagement): Shown {
  const view = nmConfiguredView(device, cfg);
  const value = `${view.management}${view.decidedBy ? ' by' : ':'} ${decisionText(view)}`;
  const evidence: Evidence[] = view.decidedBy ? [...(cfg.decision?.evidence ?? [])] : [];
  // A [device] section's managed=1 overrides udev's NM_UNMANAGED=1; an except: spec keeps the device out of the list.
  if (view.management === 'managed' && cfg.udev?.result === 'unmanaged' && cfg.udev.setBy) evidence.push(cfg.udev.setBy);
  if (cfg.list.result === 'neg-match' && cfg.list.decidedBy) evidence.push(cfg.list.decidedBy.evidence);
  return { value, evidence, compareAs: view.management };
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
