import { describe, expect, it } from 'vitest';
import { formatSarif, formatSarifReports, toUriReference } from '../../src/report/sarif.js';
import { VERSION } from '../../src/version.js';
import { cleanResult, finding, hostSubject, mixedResult, rule, suppressedResult } from './results.js';
import { sarifValidator } from './sarif-schema.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- SARIF logs are walked as plain JSON here */
type Json = any;

const validate = sarifValidator();

function expectValid(log: Json): void {
  const ok = validate(log);
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
  expect(ok).toBe(true);
}

/** What GitHub code scanning needs beyond the schema: a location with a line on every result, unique rule ids. */
function expectGithubReady(log: Json): void {
  for (const run of log.runs) {
    const ids = run.tool.driver.rules.map((r: Json) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const result of run.results) {
      expect(result.locations.length).toBeGreaterThanOrEqual(1);
      const loc = result.locations[0].physicalLocation;
      expect(loc.artifactLocation.uri).not.toMatch(/^[a-z]+:/);
      expect(loc.region.startLine).toBeGreaterThanOrEqual(1);
      expect(Object.keys(result.partialFingerprints)).not.toHaveLength(0);
      expect(ids).toContain(result.ruleId);
    }
  }
}

describe('sarif report', () => {
  it('validates against the official SARIF 2.1.0 schema, for findings, a clean run and several inputs', () => {
    expectValid(JSON.parse(formatSarif(mixedResult())));
    expectGithubReady(JSON.parse(formatSarifReports([mixedResult(), cleanResult()])));
    expectValid(JSON.parse(formatSarif(cleanResult())));
    expectValid(JSON.parse(formatSarifReports([mixedResult(), cleanResult()])));
  });

  it('the validator does reject a log GitHub would reject', () => {
    const log = JSON.parse(formatSarif(mixedResult()));
    log.runs[0].results[0].level = 'fatal';
    expect(validate(log)).toBe(false);
  });

  it('describes the tool and every rule', () => {
    const driver = JSON.parse(formatSarif(mixedResult())).runs[0].tool.driver;
    expect(driver.name).toBe('netaudit');
    expect(driver.version).toBe(VERSION);
    const ipForward = driver.rules.find((r: Json) => r.id === 'ip-forward-disabled');
    expect(ipForward).toMatchObject({
      name: 'IpForwardDisabled',
      shortDescription: { text: 'Title of ip-forward-disabled' },
      fullDescription: { text: 'Why ip-forward-disabled matters.' },
      defaultConfiguration: { level: 'error' },
    });
    expect(ipForward.help.text).toContain('Fix ip-forward-disabled.');
    expect(ipForward.help.text).toContain('docs/rules/ip-forward-disabled.md');
    expect(ipForward.help.text).toContain('netaudit explain ip-forward-disabled (documentation: docs/rules/ip-forward-disabled.md');
    const levels = Object.fromEntries(driver.rules.map((r: Json) => [r.id, r.defaultConfiguration.level]));
    expect(levels['veth-no-master']).toBe('warning');
    expect(levels['rp-filter-strict']).toBe('note');
  });

  it('points a user rule without a docs page at netaudit explain', () => {
    const result = cleanResult();
    result.rules = [rule('site-syncookies', 'warning', 'host', '/etc/netaudit/rules')];
    const [siteRule] = JSON.parse(formatSarif(result)).runs[0].tool.driver.rules;
    expect(siteRule.help.text).not.toContain('docs/rules/');
    expect(siteRule.help.text).toContain('netaudit explain site-syncookies');
  });

  it('locates each result at its evidence line of the source inside the input, with the rest of the evidence as related locations', () => {
    const run = JSON.parse(formatSarif(mixedResult())).runs[0];
    const docker = run.results.find((r: Json) => r.ruleId === 'docker-forward-drop');
    const loc = docker.locations[0].physicalLocation;
    // Not line 42 of the snapshot file: line 42 of the iptables-save output it stores.
    expect(loc.artifactLocation.uri).toBe('fixtures/example/snapshot.json#iptables-save');
    expect(loc.region.startLine).toBe(42);
    expect(loc.region.snippet.text).toBe('[0:0] -A FORWARD -j DROP');
    expect(docker.relatedLocations[0].physicalLocation.region.startLine).toBe(43);
    expect(docker.level).toBe('error');
    expect(run.results.find((r: Json) => r.ruleId === 'rp-filter-strict').level).toBe('note');
    expect(run.artifacts.map((a: Json) => a.location.uri)).toEqual([
      'fixtures/example/snapshot.json#ip-link',
      'fixtures/example/snapshot.json#sysctl',
      'fixtures/example/snapshot.json#netns:blue/sysctl',
      'fixtures/example/snapshot.json#iptables-save',
    ]);
  });

  it('embeds the text of each quoted source as the artifact a location points at by index', () => {
    const texts: Record<string, string> = {
      'iptables-save': '*filter\n' + ':FORWARD ACCEPT [0:0]\n'.repeat(40) + '[0:0] -A FORWARD -j DROP\n[0:0] -A FORWARD -o docker0 -j DOCKER\nCOMMIT\n',
    };
    const log = JSON.parse(formatSarif(mixedResult(), { sourceText: (_input, source) => texts[source] }));
    expectValid(log);
    const run = log.runs[0];
    const loc = run.results.find((r: Json) => r.ruleId === 'docker-forward-drop').locations[0].physicalLocation;
    const artifact = run.artifacts[loc.artifactLocation.index];
    expect(artifact.location.uri).toBe(loc.artifactLocation.uri);
    expect(artifact.contents.text).toBe(texts['iptables-save']);
    expect(artifact.contents.text.split('\n')[loc.region.startLine - 1]).toBe(loc.region.snippet.text);
    // A source the lookup does not know is named, never embedded.
    expect(run.artifacts.find((a: Json) => a.location.uri.endsWith('#sysctl')).contents).toBeUndefined();
  });

  it('locates a finding at its primary evidence line, the others as related locations in their order', () => {
    const result = mixedResult();
    const docker = result.findings.find((f) => f.ruleId === 'docker-forward-drop')!;
    docker.evidence = [
      { source: 'iptables-save', line: 5, text: '[9:9] -A PREROUTING -j DOCKER' },
      { source: 'iptables-save', line: 9, text: '[9:9] -A DOCKER -j DNAT --to-destination 172.17.0.2:80', primary: true },
      { source: 'iptables-save', line: 42, text: '[0:0] -A FORWARD -j DROP', primary: true },
    ];
    const res = JSON.parse(formatSarif(result)).runs[0].results.find((r: Json) => r.ruleId === 'docker-forward-drop');
    expect(res.locations[0].physicalLocation.region.startLine).toBe(9);
    expect(res.relatedLocations.map((l: Json) => l.physicalLocation.region.startLine)).toEqual([5, 42]);
  });

  it('gives each run its own automationDetails id, the same for the same inputs', () => {
    const ids = (results: ReturnType<typeof mixedResult>[]) =>
      JSON.parse(formatSarifReports(results)).runs.map((r: Json) => r.automationDetails.id);
    expect(ids([mixedResult(), cleanResult()])).toEqual(['netaudit/fixtures/example/snapshot.json/', 'netaudit/clean/snapshot.json/']);
    expect(ids([mixedResult(), cleanResult()])).toEqual(ids([mixedResult(), cleanResult()]));
    expect(ids([cleanResult(), cleanResult()])).toEqual(['netaudit/clean/snapshot.json/', 'netaudit/clean/snapshot.json#2/']);
    expectValid(JSON.parse(formatSarifReports([mixedResult(), cleanResult()])));
  });

  it('reports suppressed findings as results with an accepted external suppression', () => {
    const log = JSON.parse(formatSarif(suppressedResult()));
    expectValid(log);
    expectGithubReady(log);
    const results = log.runs[0].results;
    expect(results.map((r: Json) => r.ruleId)).toEqual(['ip-forward-disabled', 'rp-filter-strict']);
    expect(results[1].suppressions).toEqual([
      {
        kind: 'external',
        status: 'accepted',
        justification: 'the uplink is symmetric',
        properties: { netauditKind: 'waiver', file: '.netaudit', expires: '2027-01-31' },
      },
    ]);
    expect(results[0].suppressions[0]).toMatchObject({ kind: 'external', status: 'accepted', properties: { netauditKind: 'baseline' } });
    expect(log.runs[0].properties.summary.errors).toBe(0);
  });

  it('still gives a finding without evidence a physical location with a line: the input', () => {
    const result = cleanResult();
    result.findings = [finding('ip-forward-disabled', 'error', hostSubject, [])];
    const log = JSON.parse(formatSarif(result));
    expectValid(log);
    const [res] = log.runs[0].results;
    expect(res.locations).toHaveLength(1);
    expect(res.locations[0].physicalLocation.artifactLocation.uri).toBe('clean/snapshot.json');
    expect(res.locations[0].physicalLocation.region).toEqual({ startLine: 1 });
  });

  it('names what is wrong with logical locations', () => {
    const results = JSON.parse(formatSarif(mixedResult())).runs[0].results;
    const names = (ruleId: string) =>
      results.find((r: Json) => r.ruleId === ruleId).locations[0].logicalLocations.map((l: Json) => l.fullyQualifiedName);
    expect(names('ip-forward-disabled')).toContain('sysctl:net.ipv4.ip_forward');
    expect(names('docker-forward-drop')).toEqual(['iptables:filter/FORWARD']);
    expect(names('veth-no-master')).toEqual(['interface:host/veth1a2b3c']);
    expect(names('rp-filter-strict')).toEqual(['interface:blue/eth0', 'netns:blue/sysctl:net.ipv4.conf.eth0.rp_filter']);
  });

  it('fingerprints on rule, namespace and subject, not on lines', () => {
    const fp = (r: ReturnType<typeof mixedResult>, ruleId: string) =>
      JSON.parse(formatSarif(r)).runs[0].results.find((x: Json) => x.ruleId === ruleId).partialFingerprints;
    const a = mixedResult();
    const moved = mixedResult();
    for (const f of moved.findings) for (const e of f.evidence) e.line += 100;
    expect(fp(moved, 'ip-forward-disabled')).toEqual(fp(a, 'ip-forward-disabled'));
    const otherNs = mixedResult();
    const rp = otherNs.findings.find((f) => f.ruleId === 'rp-filter-strict');
    if (rp) rp.subject = { ...rp.subject, namespace: 'red' };
    expect(fp(otherNs, 'rp-filter-strict')).not.toEqual(fp(a, 'rp-filter-strict'));
    expect(fp(a, 'veth-no-master')).not.toEqual(fp(a, 'rp-filter-strict'));
  });

  it('reports skipped rules and unavailable sources as tool notifications', () => {
    const [invocation] = JSON.parse(formatSarif(mixedResult())).runs[0].invocations;
    expect(invocation.executionSuccessful).toBe(true);
    const texts = invocation.toolExecutionNotifications.map((n: Json) => n.message.text);
    expect(texts).toContain(
      'Rule published-port-unreachable was not evaluated: source iptables-save failed in namespace host: permission denied',
    );
    expect(texts.some((t: string) => t.includes('host/ip6tables-save: not collected'))).toBe(true);
    const skipped = invocation.toolExecutionNotifications.find((n: Json) => n.associatedRule);
    expect(skipped.associatedRule).toEqual({ id: 'published-port-unreachable', index: 4 });
  });

  it('maps evidence to the raw file of a raw-output directory when asked', () => {
    const log = JSON.parse(
      formatSarif(mixedResult(), { sourceFile: (input, source) => (source === 'sysctl' ? `${input}/sysctl-a.txt` : undefined) }),
    );
    expectValid(log);
    const res = log.runs[0].results.find((r: Json) => r.ruleId === 'ip-forward-disabled');
    expect(res.locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'fixtures/example/snapshot.json/sysctl-a.txt', index: 1 });
  });

  it('writes paths as URI references', () => {
    expect(toUriReference('snapshots/web 1.json')).toBe('snapshots/web%201.json');
    expect(toUriReference('a:b/c.json')).toBe('a%3Ab/c.json');
    expect(toUriReference('/srv/snap shots/x.json')).toBe('file:///srv/snap%20shots/x.json');
  });
});
