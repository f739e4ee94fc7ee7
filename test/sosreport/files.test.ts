/**
 * The file sources of a sosreport: sos copies /etc/resolv.conf (a symlink to systemd-resolved's stub, as sos
 * keeps it), /run/systemd/resolve/resolv.conf and /etc/docker/daemon.json at their real paths; what it did not
 * copy is not collected (not absent), and command lines, which sos does not copy, are said so.
 */
import { describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import { sosreportFileSources } from '../../src/snapshot/sosreport/files.js';
import { MemoryTree, type TreeEntry } from '../../src/snapshot/sosreport/memory-tree.js';

const file = (text: string): TreeEntry => ({ kind: 'file', data: Buffer.from(text) });

describe('sosreport file sources', () => {
  it('reads the copies sos made at their real paths, through its symlinks', async () => {
    const tree = new MemoryTree(
      'sosreport-web01',
      new Map<string, TreeEntry>([
        ['etc/resolv.conf', { kind: 'symlink', target: '../run/systemd/resolve/stub-resolv.conf' }],
        ['run/systemd/resolve/stub-resolv.conf', file('nameserver 127.0.0.53\nsearch corp.example\n')],
        ['run/systemd/resolve/resolv.conf', file('nameserver 192.0.2.53\n')],
        ['etc/docker/daemon.json', file('{ "iptables": false }\n')],
        ['etc/cni/net.d/10-flannel.conflist', file('{"name":"cbr0","plugins":[{"type":"flannel"}]}\n')],
      ]),
    );
    const files = await sosreportFileSources(tree);
    expect(files['resolv-conf']).toEqual({ status: 'ok', files: [{ path: '/etc/resolv.conf', status: 'ok', content: 'nameserver 127.0.0.53\nsearch corp.example\n', encoding: 'utf8' }] });
    expect(files['resolved-resolv-conf']?.files[0]?.content).toBe('nameserver 192.0.2.53\n');
    expect(files['docker-daemon-json']?.status).toBe('ok');
    expect(files['runtime-cmdlines']).toEqual({ status: 'not-collected', reason: 'a sosreport holds no /proc/PID/cmdline of the processes', files: [] });
    expect(files['flannel-subnet-env']).toEqual({ status: 'not-collected', reason: 'the sosreport holds no copy of /run/flannel/subnet.env', files: [] });
    expect(files['cni-conf']?.files.map((f) => f.path)).toEqual(['/etc/cni/net.d/10-flannel.conflist']);
  });

  it('gives the model the host\'s resolvers and Docker\'s settings', async () => {
    const tree = new MemoryTree('sos', new Map<string, TreeEntry>([['etc/resolv.conf', file('nameserver 192.0.2.53\n')], ['etc/docker/daemon.json', file('{ "firewall-backend": "nftables" }')]]));
    const snapshot = {
      schema: 'netaudit/snapshot@1' as const,
      meta: { collector: { name: 'sos report', version: '4.8' }, notes: [] },
      namespaces: [{ name: 'host', kind: 'host' as const, sources: {}, files: await sosreportFileSources(tree) }],
      sysctlFiles: { status: 'not-collected' as const, files: [] },
    };
    const host = buildHost(snapshot);
    expect(host.host.resolvers?.nameservers.map((s) => s.address)).toEqual(['192.0.2.53']);
    expect(host.runtime?.docker?.firewallBackend).toMatchObject({ value: 'nftables', origin: 'daemon.json' });
  });
});
