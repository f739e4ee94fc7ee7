/**
 * For a raw-output directory, the file an evidence line was read from, so that a SARIF region points at
 * the exact line of a real file (`DIR/iptables-save.txt`, `DIR/netns/blue/ip-link.json`, `DIR/sysctl.d/x.conf`);
 * for a line of a joined source (Evidence.origin), the file it came from, in a raw-output directory or an
 * extracted sosreport (`DIR/iptables-L-nat.txt`, `SOSREPORT/sos_commands/networking/iptables_-vnxL`).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { RAW_NETNS_DIR } from '../snapshot/import.js';
import type { Snapshot } from '../snapshot/schema.js';
import { SOSREPORT_COLLECTOR_NAME } from '../snapshot/sosreport/snapshot.js';
import { tableOfRawFile } from '../snapshot/iptables-list-files.js';
import { isSourceId, RAW_SYSCTL_DIR, SOURCE_BY_ID, type RawForm } from '../snapshot/sources.js';
import { parseFileLabel, RAW_FILES_DIR } from '../snapshot/host-files.js';

const PERSISTED_PREFIXES = ['/etc/sysctl.d/', '/etc/'];

/** The file of DIR that holds the source an evidence label names; undefined for one with no file of its own. */
export function rawDirectoryArtifact(dir: string, source: string): string | undefined {
  // A file source's copy sits under files/ at its real path (before the sysctl.d check: /etc/resolv.conf ends in .conf).
  const read = parseFileLabel(source);
  if (read) return path.posix.join(dir, read.namespace === 'host' ? '' : path.posix.join(RAW_NETNS_DIR, read.namespace), RAW_FILES_DIR, read.path);
  for (const prefix of PERSISTED_PREFIXES) {
    if (source.startsWith(prefix) && source.endsWith('.conf')) {
      return path.posix.join(dir, RAW_SYSCTL_DIR, source.slice(prefix.length));
    }
  }
  const [nsDir, id] = namespaceDir(source);
  const spec = isSourceId(id) ? SOURCE_BY_ID.get(id) : undefined;
  if (!spec?.rawFile) return undefined;
  // A source with other raw forms (nft-ruleset.txt beside nft-ruleset.json) is the file that was there.
  const files = [spec.rawFile, ...(spec.otherRawForms ?? []).filter((f) => !f.perTable).map((f) => f.rawFile)].map((f) => path.posix.join(dir, nsDir, f));
  const found = files.find((f) => existsSync(f));
  // Read from one file per table (iptables-L-<table>.txt): no file of its own; Evidence.origin names each.
  if (found === undefined && heldPerTable(path.posix.join(dir, nsDir), spec.otherRawForms ?? [])) return undefined;
  return found ?? files[0];
}

function heldPerTable(dir: string, forms: readonly RawForm[]): boolean {
  const perTable = forms.filter((f) => f.perTable);
  if (perTable.length === 0) return false;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  return names.some((name) => perTable.some((f) => tableOfRawFile(f, name) !== undefined));
}

/** `netns:blue/iptables-save` → the namespace's folder of the directory (`netns/blue`) and the source id. */
function namespaceDir(source: string): [string, string] {
  const netns = /^netns:([^/]+)\/(.+)$/.exec(source);
  return netns ? [path.posix.join(RAW_NETNS_DIR, netns[1] ?? ''), netns[2] ?? ''] : ['', source];
}

/** The file of DIR one part of a joined source came from (`iptables-L-nat.txt` of the namespace's folder). */
export function rawDirectoryOriginFile(dir: string, source: string, file: string): string | undefined {
  if (file.includes('/') || file === '..' || file === '.') return undefined;
  return path.posix.join(dir, namespaceDir(source)[0], file);
}

/** An input that is an extracted sosreport (not its archive): its files can be pointed at. */
export function isSosreportDirectoryInput(input: string, snapshot: Snapshot): boolean {
  if (snapshot.meta.collector.name !== SOSREPORT_COLLECTOR_NAME) return false;
  try {
    return statSync(input).isDirectory();
  } catch {
    return false;
  }
}

/** A file of an extracted sosreport, by its path in the report (`sos_commands/networking/iptables_-vnxL`). */
export function sosreportFile(dir: string, file: string): string | undefined {
  const parts = file.split('/');
  if (file.startsWith('/') || parts.some((p) => p === '..' || p === '.' || p === '')) return undefined;
  return path.posix.join(dir, file);
}
