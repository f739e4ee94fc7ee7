/**
 * The rule catalog as `netaudit rules` prints it: an aligned table, or JSON (`netaudit/rules@1`).
 */
import type { RuleMeta } from '../engine/types.js';
import { plural } from './describe.js';
import { printableLine } from './escape.js';
import { isBuiltinRule } from './links.js';

export const RULES_SCHEMA_ID = 'netaudit/rules@1';

export function formatRuleTable(rules: readonly RuleMeta[]): string {
  const rows = rules.map((m) => [
    m.id,
    m.severity,
    m.subject,
    `${m.title}${m.deprecated ? ' (deprecated)' : ''}${isBuiltinRule(m) ? '' : ` [${m.origin}]`}`,
  ]);
  const table = [['ID', 'SEVERITY', 'SUBJECT', 'TITLE'], ...rows].map((r) => r.map(printableLine));
  const widths = [0, 1, 2].map((i) => Math.max(...table.map((r) => r[i]?.length ?? 0)));
  const lines = table.map((r) =>
    r
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n${plural(rules.length, 'rule')}\n`;
}

export function formatRulesJson(rules: readonly RuleMeta[]): string {
  return `${JSON.stringify(
    {
      schema: RULES_SCHEMA_ID,
      rules: rules.map((m) => ({
        id: m.id,
        title: m.title,
        severity: m.severity,
        subject: m.subject,
        requires: m.requires,
        references: m.references,
        rationale: m.rationale,
        remediation: m.remediation,
        origin: m.origin,
        deprecated: m.deprecated ?? false,
        aliases: m.aliases ?? [],
      })),
    },
    null,
    2,
  )}\n`;
}
