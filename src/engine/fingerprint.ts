/**
 * A finding's identity across collections of the same host: rule id, namespace and subject, never
 * lines or counters. Baselines store it, SARIF carries it as a partial fingerprint.
 */
import { createHash } from 'node:crypto';
import type { Subject } from './types.js';

export function findingFingerprint(ruleId: string, subject: Subject): string {
  return createHash('sha256')
    .update([ruleId, subject.namespace, subject.kind, subject.name].join('\u0000'))
    .digest('hex');
}
