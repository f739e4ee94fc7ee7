/** Collecting changes as the per-part comparisons find them, with the evidence of each side. */
import type { Evidence } from '../parse/common.js';
import { clip } from '../parse/common.js';
import type { Change, ChangeEvidence, ChangeKind, ChangeValue, Side } from './types.js';

export class ChangeList {
  readonly changes: Change[] = [];

  /** A side may quote several lines (a resolv.conf's nameservers, a merged unmanaged-devices list). */
  add(kind: ChangeKind, namespace: string, name: string, before: ChangeValue, after: ChangeValue, evidence: { before?: SideEvidence; after?: SideEvidence } = {}): void {
    const quoted: ChangeEvidence[] = [];
    for (const e of lines(evidence.before)) quoted.push(sided('before', e));
    for (const e of lines(evidence.after)) quoted.push(sided('after', e));
    this.changes.push({ kind, namespace, name, before, after, evidence: quoted });
  }

  /** One change when the two sides show different values; a side without the thing is undefined. */
  addIfChanged(kind: ChangeKind, namespace: string, name: string, before: Shown | undefined, after: Shown | undefined): void {
    const [was, is] = [before?.value ?? null, after?.value ?? null];
    if (before && after ? (before.compareAs ?? was) === (after.compareAs ?? is) : was === is) return;
    this.add(kind, namespace, name, was, is, { before: before?.evidence, after: after?.evidence });
  }

  /** addIfChanged for every key of either side. */
  addKeyed(kind: ChangeKind, namespace: string, before: ReadonlyMap<string, Shown>, after: ReadonlyMap<string, Shown>, nameOf: (key: string) => string = (key) => key): void {
    compareKeyed(before, after, {
      removed: (key, shown) => this.addIfChanged(kind, namespace, nameOf(key), shown, undefined),
      added: (key, shown) => this.addIfChanged(kind, namespace, nameOf(key), undefined, shown),
      both: (key, pair) => this.addIfChanged(kind, namespace, nameOf(key), pair.before, pair.after),
    });
  }
}

/** A value as one side shows it, with the lines that show it. */
export interface Shown {
  value: ChangeValue;
  evidence?: SideEvidence;
  /** What the comparison looks at, where the value also says something that is not a change (a device's momentary state). */
  compareAs?: string;
}

type SideEvidence = Evidence | readonly Evidence[] | undefined;

/** The lines of one side, each once. */
function lines(evidence: SideEvidence): readonly Evidence[] {
  if (evidence === undefined) return [];
  if (!Array.isArray(evidence)) return [evidence as Evidence];
  const seen = new Set<string>();
  return (evidence as readonly Evidence[]).filter((e) => {
    const key = `${e.source}\n${e.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sided(side: Side, e: Evidence): ChangeEvidence {
  return { side, source: e.source, line: e.line, text: clip(e.text) };
}

/** Both sides of one thing that exists in both snapshots. */
export interface Pair<T> {
  before: T;
  after: T;
}

/**
 * Two keyed collections side by side, in one pass over each: what only the before one has, what only the
 * after one has, and what both have. Keys are compared as strings, so the whole is linear in their sizes.
 */
export function compareKeyed<T>(
  before: ReadonlyMap<string, T>,
  after: ReadonlyMap<string, T>,
  visit: { removed?: (key: string, item: T) => void; added?: (key: string, item: T) => void; both?: (key: string, pair: Pair<T>) => void },
): void {
  for (const [key, item] of before) {
    const other = after.get(key);
    if (other === undefined) visit.removed?.(key, item);
    else visit.both?.(key, { before: item, after: other });
  }
  if (!visit.added) return;
  for (const [key, item] of after) if (!before.has(key)) visit.added(key, item);
}

/** A map of items by their key; a key seen twice keeps its first item. */
export function byKey<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (!map.has(k)) map.set(k, item);
  }
  return map;
}

/**
 * Two lists of items that may repeat (rules of a chain), matched by a text key as multisets: which of the
 * before list are gone and which of the after list are new, each in its own list's order, and whether the
 * items both have come in the same order.
 */
export function compareMultiset<T>(before: readonly T[], after: readonly T[], key: (item: T) => string): { removed: T[]; added: T[]; kept: { before: T[]; after: T[] } } {
  const pending = new Map<string, { items: T[]; next: number }>();
  for (const item of before) {
    const k = key(item);
    const list = pending.get(k);
    if (list) list.items.push(item);
    else pending.set(k, { items: [item], next: 0 });
  }
  const added: T[] = [];
  const keptAfter: T[] = [];
  const matched = new Set<T>();
  for (const item of after) {
    const list = pending.get(key(item));
    const twin = list === undefined ? undefined : list.items[list.next++];
    if (twin === undefined) {
      added.push(item);
    } else {
      matched.add(twin);
      keptAfter.push(item);
    }
  }
  const removed: T[] = [];
  const keptBefore: T[] = [];
  for (const item of before) (matched.has(item) ? keptBefore : removed).push(item);
  return { removed, added, kept: { before: keptBefore, after: keptAfter } };
}
