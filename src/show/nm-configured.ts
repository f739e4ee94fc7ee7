/**
 * What NetworkManager's configuration (unmanaged-devices, `[device*]` managed=, udev's NM_UNMANAGED) makes of
 * each interface of the host, with the file and line that decide it: for `show` (this view), `diff`
 * (src/diff/device-managers.ts) and the HTML report's Host context.
 *
 * The device facts come from the model's configuredDevice, which the engine's interface facts use too
 * (src/engine/facts/network-managers.ts); test/show/nm-configured.test.ts holds both to the same answers.
 */
import { configuredDevice, nmConfiguredManagement, type ConfiguredDevice, type NmConfiguredManagement, type NmDevice } from '../model/network-managers.js';
import type { Evidence, Interface, Namespace } from '../model/types.js';

/** The interface as NetworkManager's specs and udev's rules see it (the engine's interface facts see it so too). */
export function configuredDeviceOf(iface: Interface, nmcli: ReadonlyMap<string, NmDevice> | undefined): ConfiguredDevice {
  return configuredDevice(iface, nmcli?.get(iface.name)?.type);
}

/**
 * Each interface of the namespace with what NetworkManager's configuration makes of it, in ip link's order;
 * undefined where its configuration was not read (not collected, unreadable, not the host). `useNmcliType`
 * false leaves nmcli's TYPE out of the device facts (a diff where nmcli was read on one side only).
 */
export function configuredManagements(ns: Namespace, useNmcliType = true): Map<string, NmConfiguredManagement> | undefined {
  const managers = ns.networkManagers;
  if (!managers?.nmConfig) return undefined;
  const nmcli = useNmcliType ? managers.nmcli : undefined;
  const out = new Map<string, NmConfiguredManagement>();
  for (const iface of ns.interfaces) {
    const cfg = nmConfiguredManagement(managers, configuredDeviceOf(iface, nmcli));
    if (cfg) out.set(iface.name, cfg);
  }
  return out;
}

/** A line of the snapshot, as show's JSON points at it. */
export interface LineRef {
  source: string;
  line: number;
}

export interface NmConfiguredView {
  device: string;
  /** unmanaged; managed (a [device*] section says managed=1); default (nothing configured: NetworkManager manages it); unknown. */
  management: NmConfiguredManagement['result'];
  /** The setting that decides it: unmanaged-devices' spec, a [device*] section's managed=, or udev's NM_UNMANAGED. */
  decidedBy?: { source: 'unmanaged-devices' | 'device-section' | 'udev'; text: string; lines: LineRef[] };
  /** Why the snapshot cannot tell. */
  reason?: string;
  /** An except: spec that keeps the device out of unmanaged-devices. */
  exceptedBy?: { spec: string } & LineRef;
  /** udev's NM_UNMANAGED after its rules for the device's "add" event: the rule that set it, or why it is unknown. */
  udev: { result: 'unmanaged' | 'not-unmanaged' | 'unknown'; setBy?: LineRef; reason?: string };
}

export const lineRef = (e: Evidence | LineRef): LineRef => ({ source: e.source, line: e.line });

export function nmConfiguredView(device: string, cfg: NmConfiguredManagement): NmConfiguredView {
  // Where the readings of the configuration disagree the answer is unknown: the first reading's decision is not the answer.
  const decision = cfg.result === 'unknown' ? undefined : cfg.decision;
  const except = cfg.list.result === 'neg-match' ? cfg.list.decidedBy : undefined;
  return {
    device,
    management: cfg.result,
    ...(decision ? { decidedBy: { source: decision.source, text: decision.text, lines: decision.evidence.map(lineRef) } } : {}),
    ...(cfg.result === 'unknown' && cfg.reason !== undefined ? { reason: cfg.reason } : {}),
    ...(except ? { exceptedBy: { spec: except.spec.text, ...lineRef(except.evidence) } } : {}),
    udev: udevView(cfg),
  };
}

function udevView(cfg: NmConfiguredManagement): NmConfiguredView['udev'] {
  const udev = cfg.udev;
  if (!udev) return { result: 'unknown', reason: 'not evaluated' };
  if (udev.result === 'unknown') return { result: 'unknown', reason: udev.reason };
  return { result: udev.result, ...(udev.setBy ? { setBy: lineRef(udev.setBy) } : {}) };
}
