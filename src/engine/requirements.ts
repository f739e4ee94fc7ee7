/**
 * A rule's `requires`: is each source usable in a namespace, and if not, why (the reason reported under
 * `skipped`). Missing, failed, unreadable, and empty-where-it-cannot-be are told apart.
 */
import type { Host, Namespace, SourceInfo } from '../model/types.js';
import { SOURCE_BY_ID, sourceLabel, type SourceId } from '../snapshot/sources.js';
import { FILE_SOURCE_BY_ID } from '../snapshot/host-files.js';

/** Sources that always print something on a working Linux host: empty output means the capture broke. */
const NEVER_EMPTY = new Set(['sysctl', 'ip-link', 'ip-addr']);

export const PERSISTED_SYSCTL_SOURCE = 'sysctl-files';

/**
 * What keeps a source from the rules. A skip reason says only "unreadable": every rule that needed the source
 * would otherwise repeat its parser's message; the message is given once, with the unavailable sources.
 */
function describe(info: SourceInfo, detail: 'brief' | 'full'): string | undefined {
  if (info.parseError) return detail === 'full' ? `unreadable (${info.parseError})` : 'unreadable (its parser refused it: see the unavailable sources)';
  switch (info.status) {
    case 'ok':
      return undefined;
    case 'empty':
      return NEVER_EMPTY.has(info.id) ? `empty, which ${info.command ?? info.id} never is on a working host` : undefined;
    case 'failed':
      return `failed${info.reason ? ` (${info.reason})` : ''}`;
    case 'not-collected':
      return `not collected${info.reason ? ` (${info.reason})` : ''}`;
  }
}

/**
 * Requirements any one of whose sources will do ("nmcli-device|networkctl-list": a host runs NetworkManager,
 * systemd-networkd, or both); unmet only when none is usable, and the reason then names each.
 */
export const ANY_OF_REQUIREMENTS = ['nmcli-device|networkctl-list', 'docker-daemon-json|runtime-cmdlines', 'iptables-save|nft-ruleset'] as const;

/** Why `source` cannot be used in `ns`, or undefined when it can. */
export function unavailableReason(host: Host, ns: Namespace, source: string): string | undefined {
  if (source.includes('|')) {
    const reasons = source.split('|').map((one) => unavailableReason(host, ns, one));
    return reasons.some((r) => r === undefined) ? undefined : `none of ${source.split('|').join(', ')} usable: ${reasons.join('; ')}`;
  }
  // A host-only source (nmcli, networkctl) describes the machine: every namespace's rules read the host's.
  if (SOURCE_BY_ID.get(source as SourceId)?.hostOnly && ns !== host.host) return unavailableReason(host, host.host, source);
  if (FILE_SOURCE_BY_ID.get(source)?.scope === 'host' && ns !== host.host) return unavailableReason(host, host.host, source);
  if (source === PERSISTED_SYSCTL_SOURCE) {
    const p = host.persistedSysctl;
    if (p.status === 'ok' || p.status === 'empty') return undefined;
    return `persisted sysctl files (/etc/sysctl.conf, /etc/sysctl.d) ${p.status === 'failed' ? 'failed' : 'not collected'}${p.reason ? ` (${p.reason})` : ''}`;
  }
  const info = ns.sources.get(source);
  if (!info) return `namespace ${ns.name}: ${sourceLabel(ns.name, source)} not collected`;
  const problem = describe(info, 'brief');
  return problem ? `namespace ${ns.name}: ${info.label} ${problem}` : undefined;
}

/** The first unmet requirement of a rule in a namespace. */
export function unmetRequirement(host: Host, ns: Namespace, requires: readonly string[]): string | undefined {
  for (const source of requires) {
    const reason = unavailableReason(host, ns, source);
    if (reason) return reason;
  }
  return undefined;
}

/** Every source of the snapshot that rules could not use, as "namespace/source: reason". */
export function unavailableSources(host: Host): string[] {
  const out: string[] = [];
  for (const info of host.sources) {
    const problem = describe(info, 'full');
    if (problem) out.push(`${info.namespace}/${info.id}: ${problem}`);
  }
  const persisted = unavailableReason(host, host.host, PERSISTED_SYSCTL_SOURCE);
  if (persisted) out.push(`host/${PERSISTED_SYSCTL_SOURCE}: ${persisted}`);
  return out;
}
