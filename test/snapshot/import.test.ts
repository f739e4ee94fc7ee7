import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { importRawDir } from '../../src/snapshot/import.js';
import { loadInput } from '../../src/snapshot/load.js';
import { Snapshot } from '../../src/snapshot/schema.js';
import { SOURCES, storedFormat } from '../../src/snapshot/sources.js';
import { readCorpus, skipWithoutCorpus } from '../helpers/corpus.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'netaudit-import-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function makeDir(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = path.join(root, name);
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('importRawDir', () => {
  it('maps file names to sources, missing files to not-collected, blank files to empty', async () => {
    const dir = await makeDir('basic', {
      'sysctl-a.txt': 'net.ipv4.ip_forward = 1\n',
      'ip-link.json': '[{"ifindex":1,"ifname":"lo"}]\n',
      'ss-tlnp.txt': '',
      'brctl-show.txt': '\n',
    });
    const snapshot = await importRawDir(dir);
    expect(Snapshot.safeParse(snapshot).success).toBe(true);
    const host = snapshot.namespaces[0]!;
    expect(snapshot.namespaces).toHaveLength(1);
    expect(host).toMatchObject({ name: 'host', kind: 'host' });
    expect(Object.keys(host.sources).sort()).toEqual(SOURCES.map((s) => s.id).sort());
    expect(host.sources.sysctl).toMatchObject({ status: 'ok', command: 'sysctl -a', stdout: 'net.ipv4.ip_forward = 1\n', stdoutEncoding: 'utf8' });
    expect(host.sources['ip-link']).toMatchObject({ status: 'ok', command: 'ip -j -d link show' });
    expect(host.sources['ss-tlnp']).toMatchObject({ status: 'empty', stdout: '' });
    expect(host.sources['brctl-show']).toMatchObject({ status: 'empty', stdout: '\n' });
    expect(host.sources['iptables-save']).toMatchObject({ status: 'not-collected', reason: `no iptables-save.txt or iptables-L-<table>.txt in ${dir}` });
    expect(snapshot.sysctlFiles).toEqual({ status: 'not-collected', reason: `no sysctl.d/ in ${dir}`, files: [] });
    expect(snapshot.meta.notes).toEqual([]);
  });

  it('reads the policy routing rules from ip-rule.json and ip6-rule.json, in netns/<name>/ too', async () => {
    const v4 = '[{"priority":0,"src":"all","table":"local"},{"priority":100,"src":"172.18.0.0","srclen":16,"table":"100"},{"priority":32766,"src":"all","table":"main"}]\n';
    const v6 = '[{"priority":0,"src":"all","table":"local"},{"priority":32766,"src":"all","table":"main"}]\n';
    const dir = await makeDir('rules', { 'ip-rule.json': v4, 'netns/blue/ip6-rule.json': v6 });
    const snapshot = await importRawDir(dir);
    expect(Snapshot.safeParse(snapshot).success).toBe(true);
    const [host, blue] = snapshot.namespaces;
    expect(host!.sources['ip-rule']).toMatchObject({ status: 'ok', command: 'ip -j rule show', stdout: v4 });
    expect(host!.sources['ip6-rule']).toMatchObject({ status: 'not-collected', command: 'ip -j -6 rule show', reason: `no ip6-rule.json or ip6-rule.txt in ${dir}` });
    expect(blue).toMatchObject({ name: 'blue', kind: 'named' });
    expect(blue!.sources['ip6-rule']).toMatchObject({ status: 'ok', command: 'ip -j -6 rule show', stdout: v6 });
    expect(blue!.sources['ip-rule']).toMatchObject({ status: 'not-collected', reason: `no ip-rule.json or ip-rule.txt in ${path.join(dir, 'netns', 'blue')}` });
    expect(snapshot.meta.notes).toEqual([]);
  });

  describe('the nftables ruleset, in either of its two forms', () => {
    const json = '{"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "t", "handle": 1}}]}\n';
    /** `nft -a list ruleset`, as sosreports and bug reports carry it. */
    const text = 'table inet t { # handle 1\n\tchain f { # handle 1\n\t\ttype filter hook forward priority filter; policy drop;\n\t}\n}\n';

    it('reads nft-ruleset.json (nft -j list ruleset) as the json form, in netns/<name>/ too', async () => {
      const dir = await makeDir('nft-json', { 'nft-ruleset.json': json, 'netns/blue/nft-ruleset.json': json });
      const { snapshot } = await loadInput(dir);
      expect(Snapshot.safeParse(snapshot).success).toBe(true);
      for (const ns of snapshot.namespaces) {
        const source = ns.sources['nft-ruleset']!;
        expect(source, ns.name).toMatchObject({ status: 'ok', command: 'nft -j list ruleset', stdout: json, format: 'json' });
        expect(storedFormat('nft-ruleset', source)).toBe('json');
      }
      expect(snapshot.namespaces.map((n) => n.name)).toEqual(['host', 'blue']);
      expect(snapshot.meta.notes).toEqual([]);
    });

    it('reads nft-ruleset.txt (nft list ruleset, nft -a list ruleset) as the text form, in netns/<name>/ too', async () => {
      const dir = await makeDir('nft-text', { 'nft-ruleset.txt': text, 'netns/blue/nft-ruleset.json': json });
      const { snapshot } = await loadInput(dir);
      expect(Snapshot.safeParse(snapshot).success).toBe(true);
      const [host, blue] = snapshot.namespaces;
      expect(host!.sources['nft-ruleset']).toMatchObject({ status: 'ok', command: 'nft list ruleset', stdout: text, format: 'text' });
      expect(storedFormat('nft-ruleset', host!.sources['nft-ruleset']!)).toBe('text');
      // Each namespace says which form it holds.
      expect(blue!.sources['nft-ruleset']).toMatchObject({ status: 'ok', command: 'nft -j list ruleset', format: 'json' });
      expect(snapshot.meta.notes).toEqual([]);
    });

    it('survives saving: the form goes into the snapshot file and comes back', async () => {
      const snapshot = await importRawDir(await makeDir('nft-save', { 'netns/blue/nft-ruleset.txt': text }));
      const file = path.join(root, 'nft-save.json');
      await writeFile(file, JSON.stringify(snapshot));
      const loaded = (await loadInput(file)).snapshot;
      expect(loaded.namespaces[1]!.sources['nft-ruleset']).toMatchObject({ status: 'ok', format: 'text', stdout: text });
    });

    it('reads the json form when both are there, and notes the text one it left', async () => {
      const dir = await makeDir('nft-both', { 'nft-ruleset.json': json, 'nft-ruleset.txt': text });
      const snapshot = await importRawDir(dir);
      expect(snapshot.namespaces[0]!.sources['nft-ruleset']).toMatchObject({ status: 'ok', format: 'json', stdout: json });
      expect(snapshot.meta.notes).toEqual([`${path.join(dir, 'nft-ruleset.txt')}: nft-ruleset is read from nft-ruleset.json, ignored`]);
    });

    it('names both files when neither is there, and a blank file is empty', async () => {
      const dir = await makeDir('nft-none', { 'sysctl-a.txt': 'net.ipv4.ip_forward = 1\n', 'netns/blue/nft-ruleset.txt': '\n' });
      const snapshot = await importRawDir(dir);
      const source = snapshot.namespaces[0]!.sources['nft-ruleset']!;
      expect(source).toMatchObject({ status: 'not-collected', command: 'nft -j list ruleset', reason: `no nft-ruleset.json or nft-ruleset.txt in ${dir}` });
      expect(source).not.toHaveProperty('format');
      expect(snapshot.namespaces[1]!.sources['nft-ruleset']).toMatchObject({ status: 'empty', format: 'text' });
    });

    it('loads a snapshot from before the source existed: no nft-ruleset, no format', async () => {
      const old = {
        schema: 'netaudit/snapshot@1',
        meta: { collector: { name: 'netaudit', version: '0.0.9' } },
        namespaces: [{ name: 'host', kind: 'host', sources: { sysctl: { status: 'ok', command: 'sysctl -a', exitCode: 0, stdout: 'net.ipv4.ip_forward = 1\n' } } }],
        sysctlFiles: { status: 'not-collected' },
      };
      const file = path.join(root, 'old.json');
      await writeFile(file, JSON.stringify(old));
      const { snapshot } = await loadInput(file);
      expect(snapshot.namespaces[0]!.sources['nft-ruleset']).toBeUndefined();
      expect(snapshot.namespaces[0]!.sources.sysctl).not.toHaveProperty('format');
      expect(storedFormat('sysctl', snapshot.namespaces[0]!.sources.sysctl!)).toBe('text');
    });
  });

  it('stores files that are not UTF-8 as base64, byte-exact', async () => {
    const bytes = Buffer.from('-A INPUT -m comment --comment "caf\xe9" -j ACCEPT\n', 'latin1');
    const snapshot = await importRawDir(await makeDir('latin1', { 'iptables-save.txt': bytes }));
    const source = snapshot.namespaces[0]!.sources['iptables-save']!;
    expect(source.stdoutEncoding).toBe('base64');
    expect(Buffer.from(source.stdout, 'base64').equals(bytes)).toBe(true);
  });

  it('reads sysctl.d/ in the order sysctl --system applies it, and notes what it skips', async () => {
    const dir = await makeDir('sysctld', {
      'sysctl.d/sysctl.conf': 'net.ipv4.ip_forward = 0\n',
      'sysctl.d/99-docker.conf': 'net.ipv4.ip_forward = 1\n',
      'sysctl.d/10-base.conf': 'kernel.panic = 10\n',
      'sysctl.d/README': 'not a conf file\n',
    });
    const snapshot = await importRawDir(dir);
    expect(snapshot.sysctlFiles.status).toBe('ok');
    expect(snapshot.sysctlFiles.files.map((f) => f.path)).toEqual([
      '/etc/sysctl.d/10-base.conf',
      '/etc/sysctl.d/99-docker.conf',
      '/etc/sysctl.conf',
    ]);
    expect(snapshot.sysctlFiles.files[1]).toMatchObject({ content: 'net.ipv4.ip_forward = 1\n', encoding: 'utf8' });
    expect(snapshot.meta.notes).toEqual([expect.stringMatching(/sysctl\.d\/README: not a \.conf file, ignored/)]);
  });

  it('an empty sysctl.d/ is empty, not missing', async () => {
    const dir = await makeDir('emptyd', { 'sysctl-a.txt': 'a = 1\n' });
    await mkdir(path.join(dir, 'sysctl.d'));
    expect((await importRawDir(dir)).sysctlFiles).toEqual({ status: 'empty', files: [] });
  });

  it('turns netns/<name>/ folders into named namespaces and notes unknown files', async () => {
    const dir = await makeDir('netns', {
      'ip-link.json': '[]\n',
      'notes.md': 'pasted from issue 12\n',
      'netns/red/ip-link.json': '[{"ifindex":2,"ifname":"eth0"}]\n',
      'netns/blue/sysctl-a.txt': 'net.ipv4.ip_forward = 0\n',
      'netns/blue/sysctl.d/x.conf': 'a = 1\n',
      'netns/host/ip-link.json': '[]\n',
      'netns/stray.txt': 'x\n',
    });
    const snapshot = await importRawDir(dir);
    expect(snapshot.namespaces.map((n) => [n.name, n.kind])).toEqual([
      ['host', 'host'],
      ['blue', 'named'],
      ['red', 'named'],
    ]);
    expect(snapshot.namespaces[1]!.sources.sysctl).toMatchObject({ status: 'ok', stdout: 'net.ipv4.ip_forward = 0\n' });
    expect(snapshot.namespaces[1]!.sources['ip-link']).toMatchObject({
      status: 'not-collected',
      reason: `no ip-link.json or ip-link.txt in ${path.join(dir, 'netns', 'blue')}`,
    });
    expect(snapshot.namespaces[2]!.sources['ip-link']?.status).toBe('ok');
    const notes = snapshot.meta.notes.join('\n');
    expect(notes).toContain(`${path.join(dir, 'notes.md')}: not a known raw-output file name, ignored`);
    expect(notes).toContain(`${path.join(dir, 'netns', 'blue', 'sysctl.d')}: persisted sysctl files are read for the host only`);
    expect(notes).toContain(`${path.join(dir, 'netns', 'host')}: the name "host" is reserved`);
    expect(notes).toContain(`${path.join(dir, 'netns', 'stray.txt')}: not a directory`);
    expect(snapshot.meta.notes).toHaveLength(4);
  });

  it('is what loadInput returns for a directory', async () => {
    const dir = await makeDir('viaload', { 'sysctl-a.txt': 'a = 1\n' });
    const loaded = await loadInput(dir);
    expect(loaded.label).toBe(dir);
    expect(loaded.snapshot.namespaces[0]!.sources.sysctl?.status).toBe('ok');
  });

  it('fails with InputError on an unreadable directory or a folder where a file belongs', async () => {
    await expect(importRawDir(path.join(root, 'missing'))).rejects.toBeInstanceOf(InputError);
    const dir = await makeDir('dirfile', {});
    await mkdir(path.join(dir, 'sysctl-a.txt'));
    await expect(importRawDir(dir)).rejects.toThrow(/is a directory/);
  });

  it('imports real dumps unchanged', async (ctx) => {
    const iptName = 'netfilter_iptables__tests_ipt-save_dumps_fedora27-iptables';
    const sysctlName = 'Linbing_CephKnowledge__sysctl-all.txt';
    skipWithoutCorpus(ctx, 'sysctl', sysctlName);
    const ipt = readCorpus('iptables', iptName);
    const sysctl = readCorpus('sysctl', sysctlName);
    const snapshot = await importRawDir(await makeDir('corpus', { 'iptables-save.txt': ipt, 'sysctl-a.txt': sysctl }));
    expect(snapshot.namespaces[0]!.sources['iptables-save']?.stdout).toBe(ipt);
    // The one corpus dump with non-ASCII text (UTF-8 Chinese in a comment) stays text.
    expect(snapshot.namespaces[0]!.sources.sysctl).toMatchObject({ stdout: sysctl, stdoutEncoding: 'utf8' });
  });
});
