/**
 * SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
 *
 * Every result points at the input (GitHub rejects a whole file when one result has no location): the
 * artifact is the snapshot path as the user gave it and the region is the evidence line; a logical location
 * ("sysctl:net.ipv4.ip_forward", "iptables:filter/FORWARD", "interface:host/veth1") names what is wrong.
 * Fingerprints hash rule + namespace + subject, never lines, so a finding keeps its identity across snapshots.
 */
import { findingFingerprint } from '../engine/fingerprint.js';
import { pathToFileURL } from 'node:url';
import type { AuditResult, Finding, RuleMeta, Severity, Subject } from '../engine/types.js';
import type { Evidence } from '../parse/common.js';
import { VERSION } from '../version.js';
import { isBuiltinRule, ruleDocsUrl } from './links.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

export interface SarifOptions {
  /**
   * The file an evidence line lives in, as a path. Default: the input itself. For a raw-output directory the
   * command maps each source to its file in that directory, so the line number is exact.
   */
  artifactPath?: (input: string, evidence: Evidence | undefined) => string;
}

type SarifLevel = 'error' | 'warning' | 'note';
const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

export function formatSarif(result: AuditResult, options: SarifOptions = {}): string {
  return formatSarifReports([result], options);
}

/** Several inputs: one SARIF log with one run per input. */
export function formatSarifReports(results: readonly AuditResult[], options: SarifOptions = {}): string {
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: results.map((r) => sarifRun(r, options)),
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function sarifRun(result: AuditResult, options: SarifOptions) {
  const artifactPath = options.artifactPath ?? ((input: string) => input);
  const rules = ruleList(result);
  const ruleIndex = new Map(rules.map((m, i) => [m.id, i]));
  const artifacts = new Map<string, number>();
  const artifactIndex = (p: string): number => {
    let i = artifacts.get(p);
    if (i === undefined) {
      i = artifacts.size;
      artifacts.set(p, i);
    }
    return i;
  };
  const location = (ev: Evidence | undefined) => {
    const file = artifactPath(result.input, ev);
    const physicalLocation: Record<string, unknown> = {
      artifactLocation: { uri: toUriReference(file), index: artifactIndex(file) },
    };
    // GitHub wants region.startLine on every result (sarif-sdk rule GH1003): without evidence, the input's first line.
    physicalLocation.region = ev && ev.line >= 1 ? { startLine: ev.line, snippet: { text: ev.text } } : { startLine: 1 };
    return physicalLocation;
  };

  const results = result.findings.map((f) => {
    const [first, ...rest] = f.evidence;
    const index = ruleIndex.get(f.ruleId);
    return {
      ruleId: f.ruleId,
      ...(index === undefined ? {} : { ruleIndex: index }),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [{ physicalLocation: location(first), logicalLocations: logicalLocations(f) }],
      ...(rest.length
        ? {
            relatedLocations: rest.map((ev, i) => ({
              id: i + 1,
              physicalLocation: location(ev),
              message: { text: `${ev.source}:${ev.line}` },
            })),
          }
        : {}),
      partialFingerprints: { 'netauditSubject/v1': findingFingerprint(f.ruleId, f.subject) },
      properties: { subject: { kind: f.subject.kind, name: f.subject.name, namespace: f.subject.namespace } },
    };
  });

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
    invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
    // Artifacts are registered while results are built: keep this after `results`.
    results,
    artifacts: [...artifacts.keys()].map((p) => ({ location: { uri: toUriReference(p) } })),
    properties: { input: result.input, host: result.host, summary: result.summary },
  };
}

/** The rules of the report plus any a result names that the report's list lacks. */
function ruleList(result: AuditResult): RuleMeta[] {
  const seen = new Set(result.rules.map((r) => r.id));
  const rules = [...result.rules];
  for (const f of result.findings) {
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

/** A relative path stays a relative reference (percent-encoded per segment); an absolute one becomes file://. */
export function toUriReference(filePath: string): string {
  if (filePath.startsWith('/')) return pathToFileURL(filePath).href;
  return filePath
    .split(/[\\/]/)
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

