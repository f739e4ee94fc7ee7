/**
 * Issue "Snapshot, collectors…", Done when: in a live Docker-like netns lab, the node collector and
 * the POSIX sh collector (run by dash and by busybox sh) inside the host namespace give snapshots on
 * which `netaudit show` reports exactly the topology built.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostView, NamespaceView } from '../../src/show/view.js';
import { Lab } from './lab.js';
import { collect, ensureBuilt, showJson, showText, SnapshotText, writeCollectorScript, type CollectorKind } from './netaudit.js';
import { PROBE_NAMES, PROBES, runProbes } from './probes.js';
import { labSupport, warnIfUnsupported } from './support.js';
import { CONTAINERS, TOPOLOGY } from './topology.js';

const T = TOPOLOGY;
const COLLECTORS: CollectorKind[] = ['node', 'sh', 'busybox-sh'];

const support = labSupport();
warnIfUnsupported('netaudit show e2e', support);

function namespace(view: HostView, name: string): NamespaceView {
  const ns = view.namespaces.find((n) => n.name === name);
  if (!ns) throw new Error(`namespace ${name} not in show output (have ${view.namespaces.map((n) => n.name).join(', ')})`);
  return ns;
}

function iface(ns: NamespaceView, name: string) {
  const found = ns.interfaces.find((i) => i.name === name);
  if (!found) throw new Error(`interface ${name} not in namespace ${ns.name} (have ${ns.interfaces.map((i) => i.name).join(', ')})`);
  return found;
}

/** What every collector must agree on, independent of counters, timings and interface indexes. */
function topologyDigest(view: HostView) {
  return view.namespaces.map((ns) => ({
    name: ns.name,
    kind: ns.kind,
    forwarding: ns.forwarding.ipv4,
    interfaces: ns.interfaces.map((i) => [i.name, i.kind, i.adminUp, i.mtu, i.master ?? null, i.forwarding, i.addresses.filter((a) => !a.startsWith('fe80')).sort()]),
    bridges: ns.bridges.map((b) => [b.name, b.subnets, b.ports.map((p) => p.name).sort()]),
    veths: ns.veths.map((v) => [v.name, v.master ?? null, v.peer]),
    routes: ns.routes.filter((r) => r.family === 4 && r.table === 'main').map((r) => [r.dst, r.via ?? null, r.dev ?? null]),
    nat: ns.netfilter.flatMap((r) => r.nat.map((n) => n.rule.replace(/^\[\d+:\d+\]\s*/, ''))),
  }));
}

