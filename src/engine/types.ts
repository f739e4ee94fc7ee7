/**
 * The audit's output (DESIGN.md contract: JSON report `netaudit/report@1`) and the metadata of a rule
 * that reports need. The rule file format itself is defined by rules/rule.schema.json.
 */
import type { Evidence } from '../parse/common.js';

export const REPORT_SCHEMA_ID = 'netaudit/report@1';

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse. */
export const SEVERITY_RANK: Record<Severity, number> = { info: 1, warning: 2, error: 3 };

export const SUBJECT_KINDS = [
  'host',
  'namespace',
  'interface',
  'bridge',
  'veth',
  'route',
  'netfilter-rule',
  'netfilter-chain',
  'nft-rule',
  'nft-chain',
  'published-port',
  'dnat-target',
  'sysctl',
  'bridge-subnet',
] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

export interface Subject {
  kind: SubjectKind;
  /** Interface name, "filter/FORWARD", "nat/DOCKER#3", "net.ipv4.ip_forward", "tcp/8080", ... */
  name: string;
  namespace: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  title: string;
  subject: Subject;
  message: string;
  evidence: Evidence[];
  remediation: string;
}

/** Why a finding does not count against the gate: a baseline holds it, or a waiver accepts it. */
export interface Suppression {
  kind: 'baseline' | 'waiver';
  /** The waiver's reason, or which baseline holds the finding. */
  justification: string;
  /** The baseline or waiver file that suppressed it. */
  file: string;
  /** A waiver's expiry date (YYYY-MM-DD), when it has one. */
  expires?: string;
}

/** A finding that a baseline or a waiver suppresses: reported, never failing. */
export interface SuppressedFinding extends Finding {
  suppression: Suppression;
}

export interface Skipped {
  ruleId: string;
  reason: string;
}

export interface RuleMeta {
  id: string;
  title: string;
  severity: Severity;
  subject: SubjectKind;
  rationale: string;
  remediation: string;
  references: string[];
  /** Sources the rule needs; when any is missing or failed the rule is skipped. */
  requires: string[];
  /** Where the rule was loaded from (built-in or a user's --rules directory). */
  origin: string;
  deprecated?: boolean;
  aliases?: string[];
}

export interface AuditSummary {
  errors: number;
  warnings: number;
  infos: number;
  rulesEvaluated: number;
  rulesSkipped: number;
  subjectsEvaluated: number;
  suppressed: number;
  /** Sources that were missing, failed or unreadable, as "namespace/source: reason". */
  unavailableSources: string[];
}

export interface AuditResult {
  schema: typeof REPORT_SCHEMA_ID;
  /** The input as the user named it. */
  input: string;
  host: { hostname?: string; kernel?: string; collectedAt?: string; collector?: string };
  findings: Finding[];
  /** Findings a baseline or waiver accepts: not counted in the severities, never failing. */
  suppressed: SuppressedFinding[];
  skipped: Skipped[];
  /** Per rule × subject that was evaluated and passed, for JUnit: every evaluation is a testcase. */
  passed: { ruleId: string; subject: Subject }[];
  rules: RuleMeta[];
  summary: AuditSummary;
}
