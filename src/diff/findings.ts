/**
 * Which findings the change introduced and which it resolved. A finding is known by rule id, namespace
 * identity and subject, exactly as a baseline knows it: the before audit is read as a baseline
 * (src/gate/baseline.ts), so that `audit AFTER --baseline <baseline of BEFORE>` and `diff BEFORE AFTER` agree
 * on what is new.
 */
import type { AuditResult, Finding } from '../engine/types.js';
import { baselineOf, type AuditedInput } from '../gate/baseline.js';
import { stableFingerprint } from '../gate/identity.js';

export interface FindingChanges {
  /** After findings the before audit did not have, in report order. */
  introduced: Finding[];
  /** Before findings the after audit checked and no longer has. */
  resolved: Finding[];
  /** After findings the before audit had too. */
  unchanged: Finding[];
  /** Before findings whose rule the after audit skipped (its source missing or unreadable): not known to be resolved. */
  notChecked: Finding[];
}

function fingerprints(input: AuditedInput): Set<string> {
  return new Set(baselineOf([input]).findings.map((f) => f.fingerprint));
}

export function compareFindings(before: AuditedInput, after: AuditedInput): FindingChanges {
  const known = fingerprints(before);
  const now = fingerprints(after);
  const out: FindingChanges = { introduced: [], resolved: [], unchanged: [], notChecked: [] };
  for (const f of after.result.findings) {
    (known.has(stableFingerprint(f.ruleId, f.subject, after.identities)) ? out.unchanged : out.introduced).push(f);
  }
  const skippedAfter = new Set(after.result.skipped.map((s) => s.ruleId));
  for (const f of before.result.findings) {
    if (now.has(stableFingerprint(f.ruleId, f.subject, before.identities))) continue;
    (skippedAfter.has(f.ruleId) ? out.notChecked : out.resolved).push(f);
  }
  return out;
}

export type { AuditedInput, AuditResult };
