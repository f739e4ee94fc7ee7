/**
 * The file sources (src/snapshot/host-files.ts) a sosreport holds: sos copies configuration files at their
 * real paths (`etc/resolv.conf`, `etc/docker/daemon.json`, `etc/NetworkManager/...`), so each host file
 * source's patterns are looked up in the report. A file sos did not copy does not prove the host lacks it
 * (the plugin may not have run): a source none of whose files is there is `not-collected`. Process command
 * lines are not files sos copies (/proc/PID/cmdline): not collected.
 */
import { byteOrder, FILE_SOURCES, fileSourceStatus, type FileSourceSpec, hasWildcard, segmentMatches, tooLargeReason } from '../host-files.js';
import type { CollectedFile, FileSource } from '../schema.js';
import { storeBytes } from '../utf8.js';
import { joinPath, type SosTree } from './tree.js';

export async function sosreportFileSources(tree: SosTree): Promise<Record<string, FileSource>> {
  const out: Record<string, FileSource> = {};
  for (const spec of FILE_SOURCES as readonly FileSourceSpec[]) {
    if (spec.processes) {
      out[spec.id] = { status: 'not-collected', reason: 'a sosreport holds no /proc/PID/cmdline of the processes', files: [] };
      continue;
    }
    const files: CollectedFile[] = [];
    for (const pattern of spec.paths) {
      for (const match of await expand(tree, pattern)) {
        const bytes = await tree.read(match.slice(1));
        if (bytes === undefined) continue;
        if (bytes.length > spec.maxBytes) {
          files.push({ path: match, status: 'too-large', reason: tooLargeReason(spec.maxBytes) });
          continue;
        }
        const stored = storeBytes(bytes);
        files.push({ path: match, status: 'ok', content: stored.text, encoding: stored.encoding });
      }
    }
    out[spec.id] =
      files.length === 0
        ? { status: 'not-collected', reason: `the sosreport holds no copy of ${spec.paths.join(' or ')}`, files: [] }
        : { ...fileSourceStatus(files), files };
  }
  return out;
}

/** The report's paths matching an absolute pattern, in byte order. */
async function expand(tree: SosTree, pattern: string): Promise<string[]> {
  let found = [''];
  for (const segment of pattern.split('/').filter(Boolean)) {
    const next: string[] = [];
    for (const dir of found) {
      if (!hasWildcard(segment)) {
        next.push(joinPath(dir, segment));
        continue;
      }
      for (const name of (await tree.list(dir)) ?? []) if (segmentMatches(segment, name)) next.push(joinPath(dir, name));
    }
    found = next;
  }
  return found.map((p) => `/${p}`).sort(byteOrder);
}
