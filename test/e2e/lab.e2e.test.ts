/**
 * The lab harness itself: the healthy baseline really carries traffic along every path the audit
 * scenarios break, and reset() really brings it back. No netaudit code is involved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from './lab.js';
import { PROBE_NAMES, PROBES, runProbes } from './probes.js';
import { labSupport, warnIfUnsupported } from './support.js';
import { TOPOLOGY } from './topology.js';

const support = labSupport();
warnIfUnsupported('netns lab harness', support);

describe.skipIf(!support.ok)('netns lab harness', () => {
  const lab = new Lab('l');

  beforeAll(async () => {
    await lab.create();
  });
  afterAll(() => {
    lab.destroy();
  });

  it('the healthy baseline passes every probe', async () => {
    const results = await runProbes(lab, PROBE_NAMES);
    for (const name of PROBE_NAMES) expect(results.get(name)?.ok, `${PROBES[name].what}: ${results.get(name)?.detail}`).toBe(true);
  });

  it('reset() undoes link, address, route, sysctl and iptables changes and recreates a deleted container', async () => {
    lab.ip('host', 'link', 'set', TOPOLOGY.bridge, 'down');
    lab.ip('host', 'route', 'del', 'default');
    lab.sysctl('host', 'net.ipv4.ip_forward', 0);
    lab.exec('host', ['iptables', '-F', 'FORWARD']);
    lab.ip('host', 'link', 'add', 'vethdead0', 'type', 'veth', 'peer', 'name', 'vethdead1');
    lab.removeContainer('c2');
    const broken = await runProbes(lab, ['c1PingInternet', 'c1TcpC2']);
    expect(broken.get('c1PingInternet')?.ok, 'ping from c1 to the internet fails with the bridge down').toBe(false);
    expect(broken.get('c1TcpC2')?.ok, 'c1 cannot reach c2 once c2 is gone').toBe(false);

    await lab.restore();
    expect(lab.hostLinks().sort()).toEqual([...['lo', TOPOLOGY.uplink, TOPOLOGY.bridge, TOPOLOGY.containers.c1.veth, TOPOLOGY.containers.c2.veth]].sort());
    const results = await runProbes(lab, PROBE_NAMES);
    for (const name of PROBE_NAMES) expect(results.get(name)?.ok, `${PROBES[name].what} after reset: ${results.get(name)?.detail}`).toBe(true);
  });
});
