/**
 * Collector faults that need a real kernel: running as an unprivileged user (iptables denied) and an output
 * path that cannot be written. Both collectors, inside a namespace of our own. The snapshot still comes out,
 * records each denied source with its reason, and the audit reports those sources and skips their rules.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/corpus.js';

const BINARY = path.join(PROJECT_ROOT, 'dist/cli/main.js');
const NS = `nanr${process.pid}`;
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

function why(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (to create a network namespace and drop to an unprivileged user)';
  for (const tool of ['ip', 'setpriv', 'iptables-save']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  if (spawnSync('ip', ['netns', 'add', `${NS}probe`]).status !== 0) return '`ip netns add` does not work here';
  spawnSync('ip', ['netns', 'del', `${NS}probe`]);
  return undefined;
}
const skipReason = why();
if (skipReason) console.warn(`SKIP non-root collector tests: ${skipReason}`);

const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-nonroot-'));
chmodSync(dir, 0o777);

beforeAll(() => {
  if (skipReason) return;
  spawnSync('ip', ['netns', 'del', NS]);
  execFileSync('ip', ['netns', 'add', NS]);
  execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  // Something iptables would show a root user.
  execFileSync('ip', ['netns', 'exec', NS, 'iptables', '-A', 'INPUT', '-s', '192.0.2.0/24', '-j', 'DROP']);
});
afterAll(() => {
  if (!skipReason) spawnSync('ip', ['netns', 'del', NS]);
  rmSync(dir, { recursive: true, force: true });
});

function runAsNobody(argv: string[]) {
  return spawnSync('ip', ['netns', 'exec', NS, ...NOBODY, ...argv], { encoding: 'utf8', timeout: 60_000 });
}

function audit(snapshot: string) {
  return spawnSync(process.execPath, [BINARY, 'audit', snapshot, '--format', 'json', '--fail-on', 'none'], { encoding: 'utf8', timeout: 60_000 });
}

describe.skipIf(skipReason !== undefined)(`collectors run by an unprivileged user${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const cases = {
    node: (out: string) => runAsNobody([process.execPath, BINARY, 'collect', '-o', out, '--timeout', '5']),
    'POSIX sh': (out: string) => {
      const script = path.join(dir, 'collect.sh');
      writeFileSync(script, execFileSync(process.execPath, [BINARY, 'collector-script'], { encoding: 'utf8' }));
      chmodSync(script, 0o755);
      return runAsNobody(['sh', script, '-o', out]);
    },
  };

  for (const [name, collect] of Object.entries(cases)) {
    it(`${name}: the snapshot comes out, iptables recorded as denied, the audit skips what needed it`, () => {
      const out = path.join(dir, `${name.replace(/\W/g, '')}.json`);
      const run = collect(out);
      expect(run.status, run.stderr).toBe(0);
      const snapshot = JSON.parse(readFileSync(out, 'utf8'));
      expect(snapshot.meta.user.uid).toBe(65534);
      const iptables = snapshot.namespaces[0].sources['iptables-save'];
      expect(iptables.status).toBe('failed');
      expect(`${iptables.reason} ${iptables.stderr}`).toMatch(/[Pp]ermission denied/);
      // What an unprivileged user can read is there.
      expect(snapshot.namespaces[0].sources['ip-link'].status).toBe('ok');

      const result = audit(out);
      expect(result.status, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.summary.unavailableSources.join('\n')).toMatch(/host\/iptables-save: failed/);
      expect(report.skipped.map((s: { ruleId: string }) => s.ruleId)).toContain('masquerade-missing');
    });
  }

  it('an output path that cannot be written: exit 2 and one message, no stack trace', () => {
    const run = runAsNobody([process.execPath, BINARY, 'collect', '-o', '/proc/netaudit-cannot-write.json', '--timeout', '5']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n').filter((l) => l.startsWith('netaudit:')).at(-1)).toMatch(/netaudit: .*netaudit-cannot-write\.json/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
