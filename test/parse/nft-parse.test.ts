/**
 * nftables parsers: real-shaped dumps (fixtures/nft, see its README), JSON and text of the same ruleset
 * giving one model, and hostile input giving only located ParseErrors.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseNftJson } from '../../src/parse/nft-json.js';
import { renderRuleset } from '../../src/parse/nft-render.js';
import { parseNftText } from '../../src/parse/nft-text.js';
import type { NftRuleset, NftStatement } from '../../src/parse/nft-types.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';
import { nftEssence } from './nft-essence.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'nft');
const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');
const text = (name: string) => parseNftText({ source: name, text: read(name) });
const json = (name: string) => parseNftJson({ source: name, text: read(name) });

const essence = nftEssence;

const PAIRS = ['docker-bridges', 'firewalld', 'kube-proxy', 'netavark', 'debian-nftables', 'misc'];

describe('nft text and JSON', () => {
  it.each(PAIRS)('%s: nft -a list ruleset and nft -j list ruleset give the same model', (name) => {
    const t = text(`${name}.nft-a.txt`);
    const j = json(`${name}.json`);
    expect(essence(t.value)).toEqual(essence(j.value));
    expect(t.notes.filter((n) => n.dropped)).toEqual([]);
    expect(j.notes.filter((n) => n.dropped)).toEqual([]);
  });

  it.each(PAIRS)('%s: the source file parses to the listed ruleset (without handles)', (name) => {
    const src = existsSync(path.join(dir, `${name}.nft`)) ? `${name}.nft` : `${name}.conf`;
    const strip = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'handle' ? undefined : x))) as unknown;
    const a = essence(text(src).value) as { sets: { name: string }[] }[];
    const b = essence(text(`${name}.nft-a.txt`).value) as { sets: { name: string }[] }[];
    expect(strip(a.map((t) => ({ ...t, sets: t.sets.map((s) => s.name).sort() })))).toEqual(strip(b.map((t) => ({ ...t, sets: t.sets.map((s) => s.name).sort() }))));
  });

  it('Docker: base chains, priorities, vmaps, DNAT and masquerade with their lines', () => {
    const [t] = text('docker-bridges.nft').value.tables;
    expect(t).toMatchObject({ family: 'ip', name: 'docker-bridges', line: 1 });
    const chain = (n: string) => t!.chains.find((c) => c.name === n)!;
    expect(chain('filter-FORWARD').base).toEqual({ type: 'filter', hook: 'forward', priority: 0, policy: 'accept' });
    expect(chain('raw-PREROUTING').base?.priority).toBe(-300);
    expect(chain('nat-POSTROUTING').base?.priority).toBe(100);
    expect(chain('filter-FORWARD').rules[0]).toMatchObject({ line: 19, text: 'oifname vmap @filter-forward-in-jumps', statements: [{ kind: 'vmap', key: { kind: 'meta', key: 'oifname' }, map: { kind: 'ref', name: 'filter-forward-in-jumps' } }] });
    const dnat = chain('nat-prerouting-and-output').rules[0]!;
    expect(dnat.comment).toBe('DNAT');
    expect(dnat.statements).toContainEqual({ kind: 'nat', nat: 'dnat', addr: { kind: 'string', value: '172.17.0.2' }, port: { kind: 'number', value: 80 } });
    expect(chain('filter-forward-in__docker0').rules[0]!.statements[0]).toEqual({ kind: 'match', left: { kind: 'ct', key: 'state' }, op: 'in', right: { kind: 'set', items: [{ kind: 'string', value: 'established' }, { kind: 'string', value: 'related' }] } });
    expect(t!.sets.find((s) => s.name === 'filter-forward-in-jumps')?.elements).toEqual([{ key: { kind: 'string', value: 'docker0' }, value: { kind: 'verdict', verdict: { kind: 'jump', target: 'filter-forward-in__docker0' } } }]);
  });

  it('firewalld: priorities with arithmetic, reject with, ct helper object', () => {
    const [t] = text('firewalld.nft-a.txt').value.tables;
    expect(t!.chains.find((c) => c.name === 'mangle_PREROUTING')?.base?.priority).toBe(-140);
    expect(t!.chains.find((c) => c.name === 'nat_POSTROUTING')?.base?.priority).toBe(110);
    expect(t!.objects.map((o) => o.kind)).toEqual(['ct helper']);
    expect(text('firewalld.nft').value.tables[0]!.chains.find((c) => c.name === 'filter_INPUT')!.rules.at(-1)!.statements).toEqual([{ kind: 'verdict', verdict: { kind: 'reject', with: 'icmpx admin-prohibited' } }]);
  });

  it('kube-proxy: concatenated vmaps, multi-line map elements, numgen read without a note', () => {
    const r = text('kube-proxy.nft');
    const t = r.value.tables[0]!;
    expect(t.sets.find((s) => s.name === 'service-ips')?.elements).toHaveLength(2);
    expect(t.chains.find((c) => c.name === 'filter-prerouting')?.base?.priority).toBe(-110);
    const numgen = t.chains.find((c) => c.name.startsWith('service-2QRHZV4L'))!.rules[1]!;
    expect(numgen.statements[0]).toMatchObject({ kind: 'vmap', key: { kind: 'numgen', mode: 'random', mod: 1, offset: 0 } });
    expect(r.notes.filter((n) => n.line === numgen.line)).toEqual([]);
    const json = parseNftJson({ source: 'nft-ruleset', text: JSON.stringify({ nftables: [{ table: { family: 'ip', name: 't', handle: 1 } }, { chain: { family: 'ip', table: 't', name: 'c', handle: 2 } }, { rule: { family: 'ip', table: 't', chain: 'c', handle: 3, expr: [{ vmap: { key: { numgen: { mode: 'inc', mod: 3, offset: 2 } }, data: { set: [[2, { accept: null }]] } } }] } }] }) });
    expect(json.value.tables[0]!.chains[0]!.rules[0]!.statements[0]).toMatchObject({ kind: 'vmap', key: { kind: 'numgen', mode: 'inc', mod: 3, offset: 2 } });
    expect(json.notes).toEqual([]);
  });

  it('iptables-nft: the warning marks the table, xt statements are kept', () => {
    const t = text('iptables-nft.nft-a.txt').value;
    expect(t.tables.map((x) => x.managedBy)).toEqual(['iptables-nft', 'iptables-nft']);
    const j = json('iptables-nft.json').value;
    expect(j.tables[0]!.managedBy).toBe('iptables-nft');
    expect(j.tables[0]!.chains[0]!.rules[0]).toMatchObject({ line: 1, text: 'iifname "docker0" oifname != "docker0" counter packets 0 bytes 0 accept', handle: 2 });
    expect(t.tables[0]!.chains[1]!.rules[0]!.statements[0]).toEqual({ kind: 'xt', type: 'match', name: 'recent', text: 'xt match recent' });
  });

  it('flowtables, bridge and netdev priorities, text-only statements', () => {
    const r = text('sosreport-flowtable.nft-a.txt');
    expect(r.value.tables[0]!.flowtables).toEqual([{ name: 'f', line: 2, hook: 'ingress', priority: 0, devices: ['eth0', 'eth1'] }]);
    expect(r.value.tables[1]!.chains[0]!.base?.priority).toBe(-10);
    const b = text('misc.nft').value.tables;
    expect(b[0]!.chains.map((c) => c.base?.priority)).toEqual([-200, 100]);
    expect(b[2]!.chains[0]!.base).toEqual({ type: 'filter', hook: 'ingress', device: 'lo', priority: -500, policy: 'accept' });
    const snat = r.value.tables[1]!.chains[0]!.rules[2]!.statements.at(-1);
    expect(snat).toEqual({ kind: 'nat', nat: 'snat', family: 'ip6', addr: { kind: 'string', value: '2001:db8::1' }, port: { kind: 'range', from: { kind: 'number', value: 4000 }, to: { kind: 'number', value: 5000 } } });
  });

  it('unreadable input fails with the source and line', () => {
    expect(() => parseNftText({ source: 's', text: '\n\ntable ip filter\n' })).toThrow(ParseError);
    try {
      parseNftText({ source: 's', text: 'hello world\n' });
    } catch (e) {
      expect((e as ParseError).location).toEqual({ source: 's', line: 1 });
    }
    expect(() => parseNftJson({ source: 'j', text: 'table ip x {' })).toThrow(/not JSON/);
    expect(() => parseNftJson({ source: 'j', text: '{"nftables": 3}' })).toThrow(/\/nftables/);
    const cut = parseNftText({ source: 's', text: read('docker-bridges.nft').slice(0, 900) });
    expect(cut.notes.some((n) => n.dropped && /cut short/.test(n.message))).toBe(true);
  });

  it('arbitrary text only ever gives a located ParseError', () => {
    fc.assert(
      fc.property(anyText, (t) => {
        expectOnlyParseError('x', () => parseNftText({ source: 'x', text: t }));
        expectOnlyParseError('x', () => parseNftJson({ source: 'x', text: t }));
      }),
      { numRuns: 400 },
    );
  });

  it('mutated fixtures parse or fail with a located ParseError', () => {
    for (const name of ['docker-bridges.nft', 'kube-proxy.nft', 'firewalld.nft-a.txt', 'docker-bridges.json']) {
      const lines = read(name).split('\n');
      fc.assert(
        fc.property(fc.nat(), fc.nat(), fc.string({ unit: 'binary', maxLength: 8 }), (at, off, junk) => {
          const out = [...lines];
          const i = at % out.length;
          const l = out[i]!;
          out[i] = l.slice(0, off % (l.length + 1)) + junk + l.slice(off % (l.length + 1));
          const run = name.endsWith('.json') ? parseNftJson : parseNftText;
          expectOnlyParseError(name, () => run({ source: name, text: out.join('\n') }));
        }),
        { numRuns: 100 },
      );
    }
  });

  it.each(PAIRS)('%s: render → parse round-trips the model', (name) => {
    const a = text(`${name}.nft-a.txt`).value;
    const b = parseNftText({ source: 'r', text: renderRuleset(a) }).value;
    expect(essence(b)).toEqual(essence(a));
  });
});

const NFT = '/usr/sbin/nft';
describe.runIf(existsSync(NFT) && process.getuid?.() === 0)('nft in a network namespace', () => {
  it('a loaded ruleset reads back the same in JSON and text', () => {
    const ns = `nap-${process.pid}`;
    const tmp = mkdtempSync(path.join(tmpdir(), 'nft-'));
    try {
      execFileSync('ip', ['netns', 'add', ns]);
      const file = path.join(tmp, 'r.nft');
      writeFileSync(file, read('docker-bridges.nft') + read('netavark.nft'));
      execFileSync('ip', ['netns', 'exec', ns, NFT, '-f', file]);
      const j = execFileSync('ip', ['netns', 'exec', ns, NFT, '-j', 'list', 'ruleset'], { encoding: 'utf8' });
      const t = execFileSync('ip', ['netns', 'exec', ns, NFT, '-a', 'list', 'ruleset'], { encoding: 'utf8' });
      const pj = parseNftJson({ source: 'nft-ruleset.json', text: j }).value;
      expect(pj.tables.map((x) => x.name)).toEqual(['docker-bridges', 'netavark']);
      expect(essence(parseNftText({ source: 'nft-ruleset.txt', text: t }).value)).toEqual(essence(pj));
    } finally {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
