/** Reading rule fixtures: a raw-output directory, or a directory holding snapshot.json. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runAudit, type AuditOptions } from '../../src/engine/audit.js';
import type { RuleCatalog } from '../../src/engine/catalog.js';
import type { AuditResult, Subject } from '../../src/engine/types.js';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

export const RULES_DIR = path.join(PROJECT_ROOT, 'rules');
export const FIXTURES_DIR = path.join(PROJECT_ROOT, 'fixtures/rules');
export const DOCS_DIR = path.join(PROJECT_ROOT, 'docs/rules');

export interface ExpectedFinding {
  subject: Subject;
  evidence: { source: string; line: number }[];
}

export function fixtureInput(ruleId: string, side: 'fail' | 'pass'): string {
  const dir = path.join(FIXTURES_DIR, ruleId, side);
  const snapshot = path.join(dir, 'snapshot.json');
  return existsSync(snapshot) ? snapshot : dir;
}

export function fixtureExists(ruleId: string, side: 'fail' | 'pass'): boolean {
  const dir = path.join(FIXTURES_DIR, ruleId, side);
  return existsSync(dir) && readdirSync(dir).length > 0;
}

export function readExpected(ruleId: string): ExpectedFinding[] {
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, ruleId, 'expected.json'), 'utf8')) as ExpectedFinding[];
}

export async function auditFixture(catalog: RuleCatalog, ruleId: string, side: 'fail' | 'pass', options: Partial<AuditOptions> = {}): Promise<AuditResult> {
  const input = fixtureInput(ruleId, side);
  const { snapshot } = await loadInput(input);
  return runAudit(buildHost(snapshot), catalog, { input, ...options });
}

/** A finding reduced to what expected.json pins. */
export function pinned(result: AuditResult, ruleId: string): ExpectedFinding[] {
  return result.findings.filter((f) => f.ruleId === ruleId).map((f) => ({ subject: f.subject, evidence: f.evidence.map((e) => ({ source: e.source, line: e.line })) }));
}

export function sortedByJson<T>(items: T[]): T[] {
  return [...items].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}
