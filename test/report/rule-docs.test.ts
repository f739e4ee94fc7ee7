import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LoadedRule } from '../../src/engine/catalog.js';
import { FACT_DOCS } from '../../src/engine/facts/index.js';
import { OPERATOR_DOCS } from '../../src/engine/operators.js';
import { RuleFile } from '../../src/engine/rule-file.js';
import { runGenerators, writeGenerated } from '../../src/gen/index.js';
import { factsPage, README_END, README_START, rulePage, withRulesTable } from '../../src/gen/rule-docs.js';
import { describeConditions, factsUsed, messageFacts } from '../../src/report/conditions.js';
import { mdText } from '../../src/report/markdown.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'netaudit-gen-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function loaded(overrides: Partial<RuleFile> = {}): LoadedRule {
  const definition = RuleFile.parse({
    id: 'ip-forward-disabled',
    title: 'IPv4 forwarding is disabled on a host that forwards traffic',
    severity: 'error',
    subject: 'host',
    requires: ['sysctl'],
    rationale: 'net.ipv4.conf.<if>.forwarding decides; cali* and cilium_* interfaces too; run `sysctl -a | grep _forward`.',
    remediation: 'sysctl -w net.ipv4.ip_forward=1',
    references: ['https://docs.kernel.org/networking/ip-sysctl.html'],
    message: 'net.ipv4.ip_forward is {{ipForward}} but {{forwardingReason}}',
    evidence: ['ipForwardEvidence', 'forwardingNeededEvidence'],
    conditions: {
      all: [
        { fact: 'ipForward', operator: 'equal', value: 0 },
        { any: [{ fact: 'forwardingNeeded', operator: 'equal', value: true }, { not: { fact: 'hostname', operator: 'equal', value: { fact: 'hostname' } } }] },
      ],
    },
    suppressedBy: ['other-rule'],
    ...overrides,
  });
  const { id, title, severity, subject, rationale, remediation, references, requires, deprecated, aliases } = definition;
  return {
    meta: { id, title, severity, subject, rationale, remediation, references, requires, origin: 'built-in', deprecated, aliases },
    definition,
  };
}

describe('conditions in words', () => {
  it('renders all/any/not, params, paths and fact values', () => {
    expect(
      describeConditions({
        all: [
          { fact: 'sysctlNumber', params: { key: 'net.ipv4.tcp_syncookies' }, operator: 'equal', value: 0 },
          { any: [{ fact: 'ports', path: '$.length', operator: 'greaterThan', value: 1 }, { not: { fact: 'a', operator: 'equal', value: { fact: 'b' } } }] },
        ],
      }),
    ).toEqual([
      'all of:',
      '  sysctlNumber(key: "net.ipv4.tcp_syncookies") equal 0',
      '  any of:',
      '    ports at $.length greaterThan 1',
      '    not:',
      '      a equal the fact b',
    ]);
  });

  it('lists the facts read, including those used as values and printed by the message', () => {
    expect(factsUsed({ all: [{ fact: 'a', operator: 'equal', value: { fact: 'b' } }, { not: { fact: 'a', operator: 'x', value: 1 } }] })).toEqual(['a', 'b']);
    expect(messageFacts('{{ ipForward }} and {{route.dst}} and {{ipForward}}')).toEqual(['ipForward', 'route']);
  });
});

