/**
 * A bridge exists in a namespace only when ip link of that namespace lists it: `brctl show` run in a
 * container's namespace entered with nsenter prints the collector's own bridges (it reads /sys).
 */
import { describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import { hostLinks } from '../helpers/docker-host.js';
import { makeSnapshot } from '../helpers/snapshot.js';

const containerLinks = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, operstate: 'UNKNOWN', link_type: 'loopback' },
  { ifindex: 2, link_index: 7, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', link_type: 'ether', link_netnsid: 0, linkinfo: { info_kind: 'veth' } },
]);
/** What brctl printed inside the container: the host's docker0 and its port. */
const hostsBrctl = 'bridge name\tbridge id\t\tSTP enabled\tinterfaces\ndocker0\t\t8000.0242ac110001\tno\t\tveth1a2b3c4\n';

function containerWith(sources: Record<string, string>) {
  return buildHost(makeSnapshot({ 'ip-link': hostLinks, 'brctl-show': hostsBrctl }, { namespaces: [{ name: 'pid:4242', kind: 'container', sources }] }));
}

describe('bridges that ip link of the namespace does not list', () => {
  it('are dropped from a container namespace whose brctl shows the host\'s bridges, with a note', () => {
    const host = containerWith({ 'ip-link': containerLinks, 'brctl-show': hostsBrctl });
    const container = host.namespaceByName.get('pid:4242')!;
    expect(container.bridges).toEqual([]);
    expect(container.bridgeByName.has('docker0')).toBe(false);
    const notes = host.notes.filter((n) => n.source === 'netns:pid:4242/brctl-show');
    expect(notes).toEqual([{ source: 'netns:pid:4242/brctl-show', line: 2, message: expect.stringContaining('bridge docker0 and its 1 port ignored: ip link of namespace pid:4242 does not list docker0') }]);
    // The host's own brctl agrees with its ip link: its bridge stays, with its port.
    expect(host.host.bridges.map((b) => [b.name, b.ports.map((p) => p.name)])).toEqual([['docker0', ['veth1a2b3c4']]]);
  });

  it('are dropped when only bridge -j link names them', () => {
    const bridgeLink = JSON.stringify([{ ifindex: 7, ifname: 'veth1a2b3c4', flags: ['UP'], mtu: 1500, master: 'docker0', state: 'forwarding' }]);
    const host = containerWith({ 'ip-link': containerLinks, 'bridge-link': bridgeLink });
    expect(host.namespaceByName.get('pid:4242')!.bridges).toEqual([]);
    expect(host.notes.some((n) => n.source === 'netns:pid:4242/bridge-link' && n.message.startsWith('bridge docker0 ignored'))).toBe(true);
  });

  it('keep a listed bridge but drop a port that ip link does not list', () => {
    const brctl = 'bridge name\tbridge id\t\tSTP enabled\tinterfaces\ndocker0\t\t8000.0242ac110001\tno\t\tveth1a2b3c4\n\t\t\t\t\t\tvethgone\n';
    const host = buildHost(makeSnapshot({ 'ip-link': hostLinks, 'brctl-show': brctl }));
    expect(host.host.bridges[0]!.ports.map((p) => p.name)).toEqual(['veth1a2b3c4']);
    expect(host.notes).toContainEqual({ source: 'brctl-show', line: 3, message: expect.stringContaining('port of docker0 vethgone ignored') });
  });

  it('are kept when ip link of the namespace was not collected (nothing to check against)', () => {
    const host = containerWith({ 'brctl-show': hostsBrctl });
    expect(host.namespaceByName.get('pid:4242')!.bridges.map((b) => b.name)).toEqual(['docker0']);
  });
});
