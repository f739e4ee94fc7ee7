/**
 * A real network namespace lab (root only): one namespace plays the host (a bridge with an address,
 * two veth pairs into two "container" namespaces, a MASQUERADE rule, a sysctl), and both collectors
 * run inside it for real with `--netns` naming the two container namespaces. One container namespace
 * has policy routing rules of its own. Only namespaces this test creates (`nar-…`) are touched; the root
 * namespace's interfaces, rules and firewall are left alone.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorScript } from '../../src/collect/sh-collector.js';
import { findExecutable } from '../../src/collect/which.js';
import { buildHost } from '../../src/model/build.js';
import { formatCidr } from '../../src/model/net.js';
import { loadInput } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { must, PATH_ENV, run } from './lab-commands.js';

const PREFIX = `nar-${process.pid}`;
const HOST_NS = `${PREFIX}h`;
const NS_A = `${PREFIX}a`;
const NS_B = `${PREFIX}b`;
/** Without IPv6 in the kernel (ipv6.disable=1), `ip -6 rule` fails: then only IPv4 rules are checked. */
const HAS_IPV6 = existsSync('/proc/net/if_inet6');



function labSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'netns lab needs root (creates network namespaces)';
  for (const tool of ['ip', 'iptables', 'sysctl', 'brctl', 'bridge', 'dash']) {
    if (!findExecutable(tool, PATH_ENV)) return `netns lab needs ${tool} (Debian packages iproute2, iptables, bridge-utils, procps, dash)`;
  }
  const probe = `${PREFIX}probe`;
  const added = run(['ip', 'netns', 'add', probe], 5000);
  if (!added.ok) return `ip netns does not work here: ${added.err.trim()}`;
  run(['ip', 'netns', 'del', probe], 5000);
  return undefined;
}

const skipReason = labSkipReason();
if (skipReason) console.warn(`SKIP: ${skipReason}`);

/** Transpile the collector's modules so a plain `node` can run it inside a namespace. */
async function buildNodeCollector(outDir: string): Promise<string> {
  const files = [
    'src/version.ts',
    'src/errors.ts',
    ...(await readdir(path.join(PROJECT_ROOT, 'src/collect'))).map((f) => `src/collect/${f}`),
    ...(await readdir(path.join(PROJECT_ROOT, 'src/snapshot'))).map((f) => `src/snapshot/${f}`),
  ].filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const source = ts.sys.readFile(path.join(PROJECT_ROOT, file))!;
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    const out = path.join(outDir, file.replace(/^src\//, '').replace(/\.ts$/, '.js'));
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, outputText);
  }
  await writeFile(path.join(outDir, 'package.json'), '{"type":"module"}\n');
  await symlink(path.join(PROJECT_ROOT, 'node_modules'), path.join(outDir, 'node_modules'));
  const runner = path.join(outDir, 'run-collect.js');
  await writeFile(
    runner,
    [
      "import { collectSnapshot } from './collect/node-collector.js';",
      "import { saveSnapshot } from './snapshot/save.js';",
      'const [out, ...netns] = process.argv.slice(2);',
      'await saveSnapshot(await collectSnapshot({ netns, timeoutMs: 10_000 }), out);',
    ].join('\n'),
  );
  return runner;
}

interface LinkJson {
  ifname: string;
  ifindex: number;
  master?: string;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string };
}

