/**
 * Site rules over nftables: `nft-rule` and `nft-chain` subjects and their facts, on a firewalld-style
 * ruleset captured on a real kernel (test/parse/fixtures/nft/lab/firewalld.nft), read in its text form so
 * that the evidence lines are the ruleset's own.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog } from '../../src/engine/catalog.js';
import { buildHost } from '../../src/model/build.js';
import { makeSnapshot } from '../helpers/snapshot.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const NFT = readFileSync(path.join(here, '../parse/fixtures/nft/lab/firewalld.nft'), 'utf8');
const lines = NFT.split('\n');
const siteDir = mkdtempSync(path.join(tmpdir(), 'netaudit-nft-site-rules-'));
afterAll(() => rmSync(siteDir, { recursive: true, force: true }));

function siteRule(id: string, subject: string, message: string, conditions: unknown, evidence: string[]): void {
  const rule = { id, title: id, severity: 'warning', subject, requires: ['nft-ruleset'], rationale: 'site policy', remediation: 'fix it', references: [], message, evidence, conditions };
  writeFileSync(path.join(siteDir, `${id}.json`), JSON.stringify(rule));
}

siteRule('forward-policy-accept', 'nft-chain', '{{family}} {{table}}/{{chainName}} accepts by default at the {{hook}} hook', { all: [{ fact: 'hook', operator: 'equal', value: 'forward' }, { fact: 'policy', operator: 'equal', value: 'accept' }] }, ['chainEvidence']);
siteRule('nft-ssh-from-anywhere', 'nft-rule', '{{ruleText}} accepts ssh from anywhere', { all: [{ fact: 'destinationPort', operator: 'equal', value: '22' }, { fact: 'verdict', operator: 'equal', value: 'accept' }, { fact: 'fromAnywhere', operator: 'equal', value: true }] }, ['ruleEvidence']);

function host() {
  const snapshot = makeSnapshot({ 'nft-ruleset': NFT });
  snapshot.namespaces[0]!.sources['nft-ruleset']!.format = 'text';
  return buildHost(snapshot);
}

describe('nft-rule and nft-chain subjects for site rules', () => {
  it('find the chains and rules of the ruleset, with their own lines as evidence', async () => {
    const catalog = await loadRuleCatalog([siteDir]);
    const result = await runAudit(host(), catalog, { input: 'site', only: ['forward-policy-accept', 'nft-ssh-from-anywhere'] });
    const found = result.findings.map((f) => ({ rule: f.ruleId, subject: f.subject.name, message: f.message, lines: f.evidence.map((e) => lines[e.line - 1]?.trim()) }));
    const forwardChains = found.filter((f) => f.rule === 'forward-policy-accept');
    expect(forwardChains.length).toBeGreaterThan(0);
    for (const f of forwardChains) {
      expect(f.subject).toMatch(/^inet firewalld\//);
      expect(f.lines[0]).toMatch(/hook forward .*policy accept/);
    }
    const ssh = found.filter((f) => f.rule === 'nft-ssh-from-anywhere');
    expect(ssh.length).toBeGreaterThan(0);
    for (const f of ssh) {
      expect(f.subject).toMatch(/^inet firewalld\/.+#\d+$/);
      expect(f.lines[0]).toMatch(/dport 22 .*accept/);
      expect(f.message).toMatch(/accepts ssh from anywhere$/);
    }
  });
});
