/**
 * SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
 *
 * Every result points at a line of the source its evidence was read from (GitHub rejects a whole file when
 * one result has no location): see sarif-locations.ts. The primary location is the line that proves the
 * finding (evidence marked primary, else the first), the other evidence lines are related locations; a logical
 * location ("sysctl:net.ipv4.ip_forward", "iptables:filter/FORWARD", "interface:host/veth1") names what is wrong.
 * Fingerprints hash rule + namespace + subject, never lines, so a finding keeps its identity across snapshots.
 * Each run (one per input) has its own automationDetails id, as code scanning requires of several runs of one tool.
 * Suppressed findings are results with an external, accepted suppression.
 */
import { findingFingerprint } from '../engine/fingerprint.js';
import type { AuditResult, Finding, RuleMeta, Severity, Subject, SuppressedFinding } from '../engine/types.js';
import type { Evidence } from '../parse/common.js';
import { VERSION } from '../version.js';
import { isBuiltinRule, ruleDocsUrl } from './links.js';
import { RunLocations, type SourceLocator } from './sarif-locations.js';
import { evidenceWhere } from './evidence-where.js';

export { toUriReference } from './sarif-locations.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

export type SarifOptions = SourceLocator;

type SarifLevel = 'error' | 'warning' | 'note';
const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

export function formatSarif(result: AuditResult, options: SarifOptions = {}): string {
  return formatSarifReports([result], options);
}

