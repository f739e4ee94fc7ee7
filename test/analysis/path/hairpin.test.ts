/**
 * Hairpin and localhost connections to a published port (src/analysis/path/hairpin.ts), on the rule's
 * fixtures captured from a real kernel (Docker without its userland proxy, br_netfilter on, web's bridge port
 * with hairpin mode off or on), and on those captures with one thing changed: the hairpin MASQUERADE
 * removed, br_netfilter off, route_localnet=0 on docker0. test/e2e/field-hairpin.e2e.test.ts proves each
 * case with probes.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPublishedPorts } from '../../../src/analysis/netfilter/index.js';
import { PathEngine } from '../../../src/analysis/path/engine.js';
import { brokenHairpins, hairpinConnections, type HairpinConnection } from '../../../src/analysis/path/hairpin.js';
import { buildHost } from '../../../src/model/build.js';
import { loadInput } from '../../../src/snapshot/load.js';
import type { Snapshot } from '../../../src/snapshot/schema.js';
import { PROJECT_ROOT } from '../../helpers/corpus.js';

const FIXTURES = path.join(PROJECT_ROOT, 'fixtures/rules/published-port-hairpin-broken');
const PORT = 'tcp/8080->172.17.0.2:80';

/** The fixture's raw directory, copied with some files replaced (or added) by `edits` of their text. */
async function snapshotOf(side: 'fail' | 'pass', edits: Record<string, (text: string) => string> = {}): Promise<Snapshot> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netaudit-hairpin-'));
  try {
    cpSync(path.join(FIXTURES, side), dir, { recursive: true });
    for (const [file, edit] of Object.entries(edits)) {
      const target = path.join(dir, file);
      writeFileSync(target, edit(existsSync(target) ? readFileSync(target, 'utf8') : ''));
    }
    return (await loadInput(dir)).snapshot;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function connections(snapshot: Snapshot): { all: HairpinConnection[]; broken: HairpinConnection[] } {
  const host = buildHost(snapshot);
  const port = findPublishedPorts(host.host).find((p) => p.name === PORT);
  if (!port) throw new Error(`no published port ${PORT}`);
  return { all: hairpinConnections(new PathEngine(host), host.host, port), broken: brokenHairpins(new PathEngine(host), host.host, port) };
}

const hostSteps = (c: HairpinConnection) => c.result.request.steps.filter((s) => s.namespace === 'host');

describe('hairpin connections of a published port', () => {
  it('hairpin mode off under br_netfilter: the container\'s own connection dies at the bridge, naming the port and the sysctl', async () => {
    const { broken } = connections(await snapshotOf('fail'));
    expect(broken.map((c) => [c.kind, c.from])).toEqual([['container', 'web']]);
    const last = broken[0]!.result.request.steps.at(-1)!;
    expect(last).toMatchObject({ namespace: 'host', stage: 'bridge', verdict: 'drop' });
    expect(last.note).toMatch(/towards veth3c5a6e1, the port it came in by, whose hairpin mode is off/);
    expect(last.evidence.map((e) => e.text)).toContain('net.bridge.bridge-nf-call-iptables = 1');
  });

  it('hairpin mode on: the DNAT and the hairpin MASQUERADE both apply to the connection in the host, and the bridge sends it back out', async () => {
    const { all, broken } = connections(await snapshotOf('pass'));
    expect(broken).toEqual([]);
    const container = all.find((c) => c.kind === 'container')!;
    const steps = hostSteps(container);
    expect(steps.find((s) => s.stage === 'prerouting' && s.verdict === 'dnat')?.packet).toMatch(/> 172\.17\.0\.2:80$/);
    expect(steps.find((s) => s.stage === 'postrouting' && s.verdict === 'snat')?.packet).toMatch(/^tcp 172\.17\.0\.1:\d+ > 172\.17\.0\.2:80$/);
    expect(steps.some((s) => s.stage === 'bridge' && /has hairpin mode on/.test(s.note))).toBe(true);
    // web's listening sockets were not collected: the end is unknown, never a verdict.
    expect(container.result.verdict).toBe('unknown');
  });

  it('without br_netfilter the translated packet is routed from the bridge\'s own stack: hairpin mode does not matter', async () => {
    const snapshot = await snapshotOf('fail', { 'sysctl-a.txt': (t) => t.replace('net.bridge.bridge-nf-call-iptables = 1', 'net.bridge.bridge-nf-call-iptables = 0') });
    const { all, broken } = connections(snapshot);
    expect(broken).toEqual([]);
    expect(hostSteps(all.find((c) => c.kind === 'container')!).some((s) => s.stage === 'bridge' && s.verdict === 'drop')).toBe(false);
  });

  it('the hairpin MASQUERADE gone: the container answers itself, the DNAT is never reversed, and its own socket resets the reply', async () => {
    const withoutMasquerade = await snapshotOf('pass', {
      'iptables-save.txt': (t) => t.replace(/^.*-s 172\.17\.0\.2\/32 -d 172\.17\.0\.2\/32 .*MASQUERADE\n/m, ''),
      // web's sockets, so that the request is delivered and the reply followed.
      'netns/web/ss-tlnp.txt': () => 'LISTEN 0      511    *:80 *:* users:(("nginx",pid=812,fd=6))\n',
    });
    const { broken } = connections(withoutMasquerade);
    expect(broken.map((c) => c.kind)).toEqual(['container']);
    const reply = broken[0]!.result.reply!;
    expect(reply.steps.every((s) => s.namespace === 'web')).toBe(true);
    expect(reply.steps.at(-1)?.note).toMatch(/^the reply comes from 172\.17\.0\.2:80, but the sender sent to 192\.0\.2\.10:8080: the destination NAT of namespace host was not reversed/);
    expect(reply.steps.at(-1)?.evidence.map((e) => e.text)).toContainEqual(expect.stringMatching(/-j DNAT --to-destination 172\.17\.0\.2:80$/));
  });

  it('route_localnet=0 on docker0: the host\'s connection to 127.0.0.1 is refused a route with its loopback source after the OUTPUT DNAT', async () => {
    const snapshot = await snapshotOf('pass', { 'sysctl-a.txt': (t) => t.replace('net.ipv4.conf.docker0.route_localnet = 1', 'net.ipv4.conf.docker0.route_localnet = 0') });
    const { broken } = connections(snapshot);
    const localhost = broken.find((c) => c.kind === 'localhost');
    expect(localhost?.packet.dst).toBe(0x7f000001n);
    const last = localhost!.result.request.steps.at(-1)!;
    expect(last).toMatchObject({ namespace: 'host', stage: 'sysctl', verdict: 'drop' });
    expect(last.note).toMatch(/leave by docker0 with the loopback source 127\.0\.0\.1 .*route_localnet = 0/);
    expect(last.evidence.map((e) => e.text)).toEqual(['net.ipv4.conf.docker0.route_localnet = 0']);
  });
});