describe('rule page', () => {
  const page = rulePage(loaded());

  it('has title, severity, subject, what it checks, rationale, remediation, references, sources, conditions, disabling', () => {
    expect(page).toContain('# ip-forward-disabled');
    expect(page).toContain('**IPv4 forwarding is disabled on a host that forwards traffic**');
    expect(page).toContain('| Severity | `error` |');
    expect(page).toMatch(/\| Subject \| `host`/);
    expect(page).toContain('| Requires | `sysctl` |');
    expect(page).toContain('| Suppressed by | [`other-rule`](other-rule.md) |');
    expect(page).toContain('## What it checks');
    expect(page).toContain('  ipForward equal 0\n');
    expect(page).toContain('## Why it matters');
    expect(page).toContain('## How to fix it\n\nsysctl -w net.ipv4.ip\\_forward=1');
    expect(page).toContain('- <https://docs.kernel.org/networking/ip-sysctl.html>');
    expect(page).toContain('```json\n{\n  "all": [');
    expect(page).toContain('`netaudit audit --disable ip-forward-disabled snapshot.json`');
  });

  it('describes the facts the rule reads from the registry', () => {
    const doc = FACT_DOCS.find((d) => d.subject === 'host' && d.name === 'ipForward');
    expect(doc).toBeDefined();
    expect(page).toContain(`- \`ipForward\` (\`${doc?.type}\`): ${mdText(doc?.description ?? '')}`);
    expect(page).toContain('- `forwardingNeededEvidence`');
  });

  it('keeps plain text from turning into HTML or emphasis', () => {
    expect(page).toContain('net.ipv4.conf.\\<if\\>.forwarding decides; cali\\* and cilium\\_\\* interfaces too; run `sysctl -a | grep _forward`.');
  });
});

describe('facts page', () => {
  const page = factsPage();

  it('lists every fact and every operator', () => {
    for (const d of FACT_DOCS) expect(page, `${d.subject}.${d.name}`).toContain(`| \`${d.name}\` |`);
    for (const o of OPERATOR_DOCS) expect(page, o.name).toContain(`| \`${o.name}\` |`);
  });

  it('shows the two example site rules', () => {
    expect(page).toContain('"id": "site-tcp-syncookies"');
    expect(page).toContain('"id": "site-mtu-max-9000"');
  });
});

describe('README rules table', () => {
  it('replaces only what is between the markers', () => {
    const readme = `# x\n\nintro\n\n${README_START}\nold table\n${README_END}\n\nafter\n`;
    const out = withRulesTable(readme, [loaded()]);
    expect(out).toBe(
      `# x\n\nintro\n\n${README_START}\n| Rule | Severity | Subject | Finds |\n| --- | --- | --- | --- |\n` +
        `| [\`ip-forward-disabled\`](docs/rules/ip-forward-disabled.md) | error | host | IPv4 forwarding is disabled on a host that forwards traffic |\n` +
        `${README_END}\n\nafter\n`,
    );
    expect(withRulesTable(out, [loaded()])).toBe(out);
  });

  it('fails clearly without the markers', () => {
    expect(() => withRulesTable('# no markers\n', [])).toThrow(/<!-- rules:start -->/);
  });
});

describe('generator runner', () => {
  it('finds stale and orphaned files, writes them, and is then up to date', async () => {
    const root = path.join(tmp, 'project');
    mkdirSync(path.join(root, 'docs/rules'), { recursive: true });
    writeFileSync(path.join(root, 'README.md'), `# t\n\n${README_START}\n${README_END}\n`);
    writeFileSync(path.join(root, 'docs/rules/retired-rule.md'), '# retired\n');

    const first = await runGenerators(root, ['rule-docs']);
    expect(first.failures).toEqual([]);
    expect(first.stale).toContain('docs/facts.md');
    expect(first.stale).toContain('README.md');
    expect(first.orphans).toEqual(['docs/rules/retired-rule.md']);

    await writeGenerated(root, first);
    expect(existsSync(path.join(root, 'docs/rules/retired-rule.md'))).toBe(false);
    expect(readFileSync(path.join(root, 'docs/facts.md'), 'utf8')).toBe(factsPage());
    const second = await runGenerators(root, ['rule-docs']);
    expect(second.stale).toEqual([]);
    expect(second.orphans).toEqual([]);

    writeFileSync(path.join(root, 'docs/facts.md'), 'edited by hand\n');
    expect((await runGenerators(root, ['rule-docs'])).stale).toEqual(['docs/facts.md']);
  });

  it('reports a generator that fails, and an unknown generator name', async () => {
    const root = path.join(tmp, 'no-readme');
    mkdirSync(root);
    const result = await runGenerators(root, ['rule-docs', 'no-such-generator']);
    expect(result.failures).toEqual([
      'no generator named no-such-generator',
      expect.stringMatching(/^rule-docs: .*README\.md/),
    ]);
  });
});
