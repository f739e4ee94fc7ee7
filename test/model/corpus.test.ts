/**
 * Every real-world dump, placed in the source it belongs to, builds a host model without throwing;
 * the files a parser must refuse (nft rulesets, known-invalid iproute2 JSON) are marked unreadable
 * with the parser's message rather than crashing the model or being silently dropped.
 */
import { describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import type { SourceId } from '../../src/snapshot/sources.js';
import { CORPUS_KINDS, corpusFiles, expectedCorpusFiles, readCorpus } from '../helpers/corpus.js';
import { makeSnapshot } from '../helpers/snapshot.js';

function sourceFor(kind: string, name: string, text: string): SourceId {
  if (kind === 'iptables') return /ip6tables|rules\.v6|ipv6|__ip6/.test(name) ? 'ip6tables-save' : 'iptables-save';
  if (kind === 'nft') return 'iptables-save';
  if (kind === 'sysctl') return 'sysctl';
  if (kind === 'bridge') return name.includes('brctl') || name.includes('linuxbridges') ? 'brctl-show' : 'bridge-link';
  if (/route(?!2)/i.test(name)) return /ROUTE6|-6-/.test(name) ? 'ip6-route' : 'ip-route';
  if (/addr/i.test(name)) return 'ip-addr';
  return text.includes('addr_info') ? 'ip-addr' : 'ip-link';
}

const KNOWN_UNREADABLE = new Set([
  'iproute2_iproute2__commit_d0e72011_ip-details-json-link-show.json',
  'iproute2_iproute2__commit_07366177_ip-d-j-p-route-show.json',
  'iproute2_iproute2__commit_07366177_ip-d-j-p-route-show_2.json',
]);

describe('model over the real-world corpus', () => {
  const cases = CORPUS_KINDS.flatMap((kind) => corpusFiles(kind).map(([name]) => [kind, name] as const));

  it('has a corpus to run over', () => {
    const expected = CORPUS_KINDS.flatMap((kind) => expectedCorpusFiles(kind).map((name) => [kind, name]));
    expect(cases).toEqual(expected);
  });

  it.each(cases)('%s/%s builds a host', (kind, name) => {
    const text = readCorpus(kind, name);
    const id = sourceFor(kind, name, text);
    const host = buildHost(makeSnapshot({ [id]: text }));
    const info = host.host.sources.get(id)!;
    if (kind === 'nft' || KNOWN_UNREADABLE.has(name)) {
      expect(info.parseError, `${name} should be refused`).toBeDefined();
      return;
    }
    expect(info.parseError, info.parseError).toBeUndefined();
    if (id === 'iptables-save' || id === 'ip6tables-save') {
      const ruleset = id === 'iptables-save' ? host.host.netfilter.ipv4 : host.host.netfilter.ipv6;
      expect(ruleset!.tables.size).toBeGreaterThan(0);
      // Every rule sits in a chain of its table, and every jump to a user chain is resolved.
      for (const table of ruleset!.tables.values()) {
        for (const chain of table.chains.values()) {
          for (const rule of chain.rules) {
            expect(rule.chain).toBe(chain.name);
            if (rule.target && table.chains.get(rule.target.name)?.builtin === false) expect(rule.jumpChain?.name).toBe(rule.target.name);
          }
        }
      }
    }
    if (id === 'sysctl') expect(host.host.sysctl.entries.size).toBeGreaterThan(100);
    if (id === 'ip-link' || id === 'ip-addr') expect(host.host.interfaces.length).toBeGreaterThan(0);
    if (id === 'brctl-show' && !text.trim().endsWith('interfaces')) expect(host.host.bridges.length).toBeGreaterThan(0);
  });
});
