/**
 * Applying a gate's baseline and waivers to an audit result: a finding they accept moves from `findings` to
 * `suppressed` (with why) and leaves the severity counts, so it never fails the run. A live waiver wins over
 * the baseline (it carries a reason); an expired waiver suppresses nothing and is counted, to be reported.
 */
import { compareFindings } from '../engine/audit.js';
import { findingFingerprint } from '../engine/fingerprint.js';
import type { AuditResult, Finding, Suppression, SuppressedFinding } from '../engine/types.js';
import type { LoadedBaseline } from './baseline.js';
import { stableSubject } from './identity.js';
import type { LoadedWaiver } from './waivers.js';

export interface Gate {
  baseline?: LoadedBaseline;
  waivers: readonly LoadedWaiver[];
}

/** Findings an expired waiver would have accepted, per waiver, across every input audited. */
export type ExpiredMatches = Map<LoadedWaiver, number>;

export function applyGate(result: AuditResult, identities: ReadonlyMap<string, string>, gate: Gate, expired: ExpiredMatches): void {
  if (!gate.baseline && gate.waivers.length === 0) return;
  const kept: Finding[] = [];
  for (const finding of result.findings) {
    const suppression = suppressionOf(finding, identities, gate, expired);
    if (suppression) result.suppressed.push({ ...finding, suppression } satisfies SuppressedFinding);
    else kept.push(finding);
  }
  result.findings = kept;
  result.suppressed.sort(compareFindings);
  const summary = result.summary;
  summary.errors = kept.filter((f) => f.severity === 'error').length;
  summary.warnings = kept.filter((f) => f.severity === 'warning').length;
  summary.infos = kept.filter((f) => f.severity === 'info').length;
  summary.suppressed = result.suppressed.length;
}

function suppressionOf(finding: Finding, identities: ReadonlyMap<string, string>, gate: Gate, expired: ExpiredMatches): Suppression | undefined {
  const { namespace, name } = finding.subject;
  const stable = stableSubject(finding.subject, identities);
  for (const waiver of gate.waivers) {
    if (waiver.ruleId !== finding.ruleId || !(waiver.subject.test(name) || waiver.subject.test(stable.name))) continue;
    if (waiver.namespace && !waiver.namespace.test(namespace) && !waiver.namespace.test(stable.namespace)) continue;
    if (waiver.expired) {
      expired.set(waiver, (expired.get(waiver) ?? 0) + 1);
      continue;
    }
    return { kind: 'waiver', justification: waiver.reason, file: waiver.file, ...(waiver.expires === undefined ? {} : { expires: waiver.expires }) };
  }
  if (gate.baseline?.fingerprints.has(findingFingerprint(finding.ruleId, stable))) {
    return { kind: 'baseline', justification: `accepted in the baseline ${gate.baseline.file}`, file: gate.baseline.file };
  }
  return undefined;
}
