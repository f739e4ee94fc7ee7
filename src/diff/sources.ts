/**
 * Sources of one namespace whose state changed between the snapshots: collected on one side and missing,
 * failed or unreadable on the other. It explains the changes that cannot be listed (no rules to compare where
 * iptables-save failed) and the findings that vanished because nothing could check them.
 */
import type { Namespace, SourceInfo } from '../model/types.js';
import { compareKeyed, type ChangeList, type Pair } from './change-list.js';

function sourceState(s: SourceInfo | undefined): string {
  if (!s) return 'not-collected';
  if (s.parseError !== undefined) return 'unreadable';
  // Empty output is collected output: what it now holds is listed by the parts that read it.
  return s.status === 'empty' ? 'ok' : s.status;
}

/** Whether a source was read on this side (its output, maybe empty, is in the model). */
export function sourceRead(ns: Namespace, id: string): boolean {
  return sourceState(ns.sources.get(id)) === 'ok';
}

export function diffSources(pair: Pair<Namespace>, changes: ChangeList): void {
  const ns = pair.after.name;
  const report = (id: string, before: SourceInfo | undefined, after: SourceInfo | undefined): void => {
    const [was, is] = [sourceState(before), sourceState(after)];
    if (was !== is) changes.add('source', ns, id, was, is);
  };
  compareKeyed(pair.before.sources, pair.after.sources, {
    removed: (id, s) => report(id, s, undefined),
    added: (id, s) => report(id, undefined, s),
    both: (id, s) => report(id, s.before, s.after),
  });
}
