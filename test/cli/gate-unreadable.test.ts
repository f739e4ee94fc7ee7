/**
 * Issue 11, point 6: `iptables -L` saved as iptables-save.txt gets one behaviour from audit, show and import:
 * one message naming the file and what to run instead, exit 2, and (in audit's report) each rule that needed
 * it listed once as skipped, the parser's message given once.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/engine/types.js';
import { makeSnapshot } from '../helpers/snapshot.js';
import { dockerHostCopy, IPTABLES_L, tempDir, writeJson } from './gate-inputs.js';
import { cli } from './run.js';

const dir = tempDir('iptables-l');
const input = dockerHostCopy(dir, 'pasted', { 'iptables-save.txt': IPTABLES_L });
const file = path.join(input, 'iptables-save.txt');

/** What every command says of the file, after its own few words on what it did about it. */
const WHAT = `${file}: line 1: \`iptables -L\` output, not iptables-save output: Chain INPUT (policy ACCEPT) (this looks like \`iptables -L\` output; run \`iptables-save -c\` (or \`ip6tables-save -c\`) and give its output)`;

/** A few of the rules that read iptables-save; the test checks every skipped one reads it. */
const IPTABLES_RULES = ['docker-chains-missing', 'forward-drop-without-accept', 'forward-established-missing', 'masquerade-missing', 'published-port-dropped'];

const count = (text: string, part: string) => text.split(part).length - 1;

describe('iptables -L saved as iptables-save.txt', () => {
  it('audit: one message naming the file and what to run, exit 2 even with --fail-on none', async () => {
    const run = await cli(['audit', input, '--fail-on', 'none']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`netaudit: unreadable source, its rules were skipped: ${WHAT}\n`);
  });

  it('audit: the report lists each rule that needed it once, and the parser\'s message once', async () => {
    const run = await cli(['audit', input, '--format', 'json', '--fail-on', 'none']);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as AuditResult;
    const skipped = report.skipped.filter((s) => s.reason.includes('iptables-save unreadable'));
    expect(skipped.map((s) => s.ruleId)).toEqual(expect.arrayContaining(IPTABLES_RULES));
    const requires = new Map(report.rules.map((r) => [r.id, r.requires]));
    const unreadable = 'namespace host: iptables-save unreadable (its parser refused it: see the unavailable sources)';
    for (const s of skipped) {
      const needs = requires.get(s.ruleId) ?? [];
      if (needs.includes('iptables-save')) expect(s.reason, s.ruleId).toBe(unreadable);
      else {
        // Either ruleset will do (overlay-port-blocked): skipped because neither is usable, each named.
        expect(needs, s.ruleId).toContain('iptables-save|nft-ruleset');
        expect(s.reason, s.ruleId).toBe(`none of iptables-save, nft-ruleset usable: ${unreadable}; namespace host: nft-ruleset not collected (no nft-ruleset.json or nft-ruleset.txt in ${input})`);
      }
    }
    expect(new Set(report.skipped.map((s) => s.ruleId)).size).toBe(report.skipped.length);
    expect(count(run.stdout, 'not iptables-save output')).toBe(1);
    expect(report.summary.unavailableSources.filter((s) => s.startsWith('host/iptables-save: unreadable'))).toHaveLength(1);

    const text = await cli(['audit', input, '--fail-on', 'none']);
    expect(count(text.stdout, 'not iptables-save output')).toBe(1);
    for (const { ruleId } of skipped) expect(count(text.stdout, `rule ${ruleId} skipped`), ruleId).toBe(1);
  });

  it('show: the host model, then the same message, exit 2', async () => {
    const run = await cli(['show', input]);
    expect(run.code).toBe(2);
    expect(run.stdout).not.toBe('');
    expect(run.stderr).toBe(`netaudit: unreadable source: ${WHAT}\n`);
  });

  it('import: the same message, exit 2, no snapshot written or printed', async () => {
    const out = path.join(dir, 'imported.json');
    for (const args of [['-o', out], []]) {
      const run = await cli(['import', input, ...args]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`netaudit: unreadable source, nothing imported: ${WHAT}\n`);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('in a snapshot file: the message names the snapshot and the source', async () => {
    const snapshot = writeJson(path.join(dir, 'ticket.json'), makeSnapshot({ sysctl: 'net.ipv4.ip_forward = 1\n', 'iptables-save': IPTABLES_L }));
    for (const [command, what] of [['audit', 'unreadable source, its rules were skipped'], ['show', 'unreadable source']] as const) {
      const run = await cli([command, snapshot, ...(command === 'audit' ? ['--fail-on', 'none'] : [])]);
      expect(run.code, command).toBe(2);
      expect(run.stderr.split('\n').filter((l) => !l.startsWith('netaudit: note: ') && l !== '')).toEqual([
        `netaudit: ${what}: ${snapshot}: iptables-save: line 1: \`iptables -L\` output, not iptables-save output: Chain INPUT (policy ACCEPT) (this looks like \`iptables -L\` output; run \`iptables-save -c\` (or \`ip6tables-save -c\`) and give its output)`,
      ]);
    }
  });
});
