/**
 * A finding's identity across collections of the same host (src/gate/identity.ts): a container's namespace
 * is known by what runs in it, not by the pid the collectors name it after, which changes on every restart.
 */
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog } from '../../src/engine/catalog.js';
import { findingFingerprint } from '../../src/engine/fingerprint.js';
import type { Subject } from '../../src/engine/types.js';
import { baselineOf } from '../../src/gate/baseline.js';
import { namespaceIdentities, namespaceIdentity, stableFingerprint, stableSubject } from '../../src/gate/identity.js';
import { buildHost } from '../../src/model/build.js';
import { containerHost } from '../cli/gate-inputs.js';

describe('namespaceIdentity', () => {
  it('keeps the names of the host and of named namespaces', () => {
    expect(namespaceIdentity({ name: 'host', kind: 'host' })).toBe('host');
    expect(namespaceIdentity({ name: 'blue', kind: 'named', processes: ['nginx'] })).toBe('blue');
  });

  it('names a container by its command names, sorted and distinct, not by its pid', () => {
    expect(namespaceIdentity({ name: 'pid:4242', kind: 'container', processes: ['tini', 'nginx', 'nginx'] })).toBe('container:nginx+tini');
    expect(namespaceIdentity({ name: 'pid:5151', kind: 'container', processes: ['nginx', 'tini'] })).toBe('container:nginx+tini');
    expect(namespaceIdentity({ name: 'pid:1', kind: 'container' })).toBe('container:unknown');
    expect(namespaceIdentity({ name: 'pid:1', kind: 'container', processes: [] })).toBe('container:unknown');
  });
});

describe('stableFingerprint', () => {
  const before = new Map([['host', 'host'], ['pid:4242', 'container:nginx']]);
  const after = new Map([['host', 'host'], ['pid:5151', 'container:nginx']]);

  it('is the SARIF fingerprint for a subject of the host', () => {
    const subject: Subject = { kind: 'interface', name: 'eth0', namespace: 'host' };
    expect(stableFingerprint('iface-down', subject, before)).toBe(findingFingerprint('iface-down', subject));
  });

  it('is the same for a container\'s interface when the container restarted under another pid', () => {
    const a = stableFingerprint('iface-down', { kind: 'interface', name: 'eth0', namespace: 'pid:4242' }, before);
    const b = stableFingerprint('iface-down', { kind: 'interface', name: 'eth0', namespace: 'pid:5151' }, after);
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for a finding on the container namespace itself, whose subject name is "pid:<pid>"', () => {
    const a = stableFingerprint('netns-default-route-missing', { kind: 'namespace', name: 'pid:4242', namespace: 'pid:4242' }, before);
    const b = stableFingerprint('netns-default-route-missing', { kind: 'namespace', name: 'pid:5151', namespace: 'pid:5151' }, after);
    expect(a).toBe(b);
    expect(stableSubject({ kind: 'namespace', name: 'pid:5151', namespace: 'pid:5151' }, after)).toEqual({ kind: 'namespace', name: 'container:nginx', namespace: 'container:nginx' });
  });

  it('tells apart containers running different commands, rules and subjects', () => {
    const other = new Map([['pid:4242', 'container:redis']]);
    const subject: Subject = { kind: 'interface', name: 'eth0', namespace: 'pid:4242' };
    expect(stableFingerprint('iface-down', subject, before)).not.toBe(stableFingerprint('iface-down', subject, other));
    expect(stableFingerprint('iface-down', subject, before)).not.toBe(stableFingerprint('veth-orphan', subject, before));
    expect(stableFingerprint('iface-down', subject, before)).not.toBe(stableFingerprint('iface-down', { ...subject, name: 'eth1' }, before));
  });
});

describe('two collections of one host, the container restarted in between', () => {
  it('give the same baseline', async () => {
    const catalog = await loadRuleCatalog();
    const baselines = [];
    for (const [pid, processes] of [[4242, ['nginx', 'tini']], [5151, ['tini', 'nginx']]] as const) {
      const host = buildHost(containerHost(pid, [...processes]));
      const result = await runAudit(host, catalog, { input: `collection-${pid}`, only: ['netns-default-route-missing'] });
      expect(result.findings.map((f) => f.subject)).toEqual([{ kind: 'namespace', name: `pid:${pid}`, namespace: `pid:${pid}` }]);
      expect(namespaceIdentities(host).get(`pid:${pid}`)).toBe('container:nginx+tini');
      baselines.push(baselineOf([{ result, identities: namespaceIdentities(host) }]).findings.map(({ message: _, ...f }) => f));
    }
    expect(baselines[0]).toEqual(baselines[1]);
    expect(baselines[0]).toEqual([
      {
        fingerprint: findingFingerprint('netns-default-route-missing', { kind: 'namespace', name: 'container:nginx+tini', namespace: 'container:nginx+tini' }),
        ruleId: 'netns-default-route-missing',
        namespace: 'container:nginx+tini',
        subject: { kind: 'namespace', name: 'container:nginx+tini' },
      },
    ]);
  });
});
