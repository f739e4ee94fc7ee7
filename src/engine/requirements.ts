/**
 * A rule's `requires`: is each source usable in a namespace, and if not, why (the reason reported under
 * `skipped`). Missing, failed, unreadable, and empty-where-it-cannot-be are told apart.
 */
import type { Host, Namespace, SourceInfo } from '../model/types.js';
import { sourceLabel } from '../snapshot/sources.js';

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

/** Why `source` cannot be used in `ns`, or undefined when it can. */
export function unavailableReason(host: Host, ns: Namespace, source: string): string | undefined {
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
