/**
 * ss -Hulnp and wg show all listen-port redacted: process names become tokens and addresses are mapped as in
 * ss -Htlnp, WireGuard device names are replaced only with --redact-interfaces (as every interface name is),
 * every line stays where it was, and the redacted WireGuard snapshot audits to the same finding.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { buildHost } from '../../src/model/build.js';
import { redactSnapshot } from '../../src/redact/snapshot.js';
import { loadInput } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

const key = () => ({ secret: Buffer.alloc(32, 7), tokens: new Map<string, string>() });
const UDP = 'UNCONN 0      0      10.20.30.7%eth0:5353   0.0.0.0:* users:(("billing-mdns",pid=4242,fd=7))\nUNCONN 0      0            0.0.0.0:51820      0.0.0.0:*\n';

let catalog: RuleCatalog;
let blocked: Snapshot;
beforeAll(async () => {
  catalog = await loadRuleCatalog();
  blocked = (await loadInput(path.join(PROJECT_ROOT, 'fixtures', 'wireguard', 'blocked'))).snapshot;
});

function withUdp(snapshot: Snapshot): Snapshot {
  const copy = structuredClone(snapshot);
  copy.namespaces[0]!.sources['ss-ulnp']!.stdout = UDP;
  copy.namespaces[0]!.sources['ss-ulnp']!.status = 'ok';
  return copy;
}

describe('redacting ss -Hulnp and wg show all listen-port', () => {
  it('ss -Hulnp: the process name a token, the address mapped, the kernel\'s socket kept, lines in place', () => {
    const { snapshot, dropped } = redactSnapshot(withUdp(blocked), key(), { redactInterfaces: false });
    expect(dropped).toEqual([]);
    const lines = snapshot.namespaces[0]!.sources['ss-ulnp']!.stdout.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).not.toContain('billing-mdns');
    expect(lines[0]).not.toContain('10.20.30.7');
    expect(lines[0]).toMatch(/^UNCONN 0 {6}0 {6}10\.\d+\.\d+\.\d+%eth0:5353 +0\.0\.0\.0:\* users:\(\("process-[0-9a-f]+",pid=4242,fd=7\)\)$/);
    expect(lines[1]).toBe('UNCONN 0      0            0.0.0.0:51820      0.0.0.0:*');
  });

  it('wg show all listen-port: kept by default, the device renamed with --redact-interfaces as in ip link', () => {
    expect(redactSnapshot(blocked, key(), { redactInterfaces: false }).snapshot.namespaces[0]!.sources['wg-listen-port']!.stdout).toBe('wg0\t51820\n');
    const { snapshot } = redactSnapshot(blocked, key(), { redactInterfaces: true });
    const wg = snapshot.namespaces[0]!.sources['wg-listen-port']!.stdout;
    expect(wg).toMatch(/^\S+\t51820\n$/);
    const renamed = wg.split('\t')[0]!;
    expect(renamed).not.toBe('wg0');
    expect(snapshot.namespaces[0]!.sources['ip-link']!.stdout).toContain(`"ifname": "${renamed}"`);
  });

  it('the redacted WireGuard snapshot gives the same finding, on the renamed device, at the same lines', async () => {
    const audit = async (s: Snapshot) => (await runAudit(buildHost(s), catalog, { input: 'wg', only: ['overlay-port-blocked'] })).findings;
    const before = await audit(blocked);
    const after = await audit(redactSnapshot(blocked, key(), { redactInterfaces: true }).snapshot);
    expect(before).toHaveLength(1);
    expect(after.map((f) => f.evidence.map((e) => `${e.source}:${e.line}`))).toEqual(before.map((f) => f.evidence.map((e) => `${e.source}:${e.line}`)));
    expect(after[0]!.subject.name).not.toBe('wg0');
  });
});
