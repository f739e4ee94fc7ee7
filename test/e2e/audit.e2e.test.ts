/**
 * Issue "Audit…", Done when: every fault a namespace can reproduce is applied to the healthy lab,
 * shown to really break (or, where it should not, not break) traffic with bounded probes, collected
 * with the real collector and audited: the expected rule fires on the right subject, with evidence
 * quoting the right source line, and the exit code says so. Then the baseline is restored.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult, Finding, Severity } from '../../src/engine/types.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import type { DockerLayout } from './docker-ruleset.js';
import { FAULTS, type ExpectedFinding, type Fault } from './faults.js';
import { Lab } from './lab.js';
import { auditJson, collectWithNode, ensureBuilt, netaudit, SnapshotText, type AuditRun } from './netaudit.js';
import { PROBE_NAMES, PROBES, runProbes, type ProbeName, type ProbeResult } from './probes.js';
import { labSupport, warnIfUnsupported } from './support.js';
import { expectTracesAgree } from './trace-probes.js';

const support = labSupport();
warnIfUnsupported('netaudit audit e2e', support);

/** The rules the faults below must trigger; none of them may fire on a healthy lab. */
const FAULT_RULE_IDS = [
  'ip-forward-disabled',
  'iface-forwarding-disabled',
  'masquerade-missing',
  'port-publish-incomplete',
  'forward-drop-without-accept',
  'docker-chains-missing',
  'forward-established-missing',
  'veth-unattached',
  'iface-down',
  'bridge-down',
  'address-overlap',
  'default-route-missing',
  'mtu-mismatch',
  'veth-orphan',
  'netns-default-route-missing',
  'gateway-unreachable',
  'policy-route-blackhole',
  'path-egress-blocked',
  'path-ingress-blocked',
  'published-port-exposed',
  'bridged-uplink-filtered',
];

interface LabContext {
  lab: Lab;
  /** Collects the lab with the node collector inside its host namespace; returns the snapshot file. */
  collect(name: string): Promise<string>;
}

function audit(snapshot: string, failOn: Severity, disable: readonly string[] = []): AuditRun<AuditResult> {
  return auditJson<AuditResult>(snapshot, failOn, disable);
}

