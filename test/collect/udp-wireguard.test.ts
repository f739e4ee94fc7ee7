/**
 * ss -Hulnp and wg show all listen-port in both collectors (Node, and the sh collector under dash and busybox
 * sh), against fake commands, in the host and in a named namespace: the UDP sockets are collected as the TCP
 * listeners are; a missing wg is not-collected with its reason (not failed), a wg that could not read one device
 * keeps its stderr beside the devices it read, and the model reads both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/collect/which.js';
import { buildHost } from '../../src/model/build.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { addNamedNamespace, type CollectorKind, comparable, fake, FAKE_TOOLS, type FakeHost, makeFakeHost, removeFakeHost, runCollector } from './fake-host.js';

const KINDS: CollectorKind[] = ['node', ...(findExecutable('dash', process.env) ? (['dash'] as const) : []), ...(findExecutable('busybox', process.env) ? (['busybox'] as const) : [])];

const SS_ULNP = 'ss -Hulnp';
const WG = 'wg show all listen-port';
const HOST_UDP = 'UNCONN 0      0      127.0.0.53%lo:53        0.0.0.0:* users:(("systemd-resolve",pid=612,fd=13))\nUNCONN 0      0            0.0.0.0:51820      0.0.0.0:*\n';
const BLUE_UDP = 'UNCONN 0      0            0.0.0.0:5353       0.0.0.0:* users:(("avahi-daemon",pid=700,fd=12))\n';
const BLUE_WG_ERR = 'Unable to access interface wg1: Operation not permitted\n';

async function twoNamespaces(tools: string[]): Promise<FakeHost> {
  const host = await makeFakeHost({ tools });
  await addNamedNamespace(host, 'blue');
  await fake(host, 'ip -j netns list', { out: '[{"name":"blue","id":3}]\n' });
  await fake(host, 'ip netns list', { out: 'blue (id: 3)\n' });
  await fake(host, SS_ULNP, { out: HOST_UDP });
  await fake(host, SS_ULNP, { out: BLUE_UDP }, 'blue');
  return host;
}

describe('ss -Hulnp, and wg not installed', () => {
  let host: FakeHost;
  const snapshots = new Map<CollectorKind, Snapshot>();
  beforeAll(async () => {
    host = await twoNamespaces(FAKE_TOOLS);
    for (const kind of KINDS) snapshots.set(kind, (await runCollector(kind, host, { netns: ['blue'], timeoutSeconds: 5 })).snapshot);
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  it.each(KINDS)('%s: the UDP sockets of each namespace, wg not-collected in each', (kind) => {
    const [hostNs, blue] = snapshots.get(kind)!.namespaces;
    expect(hostNs!.sources['ss-ulnp']).toMatchObject({ status: 'ok', command: SS_ULNP, exitCode: 0, stdout: HOST_UDP });
    expect(blue!.sources['ss-ulnp']).toMatchObject({ status: 'ok', command: `ip netns exec blue ${SS_ULNP}`, stdout: BLUE_UDP });
    expect(hostNs!.sources['wg-listen-port']).toMatchObject({ status: 'not-collected', reason: 'wg is not installed', command: WG, exitCode: null });
    expect(blue!.sources['wg-listen-port']).toMatchObject({ status: 'not-collected', reason: 'wg is not installed', command: `ip netns exec blue ${WG}` });
    const model = buildHost(snapshots.get(kind)!);
    expect(model.host.udpListeners.map((l) => [l.localAddress, l.localPort, l.processes[0]?.name])).toEqual([
      ['127.0.0.53', 53, 'systemd-resolve'],
      ['0.0.0.0', 51820, undefined],
    ]);
    expect(model.namespaceByName.get('blue')!.udpListeners.map((l) => l.localPort)).toEqual([5353]);
    expect(model.host.wireguard).toBeUndefined();
    expect(model.host.sources.get('wg-listen-port')).toMatchObject({ status: 'not-collected', reason: 'wg is not installed' });
  });

  it.skipIf(KINDS.length < 2)('the collectors agree', () => {
    const reference = snapshots.get('node')!;
    for (const kind of KINDS.slice(1)) {
      for (const [i, ns] of snapshots.get(kind)!.namespaces.entries()) {
        for (const id of ['ss-ulnp', 'wg-listen-port']) expect(comparable(ns.sources[id]), `${kind} ${ns.name} ${id}`).toEqual(comparable(reference.namespaces[i]!.sources[id]));
      }
    }
  });
});

describe('wg installed', () => {
  let host: FakeHost;
  const snapshots = new Map<CollectorKind, Snapshot>();
  beforeAll(async () => {
    host = await twoNamespaces([...FAKE_TOOLS, 'wg']);
    await fake(host, WG, { out: 'wg0\t51820\n' });
    // wg read wg2 but not wg1: it reports wg1 on stderr and still exits 0 (show.c).
    await fake(host, WG, { out: 'wg2\t51822\n', err: BLUE_WG_ERR, rc: 0 }, 'blue');
    for (const kind of KINDS) snapshots.set(kind, (await runCollector(kind, host, { netns: ['blue'], timeoutSeconds: 5 })).snapshot);
  });
  afterAll(async () => {
    if (host) await removeFakeHost(host);
  });

  it.each(KINDS)('%s: each namespace\'s devices and ports, and the device wg could not read', (kind) => {
    const [hostNs, blue] = snapshots.get(kind)!.namespaces;
    expect(hostNs!.sources['wg-listen-port']).toMatchObject({ status: 'ok', command: WG, exitCode: 0, stdout: 'wg0\t51820\n' });
    expect(blue!.sources['wg-listen-port']).toMatchObject({ status: 'ok', command: `ip netns exec blue ${WG}`, stdout: 'wg2\t51822\n', stderr: BLUE_WG_ERR });
    const model = buildHost(snapshots.get(kind)!);
    expect(model.host.wireguard?.ports.map((p) => [p.interface, p.port])).toEqual([['wg0', 51820]]);
    const blueWg = model.namespaceByName.get('blue')!.wireguard!;
    expect(blueWg.ports.map((p) => [p.interface, p.port])).toEqual([['wg2', 51822]]);
    expect(blueWg.unreadable).toEqual(new Map([['wg1', 'Operation not permitted']]));
  });

  it.each(KINDS)('%s: no WireGuard device at all is an empty source', async (kind) => {
    await fake(host, WG, { out: '' });
    const snapshot = (await runCollector(kind, host, { timeoutSeconds: 5 })).snapshot;
    expect(snapshot.namespaces[0]!.sources['wg-listen-port']).toMatchObject({ status: 'empty', exitCode: 0 });
    expect(buildHost(snapshot).host.wireguard).toEqual({ ports: [], unreadable: new Map() });
    await fake(host, WG, { out: 'wg0\t51820\n' });
  });
});