describe.skipIf(!support.ok)('netaudit show on snapshots collected in a live netns lab', () => {
  const lab = new Lab('s');
  let dir = '';
  let script = '';
  const views = new Map<CollectorKind, HostView>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netaudit-e2e-show-'));
    ensureBuilt();
    await lab.create();
  });

  afterAll(() => {
    lab.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the lab carries traffic on every path (container egress, published port, container to container)', async () => {
    const results = await runProbes(lab, PROBE_NAMES);
    for (const name of PROBE_NAMES) expect(results.get(name)?.ok, `${PROBES[name].what}: ${results.get(name)?.detail}`).toBe(true);
  });

  describe.each(COLLECTORS)('%s collector', (kind) => {
    let snapshot = '';
    let view: HostView;
    let host: NamespaceView;

    beforeAll(async () => {
      if (kind !== 'node' && !script) {
        script = path.join(dir, 'netaudit-collect.sh');
        writeCollectorScript(script);
      }
      snapshot = path.join(dir, `${kind}.json`);
      await collect(lab, kind, snapshot, script);
      view = showJson<HostView>(snapshot);
      views.set(kind, view);
      host = namespace(view, 'host');
    });

    it('collects the host namespace first, then both container namespaces under their netns names', () => {
      expect(view.namespaces.map((n) => n.name)).toEqual(['host', lab.ns.c1, lab.ns.c2]);
      expect(view.namespaces.map((n) => n.kind)).toEqual(['host', 'named', 'named']);
      for (const s of view.sources.filter((s) => ['ip-link', 'ip-addr', 'ip-route', 'sysctl'].includes(s.source))) {
        expect(s.status, `${s.namespace}/${s.source}: ${s.reason ?? s.parseError ?? ''}`).toBe('ok');
        expect(s.parseError).toBeUndefined();
      }
      expect(view.sources.find((s) => s.namespace === 'host' && s.source === 'iptables-save')?.status).toBe('ok');
    });

    it('shows docker0 with its subnet and exactly the two container veths as ports', () => {
      expect(host.bridges.map((b) => b.name)).toEqual([T.bridge]);
      const bridge = host.bridges[0]!;
      expect(bridge.subnets).toContain(T.bridgeSubnet);
      expect(bridge.ports.map((p) => p.name).sort()).toEqual(CONTAINERS.map((c) => T.containers[c].veth).sort());
      for (const port of bridge.ports) expect(port.up, `port ${port.name} up`).toBe(true);
      expect(iface(host, T.bridge)).toMatchObject({ kind: 'bridge', adminUp: true, mtu: T.mtu });
      expect(iface(host, T.bridge).addresses).toContain(`${T.bridgeAddress}/${T.bridgePrefixLen}`);
    });

    it('resolves each container veth to its peer interface in the container namespace', () => {
      for (const c of CONTAINERS) {
        const veth = host.veths.find((v) => v.name === T.containers[c].veth);
        expect(veth, `veth ${T.containers[c].veth}`).toBeDefined();
        expect(veth).toMatchObject({ master: T.bridge, peer: { namespace: lab.ns[c], name: T.containerIf } });
        const inContainer = namespace(view, lab.ns[c]);
        expect(inContainer.veths.find((v) => v.name === T.containerIf)?.peer).toEqual({ namespace: 'host', name: T.containers[c].veth });
        expect(iface(inContainer, T.containerIf).addresses).toContain(`${T.containers[c].address}/${T.bridgePrefixLen}`);
      }
      // The uplink's peer lives in the internet namespace, which was not collected: unresolved, not invented.
      const uplink = host.veths.find((v) => v.name === T.uplink);
      expect(uplink?.peer).toHaveProperty('unresolved');
    });

    it('shows forwarding: ip_forward 1 in the host and on each host interface, 0 in the containers', () => {
      expect(host.forwarding.ipv4).toBe(1);
      for (const name of [T.uplink, T.bridge, T.containers.c1.veth, T.containers.c2.veth]) expect(iface(host, name).forwarding, `${name} forwarding`).toBe(1);
      for (const c of CONTAINERS) expect(namespace(view, lab.ns[c]).forwarding.ipv4).toBe(0);
    });

    it('shows the MASQUERADE and DNAT rules at their lines of iptables-save, and FORWARD policy DROP', () => {
      const text = new SnapshotText(snapshot);
      const ruleset = host.netfilter.find((r) => r.source === 'iptables-save');
      expect(ruleset, 'host ruleset from iptables-save').toBeDefined();
      const masquerade = ruleset!.nat.find((n) => n.chain === 'POSTROUTING' && n.rule.includes(`-s ${T.bridgeSubnet} ! -o ${T.bridge} -j MASQUERADE`));
      const dnat = ruleset!.nat.find((n) => n.chain === 'DOCKER' && n.rule.includes(`--dport ${T.publishedPort} -j DNAT --to-destination ${T.containers.c1.address}:${T.serverPort}`));
      expect(masquerade, 'MASQUERADE for the bridge subnet').toBeDefined();
      expect(dnat, 'DNAT of the published port').toBeDefined();
      for (const rule of [masquerade!, dnat!]) expect(text.line('iptables-save', rule.line)?.trim()).toBe(rule.rule);
      expect(ruleset!.chains.find((c) => c.table === 'filter' && c.name === 'FORWARD')?.policy).toBe('DROP');
      expect(ruleset!.chains.find((c) => c.table === 'filter' && c.name === 'DOCKER-USER')).toBeDefined();
    });

    it('shows the routes: host default via the internet, bridge subnet on docker0, container defaults via docker0', () => {
      const main = (ns: NamespaceView) => ns.routes.filter((r) => r.family === 4 && r.table === 'main');
      expect(main(host)).toContainEqual(expect.objectContaining({ dst: 'default', via: T.internetAddress, dev: T.uplink }));
      expect(main(host)).toContainEqual(expect.objectContaining({ dst: T.bridgeSubnet, dev: T.bridge }));
      expect(main(host)).toContainEqual(expect.objectContaining({ dst: T.uplinkSubnet, dev: T.uplink }));
      for (const c of CONTAINERS) {
        expect(main(namespace(view, lab.ns[c]))).toContainEqual(expect.objectContaining({ dst: 'default', via: T.bridgeAddress, dev: T.containerIf }));
      }
    });

    it('lists every route once (IPv6 routes come from ip6-route only)', () => {
      for (const ns of view.namespaces) {
        const seen = new Set<string>();
        const repeated: string[] = [];
        for (const r of ns.routes) {
          const key = `${r.table} ${r.type} ${r.dst} ${r.dev ?? ''} ${r.via ?? ''} ${r.metric ?? ''}`;
          if (seen.has(key)) repeated.push(key);
          seen.add(key);
        }
        expect(repeated, `routes listed more than once in ${ns.name}`).toEqual([]);
      }
    });

    it('shows the TCP server listening in c1', () => {
      expect(namespace(view, lab.ns.c1).listeners.map((l) => l.port)).toContain(T.serverPort);
    });

    it('text format names the bridge, its ports, the veth peers, forwarding, NAT rules and routes', () => {
      const text = showText(snapshot);
      expect(text).toContain(`Namespace ${lab.ns.c1}`);
      expect(text).toContain('net.ipv4.ip_forward=1');
      expect(text).toMatch(new RegExp(`${T.bridge} \\(UP\\) subnets ${T.bridgeSubnet.replace(/\./g, '\\.')}`));
      for (const c of CONTAINERS) {
        expect(text).toContain(`port ${T.containers[c].veth}`);
        expect(text).toMatch(new RegExp(`${T.containers[c].veth}\\s.*master ${T.bridge}\\s.*peer ${T.containerIf} in ${lab.ns[c]}`));
      }
      expect(text).toContain(`-s ${T.bridgeSubnet} ! -o ${T.bridge} -j MASQUERADE`);
      expect(text).toContain(`-j DNAT --to-destination ${T.containers.c1.address}:${T.serverPort}`);
      expect(text).toContain(`default via ${T.internetAddress} dev ${T.uplink}`);
    });
  });

  it('the node, dash and busybox sh collectors agree on the topology', () => {
    const node = views.get('node');
    expect(node, 'node collector snapshot').toBeDefined();
    for (const kind of COLLECTORS.filter((k) => k !== 'node')) {
      const other = views.get(kind);
      expect(other, `${kind} collector snapshot`).toBeDefined();
      expect(topologyDigest(other!), `${kind} vs node`).toEqual(topologyDigest(node!));
    }
  });
});
