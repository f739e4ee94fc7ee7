/**
 * For a raw-output directory, the file an evidence line was read from, so that a SARIF region points at
 * the exact line of a real file (`DIR/iptables-save.txt`, `DIR/netns/blue/ip-link.json`, `DIR/sysctl.d/x.conf`).
 */
import path from 'node:path';
import type { Evidence } from '../parse/common.js';
import { RAW_NETNS_DIR } from '../snapshot/import.js';
import { isSourceId, RAW_SYSCTL_DIR, SOURCE_BY_ID } from '../snapshot/sources.js';

const PERSISTED_PREFIXES = ['/etc/sysctl.d/', '/etc/'];

export function rawDirectoryArtifact(dir: string, evidence: Evidence | undefined): string {
  if (!evidence) return dir;
  const label = evidence.source;
  for (const prefix of PERSISTED_PREFIXES) {
    if (label.startsWith(prefix) && label.endsWith('.conf')) {
      return path.posix.join(dir, RAW_SYSCTL_DIR, label.slice(prefix.length));
    }
  }
  const netns = /^netns:([^/]+)\/(.+)$/.exec(label);
  const [nsDir, id] = netns ? [path.posix.join(RAW_NETNS_DIR, netns[1] ?? ''), netns[2] ?? ''] : ['', label];
  const rawFile = isSourceId(id) ? SOURCE_BY_ID.get(id)?.rawFile : undefined;
  return rawFile ? path.posix.join(dir, nsDir, rawFile) : dir;
}
