/**
 * The text of each source a finding quotes, by its evidence label ("sysctl", "netns:blue/iptables-save",
 * "/etc/sysctl.d/99-docker.conf"), as the parsers read it: SARIF quotes lines from it and embeds it, so that a
 * location's line is a line of that text and not of the snapshot file that stores it. Decoded on first use
 * only: a report embeds the few sources its findings quote, not every output of every namespace.
 */
import { decodeText, sourceText } from '../snapshot/decode.js';
import type { Snapshot } from '../snapshot/schema.js';
import { parseFileLabel } from '../snapshot/host-files.js';

/** The text of one source of one input, undefined when the input has no such source. */
export type SourceTextLookup = (input: string, source: string) => string | undefined;

/** "netns:blue/ip-link" → namespace blue, source ip-link (the label sourceLabel() makes). */
const NAMESPACED = /^netns:([^/]+)\/(.+)$/;

export function snapshotSourceTexts(snapshot: Snapshot): (source: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (label) => {
    if (!cache.has(label)) cache.set(label, decode(snapshot, label));
    return cache.get(label);
  };
}

function decode(snapshot: Snapshot, label: string): string | undefined {
  const read = parseFileLabel(label);
  if (read) {
    const file = Object.values(snapshot.namespaces.find((ns) => ns.name === read.namespace)?.files ?? {})
      .flatMap((source) => source.files)
      .find((f) => f.path === read.path && f.content !== undefined);
    if (file) return decodeText(file.content!, file.encoding ?? 'utf8', label).text;
  }
  if (label.startsWith('/')) {
    const file = snapshot.sysctlFiles.files.find((f) => f.path === label);
    return file && decodeText(file.content, file.encoding, label).text;
  }
  const namespaced = NAMESPACED.exec(label);
  const [namespace, id] = namespaced ? [namespaced[1], namespaced[2] ?? ''] : ['host', label];
  const source = snapshot.namespaces.find((ns) => ns.name === namespace)?.sources[id];
  return source && sourceText(source, label).text;
}

/** One lookup over several inputs, each known by the label its report carries. */
export function sourceTextsByInput(): { add(input: string, snapshot: Snapshot): void; lookup: SourceTextLookup } {
  const inputs = new Map<string, (source: string) => string | undefined>();
  return {
    add: (input, snapshot) => inputs.set(input, snapshotSourceTexts(snapshot)),
    lookup: (input, source) => inputs.get(input)?.(source),
  };
}