/** Several inputs: one SARIF log with one run per input. */
export function formatSarifReports(results: readonly AuditResult[], options: SarifOptions = {}): string {
  const ids = automationIds(results.map((r) => r.input));
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: results.map((r, i) => sarifRun(r, ids[i] ?? '', options)),
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/**
 * "netaudit/host.json.gz/": the run's category, from the input's label so that the same inputs give the same
 * ids run after run; an input named twice gets "#2" so that no two runs share one.
 */
export function automationIds(inputs: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return inputs.map((input) => {
    const count = (seen.get(input) ?? 0) + 1;
    seen.set(input, count);
    return `netaudit/${input}${count > 1 ? `#${count}` : ''}/`;
  });
}

function sarifRun(result: AuditResult, automationId: string, options: SarifOptions) {
  const rules = ruleList(result);
  const ruleIndex = new Map(rules.map((m, i) => [m.id, i]));
  const locations = new RunLocations(result.input, options);

  const sarifResult = (f: Finding) => {
    const primary = f.evidence.find((e) => e.primary) ?? f.evidence[0];
    const related = f.evidence.filter((e) => e !== primary);
    const index = ruleIndex.get(f.ruleId);
    return {
      ruleId: f.ruleId,
      ...(index === undefined ? {} : { ruleIndex: index }),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [{ physicalLocation: locations.locate(primary), logicalLocations: logicalLocations(f) }],
      ...(related.length
        ? {
            relatedLocations: related.map((ev, i) => ({
              id: i + 1,
              physicalLocation: locations.locate(ev),
              message: { text: evidenceWhere(ev) },
            })),
          }
        : {}),
      partialFingerprints: { 'netauditSubject/v1': findingFingerprint(f.ruleId, f.subject) },
      properties: { subject: { kind: f.subject.kind, name: f.subject.name, namespace: f.subject.namespace } },
    };
  };
  const results = [...result.findings.map(sarifResult), ...result.suppressed.map((f) => ({ ...sarifResult(f), suppressions: [suppression(f)] }))];

  const notifications = [
    ...result.skipped.map((s) => {
      const index = ruleIndex.get(s.ruleId);
      return {
        level: 'warning',
        message: { text: `Rule ${s.ruleId} was not evaluated: ${s.reason}` },
        descriptor: { id: 'rule-skipped' },
        associatedRule: index === undefined ? { id: s.ruleId } : { id: s.ruleId, index },
      };
    }),
    ...result.summary.unavailableSources.map((source) => ({
      level: 'warning',
      message: { text: `Source unavailable, rules that need it were not evaluated: ${source}` },
      descriptor: { id: 'source-unavailable' },
    })),
  ];

  return {
    tool: {
      driver: {
        name: 'netaudit',
        version: VERSION,
        semanticVersion: VERSION,
        rules: rules.map(sarifRule),
      },
    },
    automationDetails: { id: automationId },
    invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
    // Columns count UTF-16 code units, as JavaScript strings do.
    columnKind: 'utf16CodeUnits',
    results,
    // Artifacts are registered while results are built: keep this after `results`.
    artifacts: locations.artifacts(),
    properties: { input: result.input, host: result.host, summary: result.summary },
  };
}

/** A baseline or waiver accepted the finding: code scanning shows it as dismissed, a gate does not count it. */
function suppression(f: SuppressedFinding) {
  const { kind, justification, file, expires } = f.suppression;
  return {
    kind: 'external',
    status: 'accepted',
    justification,
    properties: { netauditKind: kind, file, ...(expires ? { expires } : {}) },
  };
}

/** The rules of the report plus any a result names that the report's list lacks. */
function ruleList(result: AuditResult): RuleMeta[] {
  const seen = new Set(result.rules.map((r) => r.id));
  const rules = [...result.rules];
  for (const f of [...result.findings, ...result.suppressed]) {
    if (seen.has(f.ruleId)) continue;
    seen.add(f.ruleId);
    rules.push({
      id: f.ruleId,
      title: f.title,
      severity: f.severity,
      subject: f.subject.kind,
      rationale: f.title,
      remediation: f.remediation,
      references: [],
      requires: [],
      origin: 'unknown',
    });
  }
  return rules;
}

function sarifRule(meta: RuleMeta) {
  const builtin = isBuiltinRule(meta);
  const more = builtin ? ruleDocsUrl(meta.id) : undefined;
  const helpText = `${meta.remediation}\n\nRun: netaudit explain ${meta.id}${more ? ` (documentation: ${more} in the netaudit package)` : ''}`;
  const helpMarkdown = `${meta.remediation}\n\nRun \`netaudit explain ${meta.id}\`${more ? ` (documentation: \`${more}\` in the netaudit package)` : ''}`;
  return {
    id: meta.id,
    name: pascalCase(meta.id),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.rationale },
    help: { text: helpText, markdown: helpMarkdown },
    defaultConfiguration: { level: LEVEL[meta.severity] },
    // Aliases are the ids the rule had before: SARIF viewers match older results through them.
    ...(meta.aliases?.length ? { deprecatedIds: [...meta.aliases] } : {}),
    properties: { tags: ['network', meta.subject], subject: meta.subject, requires: meta.requires },
  };
}

function logicalLocations(f: Finding) {
  const locations = [subjectLocation(f.subject)];
  // A sysctl quoted as evidence names the key that is wrong, whatever the subject.
  for (const ev of f.evidence) {
    const key = sysctlKey(ev);
    if (key && key !== f.subject.name) locations.push(qualified('sysctl', key, f.subject.namespace, 'variable'));
  }
  return locations;
}

function subjectLocation(subject: Subject) {
  const { kind, name, namespace } = subject;
  switch (kind) {
    case 'sysctl':
      return qualified('sysctl', name, namespace, 'variable');
    case 'netfilter-chain':
    case 'netfilter-rule':
      return qualified('iptables', name, namespace, 'member');
    case 'nft-chain':
    case 'nft-rule':
      return qualified('nftables', name, namespace, 'member');
    case 'interface':
    case 'bridge':
    case 'veth':
      return { name, fullyQualifiedName: `interface:${namespace}/${name}`, kind: 'resource' };
    case 'host':
    case 'namespace':
      return { name: namespace, fullyQualifiedName: `namespace:${namespace}`, kind: 'namespace' };
    default:
      return { name, fullyQualifiedName: `${kind}:${namespace}/${name}`, kind: 'resource' };
  }
}

/** "sysctl:net.ipv4.ip_forward" in the host namespace, "netns:blue/sysctl:net.ipv4.ip_forward" elsewhere. */
function qualified(prefix: string, name: string, namespace: string, kind: string) {
  const fqn = `${prefix}:${name}`;
  return { name, fullyQualifiedName: namespace === 'host' ? fqn : `netns:${namespace}/${fqn}`, kind };
}

/** "net.ipv4.ip_forward = 0" quoted from sysctl -a, or a sysctl.d assignment. */
function sysctlKey(ev: Evidence): string | undefined {
  if (!/(^|\/)sysctl$/.test(ev.source) && !ev.source.endsWith('.conf')) return undefined;
  const eq = ev.text.indexOf('=');
  if (eq <= 0) return undefined;
  const key = ev.text.slice(0, eq).trim().replace(/^-/, '');
  return /^[\w.\/-]+$/.test(key) ? key : undefined;
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
