/**
 * The parser against real dumps (fixtures/corpus, and the shared corpus where present: see
 * test/helpers/corpus.ts): every iptables file parses, renders back to text that parses to the same
 * records, and named samples give known values.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { renderIptablesSave, renderRule } from '../../src/parse/iptables-render.js';
import type { IptRule, IptablesSave } from '../../src/parse/types.js';
import { corpusFiles, expectedCorpusFiles, missingCorpus, readCorpus, skipWithoutCorpus } from '../helpers/corpus.js';
import { expectScanAgrees, parse, withoutPositions } from './iptables-helpers.js';

const iptablesFiles = corpusFiles('iptables');

/** Files whose rule lines are not in canonical form: old-style negation, "X-A", hand-made double spaces. */
const NOT_CANONICAL = new Set([
  'babylon882004_openwrtipt__iptables.txt',
  'diekmann_net-network__configs_ugent_iptables-save_v1.3.5',
  'diekmann_net-network__configs_ugent_iptables-save_v1.4.21',
  'diekmann_net-network__found_online_linux.gda.pl_firewallp',
]);
const nftFiles = corpusFiles('nft');

function corpus(name: string): ReturnType<typeof parse> {
  return parse(readCorpus('iptables', name));
}

function table(save: IptablesSave, name: string) {
  const found = save.tables.find((t) => t.name === name);
  expect(found, `table ${name}`).toBeDefined();
  return found!;
}

function ruleAt(save: IptablesSave, line: number): IptRule {
  const found = save.tables.flatMap((t) => t.rules).find((r) => r.line === line);
  expect(found, `rule at line ${line}`).toBeDefined();
  return found!;
}

function ruleCount(save: IptablesSave): number {
  return save.tables.reduce((sum, t) => sum + t.rules.length, 0);
}

