/**
 * A partial snapshot is never a pass: an output its parser refuses (here `ip link` text pasted where JSON
 * belongs) is named on stderr with its line, the rules that needed it are listed as skipped, and the exit
 * code is 2 even with --fail-on none, so a CI gate or a Salt state cannot mistake it for a healthy host.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, DOCKER_HOST } from '../cli/run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-unreadable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an unreadable source in the input', () => {
  const input = path.join(dir, 'host');
  cpSync(DOCKER_HOST, input, { recursive: true });
  writeFileSync(path.join(input, 'ip-link.json'), '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT\n');

  for (const format of ['text', 'json', 'salt']) {
    it(`exits 2 after the ${format} report, naming the source and line on stderr`, async () => {
      const run = await cli(['audit', input, '--format', format, '--fail-on', 'none']);
      expect(run.code).toBe(2);
      expect(run.stdout.length).toBeGreaterThan(0);
      // One message naming the file of the raw-output directory, its line, and what to run instead.
      expect(run.stderr).toBe(
        `netaudit: unreadable source, its rules were skipped: ${path.join(input, 'ip-link.json')}: line 1: ` +
          'not JSON: expected the output of `ip -j -d link show` (this is `ip link` text; run `ip -j -d link show`)\n',
      );
    });
  }

  it('lists the skipped rules with the reason in the JSON report', async () => {
    const run = await cli(['audit', input, '--format', 'json', '--fail-on', 'none']);
    const report = JSON.parse(run.stdout) as { skipped: { ruleId: string; reason: string }[] };
    expect(report.skipped.find((s) => s.ruleId === 'iface-down')?.reason).toMatch(/ip-link unreadable/);
  });
});

describe('a rule line found malformed only when a check reads it', () => {
  const input = path.join(dir, 'late');
  cpSync(DOCKER_HOST, input, { recursive: true });
  const file = path.join(input, 'iptables-save.txt');
  // `-s` without a value in the matches of a line whose chain and target read fine: the lazy scan leaves it for later.
  const text = readFileSync(file, 'utf8').replace('-A FORWARD -o docker0 -m conntrack', '-A FORWARD -o docker0 -s -m conntrack');
  writeFileSync(file, text);

  it('exits 2 after the report, naming the source and line, with the rules that needed it skipped', async () => {
    const run = await cli(['audit', input, '--format', 'json', '--fail-on', 'none']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `netaudit: unreadable source, its rules were skipped: ${path.join(input, 'iptables-save.txt')}: line 12: -s needs a value: ` +
        '-A FORWARD -o docker0 -s -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n',
    );
    const report = JSON.parse(run.stdout) as { skipped: { ruleId: string; reason: string }[] };
    expect(report.skipped.find((s) => s.ruleId === 'forward-established-missing')?.reason).toMatch(/iptables-save unreadable/);
  });
});

describe('a malformed rule line no check reads', () => {
  const input = path.join(dir, 'unread');
  cpSync(DOCKER_HOST, input, { recursive: true });
  const file = path.join(input, 'iptables-save.txt');
  // A rule of a chain nothing jumps to: no check walks it (the packet path walks raw PREROUTING, not this), so the default audit never parses its matches.
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  lines.push('*raw', ':PREROUTING ACCEPT [0:0]', ':UNUSED - [0:0]', '-A UNUSED -p tcp --dport -s -j NOTRACK', 'COMMIT');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const badLine = lines.length - 1;

  it('passes the default audit, and fails with --strict-parse naming the line', async () => {
    const relaxed = await cli(['audit', input, '--format', 'json', '--fail-on', 'none']);
    expect(relaxed.code).toBe(0);
    const strict = await cli(['audit', input, '--format', 'json', '--fail-on', 'none', '--strict-parse']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toBe(
      `netaudit: unreadable source, its rules were skipped: ${path.join(input, 'iptables-save.txt')}: line ${badLine}: -s needs a value: ` +
        '-A UNUSED -p tcp --dport -s -j NOTRACK\n',
    );
  });

  it('is shown by `show` as an unreadable source', async () => {
    const run = await cli(['show', input, '--format', 'json']);
    expect(run.stdout).toContain(`line ${badLine}: -s needs a value`);
  });
});
