/**
 * What a sosreport did not collect is said with sos's reason; pasted text forms give the model the JSON
 * forms give; the list form's unreadable extension text only "maybe" matches.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { matchRule } from '../../src/analysis/netfilter/match.js';
import { buildHost } from '../../src/model/build.js';
import { joinTableListings, splitTableListings } from '../../src/snapshot/iptables-list-files.js';
import { loadInput } from '../../src/snapshot/load.js';
import { mangleCommand } from '../../src/snapshot/sosreport/commands.js';
import { PROJECT_ROOT } from '../cli/run.js';

const FIXTURES = path.join(PROJECT_ROOT, 'fixtures/sosreport');
const TEXT = path.join(PROJECT_ROOT, 'test/parse/fixtures/text');
const work = mkdtempSync(path.join(tmpdir(), 'netaudit-sos-text-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('what sos did not collect', () => {
  it('a command sos skipped is not collected, with the reason sos.log gives and its line', async () => {
    const { snapshot } = await loadInput(path.join(FIXTURES, 'kmods-skipped'));
    const host = snapshot.namespaces[0]!.sources;
    expect(host['iptables-save']).toMatchObject({ status: 'not-collected' });
    expect(host['iptables-save']!.command).toMatch(/^iptables (-t \w+ -nvL|-vnxL)$/);
    expect(host['iptables-save']!.reason).toMatch(/^sos skipped `iptables [^`]+`: required kmods missing: iptable_\w+, nf_tables \(sos_logs\/sos\.log line \d+\)$/);
    expect(host['nft-ruleset']!.reason).toMatch(/required kmods missing: nf_tables/);
    // collected ones are there, in the form sos wrote them
    expect(host['ip-link']).toMatchObject({ status: 'ok', command: 'ip -s -d link', format: 'text' });
  });

  it('the container namespace keeps the id `ip netns` gives it, and its veth peer resolves across namespaces', async () => {
    const { snapshot } = await loadInput(path.join(FIXTURES, 'healthy'));
    expect(snapshot.namespaces.map((n) => [n.name, n.nsid])).toEqual([['host', undefined], ['nasos-c1', 1]]);
    const host = buildHost(snapshot);
    expect(host.host.netfilter.ipv4?.listForm).toBe(true);
    expect([...host.host.netfilter.ipv4!.tables.keys()].sort()).toEqual(['filter', 'nat']);
  });

  it('current sos layout (firewall_tables, namespaces/<ns>/, manifest exit codes), built from sos documentation', async () => {
    const dir = path.join(work, 'sos-4.x');
    const src = path.join(FIXTURES, 'healthy/sos_commands/networking');
    cpSync(path.join(FIXTURES, 'healthy'), dir, { recursive: true, verbatimSymlinks: true });
    rmSync(path.join(dir, 'sos_commands/networking'), { recursive: true });
    const fw = path.join(dir, 'sos_commands/firewall_tables');
    const ns = path.join(dir, 'sos_commands/networking/namespaces/blue');
    cpSync(path.join(src, 'iptables_-t_nat_-nvL'), path.join(fw, 'iptables_-t_nat_-nvL'));
    cpSync(path.join(src, 'iptables_-vnxL'), path.join(fw, 'iptables_-vnxL'));
    cpSync(path.join(src, 'ip_-d_address'), path.join(dir, 'sos_commands/networking/ip_-d_address'));
    cpSync(path.join(src, 'ip_netns_exec_nasos-c1_ip_address_show'), path.join(ns, 'ip_netns_exec_blue_ip_-d_address_show'));
    cpSync(path.join(src, 'ip_netns_exec_nasos-c1_iptables-save'), path.join(ns, 'ip_netns_exec_blue_iptables-save'));
    const manifest = { version: '4.8.0', start_time: '2025-01-02 03:04:05.000000', components: { report: { plugins: {
      networking: { commands: [{ exec: 'ip -4 rule list', filepath: null, return_code: 127 }, { exec: 'ip -d address', filepath: 'sos_commands/networking/ip_-d_address', return_code: 0 }] },
      firewall_tables: { commands: [{ exec: 'iptables -t nat -nvL', filepath: 'sos_commands/firewall_tables/iptables_-t_nat_-nvL', return_code: 0 }] },
    } } } };
    writeFileSync(path.join(dir, 'sos_reports/manifest.json'), JSON.stringify(manifest));
    const { snapshot } = await loadInput(dir);
    expect(snapshot.meta.collector).toEqual({ name: 'sos report', version: '4.8.0' });
    const host = snapshot.namespaces[0]!.sources;
    expect(host['iptables-save']).toMatchObject({ status: 'ok', format: 'iptables-list', command: 'iptables -vnxL; iptables -t nat -nvL' });
    expect(host['ip-rule']).toMatchObject({ status: 'failed' });
    expect(host['ip-rule']!.reason).toMatch(/exit code 127 \(command not found\)/);
    expect(host['ip-link']).toMatchObject({ status: 'ok', command: 'ip -d address' });
    const blue = snapshot.namespaces.find((n) => n.name === 'blue')!;
    expect(blue.sources['ip-addr']).toMatchObject({ status: 'ok', format: 'text' });
    // the container had no rules: iptables-save ran and printed nothing
    expect(blue.sources['iptables-save']).toMatchObject({ status: 'empty', format: 'text' });
    expect(buildHost(snapshot).namespaceByName.get('blue')!.interfaces.map((i) => i.name)).toContain('eth0');
  });
});

describe('pasted text outputs in a raw-output directory', () => {
  const dirOf = (name: string, files: Record<string, string>): string => {
    const dir = path.join(work, name);
    for (const [to, from] of Object.entries(files)) cpSync(path.join(TEXT, from), path.join(dir, to));
    return dir;
  };
  const summary = (dir: string) =>
    loadInput(dir).then(({ snapshot }) => {
      const ns = buildHost(snapshot).host;
      return {
        interfaces: ns.interfaces.map((i) => [i.name, i.kind, i.addresses.map((a) => `${a.address}/${a.prefixLen}`).sort()]).sort(),
        routes: ns.routes.map((r) => `${r.table} ${r.type} ${r.dst}`).sort(),
        notes: snapshot.meta.notes,
      };
    });

  it('give the model the JSON forms give (interfaces, kinds, addresses, routes)', async () => {
    const json = await summary(dirOf('json', { 'ip-link.json': 'ip-link.json', 'ip-addr.json': 'ip-addr.json', 'ip-route.json': 'ip-route.json', 'ip6-route.json': 'ip6-route.json' }));
    const text = await summary(dirOf('text', { 'ip-link.txt': 'ip-link-d.txt', 'ip-addr.txt': 'ip-addr.txt', 'ip-route.txt': 'ip-route.txt', 'ip6-route.txt': 'ip6-route.txt' }));
    expect(text.interfaces).toEqual(json.interfaces);
    expect(text.routes).toEqual(json.routes);
  });

  it('with both forms present, the JSON form wins and the text file is noted', async () => {
    const both = await summary(dirOf('both', { 'ip-addr.json': 'ip-addr.json', 'ip-addr.txt': 'ip-addr.txt' }));
    expect(both.notes.some((n) => n.endsWith('ip-addr.txt: ip-addr is read from ip-addr.json, ignored'))).toBe(true);
  });

  it('iptables-L-<table>.txt files become one ruleset in list form; iptables-L.txt beside iptables-L-filter.txt is refused', async () => {
    const dir = dirOf('tables', { 'iptables-L-filter.txt': 'iptables-L-filter.txt', 'iptables-L-nat.txt': 'iptables-L-nat.txt', 'iptables-L-mangle.txt': 'iptables-L-mangle.txt' });
    const ruleset = buildHost((await loadInput(dir)).snapshot).host.netfilter.ipv4!;
    expect(ruleset.listForm).toBe(true);
    expect([...ruleset.tables.keys()].sort()).toEqual(['filter', 'mangle', 'nat']);
    cpSync(path.join(TEXT, 'iptables-L-filter.txt'), path.join(dir, 'iptables-L.txt'));
    await expect(loadInput(dir)).rejects.toThrow(/holds the filter table, and so does/);
  });
});

it('a rule whose list text could not be read (a list-text match) only maybe matches', () => {
  const rule = { matches: [{ module: 'list-text', implicit: false, options: [{ name: 'text', args: ['recent: CHECK seconds: 60'], negated: false }] }] };
  expect(matchRule(rule as never, { family: 4, protocol: 'tcp', dport: 80 })).toBe('maybe');
});

describe('properties', () => {
  const table = fc.stringMatching(/^[a-z_]{1,12}$/);
  const body = fc.array(fc.stringMatching(/^[ -~]{0,40}$/).filter((l) => !l.startsWith('==>')), { maxLength: 6 }).map((ls) => ls.join('\n'));
  it('joined listings split back into the same tables and texts, each first line where the stored text has it', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(table, body), { selector: (t) => t[0], maxLength: 5 }), (tables) => {
        const listings = tables.map(([t, text]) => ({ table: t, origin: `iptables-L-${t}.txt`, text }));
        const stored = joinTableListings(listings);
        const split = splitTableListings(stored);
        expect(split.map((l) => l.table)).toEqual(tables.map((t) => t[0]));
        const lines = stored.split('\n');
        for (const l of split) expect(lines[l.firstLine - 2]).toBe(`==> table ${l.table}: iptables-L-${l.table}.txt <==`);
      }),
    );
  });

  it('mangled command names are file names: no slash, no blank, at most 255 characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (exec) => {
        const name = mangleCommand(exec);
        expect(name).not.toMatch(/[/\s]/);
        expect(name.length).toBeLessThanOrEqual(255);
      }),
    );
    expect(mangleCommand('ip netns exec blue ip -d address show')).toBe('ip_netns_exec_blue_ip_-d_address_show');
    expect(mangleCommand('/usr/sbin/iptables -t nat -nvL')).toBe('iptables_-t_nat_-nvL');
  });
});
