/**
 * For a raw-output directory, the file an evidence line was read from, so that a SARIF region points at
 * the exact line of a real file (`DIR/iptables-save.txt`, `DIR/netns/blue/ip-link.json`, `DIR/sysctl.d/x.conf`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { RAW_NETNS_DIR } from '../snapshot/import.js';
import { isSourceId, RAW_SYSCTL_DIR, SOURCE_BY_ID } from '../snapshot/sources.js';

const PERSISTED_PREFIXES = ['/etc/sysctl.d/', '/etc/'];

/** The file of DIR that holds the source an evidence label names; undefined for one with no file of its own. */
export function rawDirectoryArtifact(dir: string, source: string): string | undefined {
  for (const prefix of PERSISTED_PREFIXES) {
    if (source.startsWith(prefix) && source.endsWith('.conf')) {
      return path.posix.join(dir, RAW_SYSCTL_DIR, source.slice(prefix.length));
    }
  }
  const netns = /^netns:([^/]+)\/(.+)$/.exec(source);
  const [nsDir, id] = netns ? [path.posix.join(RAW_NETNS_DIR, netns[1] ?? ''), netns[2] ?? ''] : ['', source];
  const spec = isSourceId(id) ? SOURCE_BY_ID.get(id) : undefined;
  if (!spec?.rawFile) return undefined;
  // A source with other raw forms (nft-ruleset.txt beside nft-ruleset.json) is the file that was there.
  const files = [spec.rawFile, ...(spec.otherRawForms ?? []).map((f) => f.rawFile)].map((f) => path.posix.join(dir, nsDir, f));
  return files.find((f) => existsSync(f)) ?? files[0];
}
