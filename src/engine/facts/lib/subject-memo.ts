/**
 * A fact's analysis of the current subject, computed once for every fact and rule that asks. The audit runs
 * every rule on one subject before the next, so only the current subject's value is kept: kept for every
 * subject, the analyses would outlive their use and weigh on every garbage collection. A fact asked about
 * another subject is computed again (facts are pure).
 */
import type { FactEnv } from '../registry.js';

export function subjectMemo<S, T>(env: FactEnv, key: string, subject: S, compute: () => T): T {
  const cell = env.cache.perNamespace(env.namespace, key, (): { subject?: S; value?: T } => ({}));
  if (!('subject' in cell) || cell.subject !== subject) {
    cell.value = compute();
    cell.subject = subject;
  }
  return cell.value as T;
}