function ruleSeverity(ruleId: string): Severity {
  const file = path.join(PROJECT_ROOT, 'rules', `${ruleId}.json`);
  if (!existsSync(file)) throw new Error(`rule ${ruleId} has no file rules/${ruleId}.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { severity: Severity }).severity;
}

const describeFinding = (f: Finding): string => `${f.ruleId} [${f.severity}] ${f.subject.kind} ${f.subject.namespace}/${f.subject.name}`;
const listFindings = (report: AuditResult): string => report.findings.map(describeFinding).join('; ') || 'no findings';

function expectEvidence(finding: Finding, expected: ExpectedFinding['evidence'], text: SnapshotText): void {
  const all = finding.evidence.map((e) => `${e.source}:${e.line} ${e.text}`).join('\n  ');
  expect(text.has(expected.source), `snapshot has source ${expected.source}`).toBe(true);
  const match = finding.evidence.find((e) => {
    const raw = e.source === expected.source ? text.line(e.source, e.line)?.trim() : undefined;
    if (raw === undefined) return false;
    const quoted = e.text.trim();
    const shown = quoted.split('…')[0] ?? '';
    // nft -j prints its whole ruleset on one line: an element is quoted re-rendered in nft syntax.
    if (raw.startsWith('{"nftables"')) return expected.line.test(shown);
    // A JSON element of pretty output: its identifying member's line, then the element's other members.
    if (quoted.startsWith('"')) return shown.startsWith(raw.replace(/,$/, '')) && expected.line.test(shown);
    if (!quoted.startsWith('{')) return raw === quoted && expected.line.test(raw);
    // A JSON element of compact output, clipped ("… (N more characters)") when long.
    return raw.includes(shown) && expected.line.test(shown);
  });
  expect(match, `evidence of ${finding.ruleId} quoting ${expected.source} at a line matching ${expected.line}; got:\n  ${all}`).toBeDefined();
}

function expectProbes(results: Map<ProbeName, ProbeResult>, expectations: Partial<Record<ProbeName, boolean>>, when: string): void {
  for (const [name, shouldPass] of Object.entries(expectations) as [ProbeName, boolean][]) {
    const result = results.get(name);
    expect(result?.ok, `${PROBES[name].what} ${shouldPass ? 'still works' : 'fails'} when ${when} (${result?.detail})`).toBe(shouldPass);
  }
}

/**
 * Probes, then the collection: the snapshot then holds the neighbour entries the probes' traffic made, as
 * a host in use has them, so that trace can be asked about the same packets.
 */
async function probeAndCollect(ctx: LabContext, probes: readonly ProbeName[], name: string): Promise<{ results: Map<ProbeName, ProbeResult>; snapshot: string }> {
  const results = await runProbes(ctx.lab, probes);
  const snapshot = await ctx.collect(name);
  return { results, snapshot };
}

function labSuite(layout: DockerLayout, tag: string, body: (ctx: LabContext) => void): void {
  describe(`${layout} Docker rules`, () => {
    const lab = new Lab(tag, layout);
    let dir = '';

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), `netaudit-e2e-audit-${layout}-`));
      ensureBuilt();
      await lab.create();
    });

    afterAll(() => {
      lab.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    body({
      lab,
      collect: async (name) => {
        const file = path.join(dir, `${name}.json`);
        await collectWithNode(lab, file);
        return file;
      },
    });
  });
}

function healthyBaseline(ctx: LabContext, name: string): void {
  it(`${name}: every probe passes, no error finding, none of the fault rules fires, exit 0 with --fail-on error`, async () => {
    const { results, snapshot } = await probeAndCollect(ctx, PROBE_NAMES, name.replace(/\W+/g, '-'));
    expectProbes(results, Object.fromEntries(PROBE_NAMES.map((p) => [p, true])), 'the lab is healthy');
    expectTracesAgree(snapshot, ctx.lab, results, 'the lab is healthy');
    const run = audit(snapshot, 'error');
    const errors = run.report.findings.filter((f) => f.severity === 'error');
    expect(errors.map(describeFinding), 'error findings on the healthy baseline').toEqual([]);
    const faultFindings = run.report.findings.filter((f) => FAULT_RULE_IDS.includes(f.ruleId));
    expect(faultFindings.map(describeFinding), 'fault rules firing on the healthy baseline').toEqual([]);
    const skipped = run.report.skipped.filter((s) => FAULT_RULE_IDS.includes(s.ruleId));
    expect(skipped, 'fault rules skipped on a complete snapshot').toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    expectRedactionKeepsAudit(snapshot);
  });
}

function faultCase(ctx: LabContext, fault: Fault): void {
  const probeSummary = Object.entries(fault.probes)
    .map(([name, passes]) => `${PROBES[name as ProbeName].what} ${passes ? 'still works' : 'fails'}`)
    .join(', ');
  it(`${fault.title}: ${probeSummary}; audit reports it`, async () => {
    fault.apply(ctx.lab);
    const { results, snapshot } = await probeAndCollect(ctx, Object.keys(fault.probes) as ProbeName[], fault.id);
    expectProbes(results, fault.probes, fault.title);
    expectTracesAgree(snapshot, ctx.lab, results, fault.title);

    const expectations = [fault.expected(ctx.lab)].flat();
    for (const expected of expectations) expectFinding(snapshot, expected);
    expectRedactionKeepsAudit(snapshot);
  });
}

/**
 * The snapshot a reporter would attach (`netaudit redact`) audits as the original: the same rules, severities,
 * subject kinds and evidence lines. Namespace names inside source labels are compared without the name.
 */
function expectRedactionKeepsAudit(snapshot: string): void {
  const redacted = snapshot.replace(/\.json$/, '.redacted.json');
  const run = netaudit(['redact', snapshot, '-o', redacted, '--key-file', `${redacted}.key`]);
  expect(run.code, run.stderr).toBe(0);
  const shape = (file: string): string[] =>
    auditJson<AuditResult>(file, 'none')
      .report.findings.map((f) => `${f.ruleId} ${f.severity} ${f.subject.kind} ${f.evidence.map((e) => `${e.source.replace(/^netns:[^/]+\//, 'netns/')}:${e.line}`).join(',')}`)
      .sort();
  expect(shape(redacted), `the redacted snapshot of ${path.basename(snapshot)} audits as the original`).toEqual(shape(snapshot));
}

/** Audits with the rule's severity as the --fail-on threshold: the finding must be there, and exit 1. */
function expectFinding(snapshot: string, expected: ExpectedFinding): void {
  const severity = ruleSeverity(expected.ruleId);
  const run = audit(snapshot, severity, expected.disable);
  const target = `${expected.ruleId} on ${expected.subject.kind} ${expected.subject.namespace}/${expected.subject.name}${expected.disable ? ` (with --disable ${expected.disable.join(' ')})` : ''}`;
  const finding = run.report.findings.find(
    (f) => f.ruleId === expected.ruleId && f.subject.kind === expected.subject.kind && f.subject.name === expected.subject.name && f.subject.namespace === expected.subject.namespace,
  );
  expect(finding, `${target}; found: ${listFindings(run.report)}`).toBeDefined();
  expect(finding!.severity).toBe(severity);
  expectEvidence(finding!, expected.evidence, new SnapshotText(snapshot));
  expect(run.code, `exit code of ${target} with --fail-on ${severity}`).toBe(1);
}

describe.skipIf(!support.ok)('netaudit audit on faults reproduced in a live netns lab', () => {
  labSuite('classic', 'a', (ctx) => {
    healthyBaseline(ctx, 'healthy baseline');

    describe('faults, each applied to the baseline and undone', () => {
      afterEach(async () => {
        await ctx.lab.restore();
      });
      for (const fault of FAULTS) faultCase(ctx, fault);
    });

    healthyBaseline(ctx, 'baseline restored after every fault');
  });

  labSuite('modern', 'm', (ctx) => {
    healthyBaseline(ctx, 'healthy baseline (Docker 28 chain layout)');
  });
});
