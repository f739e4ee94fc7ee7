/**
 * Baselines: the findings of today, written by `netaudit baseline`, read by `audit --baseline`. A finding
 * whose fingerprint (identity.ts) the baseline holds is reported as suppressed, not failing.
 */
import { findingFingerprint } from '../engine/fingerprint.js';
import type { AuditResult } from '../engine/types.js';
import { BASELINE_SCHEMA_ID, BaselineFile, type BaselineFinding } from './files.js';
import { stableSubject } from './identity.js';
import { readGateFile } from './read.js';

export interface AuditedInput {
  result: AuditResult;
  /** Namespace name → identity (identity.ts). */
  identities: ReadonlyMap<string, string>;
}

/** Every finding of every input, once per fingerprint, in report order. */
export function baselineOf(inputs: readonly AuditedInput[]): BaselineFile {
  const findings: BaselineFinding[] = [];
  const seen = new Set<string>();
  for (const { result, identities } of inputs) {
    for (const f of [...result.findings, ...result.suppressed]) {
      const subject = stableSubject(f.subject, identities);
      const fingerprint = findingFingerprint(f.ruleId, subject);
      if (seen.has(fingerprint)) continue;
      seen.add(fingerprint);
      findings.push({
        fingerprint,
        ruleId: f.ruleId,
        namespace: subject.namespace,
        subject: { kind: subject.kind, name: subject.name },
        message: f.message,
      });
    }
  }
  return { schema: BASELINE_SCHEMA_ID, findings };
}

export function formatBaseline(baseline: BaselineFile): string {
  return `${JSON.stringify(baseline, null, 2)}\n`;
}

export interface LoadedBaseline {
  file: string;
  fingerprints: ReadonlySet<string>;
}

export async function readBaseline(file: string): Promise<LoadedBaseline> {
  const document = BaselineFile.parse(await readGateFile(file, 'baseline.schema.json', 'baseline'));
  return { file, fingerprints: new Set(document.findings.map((f) => f.fingerprint)) };
}
