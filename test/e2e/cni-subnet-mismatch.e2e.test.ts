/**
 * cni-subnet-mismatch on a real kernel (root only). A namespace plays a Kubernetes node after a reset: its
 * bridge cni0 still holds the old pod subnet's gateway 10.244.1.1/24 while flannel's lease
 * (/run/flannel/subnet.env) now says FLANNEL_SUBNET=10.244.2.1/24. Two pods hang off cni0: `pod-new` got
 * 10.244.2.5 from the new subnet (gateway 10.244.2.1), `pod-old` kept 10.244.1.5 (gateway 10.244.1.1).
 *
 * What the kernel can prove, and what it cannot: it cannot show the bridge plugin refusing a pod ("cni0 already
 * has an IP address different from 10.244.2.1/24": that is the plugin's own check), so the proof is that
 * - the address collected from the bridge and the file disagree (the audit names both lines), and
 * - a pod addressed from the file's subnet cannot use the bridge: its gateway 10.244.2.1 is on no interface,
 *   so its ARP request goes unanswered (neighbour FAILED/INCOMPLETE) and ping fails, and the bridge's own
 *   address is not on its link, so ping to 10.244.1.1 fails too; while the pod of the old subnet reaches
 *   10.244.1.1 through the same bridge (the plumbing works: only the subnets differ).
 *
 * The node namespace is collected with the collectors' own commands (SOURCES argv, `ip netns exec`) into a
 * raw-output directory, the files added under files/. With NETAUDIT_WRITE_FIXTURES=1 the directories are
 * written to fixtures/rules/cni-subnet-mismatch/{fail,pass} (the pass side: subnet.env agrees with cni0).
 * Only namespaces named `ncni<pid>-…` that this test creates are touched.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectedArgv } from '../../src/collect/collected-argv.js';
import { findExecutable } from '../../src/collect/which.js';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog } from '../../src/engine/catalog.js';
import type { AuditResult } from '../../src/engine/types.js';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import { SOURCES } from '../../src/snapshot/sources.js';
import { must, PATH_ENV, run } from '../collect/lab-commands.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

const PREFIX = `ncni${process.pid % 100000}`;
const NODE = `${PREFIX}-node`;
const POD_NEW = `${PREFIX}-new`;
const POD_OLD = `${PREFIX}-old`;
const RULE = 'cni-subnet-mismatch';

/** The CNI configuration kube-flannel installs (kube-flannel.yml, cni-conf.json). */
const FLANNEL_CONFLIST = `{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "flannel",
      "delegate": {
        "hairpinMode": true,
        "isDefaultGateway": true
      }
    },
    {
      "type": "portmap",
      "capabilities": {
        "portMappings": true
      }
    }
  ]
}
`;

/** Container ids as containerd writes them into host-local's allocation files (made up, 64 hex digits). */
const CONTAINER_IDS = ['3f1d8a2c9b7e4f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718', '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d'];

const subnetEnv = (subnet: string) => `FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=${subnet}\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n`;

function labSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'CNI subnet lab needs root (creates network namespaces)';
  for (const tool of ['ip', 'ping']) if (!findExecutable(tool, PATH_ENV)) return `CNI subnet lab needs ${tool}`;
  const probe = `${PREFIX}-probe`;
  const added = run(['ip', 'netns', 'add', probe], 5000);
  if (!added.ok) return `ip netns does not work here: ${added.err.trim()}`;
  run(['ip', 'netns', 'del', probe], 5000);
  return undefined;
}

const skipReason = labSkipReason();
if (skipReason) console.warn(`SKIP: ${skipReason}`);

const inNs = (ns: string, ...argv: string[]) => must(['ip', 'netns', 'exec', ns, ...argv]);
const ping = (ns: string, address: string) => run(['ip', 'netns', 'exec', ns, 'ping', '-c', '2', '-W', '1', '-i', '0.3', address], 15_000);

function addPod(pod: string, hostEnd: string, address: string, gateway: string): void {
  must(['ip', 'netns', 'add', pod]);
  inNs(NODE, 'ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod);
  inNs(NODE, 'ip', 'link', 'set', hostEnd, 'master', 'cni0');
  inNs(NODE, 'ip', 'link', 'set', hostEnd, 'up');
  inNs(pod, 'ip', 'link', 'set', 'lo', 'up');
  inNs(pod, 'ip', 'link', 'set', 'eth0', 'up');
  inNs(pod, 'ip', 'addr', 'add', address, 'dev', 'eth0');
  inNs(pod, 'ip', 'route', 'add', 'default', 'via', gateway);
}

/** The node namespace's outputs by the collectors' own commands, as a raw-output directory. */
async function captureNode(dir: string, flannelSubnet: string, allocated: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const spec of SOURCES) {
    if (spec.rawFile === undefined || spec.hostOnly || spec.id === 'sysctl') continue;
    const argv = collectedArgv(spec);
    if (!findExecutable(argv[0]!, PATH_ENV)) continue;
    const r = run(['ip', 'netns', 'exec', NODE, ...argv]);
    if (r.ok && r.out.trim() !== '') await writeFile(path.join(dir, spec.rawFile), r.out);
  }
  const files = path.join(dir, 'files');
  await mkdir(path.join(files, 'run/flannel'), { recursive: true });
  await writeFile(path.join(files, 'run/flannel/subnet.env'), subnetEnv(flannelSubnet));
  await mkdir(path.join(files, 'etc/cni/net.d'), { recursive: true });
  await writeFile(path.join(files, 'etc/cni/net.d/10-flannel.conflist'), FLANNEL_CONFLIST);
  // host-local's store: the pods' allocations (container id, then interface), and the last one handed out.
  const store = path.join(files, 'var/lib/cni/networks/cbr0');
  await mkdir(store, { recursive: true });
  for (const [i, address] of allocated.entries()) await writeFile(path.join(store, address), `${CONTAINER_IDS[i]!}\r\neth0`);
  await writeFile(path.join(store, 'last_reserved_ip.0'), allocated.at(-1)!);
}

