/**
 * An nft rule of a JSON ruleset is read when a check first asks for it (src/parse/nft-json.ts, lazy rules):
 * one found malformed then makes its source unreadable, with the error at its line and JSON path, exactly as
 * an iptables rule the lazy scan left for later; one no check reads passes the default audit and fails
 * `--strict-parse` and `show`.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, DOCKER_HOST } from '../cli/run.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RULESET = readFileSync(path.join(here, '../parse/fixtures/nft/lab/docker-nftables.json'), 'utf8');
const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-nft-deferred-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The docker-host fixture with Docker's nftables ruleset beside it. */
function hostWith(name: string, ruleset: string): string {
  const input = path.join(dir, name);
  cpSync(DOCKER_HOST, input, { recursive: true });
  writeFileSync(path.join(input, 'nft-ruleset.json'), ruleset);
  return input;
}

/** The index in the nftables array of the first rule of `chain`. */
function firstRuleOf(chain: string): number {
  const doc = JSON.parse(RULESET) as { nftables: Record<string, { chain?: string }>[] };
  return doc.nftables.findIndex((el) => el['rule']?.chain === chain);
}

describe('an nft rule found malformed when a check reads it', () => {
  // `"op" "=="` (no colon) inside the forward hook's first rule: its head reads fine, its statements do not.
  const start = RULESET.indexOf('{"rule": {"family": "ip", "table": "docker-bridges", "chain": "filter-FORWARD"');
  const at = RULESET.indexOf('"key": "oifname"', start);
  const broken = `${RULESET.slice(0, at)}"key" "oifname"${RULESET.slice(at + '"key": "oifname"'.length)}`;
  const input = hostWith('read', broken);

  it('exits 2 after the report, naming the file, line and JSON path, and still writes the report', async () => {
    const healthy = await cli(['audit', hostWith('healthy', RULESET), '--format', 'json', '--fail-on', 'none']);
    expect(healthy.code).toBe(0);
    const run = await cli(['audit', input, '--format', 'json', '--fail-on', 'none']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^netaudit: unreadable source, its rules were skipped: ${path.join(input, 'nft-ruleset.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 1: invalid JSON at /nftables/${firstRuleOf('filter-FORWARD')}: `),
    );
    expect(run.stderr).toMatch(/: \S.* \(run `nft -j list ruleset`\)\n$/);
    // The report is still written: the audit ran again without the unreadable ruleset.
    expect((JSON.parse(run.stdout) as { findings: unknown[] }).findings).toEqual(expect.any(Array));
  });
});

describe('a malformed nft rule no check reads', () => {
  // A chain nothing jumps to, with a rule whose statements are not JSON.
  const doc = JSON.parse(RULESET) as { nftables: unknown[] };
  const rule = JSON.stringify({ rule: { family: 'ip', table: 'docker-bridges', chain: 'unused', handle: 900, expr: [{ accept: null }] } }).replace(/":/g, '": ').replace(/,"/g, ', "');
  const chain = '{"chain": {"family": "ip", "table": "docker-bridges", "name": "unused", "handle": 899}}';
  const close = RULESET.lastIndexOf(']');
  const index = doc.nftables.length + 1;
  const input = hostWith('unread', `${RULESET.slice(0, close)}, ${chain}, ${rule.replace('"accept": null', '"accept": nul')}${RULESET.slice(close)}`);

  it('passes the default audit, and fails with --strict-parse naming the line and path', async () => {
    const relaxed = await cli(['audit', input, '--format', 'json', '--fail-on', 'none']);
    expect(relaxed.stderr).toBe('');
    expect(relaxed.code).toBe(0);
    const strict = await cli(['audit', input, '--format', 'json', '--fail-on', 'none', '--strict-parse']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain(`nft-ruleset.json: line 1: invalid JSON at /nftables/${index}: `);
  });

  it('is shown by `show` as an unreadable source', async () => {
    const run = await cli(['show', input, '--format', 'json']);
    expect(run.stdout).toContain(`invalid JSON at /nftables/${index}`);
  });
});
