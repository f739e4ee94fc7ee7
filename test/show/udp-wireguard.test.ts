/** `show` of the UDP sockets (ss -Hulnp) and the WireGuard listen ports (wg show all listen-port) of a namespace. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import { renderShowText } from '../../src/show/text.js';
import { hostView } from '../../src/show/view.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

const viewOf = async (name: string) => hostView(buildHost((await loadInput(path.join(PROJECT_ROOT, 'fixtures', 'wireguard', name))).snapshot));

describe('show: UDP sockets and WireGuard ports', () => {
  it('lists the kernel\'s UDP sockets without a process, and wg0\'s port', async () => {
    const view = await viewOf('blocked');
    const host = view.namespaces[0]!;
    expect(host.udpListeners).toEqual([
      { address: '0.0.0.0', port: 51820, processes: [] },
      { address: '::', port: 51820, processes: [] },
    ]);
    expect(host.wireguard).toEqual([{ interface: 'wg0', port: 51820 }]);
    const text = renderShowText(view);
    expect(text).toMatch(/ {2}UDP sockets \(bound, not connected; no process: the kernel's own, or ss without root\)\n {4}0\.0\.0\.0:51820 {2}-\n {4}:::51820 +-\n/);
    expect(text).toMatch(/ {2}WireGuard listen ports\n {4}wg0 {2}UDP 51820\n/);
  });

  it('wg not collected: no WireGuard section, the source listed as not collected', async () => {
    const view = await viewOf('no-wg-tool');
    expect(view.namespaces[0]!.wireguard).toBeUndefined();
    expect(renderShowText(view)).not.toContain('WireGuard listen ports');
    expect(view.sources).toContainEqual(expect.objectContaining({ namespace: 'host', source: 'wg-listen-port', status: 'not-collected' }));
  });
});