async function audit(dir: string): Promise<AuditResult> {
  const { snapshot } = await loadInput(dir);
  return runAudit(buildHost(snapshot), await loadRuleCatalog(), { input: dir });
}

describe.skipIf(skipReason !== undefined)('cni-subnet-mismatch: cni0 keeps the old subnet after a node reset', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'netaudit-ncni-'));
    must(['ip', 'netns', 'add', NODE]);
    inNs(NODE, 'ip', 'link', 'set', 'lo', 'up');
    inNs(NODE, 'ip', 'link', 'add', 'cni0', 'type', 'bridge');
    inNs(NODE, 'ip', 'link', 'set', 'cni0', 'up');
    inNs(NODE, 'ip', 'addr', 'add', '10.244.1.1/24', 'dev', 'cni0');
    addPod(POD_NEW, 'veth2c5', '10.244.2.5/24', '10.244.2.1');
    addPod(POD_OLD, 'veth1c5', '10.244.1.5/24', '10.244.1.1');
    await captureNode(path.join(work, 'fail'), '10.244.2.1/24', ['10.244.1.5', '10.244.2.5']);
    await captureNode(path.join(work, 'pass'), '10.244.1.1/24', ['10.244.1.5']);
  });

  afterAll(async () => {
    for (const ns of [POD_NEW, POD_OLD, NODE]) run(['ip', 'netns', 'del', ns], 10_000);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the kernel: a pod of the file\'s subnet reaches neither its gateway nor the bridge; a pod of the bridge\'s subnet does', () => {
    expect(ping(POD_OLD, '10.244.1.1').ok, 'pod-old → 10.244.1.1 (control: the bridge passes traffic)').toBe(true);
    expect(ping(POD_NEW, '10.244.2.1').ok, 'pod-new → its gateway 10.244.2.1').toBe(false);
    expect(ping(POD_NEW, '10.244.1.1').ok, 'pod-new → the bridge\'s address 10.244.1.1').toBe(false);
    // The gateway's ARP request went unanswered: no interface of the node holds 10.244.2.1.
    const neigh = inNs(POD_NEW, 'ip', 'neigh', 'show', '10.244.2.1');
    expect(neigh).toMatch(/FAILED|INCOMPLETE/);
    expect(inNs(NODE, 'ip', '-4', '-o', 'addr', 'show', 'dev', 'cni0')).toContain('10.244.1.1/24');
  });

  it('the audit names the bridge, its collected address and the file line that disagree', async () => {
    const result = await audit(path.join(work, 'fail'));
    const findings = result.findings.filter((f) => f.ruleId === RULE);
    expect(findings.map((f) => f.subject)).toEqual([{ kind: 'bridge', name: 'cni0', namespace: 'host' }]);
    const [finding] = findings;
    expect(finding!.message).toContain('10.244.1.1/24');
    expect(finding!.message).toContain('10.244.2.0/24');
    const sources = finding!.evidence.map((e) => `${e.source}: ${e.text}`);
    // The bridge's own ip addr element comes first: that is where the disagreement is.
    expect(sources[0]).toMatch(/^ip-addr: "ifname": "cni0"/);
    expect(sources).toContain('/run/flannel/subnet.env: FLANNEL_SUBNET=10.244.2.1/24');
    expect(sources.some((s) => s.startsWith('/etc/cni/net.d/10-flannel.conflist') && s.includes('"flannel"'))).toBe(true);
    // The old pod's allocation is outside the new subnet: quoted; the new pod's is not.
    expect(sources.some((s) => s.startsWith('/var/lib/cni/networks/cbr0/10.244.1.5'))).toBe(true);
    expect(sources.some((s) => s.startsWith('/var/lib/cni/networks/cbr0/10.244.2.5'))).toBe(false);
  });

  it('stays silent when subnet.env agrees with the bridge', async () => {
    const result = await audit(path.join(work, 'pass'));
    expect(result.findings.filter((f) => f.ruleId === RULE)).toEqual([]);
    expect(result.passed.some((p) => p.ruleId === RULE && p.subject.name === 'cni0')).toBe(true);
  });

  it.runIf(process.env.NETAUDIT_WRITE_FIXTURES === '1')('writes the rule fixtures', async () => {
    for (const side of ['fail', 'pass'] as const) {
      const target = path.join(PROJECT_ROOT, 'fixtures/rules', RULE, side);
      if (existsSync(target)) await rm(target, { recursive: true });
      await cp(path.join(work, side), target, { recursive: true });
    }
  });
});
