/** What the renderers of `netaudit diff` get: both audits, the changes between the models, and the findings compared. */
import type { AuditResult, Severity } from '../engine/types.js';
import type { FindingChanges } from './findings.js';
import type { Change } from './types.js';

export interface DiffOutcome {
  before: AuditResult;
  after: AuditResult;
  changes: Change[];
  findings: FindingChanges;
  failOn: Severity | 'none';
}
