/**
 * Issue 13, point 5 ("Real layouts as fixtures"): the lab's host firewall replaced by, or joined with, the
 * native nftables layouts of Docker 29, firewalld, kube-proxy (with flannel), netavark and Debian's stock
 * nftables.conf. For each: the kernel's verdict on every probe, the trace agreeing with it and walking the
 * layout's nft chains with their lines as evidence, and the audit: no error on the healthy layouts, the drop
 * named on the broken ones. lab.reset() must then bring the Docker iptables baseline back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult, Finding } from '../../src/engine/types.js';
import { Lab } from './lab.js';
import { applyNftLayout, layoutTools, NFT_LAYOUTS, type NftLayout } from './nft-layouts.js';
import { captureFixtures, captureRequested } from './nft-fixtures.js';
import { missingTools, nftLabSupport } from './nft-support.js';
import { auditJson, collectWithNode, ensureBuilt } from './netaudit.js';
import { PROBE_NAMES, PROBES, runProbes, type ProbeName, type ProbeResult } from './probes.js';
import { warnIfUnsupported } from './support.js';
import { TOPOLOGY } from './topology.js';
import { allSteps, describeStep, traceReport, type TraceReport } from './trace-steps.js';
import { expectTracesAgree } from './trace-probes.js';

const support = nftLabSupport();
warnIfUnsupported('native nftables layouts in the netns lab', support);

/** The rule the lead is writing: one ruleset's accept at a hook undone by another ruleset's drop at the same hook. */
const OVERRIDDEN_ACCEPT_RULE = 'forward-accept-overridden';

const describeFinding = (f: Finding): string => `${f.ruleId} [${f.severity}] ${f.subject.kind} ${f.subject.namespace}/${f.subject.name}: ${f.message}`;

interface LayoutRun {
  results: Map<ProbeName, ProbeResult>;
  snapshot: string;
  traces: Map<ProbeName, TraceReport>;
}

/** `nftables ip docker-bridges`: how a trace step names a native table. */
const traceTableName = (table: string): string => `nftables ${table}`;

