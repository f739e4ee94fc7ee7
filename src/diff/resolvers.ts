/**
 * The resolvers of one namespace: the resolv.conf it reads (there or not, the link it is, who writes it), its
 * nameservers in order, its search list and options; for the host also systemd-resolved's upstream file.
 * Compared only where the file source was read on both sides: collected on one side only, it is a `source`
 * change (sources.ts), never a file that went away.
 */
import type { ResolverFile } from '../model/resolvers.js';
import type { Namespace } from '../model/types.js';
import type { ChangeList, Pair, Shown } from './change-list.js';
import { sourceRead } from './sources.js';

export function diffResolvers(pair: Pair<Namespace>, changes: ChangeList): void {
  const { before, after } = pair;
  if (!before.resolvers || !after.resolvers) return;
  const ns = after.name;
  if (sourceRead(before, 'resolv-conf') && sourceRead(after, 'resolv-conf')) {
    diffResolvConf(ns, before.resolvers.file, after.resolvers.file, '/etc/resolv.conf', changes);
  }
  if (sourceRead(before, 'resolved-resolv-conf') && sourceRead(after, 'resolved-resolv-conf')) {
    diffResolvConf(ns, before.resolvers.upstream, after.resolvers.upstream, '/run/systemd/resolve/resolv.conf', changes);
  }
}

function diffResolvConf(ns: string, before: ResolverFile | undefined, after: ResolverFile | undefined, path: string, changes: ChangeList): void {
  const name = after?.path ?? before?.path ?? path;
  changes.addIfChanged('resolver.file', ns, name, before && fileShown(before), after && fileShown(after));
  changes.addIfChanged('resolver.nameservers', ns, name, before && nameservers(before), after && nameservers(after));
  changes.addIfChanged('resolver.search', ns, name, before && search(before), after && search(after));
  changes.addIfChanged('resolver.options', ns, name, before && options(before), after && options(after));
}

/**
 * "present", or "link to ../run/systemd/resolve/stub-resolv.conf; written by systemd-resolved". A container's
 * file is read through /proc/PID/root, which changes with every restart: not part of the value.
 */
function fileShown(f: ResolverFile): Shown {
  const parts: string[] = [];
  if (f.linkTarget !== undefined) parts.push(`link to ${f.linkTarget}`);
  if (f.readFrom !== undefined && !f.readFrom.startsWith('/proc/')) parts.push(`read from ${f.readFrom}`);
  if (f.conf.generatedBy) parts.push(`written by ${f.conf.generatedBy.name}`);
  return { value: parts.length > 0 ? parts.join('; ') : 'present', evidence: f.conf.generatedBy?.evidence };
}

/** In order, as the resolver tries them; those after the third marked ignored. */
function nameservers(f: ResolverFile): Shown {
  const servers = f.conf.nameservers;
  if (servers.length === 0) return { value: 'none (the resolver asks 127.0.0.1)' };
  return {
    value: servers.map((s) => `${s.address}${s.zone !== undefined ? `%${s.zone}` : ''}${s.ignored ? ' (ignored)' : ''}`).join(' '),
    evidence: servers.map((s) => s.evidence),
  };
}

function search(f: ResolverFile): Shown | undefined {
  const s = f.conf.search;
  return s && { value: s.domains.join(' '), evidence: s.evidence };
}

function options(f: ResolverFile): Shown | undefined {
  const list = f.conf.options;
  if (list.length === 0) return undefined;
  return { value: list.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`)).join(' '), evidence: list.map((o) => o.evidence) };
}
