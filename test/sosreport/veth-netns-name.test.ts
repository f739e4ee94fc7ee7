/**
 * veth peers named by namespace in ip's text (`link-netns NAME`, where JSON gives `link_netnsid`): a
 * sosreport's `ip -s -d link` and a namespace's `ip address show` pair up across namespaces, whichever end
 * was listed without -d, and never with an interface that does not point back.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import type { Namespace } from '../../src/model/types.js';
import { parseIpLinkText } from '../../src/parse/text/ip-link.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { SNAPSHOT_SCHEMA_ID } from '../../src/snapshot/schema-id.js';
import { loadInput } from '../../src/snapshot/load.js';
import { PROJECT_ROOT } from '../cli/run.js';

const peers = (ns: Namespace) => ns.veths.map((v) => [v.interface.name, v.peer.resolved ? `${v.peer.namespace}/${v.peer.name}` : `unresolved: ${v.peer.reason}`]);

function snapshotOf(namespaces: Record<string, string>): Snapshot {
  return {
    schema: SNAPSHOT_SCHEMA_ID,
    meta: { collector: { name: 'test', version: '0' }, notes: [] },
    namespaces: Object.entries(namespaces).map(([name, link]) => ({
      name,
      kind: name === 'host' ? 'host' : 'named',
      sources: { 'ip-link': { status: 'ok', command: 'ip -d link', exitCode: 0, stdout: link, stdoutEncoding: 'utf8', stderr: '', stderrEncoding: 'utf8', durationMs: 0, truncated: false, format: 'text' } },
    })),
    sysctlFiles: { status: 'not-collected', files: [] },
  } as Snapshot;
}

const HOST = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0
    loopback
2: docker0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000
    link/ether 02:42:ac:11:00:01 brd ff:ff:ff:ff:ff:ff promiscuity 0
    bridge forward_delay 1500 hello_time 200 max_age 2000
7: vethab12cd3@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master docker0 state UP mode DEFAULT group default qlen 1000
    link/ether 0a:58:0a:f4:00:01 brd ff:ff:ff:ff:ff:ff link-netns blue promiscuity 1
    veth
    bridge_slave state forwarding priority 32 cost 2
`;
/** ip address show in the container, without -d, as sos 4.0 collects a namespace's links. */
const BLUE = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
    link/ether 0a:58:0a:f4:00:02 brd ff:ff:ff:ff:ff:ff link-netns lab-host
    inet 172.18.0.2/16 scope global eth0
       valid_lft forever preferred_lft forever
`;

describe('link-netns NAME', () => {
  it('the text parser keeps the peer\'s namespace by name and the peer\'s index', () => {
    const entries = parseIpLinkText({ source: 'ip-link', text: HOST }).value;
    expect(entries.find((e) => e.ifname === 'vethab12cd3')).toMatchObject({ linkIndex: 2, linkNetnsName: 'blue' });
    expect(entries.find((e) => e.ifname === 'vethab12cd3')!.linkNetnsId).toBeUndefined();
  });

  it('pairs the host\'s veth with the container\'s end, and the container\'s end (kind guessed without -d) is a veth', () => {
    const host = buildHost(snapshotOf({ host: HOST, blue: BLUE }));
    expect(peers(host.host)).toEqual([['vethab12cd3', 'blue/eth0']]);
    const blue = host.namespaceByName.get('blue')!;
    // `link-netns lab-host` names the namespace sos ran in, which the snapshot calls host: found by the pair pointing back
    expect(peers(blue)).toEqual([['eth0', 'host/vethab12cd3']]);
    expect(blue.interfaceByName.get('eth0')!.kind).toBe('veth');
  });

  it('an interface at the peer index that does not point back is no peer, and nothing is promoted', () => {
    const other = BLUE.replace('eth0@if7', 'eth0@if9');
    const host = buildHost(snapshotOf({ host: HOST, blue: other }));
    expect(peers(host.host)).toEqual([['vethab12cd3', 'unresolved: peer ifindex 2 is in namespace blue; none of the 1 other collected namespaces holds it']]);
    expect(host.namespaceByName.get('blue')!.interfaceByName.get('eth0')!.kind).toBe('physical');
  });

  it('a peer namespace that was not collected is named in the reason, and counts as another namespace', () => {
    const host = buildHost(snapshotOf({ host: HOST }));
    const veth = host.host.veths[0]!;
    expect(veth.peer).toMatchObject({ resolved: false, netnsName: 'blue', index: 2 });
  });

  it('the real sosreports: host and container ends pair up, the uplink\'s peer names its namespace', async () => {
    const host = buildHost((await loadInput(path.join(PROJECT_ROOT, 'fixtures/sosreport/healthy'))).snapshot);
    expect(peers(host.host)).toEqual([
      ['eth0', 'unresolved: peer ifindex 2 is in namespace nasos-inet; none of the 1 other collected namespaces holds it'],
      ['veth1a2b3c4', 'nasos-c1/eth0'],
    ]);
    expect(peers(host.namespaceByName.get('nasos-c1')!)).toEqual([['eth0', 'host/veth1a2b3c4']]);
  });
});
