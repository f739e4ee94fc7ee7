/**
 * Each namespace's resolvers: the resolv.conf its processes read (the host's /etc/resolv.conf, a named
 * namespace's /etc/netns/NAME/resolv.conf as `ip netns exec` mounts it, a container's own through its mount
 * namespace), and for the host systemd-resolved's upstream servers (/run/systemd/resolve/resolv.conf), which
 * its stub 127.0.0.53 forwards to. undefined where the file source was not collected or not readable.
 */
import type { ParseNote } from '../parse/common.js';
import { parseResolvConf, type ResolvConf, type ResolvNameserver } from '../parse/resolv-conf.js';
import type { Namespace as SnapshotNamespace } from '../snapshot/schema.js';
import { type ReadFile, readFileSource } from './file-sources.js';
import type { SourceInfo } from './types.js';

export interface ResolverFile extends ReadFile {
  conf: ResolvConf;
}

export interface NamespaceResolvers {
  /** The resolv.conf the namespace sees; undefined when there is none (no file: the resolver's default, 127.0.0.1). */
  file?: ResolverFile;
  /** The nameservers the resolver uses (the first three), with their lines. */
  nameservers: ResolvNameserver[];
  /** Host namespace only: systemd-resolved's upstream file, where it exists. */
  upstream?: ResolverFile;
}

export function buildResolvers(ns: SnapshotNamespace, infos: Map<string, SourceInfo>, notes: ParseNote[]): NamespaceResolvers | undefined {
  const files = readFileSource(ns, 'resolv-conf', infos, notes, parseResolvConf);
  if (files === undefined) return undefined;
  const read = files[0];
  const result: NamespaceResolvers = { nameservers: [] };
  if (read) {
    result.file = { ...read.file, conf: read.value };
    result.nameservers = read.value.nameservers.filter((s) => !s.ignored);
  }
  const upstream = ns.kind === 'host' ? readFileSource(ns, 'resolved-resolv-conf', infos, notes, parseResolvConf)?.[0] : undefined;
  if (upstream) result.upstream = { ...upstream.file, conf: upstream.value };
  return result;
}
