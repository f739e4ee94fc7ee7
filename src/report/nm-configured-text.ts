/**
 * NetworkManager's configured management of a device (src/show/nm-configured.ts) in words: for `show`'s
 * text, `diff`'s change values and the HTML report. Here, not in src/show, so that the report (which an
 * audit loads) needs no code of the show command.
 */
import type { NmConfiguredView } from '../show/nm-configured.js';

/** "NM_UNMANAGED=1 (file line 9)", "NM_UNMANAGED not set", "unknown: why". */
export function udevText(udev: NmConfiguredView['udev']): string {
  const at = udev.setBy ? ` (${udev.setBy.source} line ${udev.setBy.line})` : '';
  if (udev.result === 'unmanaged') return `NM_UNMANAGED=1${at}`;
  if (udev.result === 'not-unmanaged') return udev.setBy ? `NM_UNMANAGED set, not to 1${at}` : 'NM_UNMANAGED not set';
  return `unknown: ${udev.reason ?? 'not evaluated'}`;
}

/** What decides the device, or why it is unknown: "[device-veth] managed=1 (file line 3)", "nothing configured (NetworkManager manages it)". */
export function decisionText(view: NmConfiguredView): string {
  if (view.decidedBy) {
    const over = view.management === 'managed' && view.udev.result === 'unmanaged' ? `, over udev's ${udevText(view.udev)}` : '';
    return `${view.decidedBy.text}${over}`;
  }
  if (view.management === 'unknown') return view.reason ?? 'the snapshot cannot tell';
  const except = view.exceptedBy ? `; the except: spec ${view.exceptedBy.spec} (${view.exceptedBy.source} line ${view.exceptedBy.line}) keeps it out of unmanaged-devices` : '';
  return `nothing configured (NetworkManager manages it)${except}`;
}

/** udev's verdict where decisionText does not say it already (udev decides, a [device] section overrides it, or it is why the answer is unknown). */
export function udevAside(view: NmConfiguredView): string | undefined {
  const { udev } = view;
  const said = view.decidedBy?.source === 'udev' || (view.management === 'managed' && udev.result === 'unmanaged') || (udev.reason !== undefined && view.reason?.includes(udev.reason));
  return said ? undefined : udevText(udev);
}