function layoutSuite(lab: Lab, dir: () => string, layout: NftLayout): void {
  const missing = missingTools(layoutTools(layout));
  if (missing.length > 0) console.warn(`SKIP nft layout ${layout.id}: missing tools: ${missing.join(', ')}`);

  describe.skipIf(missing.length > 0)(`${layout.title} [${layout.id}]`, () => {
    let run: LayoutRun | undefined;
    const loaded = (): LayoutRun => {
      if (!run) throw new Error(`layout ${layout.id} was not loaded and collected (see the beforeAll error)`);
      return run;
    };

    beforeAll(async () => {
      await lab.restore();
      applyNftLayout(lab, layout);
      if (captureRequested) captureFixtures(lab, layout.id);
      const results = await runProbes(lab, PROBE_NAMES);
      const snapshot = path.join(dir(), `${layout.id}.json`);
      await collectWithNode(lab, snapshot);
      const traces = new Map(PROBE_NAMES.map((p) => [p, traceReport(snapshot, lab, p)] as const));
      run = { results, snapshot, traces };
    });

    const summary = PROBE_NAMES.map((p) => `${p} ${layout.probes[p] ? '✓' : '✗'}`).join(', ');
    it(`the kernel: ${summary}`, () => {
      for (const p of PROBE_NAMES) {
        const result = loaded().results.get(p);
        expect(result?.ok, `${PROBES[p].what} with ${layout.id} loaded (${result?.detail})`).toBe(layout.probes[p]);
      }
    });

    it('trace gives the kernel’s verdict for every probe', () => {
      const { snapshot, results } = loaded();
      expectTracesAgree(snapshot, lab, results, `${layout.id} is loaded`);
    });

    it(`trace walks the layout's nft chains, quoting their nft-ruleset lines (${layout.tables.join(', ')})`, () => {
      const names = layout.tables.map(traceTableName);
      const quoting = [...loaded().traces.values()].flatMap(allSteps).filter((s) => s.table !== undefined && names.includes(s.table) && s.evidence.some((e) => e.source === 'nft-ruleset'));
      const seen = [...new Set([...loaded().traces.values()].flatMap(allSteps).map((s) => s.table).filter((t) => t !== undefined))];
      expect(quoting.length, `a trace step of ${names.join(' or ')} quoting nft-ruleset; tables the traces walked: ${seen.join(', ')}`).toBeGreaterThan(0);
    });

    if (!layout.broken) {
      it('audit: no error finding, exit 0 with --fail-on error', () => {
        const audit = auditJson<AuditResult>(loaded().snapshot, 'error');
        const errors = audit.report.findings.filter((f) => f.severity === 'error');
        expect(errors.map(describeFinding), `error findings with ${layout.id} loaded`).toEqual([]);
        expect(audit.code, audit.stderr).toBe(0);
      });
      return;
    }

    const broken = layout.broken;
    it(`trace: every probe the kernel drops dies at ${broken.drop.source} ${broken.drop.line}`, () => {
      const { results, traces } = loaded();
      for (const p of PROBE_NAMES.filter((name) => results.get(name)?.ok === false)) {
        const steps = allSteps(traces.get(p)!);
        const drop = steps.find((s) => s.verdict === 'drop');
        expect(drop, `a drop step in the trace of ${PROBES[p].what}; steps:\n  ${steps.map(describeStep).join('\n  ')}`).toBeDefined();
        const quoted = drop!.evidence.some((e) => e.source === broken.drop.source && broken.drop.line.test(e.text.replace(/^\[\d+:\d+\]\s*/, '')));
        expect(quoted, `the drop step of ${PROBES[p].what} quotes ${broken.drop.source} ${broken.drop.line}:\n  ${describeStep(drop!)}`).toBe(true);
      }
    });

    // Pending: the rule is being written by the lead; this fails until it lands.
    it(`audit: ${OVERRIDDEN_ACCEPT_RULE} names both rulesets (${broken.accepting}, ${broken.dropping}) and quotes both lines`, () => {
      const audit = auditJson<AuditResult>(loaded().snapshot, 'error');
      const finding = audit.report.findings.find((f) => f.ruleId === OVERRIDDEN_ACCEPT_RULE);
      expect(finding, `${OVERRIDDEN_ACCEPT_RULE}; found: ${audit.report.findings.map(describeFinding).join('; ') || 'no findings'}`).toBeDefined();
      expect(finding!.severity).toBe('error');
      expect(finding!.subject).toMatchObject({ kind: 'bridge-subnet', name: `${TOPOLOGY.bridge}:${TOPOLOGY.bridgeSubnet}`, namespace: 'host' });
      expect(finding!.message).toContain(broken.accepting);
      expect(finding!.message).toContain(broken.dropping);
      const quotesDrop = finding!.evidence.some((e) => e.source === broken.drop.source && broken.drop.line.test(e.text.replace(/^\[\d+:\d+\]\s*/, '')));
      const quotesAccept = finding!.evidence.some((e) => e.source !== broken.drop.source && /accept|ACCEPT/.test(e.text));
      const quoted = finding!.evidence.map((e) => `${e.source}:${e.line} ${e.text}`).join('\n  ');
      expect(quotesDrop && quotesAccept, `evidence quoting the drop (${broken.drop.source}) and an accept of the other ruleset:\n  ${quoted}`).toBe(true);
      expect(audit.code).toBe(1);
    });
  });
}

describe.skipIf(!support.ok)('native nftables layouts in a live netns lab', () => {
  const lab = new Lab('n');
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netaudit-e2e-nft-'));
    ensureBuilt();
    await lab.create();
  });

  afterAll(() => {
    lab.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const layout of NFT_LAYOUTS) layoutSuite(lab, () => dir, layout);

  it('lab.reset() removes every layout (nft tables, iptables-legacy policies): Docker’s iptables baseline and every probe back', async () => {
    await lab.restore();
    const tables = lab.exec('host', ['nft', 'list', 'tables']).stdout.trim().split('\n').filter((l) => l.length > 0);
    const native = NFT_LAYOUTS.flatMap((l) => l.tables).map((t) => `table ${t}`);
    expect(tables.filter((t) => native.includes(t)), 'layout tables left after reset').toEqual([]);
    const legacy = lab.exec('host', ['sh', '-c', 'if [ -s /proc/net/ip_tables_names ]; then iptables-legacy-save; fi']).stdout;
    expect(legacy, 'iptables-legacy rules or DROP policies left after reset').not.toMatch(/^-A |^:\w+ DROP/m);
    const results = await runProbes(lab, PROBE_NAMES);
    for (const p of PROBE_NAMES) expect(results.get(p)?.ok, `${PROBES[p].what} after reset: ${results.get(p)?.detail}`).toBe(true);
  });
});