describe('iptables corpus', () => {
  it('has files to test', () => {
    expect(iptablesFiles.map(([name]) => name)).toEqual(expectedCorpusFiles('iptables'));
    expect(nftFiles.map(([name]) => name)).toEqual(expectedCorpusFiles('nft'));
  });

  describe.each(iptablesFiles)('%s', (name) => {
    it('parses, and its rendering parses back to the same records', () => {
      const { value } = corpus(name);
      expect(value.tables.length).toBeGreaterThan(0);
      const again = parse(renderIptablesSave(value)).value;
      expect(withoutPositions(again)).toEqual(withoutPositions(value));
    });

    it('is read alike by the lazy scan the model uses', () => {
      expectScanAgrees(readCorpus('iptables', name));
    });

    it.skipIf(NOT_CANONICAL.has(name))('renderRule reprints every rule line exactly as iptables-save printed it', () => {
      const rules = corpus(name).value.tables.flatMap((t) => t.rules);
      const differing = rules.filter((r) => renderRule(r, { counters: true }) !== r.text).map((r) => [r.line, r.text, renderRule(r, { counters: true })]);
      expect(differing).toEqual([]);
    });
  });

  it('reprints the non-canonical files in canonical form', (ctx) => {
    skipWithoutCorpus(ctx, 'iptables', 'diekmann_net-network__configs_ugent_iptables-save_v1.3.5', 'babylon882004_openwrtipt__iptables.txt');
    const old = corpus('diekmann_net-network__configs_ugent_iptables-save_v1.3.5').value;
    expect(renderRule(ruleAt(old, 71))).toBe(
      '-A POSTROUTING -s 192.168.122.0/255.255.255.0 ! -d 192.168.122.0/255.255.255.0 -p tcp -j MASQUERADE --to-ports 1024-65535',
    );
    const babylon = corpus('babylon882004_openwrtipt__iptables.txt').value;
    expect(renderRule(ruleAt(babylon, 21))).toBe('-A OUTPUT -p tcp -m comment --comment _SS_SPEC_RULE_ -j SS_SPEC_WAN_AC');
  });

  describe.each(nftFiles)('nft/%s', (name) => {
    it('is refused with the nft hint', () => {
      const run = (): unknown => parse(readCorpus('nft', name));
      expect(run).toThrow(ParseError);
      try {
        run();
      } catch (error) {
        const e = error as ParseError;
        expect(e.location.source).toBe('iptables-save');
        expect(e.location.line).toBeGreaterThanOrEqual(1);
        expect(e.message).toContain('`nft list ruleset` output');
        expect(e.hint).toContain('run `iptables-save -c`');
      }
    });
  });

  it('fedora27: iptables-save -c counters on every rule, after a stray "# Completed" line', () => {
    const { value, notes } = corpus('netfilter_iptables__tests_ipt-save_dumps_fedora27-iptables');
    expect(notes).toEqual([]);
    expect(value.generator).toEqual({ program: 'iptables-save', version: '1.6.1', line: 2 });
    expect(value.tables.map((t) => t.name)).toEqual(['mangle', 'raw', 'filter']);
    expect(ruleCount(value)).toBe(73);
    expect(value.tables.flatMap((t) => t.rules).every((r) => r.counters !== undefined)).toBe(true);
    expect(ruleAt(value, 20)).toMatchObject({ table: 'mangle', chain: 'PREROUTING', position: 1, counters: { packets: 1, bytes: 2 } });
    expect(ruleAt(value, 21)).toMatchObject({ chain: 'PREROUTING', position: 2, counters: { packets: 3, bytes: 4 } });
    expect(ruleAt(value, 86)).toMatchObject({ table: 'filter', chain: 'INPUT', counters: { packets: 0, bytes: 123456789 } });
    expect(ruleAt(value, 26).target).toEqual({ name: 'CHECKSUM', goto: false, options: [{ name: 'checksum-fill', args: [], negated: false }] });
    expect(ruleAt(value, 28).target).toEqual({ name: 'PRE_FedoraWorkstation', goto: true, options: [] });
  });

  it('chair 2016-06-27: a 14-digit byte counter', (ctx) => {
    skipWithoutCorpus(ctx, 'iptables', 'diekmann_net-network__chair_iptables-save_2016-06-27');
    const { value } = corpus('diekmann_net-network__chair_iptables-save_2016-06-27');
    expect(value.tables[0]!.chains[0]).toMatchObject({ name: 'PREROUTING', counters: { packets: 19932521786, bytes: 27204412487769 } });
  });

  const ugentMissing = missingCorpus('iptables', 'diekmann_net-network__configs_ugent_iptables-save_v1.3.5', 'diekmann_net-network__configs_ugent_iptables-save_v1.4.21');
  describe.skipIf(ugentMissing)(`ugent: v1.3.5 and its v1.4.21 re-save${ugentMissing && ` (skipped: ${ugentMissing})`}`, () => {
    // Read in beforeAll, not while collecting: a suite skipped for a missing corpus still collects.
    let old: IptablesSave;
    let resaved: IptablesSave;
    beforeAll(() => {
      old = corpus('diekmann_net-network__configs_ugent_iptables-save_v1.3.5').value;
      resaved = corpus('diekmann_net-network__configs_ugent_iptables-save_v1.4.21').value;
    });

    it('reads old-style negation and bare host addresses', () => {
      expect(old.generator?.version).toBe('1.3.5');
      expect(ruleAt(old, 6)).toMatchObject({ source: { value: '127.0.0.1', negated: false }, destination: { value: '127.0.0.1', negated: false } });
      const masquerade = ruleAt(old, 71);
      expect(masquerade.source).toEqual({ value: '192.168.122.0/255.255.255.0', negated: false });
      expect(masquerade.destination).toEqual({ value: '192.168.122.0/255.255.255.0', negated: true });
      expect(masquerade.target).toEqual({ name: 'MASQUERADE', goto: false, options: [{ name: 'to-ports', args: ['1024-65535'], negated: false }] });
    });

    it('gives the same rules as the v1.4.21 re-save, once netmasks are written as prefix lengths', () => {
      expect(ruleCount(old)).toBe(232);
      expect(normalisedRules(old)).toEqual(normalisedRules(resaved));
      expect(ruleAt(resaved, 71).destination).toEqual({ value: '192.168.122.0/24', negated: true });
    });
  });

  it('Azure v2 (kube-proxy): comments with spaces and statistic probabilities', () => {
    const { value } = corpus('Azure_azure-container-networking__npm_pkg_dataplane_testdata_iptablesave-v2');
    const masq = ruleAt(value, 237);
    expect(masq).toMatchObject({
      table: 'nat',
      chain: 'KUBE-SERVICES',
      source: { value: '10.224.0.0/16', negated: true },
      destination: { value: '10.0.0.10/32', negated: false },
      comment: 'kube-system/kube-dns:dns-tcp cluster IP',
      target: { name: 'KUBE-MARK-MASQ', goto: false, options: [] },
    });
    expect(masq.matches.map((m) => m.module)).toEqual(['comment', 'tcp']);
    const split = ruleAt(value, 300);
    expect(split.comment).toBe('kube-system/npm-metrics-cluster-service');
    expect(split.matches[1]).toEqual({
      module: 'statistic',
      implicit: false,
      options: [
        { name: 'mode', args: ['random'], negated: false },
        { name: 'probability', args: ['0.33333333349'], negated: false },
      ],
    });
    expect(ruleAt(value, 301).matches[1]!.options[1]!.args).toEqual(['0.50000000000']);
  });

  it('Azure v1: the one-line file with "\\r " newlines gives its real rules', () => {
    const { value, notes } = corpus('Azure_azure-container-networking__npm_pkg_dataplane_testdata_iptablesave-v1');
    expect(value.tables.map((t) => t.name)).toEqual(['mangle', 'nat', 'security', 'filter']);
    expect(ruleCount(value)).toBe(282);
    expect(value.tables.every((t) => t.commitLine !== undefined)).toBe(true);
    expect(notes.map((n) => n.message)).toContainEqual(expect.stringMatching(/lone carriage returns .* damaged/));
    const kubeFirewall = table(value, 'filter').rules.find((r) => r.comment === 'block incoming localnet connections');
    expect(kubeFirewall?.matches[1]).toEqual({
      module: 'conntrack',
      implicit: false,
      options: [{ name: 'ctstate', args: ['RELATED,ESTABLISHED,DNAT'], negated: true }],
    });
  });

  it('moby golden ip6tables: no header, family from the addresses', () => {
    const { value, notes } = corpus('moby_moby__iptabler_golden_hairpin-true_icc-true_masq-true_gwm-nat__ip6tables');
    expect(notes).toEqual([]);
    expect(value.generator).toBeUndefined();
    expect(value.family).toBe('ipv6');
    expect(value.tables.map((t) => t.name)).toEqual(['raw', 'filter', 'nat']);
    expect(ruleAt(value, 36)).toMatchObject({
      chain: 'DOCKER',
      source: { value: 'fe80::/10', negated: true },
      target: { name: 'DNAT', goto: false, options: [{ name: 'to-destination', args: ['[fd49:efd7:54aa::1]:80'], negated: false }] },
    });
  });

  it('moby golden iptables: no header, IPv4', () => {
    const { value } = corpus('moby_moby__iptabler_golden_hairpin-false_icc-true_masq-true_gwm-nat__iptables');
    expect(value.generator).toBeUndefined();
    expect(value.family).toBe('ipv4');
  });

  it('openwrt.org paste: the shell prompt is noted and terminal-wrapped rules are rejoined', (ctx) => {
    skipWithoutCorpus(ctx, 'iptables', 'diekmann_net-network__found_online_openwrt.org');
    const { value, notes } = corpus('diekmann_net-network__found_online_openwrt.org');
    expect(notes).toContainEqual({
      source: 'iptables-save',
      line: 1,
      message: expect.stringContaining('root@gmgt /rtorrent $ cat iptables.txt'),
    });
    expect(notes.map((n) => n.message)).toContainEqual(expect.stringMatching(/^15 lines were wrapped by a terminal at column 80/));
    expect(ruleAt(value, 24).target!.options[0]!.args).toEqual(['192.168.1.1:22']);
    expect(ruleAt(value, 86).target!.name).toBe('ACCEPT');
    expect(ruleAt(value, 119).matches[1]!.options).toEqual([{ name: 'ctstate', args: ['DNAT'], negated: false }]);
  });

  it('babylon: "X-A" rule lines are read as -A with one note', () => {
    const { value, notes } = corpus('babylon882004_openwrtipt__iptables.txt');
    expect(notes).toEqual([{ source: 'iptables-save', line: 20, message: expect.stringMatching(/^66 rule lines start with "X-A"/) }]);
    expect(ruleCount(value)).toBe(71);
    expect(ruleAt(value, 21)).toMatchObject({ chain: 'OUTPUT', comment: '_SS_SPEC_RULE_', target: { name: 'SS_SPEC_WAN_AC' } });
  });

  it('chair ip6tables 2016-06-27: family and rule count', (ctx) => {
    skipWithoutCorpus(ctx, 'iptables', 'diekmann_net-network__chair_ip6tables-save_2016-06-27');
    const { value, notes } = corpus('diekmann_net-network__chair_ip6tables-save_2016-06-27');
    expect(notes).toEqual([]);
    expect(value.family).toBe('ipv6');
    expect(value.generator).toEqual({ program: 'ip6tables-save', version: '1.4.14', line: 1 });
    expect(ruleCount(value)).toBe(6203);
  });

  it('qubesos: "ip addr" output pasted after the dump is noted, not parsed', (ctx) => {
    skipWithoutCorpus(ctx, 'iptables', 'diekmann_net-network__blog_unikernel_qubesos_iptables-save');
    const { value, notes } = corpus('diekmann_net-network__blog_unikernel_qubesos_iptables-save');
    expect(ruleCount(value)).toBeGreaterThan(0);
    expect(notes.map((n) => n.message)).toContainEqual(expect.stringMatching(/^12 lines outside any table after COMMIT skipped as pasted text .*1: lo:/));
  });

  it('legacy warning and empty tables', (ctx) => {
    skipWithoutCorpus(ctx, 'iptables', 'issue_dev-sec-ansible-collection-hardening-274__iptables-legacy-save');
    const { value } = corpus('issue_dev-sec-ansible-collection-hardening-274__iptables-legacy-save');
    expect(value.tables.map((t) => [t.name, t.rules.length, t.chains.length])).toEqual([
      ['nat', 0, 4],
      ['filter', 0, 3],
    ]);
  });
});

/** Rules with netmask notation (/255.255.255.0) rewritten as prefix lengths, without line and text. */
function normalisedRules(save: IptablesSave): unknown[] {
  return save.tables.flatMap((t) =>
    t.rules.map(({ line: _line, text: _text, ...rule }) => ({
      ...rule,
      ...(rule.source ? { source: { ...rule.source, value: prefixForm(rule.source.value) } } : {}),
      ...(rule.destination ? { destination: { ...rule.destination, value: prefixForm(rule.destination.value) } } : {}),
    })),
  );
}

function prefixForm(address: string): string {
  const [host, mask] = address.split('/');
  if (mask === undefined || !mask.includes('.')) return address;
  const bits = mask.split('.').reduce((sum, octet) => sum + (Number(octet).toString(2).match(/1/g)?.length ?? 0), 0);
  return `${host}/${bits}`;
}
