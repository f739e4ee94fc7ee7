/**
 * The netfilter fact modules through the engine: site rules over netfilter-rule and netfilter-chain
 * subjects, and the facts the built-in rules read, on hosts built through the real pipeline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRuleCatalog } from '../../src/engine/catalog.js';
import { runAudit } from '../../src/engine/audit.js';
import { FACT_DOCS } from '../../src/engine/facts/index.js';
import { DOCKER_27, buildTestHost } from './hosts.js';

const siteDir = mkdtempSync(path.join(tmpdir(), 'netaudit-site-rules-'));
afterAll(() => rmSync(siteDir, { recursive: true, force: true }));

function siteRule(id: string, subject: string, message: string, conditions: unknown, evidence: string[]): void {
  writeFileSync(
    path.join(siteDir, `${id}.json`),
    JSON.stringify({ id, title: id, severity: 'warning', subject, requires: ['iptables-save'], rationale: 'site policy', remediation: 'fix it', references: [], message, evidence, conditions }),
  );
}

siteRule(
  'ssh-open-to-all',
  'netfilter-rule',
  '{{ruleText}} accepts ssh from anywhere ({{packets}} packets)',
  { all: [{ fact: 'chain', operator: 'equal', value: 'INPUT' }, { fact: 'target', operator: 'equal', value: 'ACCEPT' }, { fact: 'destinationPort', operator: 'equal', value: '22' }, { fact: 'fromAnywhere', operator: 'equal', value: true }] },
  ['ruleEvidence'],
);
siteRule(
  'orphan-user-chain',
  'netfilter-chain',
  '{{chainName}} is never jumped to',
  { all: [{ fact: 'builtin', operator: 'equal', value: false }, { fact: 'reachable', operator: 'equal', value: false }] },
  ['chainEvidence'],
);

const iptables = DOCKER_27.replace(
  '[9100:7654321] -A FORWARD -j DOCKER-USER',
  '[4242:254520] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n[12:720] -A INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport 22 -j ACCEPT\n[9100:7654321] -A FORWARD -j DOCKER-USER',
).replace(':DOCKER-USER - [0:0]', ':DOCKER-USER - [0:0]\n:LEFTOVER - [0:0]');

/** 1-based line of the first line of the dump starting with `start`. */
function lineOf(start: string): number {
  return iptables.split('\n').findIndex((l) => l.startsWith(start)) + 1;
}

describe('netfilter-rule and netfilter-chain subjects for site rules', () => {
  it('finds the rule and the chain, with their lines as evidence', async () => {
    const catalog = await loadRuleCatalog([siteDir]);
    const result = await runAudit(buildTestHost({ iptables }), catalog, { input: 'site', only: ['ssh-open-to-all', 'orphan-user-chain'] });
    expect(result.findings.map((f) => [f.ruleId, f.subject.name, f.message, f.evidence.map((e) => e.line)])).toEqual([
      ['orphan-user-chain', 'filter/LEFTOVER', 'LEFTOVER is never jumped to', [lineOf(':LEFTOVER - [0:0]')]],
      ['ssh-open-to-all', 'filter/INPUT#1', '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT accepts ssh from anywhere (4242 packets)', [lineOf('[4242:254520] -A INPUT')]],
    ]);
  });
});

describe('fact documentation', () => {
  it('documents every netfilter fact with a type and a description', () => {
    const mine = FACT_DOCS.filter((d) => ['published-port', 'bridge-subnet', 'netfilter-rule', 'netfilter-chain'].includes(d.subject));
    expect(mine.length).toBeGreaterThan(40);
    for (const doc of mine) {
      expect(doc.type, doc.name).not.toBe('');
      expect(doc.description.length, doc.name).toBeGreaterThan(12);
    }
    for (const name of ['forwardOutboundBlocked', 'forwardRepliesBlocked', 'dockerChainProblems', 'inputFromBridgeDropped', 'iptablesBackendSplit']) {
      expect(FACT_DOCS.some((d) => d.name === name), name).toBe(true);
    }
  });
});
