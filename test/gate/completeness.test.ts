/**
 * What an audit could not check (src/gate/completeness.ts): nothing checked is never a pass, and --strict
 * names every skipped rule (grouped by reason), every unreadable source and every note that dropped input.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { nothingChecked, strictReasons } from '../../src/gate/completeness.js';
import { buildHost } from '../../src/model/build.js';
import type { ParseNote } from '../../src/parse/common.js';
import { loadInput } from '../../src/snapshot/load.js';
import { makeSnapshot } from '../helpers/snapshot.js';
import { DOCKER_HOST, TEST_RULES } from '../cli/run.js';

let catalog: RuleCatalog;
beforeAll(async () => {
  catalog = await loadRuleCatalog([TEST_RULES]);
});

const TEST_ONLY = ['test-error-syncookies', 'test-warning-mtu', 'test-info-somaxconn'];

describe('nothingChecked', () => {
  it('says why when every rule was skipped, each reason once', async () => {
    const denied = { status: 'failed' as const, reason: 'permission denied' };
    const host = buildHost(makeSnapshot({ sysctl: denied, 'ip-link': denied }));
    const result = await runAudit(host, catalog, { input: 'denied', only: TEST_ONLY });
    expect(result.summary.rulesEvaluated).toBe(0);
    expect(nothingChecked(result)).toBe(
      'nothing was checked: all 3 rules were skipped, because namespace host: sysctl failed (permission denied); namespace host: ip-link failed (permission denied)',
    );
  });

  it('is silent once a rule ran, even if others were skipped', async () => {
    const host = buildHost(makeSnapshot({ sysctl: 'net.ipv4.tcp_syncookies = 1\n' }));
    const result = await runAudit(host, catalog, { input: 'partial', only: TEST_ONLY });
    expect(result.summary.rulesSkipped).toBe(1);
    expect(nothingChecked(result)).toBeUndefined();
  });

  it('counts one skipped rule in the singular', async () => {
    const result = await runAudit(buildHost(makeSnapshot({})), catalog, { input: 'empty', only: ['test-warning-mtu'] });
    expect(nothingChecked(result)).toBe('nothing was checked: the one rule selected was skipped, because namespace host: ip-link not collected (not in the snapshot)');
  });
});

describe('strictReasons', () => {
  it('names the skipped rules once per reason, the unreadable sources, and only the notes that dropped input', async () => {
    const host = buildHost((await loadInput(DOCKER_HOST)).snapshot);
    const result = await runAudit(host, catalog, { input: 'docker-host', only: [...TEST_ONLY, 'sysctl-drift', 'netns-default-route-missing', 'netns-gateway-mismatch'] });
    const notes: ParseNote[] = [
      { source: 'sysctl', line: 3, message: 'CRLF line ends read as LF' },
      { source: 'sysctl', line: 37, message: 'not a "key = value" line, skipped: garbage', dropped: true },
      { source: 'ss-tlnp', message: 'output cut short', dropped: true },
    ];
    expect(strictReasons(result, ['docker-host/iptables-save.txt: line 1: not iptables-save output'], notes)).toEqual([
      '2 rules skipped (netns-default-route-missing, netns-gateway-mismatch): no namespace other than the host\'s was collected (collect with --netns all)',
      'rule skipped (sysctl-drift): persisted sysctl files (/etc/sysctl.conf, /etc/sysctl.d) not collected (no sysctl.d/ in ' + DOCKER_HOST + ')',
      'unreadable source: docker-host/iptables-save.txt: line 1: not iptables-save output',
      'input dropped: sysctl: line 37: not a "key = value" line, skipped: garbage',
      'input dropped: ss-tlnp: output cut short',
    ]);
  });

  it('has nothing to say of a complete audit, and counts dropped notes past the tenth', async () => {
    const host = buildHost((await loadInput(DOCKER_HOST)).snapshot);
    const result = await runAudit(host, catalog, { input: 'docker-host', only: TEST_ONLY });
    expect(strictReasons(result, [], [{ source: 'sysctl', line: 1, message: 'shell prompt skipped' }])).toEqual([]);
    const many = Array.from({ length: 13 }, (_, i): ParseNote => ({ source: 'ss-tlnp', line: i + 1, message: 'line skipped', dropped: true }));
    const reasons = strictReasons(result, [], many);
    expect(reasons).toHaveLength(11);
    expect(reasons.at(-1)).toBe('input dropped: 3 more notes (`netaudit show` lists them all)');
  });
});
