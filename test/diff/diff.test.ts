/**
 * `netaudit diff` on raw-output directories and snapshots edited the way a change edits a host: what it names
 * (and what it must not: counters, a second view of the same ruleset), the findings it matches, its formats,
 * its exit codes, and the input it refuses.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { DIFF_FORMAT_CHOICES } from '../../src/cli/commands/diff.js';
import { diffHosts } from '../../src/diff/diff.js';
import type { DiffDocument } from '../../src/diff/schema.js';
import { buildHost } from '../../src/model/build.js';
import { DIFF_FORMATS } from '../../src/report/diff/index.js';
import { loadInput } from '../../src/snapshot/load.js';
import { cli, DOCKER_HOST, PROJECT_ROOT } from '../cli/run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schemas/diff.schema.json'), 'utf8')) as object);

/** A copy of the docker-host raw-output directory with its iptables-save edited. */
function withIptables(name: string, edit: (text: string) => string): string {
  const copy = path.join(dir, name);
  cpSync(DOCKER_HOST, copy, { recursive: true });
  const file = path.join(copy, 'iptables-save.txt');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  return copy;
}

async function changesBetween(before: string, after: string) {
  const [b, a] = [buildHost((await loadInput(before)).snapshot), buildHost((await loadInput(after)).snapshot)];
  return diffHosts(b, a);
}

const FAIL = path.join(PROJECT_ROOT, 'fixtures/rules/iface-forwarding-disabled/fail');
const PASS = path.join(PROJECT_ROOT, 'fixtures/rules/iface-forwarding-disabled/pass');
const EXAMPLE = path.join(PROJECT_ROOT, 'fixtures/example/snapshot.json');

describe('model changes', () => {
  it('ignores counters: the same rules with other packet counts are no change', async () => {
    const counted = withIptables('counted', (t) => t.replace(/^-A /gm, '[7:420] -A ').replace(/\[0:0\]/g, '[12:3456]'));
    expect(await changesBetween(DOCKER_HOST, counted)).toEqual([]);
  });

  it('names a policy change, a rule moved ahead of the others, an added rule and a new chain, with their lines', async () => {
    const edited = withIptables('edited', (t) =>
      t
        .replace(':FORWARD DROP [0:0]', ':FORWARD ACCEPT [0:0]\n:AUDIT-LOG - [0:0]')
        .replace('-A FORWARD -j DOCKER-USER\n-A FORWARD -j DOCKER-ISOLATION-STAGE-1\n', '-A FORWARD -j DOCKER-ISOLATION-STAGE-1\n-A FORWARD -j DOCKER-USER\n')
        .replace('-A DOCKER-USER -j RETURN', '-A DOCKER-USER -p tcp --dport 8080 -j REJECT\n-A DOCKER-USER -j RETURN'),
    );
    const changes = await changesBetween(DOCKER_HOST, edited);
    const line = (c: (typeof changes)[number]) => `${c.kind} ${c.name}: ${c.before} → ${c.after}`;
    expect(changes.map(line)).toEqual([
      'netfilter.chain iptables-save filter/AUDIT-LOG: null → user chain, 0 rules',
      'netfilter.policy iptables-save filter/FORWARD: DROP → ACCEPT',
      'netfilter.rule iptables-save filter/DOCKER-USER: null → -A DOCKER-USER -p tcp --dport 8080 -j REJECT',
      'netfilter.order iptables-save filter/FORWARD: -A FORWARD -j DOCKER-USER → -A FORWARD -j DOCKER-ISOLATION-STAGE-1',
    ]);
    const policy = changes.find((c) => c.kind === 'netfilter.policy');
    expect(policy?.evidence).toEqual([
      { side: 'before', source: 'iptables-save', line: 4, text: ':FORWARD DROP [0:0]' },
      { side: 'after', source: 'iptables-save', line: 4, text: ':FORWARD ACCEPT [0:0]' },
    ]);
  });

  it('nft JSON rules (read lazily): counters are no change, a changed and an added rule are named with their lines', async () => {
    const ruleset = readFileSync(path.join(PROJECT_ROOT, 'test/parse/fixtures/nft/lab/docker-nftables.json'), 'utf8');
    const withNft = (name: string, text: string): string => {
      const copy = path.join(dir, name);
      cpSync(DOCKER_HOST, copy, { recursive: true });
      writeFileSync(path.join(copy, 'nft-ruleset.json'), text);
      return copy;
    };
    const before = withNft('nft-before', ruleset);
    const counted = withNft('nft-counted', ruleset.replace(/"packets": 0, "bytes": 0/g, '"packets": 17, "bytes": 2040'));
    expect(ruleset).toMatch(/"packets": 0, "bytes": 0/);
    expect(await changesBetween(before, counted)).toEqual([]);
    const edited = withNft('nft-edited', ruleset.replace('{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 8080}}', '{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 8081}}'));
    expect(edited).not.toBe(ruleset);
    const changes = await changesBetween(before, edited);
    expect(changes.map((c) => `${c.kind} ${c.name}: ${c.before} → ${c.after}`)).toEqual([
      'nft.rule ip docker-bridges nat-prerouting-and-output: iifname != "docker0" tcp dport 8080 counter dnat to 172.18.0.2:80 comment "DNAT" → null',
      'nft.rule ip docker-bridges nat-prerouting-and-output: null → iifname != "docker0" tcp dport 8081 counter dnat to 172.18.0.2:80 comment "DNAT"',
    ]);
    expect(changes.map((c) => c.evidence.map((e) => `${e.side} ${e.source}:${e.line}`))).toEqual([["before nft-ruleset:1"], ["after nft-ruleset:1"]]);
  });

  it('a snapshot against itself: no change', async () => {
    expect(await changesBetween(EXAMPLE, EXAMPLE)).toEqual([]);
  });
});