/** "198.51.100.1/24" for each address of `ip -j addr` (compact or pretty). */
function addressesOf(ipAddr: string): string[] {
  const links = JSON.parse(ipAddr) as { addr_info?: { local: string; prefixlen: number }[] }[];
  return links.flatMap((l) => (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
}

describe.skipIf(skipReason !== undefined)('netns lab: both collectors on a real bridge with veths', () => {
  let work: string;
  const snapshots = new Map<string, Snapshot>();

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'netaudit-lab-'));
    for (const ns of [HOST_NS, NS_A, NS_B]) must(['ip', 'netns', 'add', ns]);
    const inHost = (...argv: string[]) => must(['ip', 'netns', 'exec', HOST_NS, ...argv]);
    inHost('ip', 'link', 'add', 'br0', 'type', 'bridge');
    inHost('ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'br0');
    inHost('ip', 'link', 'set', 'br0', 'up');
    for (const [ns, veth, addr] of [[NS_A, 'veth-a', '198.51.100.2/24'], [NS_B, 'veth-b', '198.51.100.3/24']] as const) {
      inHost('ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      inHost('ip', 'link', 'set', veth, 'master', 'br0');
      inHost('ip', 'link', 'set', veth, 'up');
      must(['ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', addr, 'dev', 'eth0']);
      must(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'eth0', 'up']);
    }
    inHost('iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '198.51.100.0/24', '!', '-o', 'br0', '-j', 'MASQUERADE');
    inHost('sysctl', '-w', 'net.ipv4.ip_forward=1');
    // Policy routing in container A only: a source-based rule in each family.
    must(['ip', 'netns', 'exec', NS_A, 'ip', 'rule', 'add', 'from', '172.18.0.0/16', 'lookup', '100', 'priority', '100']);
    if (HAS_IPV6) must(['ip', 'netns', 'exec', NS_A, 'ip', '-6', 'rule', 'add', 'from', '2001:db8::/32', 'lookup', '200', 'priority', '200']);

    const runner = await buildNodeCollector(path.join(work, 'node-collector'));
    const nodeOut = path.join(work, 'node.json');
    must(['ip', 'netns', 'exec', HOST_NS, process.execPath, runner, nodeOut, NS_A, NS_B]);
    snapshots.set('node', (await loadInput(nodeOut)).snapshot);

    const script = path.join(work, 'collect.sh');
    await writeFile(script, collectorScript());
    const shOut = path.join(work, 'sh.json');
    must(['ip', 'netns', 'exec', HOST_NS, 'dash', script, '-o', shOut, '--netns', NS_A, NS_B]);
    snapshots.set('sh', (await loadInput(shOut)).snapshot);
  });

  afterAll(async () => {
    // Deleting the namespaces removes the bridge, the veths and the rule with them.
    for (const ns of [HOST_NS, NS_A, NS_B]) run(['ip', 'netns', 'del', ns], 10_000);
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe.each(['node', 'sh'])('%s collector', (kind) => {
    const snap = () => snapshots.get(kind)!;
    const host = () => snap().namespaces[0]!;
    const stdout = (ns: number, id: string) => {
      const source = snap().namespaces[ns]!.sources[id]!;
      expect(source.status, `${id} in namespace ${ns}: ${source.reason ?? ''}`).toBe('ok');
      return source.stdout;
    };

    it('records the host and the two namespaces, with the ids the host gives them', () => {
      expect(snap().namespaces.map((n) => [n.name, n.kind])).toEqual([
        ['host', 'host'],
        [NS_A, 'named'],
        [NS_B, 'named'],
      ]);
      for (const ns of snap().namespaces.slice(1)) {
        expect(ns.nsid).toEqual(expect.any(Number));
        expect(ns.inode).toEqual(expect.any(Number));
      }
      expect(host().inode).not.toBe(snap().namespaces[1]!.inode);
    });

    it('shows the bridge, its ports and the veth peers in other namespaces', () => {
      const links = JSON.parse(stdout(0, 'ip-link')) as LinkJson[];
      const byName = new Map(links.map((l) => [l.ifname, l]));
      expect(byName.get('br0')?.linkinfo?.info_kind).toBe('bridge');
      for (const [veth, nsIndex] of [['veth-a', 1], ['veth-b', 2]] as const) {
        const link = byName.get(veth);
        expect(link?.linkinfo?.info_kind).toBe('veth');
        expect(link?.master).toBe('br0');
        // The peer lives in the container namespace: link_netnsid is the id recorded for it.
        expect(link?.link_netnsid).toBe(snap().namespaces[nsIndex]!.nsid);
      }
      const brctl = stdout(0, 'brctl-show');
      expect(brctl).toMatch(/^br0\s+\S+\s+(no|yes)\s+veth-[ab]$/m);
      expect(brctl).toMatch(/^\s+veth-[ab]$/m);
      const ports = (JSON.parse(stdout(0, 'bridge-link')) as LinkJson[]).filter((p) => p.master === 'br0').map((p) => p.ifname).sort();
      expect(ports).toEqual(['veth-a', 'veth-b']);
      expect(addressesOf(stdout(0, 'ip-addr'))).toContain('198.51.100.1/24');
    });

    it('shows the container side: its address and its peer back in the host namespace', () => {
      const links = JSON.parse(stdout(1, 'ip-link')) as LinkJson[];
      const eth0 = links.find((l) => l.ifname === 'eth0');
      expect(eth0?.linkinfo?.info_kind).toBe('veth');
      expect(eth0?.link_netnsid).toEqual(expect.any(Number));
      expect(addressesOf(stdout(1, 'ip-addr'))).toContain('198.51.100.2/24');
      expect(addressesOf(stdout(2, 'ip-addr'))).toContain('198.51.100.3/24');
      expect(snap().namespaces[1]!.sources.sysctl?.stdout).toMatch(/^net\.ipv4\.ip_forward = 0$/m);
    });

    it('shows the MASQUERADE rule and the sysctl set in the host namespace', () => {
      expect(stdout(0, 'iptables-save')).toMatch(/^\[\d+:\d+\] -A POSTROUTING -s 198\.51\.100\.0\/24 ! -o br0 -j MASQUERADE$/m);
      expect(stdout(0, 'sysctl')).toMatch(/^net\.ipv4\.ip_forward = 1$/m);
      expect(stdout(0, 'iptables-version')).toMatch(/^iptables v\d/);
      // The container namespaces have no rules of their own.
      expect(snap().namespaces[1]!.sources['iptables-save']?.stdout ?? '').not.toContain('MASQUERADE');
    });

    it('takes the policy routing rules of each namespace, both families, pretty-printed', () => {
      const names = ['host', NS_A, NS_B];
      snap().namespaces.forEach((ns, i) => {
        const prefix = i === 0 ? '' : `ip netns exec ${names[i]!} `;
        expect(ns.sources['ip-rule']?.command).toBe(`${prefix}ip -j -p rule show`);
        expect(ns.sources['ip6-rule']?.command).toBe(`${prefix}ip -j -p -6 rule show`);
        expect(stdout(i, 'ip-rule')).toMatch(/^\s+"priority": 32766,$/m);
        if (HAS_IPV6) expect(stdout(i, 'ip6-rule')).toMatch(/^\s+"priority": 32766,$/m);
      });
      expect(stdout(1, 'ip-rule')).toMatch(/^\s+"src": "172\.18\.0\.0",$/m);
      expect(stdout(0, 'ip-rule')).not.toContain('172.18.0.0');
      expect(stdout(2, 'ip-rule')).not.toContain('172.18.0.0');
    });

    it('builds the rules into the model: the lab rule in its namespace, the kernel defaults elsewhere', () => {
      const model = buildHost(snap());
      const rulesOf = (name: string, family: 4 | 6) =>
        model.namespaceByName.get(name)?.policyRules?.[family]?.map((r) => `${r.priority} ${r.from ? formatCidr(r.from) : 'all'} ${r.table ?? r.action}`);
      expect(rulesOf(NS_A, 4)).toEqual(['0 all local', '100 172.18.0.0/16 100', '32766 all main', '32767 all default']);
      expect(rulesOf(NS_B, 4)).toEqual(['0 all local', '32766 all main', '32767 all default']);
      expect(rulesOf('host', 4)).toEqual(['0 all local', '32766 all main', '32767 all default']);
      if (HAS_IPV6) {
        expect(rulesOf(NS_A, 6)).toEqual(['0 all local', '200 2001:db8::/32 200', '32766 all main']);
        expect(rulesOf(NS_B, 6)).toEqual(['0 all local', '32766 all main']);
      }
      const rule = model.namespaceByName.get(NS_A)!.policyRules![4]!.find((r) => r.priority === 100)!;
      expect(rule.evidence).toMatchObject({ source: `netns:${NS_A}/ip-rule`, text: expect.stringContaining('"priority": 100') });
    });
  });
});

if (skipReason) {
  describe('netns lab', () => {
    it.skip(`skipped: ${skipReason}`, () => {});
  });
}