describe('netaudit diff', () => {
  it('json: valid against schemas/diff.schema.json, the sysctl change with both lines, the finding introduced, exit 1', async () => {
    const run = await cli(['diff', PASS, FAIL, '--format', 'json']);
    const doc = JSON.parse(run.stdout) as DiffDocument;
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.changes.find((c) => c.name === 'net.ipv4.conf.eth0.forwarding')).toEqual({
      kind: 'sysctl',
      namespace: 'host',
      name: 'net.ipv4.conf.eth0.forwarding',
      before: '1',
      after: '0',
      evidence: [
        { side: 'before', source: 'sysctl', line: 17, text: 'net.ipv4.conf.eth0.forwarding = 1' },
        { side: 'after', source: 'sysctl', line: 17, text: 'net.ipv4.conf.eth0.forwarding = 0' },
      ],
    });
    expect(doc.findings.introduced.map((f) => `${f.ruleId} ${f.subject.name}`)).toEqual(['iface-forwarding-disabled eth0']);
    expect(doc.summary).toMatchObject({ introduced: { errors: 1, warnings: 0, infos: 0 }, resolved: 0, failed: true, failOn: 'error' });
    expect(run.code).toBe(1);
  });

  it('the reverse resolves the finding and exits 0; --fail-on none never fails', async () => {
    const reverse = await cli(['diff', FAIL, PASS, '--format', 'json']);
    const doc = JSON.parse(reverse.stdout) as DiffDocument;
    expect(doc.findings.resolved.map((f) => f.ruleId)).toEqual(['iface-forwarding-disabled']);
    expect(doc.findings.introduced).toEqual([]);
    expect(reverse.code).toBe(0);
    expect((await cli(['diff', PASS, FAIL, '--fail-on', 'none'])).code).toBe(0);
  });

  it('text: the change with its before and after lines, the finding with its fix, the verdict', async () => {
    const run = await cli(['diff', PASS, FAIL]);
    expect(run.stdout).toContain('  ~ sysctl net.ipv4.conf.eth0.forwarding: 1 → 0\n      before sysctl:17  net.ipv4.conf.eth0.forwarding = 1\n      after  sysctl:17  net.ipv4.conf.eth0.forwarding = 0\n');
    expect(run.stdout).toContain('Introduced (1)\n  [error] iface-forwarding-disabled on interface eth0\n');
    expect(run.stdout).toMatch(/\nFAILED \(fail on error\): \d+ changes; introduced 1 error, 0 warnings, 0 info; resolved 0; unchanged 0\n$/);
  });

  it('junit: the introduced finding fails its testcase, the diff suite passes, the totals add up', async () => {
    const run = await cli(['diff', PASS, FAIL, '--format', 'junit']);
    const xml = run.stdout;
    expect(xml).toMatch(/<testcase classname="iface-forwarding-disabled" name="interface eth0"[^>]*>\n\s*<failure /);
    expect(xml).toContain('<testsuite name="netaudit-diff" tests="1" failures="0"');
    expect(xml).toContain('~ sysctl net.ipv4.conf.eth0.forwarding: 1 → 0');
    const total = Number(/<testsuites name="netaudit" tests="(\d+)"/.exec(xml)?.[1]);
    expect(total).toBe((xml.match(/<testcase /g) ?? []).length);
    expect(Number(/<testsuites [^>]*failures="(\d+)"/.exec(xml)?.[1])).toBe(1);
  });

  it('sarif: introduced findings are new, findings both have are unchanged and suppressed, resolved ones are no results', async () => {
    const forward = JSON.parse((await cli(['diff', PASS, FAIL, '--format', 'sarif'])).stdout);
    const results = forward.runs[0].results as { ruleId: string; baselineState: string; suppressions?: unknown[] }[];
    expect(results.filter((r) => r.baselineState === 'new').map((r) => r.ruleId)).toEqual(['iface-forwarding-disabled']);
    expect(results.filter((r) => r.baselineState === 'unchanged').every((r) => r.suppressions?.length === 1)).toBe(true);
    const reverse = JSON.parse((await cli(['diff', FAIL, PASS, '--format', 'sarif'])).stdout);
    expect(reverse.runs[0].results.filter((r: { baselineState: string }) => r.baselineState === 'new')).toEqual([]);
    expect(reverse.runs[0].properties.diff.resolved.map((r: { ruleId: string }) => r.ruleId)).toEqual(['iface-forwarding-disabled']);
  });

  it('refuses snapshots of two different hosts (exit 2, one message) unless --force', async () => {
    const other = path.join(dir, 'other-host.json');
    const snapshot = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
    snapshot.meta.hostname = 'web-02';
    writeFileSync(other, JSON.stringify(snapshot));
    const refused = await cli(['diff', EXAMPLE, other]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(`netaudit: ${EXAMPLE} is host docker-host-01 and ${other} is host web-02: a diff compares two snapshots of one host (--force to compare them anyway)\n`);
    const forced = await cli(['diff', EXAMPLE, other, '--force', '--format', 'json']);
    expect(JSON.parse(forced.stdout).changes).toEqual([]);
    expect(forced.code).toBe(0);
  });

  it('bad input: a missing file is exit 2 with one message, an unreadable source exit 2 after the report', async () => {
    const missing = await cli(['diff', EXAMPLE, path.join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(missing.stderr).toContain('nope.json');
    const broken = path.join(dir, 'broken-link');
    cpSync(DOCKER_HOST, broken, { recursive: true });
    writeFileSync(path.join(broken, 'ip-link.json'), '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n');
    const unreadable = await cli(['diff', DOCKER_HOST, broken, '--format', 'json']);
    expect(unreadable.code).toBe(2);
    const doc = JSON.parse(unreadable.stdout) as DiffDocument;
    expect(doc.changes.find((c) => c.kind === 'source')).toMatchObject({ name: 'ip-link', before: 'ok', after: 'unreadable' });
    expect(unreadable.stderr).toContain(`unreadable source, its rules were skipped: ${path.join(broken, 'ip-link.json')}: line 1`);
  });

  it('offers the formats the renderers have', () => {
    expect([...DIFF_FORMAT_CHOICES]).toEqual([...DIFF_FORMATS]);
  });
});
